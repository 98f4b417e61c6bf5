"""page views

Revision ID: 0018
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_views",
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], ondelete="CASCADE"),
        # The upsert's conflict target: one row per space and day.
        sa.PrimaryKeyConstraint("space_id", "day"),
    )


def downgrade() -> None:
    op.drop_table("page_views")
