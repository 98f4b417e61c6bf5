"""visit requests

Revision ID: 0014
Revises: 0013
"""

import advanced_alchemy.types  # noqa: F401 - the models' DateTimeUTC
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ALTER TABLE, not a batch: SQLite's batch would copy the table, dropping the spatial index's
    # triggers on it (migration 0002); SQLite adds a column with a constant default in place.
    op.add_column("spaces", sa.Column("visit_requests_open", sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table(
        "visit_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("confirmed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("answered_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("answered_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["answered_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("visit_requests", schema=None) as batch_op:
        batch_op.create_index("ix_visit_requests_created", ["created_at"], unique=False)
        batch_op.create_index("ix_visit_requests_space", ["space_id", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_requests_space")
        batch_op.drop_index("ix_visit_requests_created")
    op.drop_table("visit_requests")
    op.drop_column("spaces", "visit_requests_open")  # SQLite 3.35+ drops a column in place, keeping the triggers
