"""space translations: a listing's description in further languages (issue #14)

Revision ID: 0025
Revises: 0024

One row per space and language, with the digest of the text it was translated from (to flag it as perhaps
out of date once that text changes). English and the country's own description stay where they were.
"""

import sqlalchemy as sa
from advanced_alchemy.types import DateTimeUTC
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "space_translations",
        sa.Column("space_id", sa.Integer(), sa.ForeignKey("spaces.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("language", sa.String(length=8), primary_key=True),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("source_digest", sa.String(length=64), nullable=True),
        sa.Column("updated_at", DateTimeUTC(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("space_translations")
