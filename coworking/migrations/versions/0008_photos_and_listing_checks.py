"""photos and listing checks

Revision ID: 0008
Revises: 0007
"""

import advanced_alchemy.types  # noqa: F401 - autogenerate writes the models' DateTimeUTC with it
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listing_checks",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("sent_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("expires_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("answered_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("answer", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("listing_checks", schema=None) as batch_op:
        batch_op.create_index("ix_listing_checks_space", ["space_id", "sent_at"], unique=False)

    op.create_table(
        "space_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("sizes", sa.JSON(), nullable=False),
        sa.Column("alt_text", sa.String(length=300), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column("created_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("removed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("space_photos", schema=None) as batch_op:
        batch_op.create_index("ix_space_photos_space", ["space_id", "position"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("space_photos", schema=None) as batch_op:
        batch_op.drop_index("ix_space_photos_space")

    op.drop_table("space_photos")
    with op.batch_alter_table("listing_checks", schema=None) as batch_op:
        batch_op.drop_index("ix_listing_checks_space")

    op.drop_table("listing_checks")
