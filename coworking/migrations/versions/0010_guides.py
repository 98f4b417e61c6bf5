"""guides, and revisions of subjects that belong to no country

Revision ID: 0010
Revises: 0009
"""

import advanced_alchemy.types  # noqa: F401 - autogenerate writes the models' DateTimeUTC with it
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "guides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("slug"),
    )
    op.create_table(
        "guide_texts",
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["guide_id"], ["guides.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("guide_id", "language"),
    )
    # A guide belongs to the whole network, not to a country: its revisions have none.
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.alter_column("country_code", existing_type=sa.String(length=2), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM revisions WHERE country_code IS NULL")
    with op.batch_alter_table("revisions", schema=None) as batch_op:
        batch_op.alter_column("country_code", existing_type=sa.String(length=2), nullable=False)
    op.drop_table("guide_texts")
    op.drop_table("guides")
