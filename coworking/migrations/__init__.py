"""Bringing a database up to date: the Alembic migrations, then the reference data (the gazetteer).

Alembic reads one metadata: importing every domain's models here puts all their tables in it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from coworking.accounts import models as _accounts  # noqa: F401
from coworking.activities import models as _activities  # noqa: F401
from coworking.attendance import models as _attendance  # noqa: F401
from coworking.core import mail as _mail  # noqa: F401
from coworking.core import ratelimit as _ratelimit  # noqa: F401
from coworking.core.db import make_engine, normalize_url
from coworking.core.models import Base
from coworking.exchange import models as _exchange  # noqa: F401
from coworking.follows import models as _follows  # noqa: F401
from coworking.geo import models as _geo  # noqa: F401
from coworking.geo.gazetteer import ensure_gazetteer
from coworking.guides import models as _guides  # noqa: F401
from coworking.moderation import models as _moderation  # noqa: F401
from coworking.networks import models as _networks  # noqa: F401
from coworking.pageviews import models as _pageviews  # noqa: F401
from coworking.reviews import models as _reviews  # noqa: F401
from coworking.revisions import models as _revisions  # noqa: F401
from coworking.spaces import models as _spaces  # noqa: F401
from coworking.stories import models as _stories  # noqa: F401
from coworking.visits import models as _visits  # noqa: F401

MIGRATIONS_DIR = Path(__file__).resolve().parent
METADATA = Base.metadata


def include_object(obj, name, type_, reflected, compare_to) -> bool:  # noqa: ANN001
    """Autogenerate skips the spatial and the full-text indexes (SQLite's R*Tree and FTS5 tables,
    PostgreSQL's GiST expression index, its generated tsvector column and GIN index): the models cannot
    describe them, migrations 0002 and 0023 own them."""
    if type_ == "table" and name.startswith(("spaces_rtree", "spaces_fts")):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    return not (type_ == "index" and name in ("ix_spaces_location", "ix_spaces_search_vector"))


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Alembic's config is ConfigParser-based: a literal % must be doubled.
    config.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return config


def migrate(url: str) -> None:
    """Bring the database schema and its reference data up to date (creates both on first start)."""
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    try:
        ensure_gazetteer(engine)
    finally:
        engine.dispose()


