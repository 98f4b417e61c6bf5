"""attendances: "I'll come" to one date of an activity, with its waiting list

Revision ID: 0021
Revises: 0017
"""

import advanced_alchemy.types  # noqa: F401 - the models' DateTimeUTC
import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("activity_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=20), nullable=False),
        sa.Column("starts_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_key", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("token_nonce", sa.String(length=64), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("confirmed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("reminded_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["activity_id"], ["activities.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("activity_id", "occurrence", "email_key", name="uq_attendances_person"),
        sa.UniqueConstraint("token_hash"),
    )
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.create_index("ix_attendances_created", ["created_at"], unique=False)
        batch_op.create_index("ix_attendances_date", ["activity_id", "occurrence", "status"], unique=False)
        batch_op.create_index("ix_attendances_starts", ["starts_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.drop_index("ix_attendances_starts")
        batch_op.drop_index("ix_attendances_date")
        batch_op.drop_index("ix_attendances_created")
    op.drop_table("attendances")
