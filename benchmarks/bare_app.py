"""The baseline for benchmarks/run.py: one GET handler rendering a Jinja page of about 8 KB, no database.

Same framework (Litestar), same server (uvicorn, one worker) and about the same page size as the
directory's pages, with nothing else: no database session, no middleware, no CSRF, no compression,
no translations. Run by run.py as ``uvicorn --app-dir benchmarks bare_app:app``.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar, get
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template.config import TemplateConfig

TEMPLATES = Path(__file__).resolve().parent / "templates"

# Twenty rows, like one page of search results.
ITEMS = [
    {
        "slug": f"space-{number}",
        "name": f"Coworking space number {number}",
        "town": "Cēsis",
        "region": "Vidzeme",
        "country": "Latvia",
        "amenities": ["wifi", "fibre", "kitchen", "meeting room"],
    }
    for number in range(1, 21)
]


@get("/", sync_to_thread=False)
def index() -> Template:
    return Template(template_name="bare.html", context={"title": "Rural coworking", "items": ITEMS})


app = Litestar(
    route_handlers=[index],
    template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
)
