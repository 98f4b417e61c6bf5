"""full-text search: the listings' words, name and place columns, and their index

Revision ID: 0023
Revises: 0022
Create Date: 2026-11-29 05:20:00

``spaces.search_text`` becomes the listing's words (core.text.search_words: folded, letters and digits,
one space between) instead of its folded text; ``search_name`` and ``search_place`` hold the name's and
the place's words, which rank the results. The index: an FTS5 table over ``search_text`` on SQLite (external
content, kept in step by triggers whoever writes), a GIN index over the same words as a tsvector on
PostgreSQL over a generated tsvector column of those words (kept in step by PostgreSQL itself).
"""

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

# The one normaliser, imported rather than copied: these columns are derived data, and a later change of
# the rule (issue #14) brings its own migration to recompute them.
from coworking.core.text import fold, search_words

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

BATCH = 5_000

SQLITE_FTS = (
    # Every typed word is a prefix query ("ces"*). FTS5 answers one of up to 6 letters from its own prefix
    # index, read lazily like a whole word; a longer one by merging the lists of every word that starts so,
    # in memory, before anything else: "space"* "berg"* on 100,000 spaces took 11.5 ms with prefix='1 2 3',
    # 1.1 ms with these (the index grew from 15 to 24 MB).
    "CREATE VIRTUAL TABLE spaces_fts USING fts5(search_text, content='spaces', content_rowid='id', "
    "prefix='1 2 3 4 5 6', tokenize='unicode61')",
    "INSERT INTO spaces_fts(spaces_fts) VALUES ('rebuild')",
    # An external-content table forgets a row only when told its old text: the triggers tell it.
    "CREATE TRIGGER spaces_fts_insert AFTER INSERT ON spaces BEGIN "
    "INSERT INTO spaces_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER spaces_fts_delete AFTER DELETE ON spaces BEGIN "
    "INSERT INTO spaces_fts(spaces_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER spaces_fts_update AFTER UPDATE OF search_text ON spaces BEGIN "
    "INSERT INTO spaces_fts(spaces_fts, rowid, search_text) VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO spaces_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
# The words as a tsvector, taken as they are (no parser, no dictionary), as FTS5 takes them. Stored (a
# generated column, which PostgreSQL keeps in step with search_text) rather than an expression index: a
# word of most spaces makes the planner scan the table, and recomputing it row by row cost 350 ms a query.
POSTGRES_INDEX = (
    "ALTER TABLE spaces ADD COLUMN search_vector tsvector "
    "GENERATED ALWAYS AS (array_to_tsvector(string_to_array(search_text, ' '))) STORED",
    "CREATE INDEX ix_spaces_search_vector ON spaces USING gin (search_vector)",
)


def _words(*parts: str | None) -> str:
    return " ".join(word for part in parts for word in search_words(part))


def _fill(bind: sa.engine.Connection, columns: Callable[[sa.Row], dict[str, str]]) -> None:
    """Set every space's search columns to ``columns(row)`` of its texts, in batches."""
    spaces = sa.table(
        "spaces",
        *(sa.column(name) for name in ("id", "name", "town", "region", "description", "description_local")),
    )
    rows = bind.execute(sa.select(spaces)).all()
    for start in range(0, len(rows), BATCH):
        values = [{"space_id": row.id, **columns(row)} for row in rows[start : start + BATCH]]
        names = [name for name in values[0] if name != "space_id"]
        target = sa.table("spaces", sa.column("id"), *(sa.column(name) for name in names))
        bind.execute(
            sa.update(target).where(target.c.id == sa.bindparam("space_id")).values({name: sa.bindparam(name) for name in names}),
            values,
        )


def _word_columns(row: sa.Row) -> dict[str, str]:
    return {
        "search_text": _words(row.name, row.town, row.region, row.description, row.description_local),
        "search_name": _words(row.name),
        "search_place": _words(row.town, row.region),
    }


def _folded_text(row: sa.Row) -> dict[str, str]:
    """What 0022 and before stored: the listing's texts folded."""
    return {"search_text": fold(" ".join(filter(None, (row.name, row.town, row.region, row.description, row.description_local))))}


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: SQLite would copy the table and lose the R*Tree's triggers.
    op.add_column(
        "spaces",
        sa.Column("search_name", sa.Text().with_variant(sa.Text(collation="C"), "postgresql"), server_default="", nullable=False),
    )
    op.add_column("spaces", sa.Column("search_place", sa.Text(), server_default="", nullable=False))
    bind = op.get_bind()
    _fill(bind, _word_columns)
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        for statement in POSTGRES_INDEX:
            op.execute(statement)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS spaces_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS spaces_fts")
        op.execute("ALTER TABLE spaces DROP COLUMN search_place")
        op.execute("ALTER TABLE spaces DROP COLUMN search_name")
    else:
        op.execute("DROP INDEX IF EXISTS ix_spaces_search_vector")
        op.execute("ALTER TABLE spaces DROP COLUMN IF EXISTS search_vector")
        op.drop_column("spaces", "search_place")
        op.drop_column("spaces", "search_name")
    _fill(bind, _folded_text)
