"""The baselines for benchmarks/run.py: a Jinja page of about 8 KB (``/``) and a small JSON answer (``/json``).

Same framework (Litestar), same server (uvicorn, one worker) and about the same page size as the
directory's pages, with nothing else: no database session, no middleware, no CSRF, no compression,
no translations. ``/json`` is the baseline of the map part: a small dict serialised by Litestar
(msgspec), as the GeoJSON and search APIs are, with no database behind it. Run by run.py as ``uvicorn --app-dir benchmarks bare_app:app``.
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


# About the size of a small API answer: a few keys, a short list.
SMALL = {
    "type": "FeatureCollection",
    "zoom": 8,
    "total": 3,
    "bbox": [20.5, 55.5, 28.5, 58.2],
    "features": [{"slug": f"space-{number}", "name": f"Coworking space number {number}"} for number in range(1, 4)],
}


@get("/json", sync_to_thread=False)
def small_json() -> dict:
    return SMALL


app = Litestar(
    route_handlers=[index, small_json],
    template_config=TemplateConfig(directory=TEMPLATES, engine=JinjaTemplateEngine),
)
