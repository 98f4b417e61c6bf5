"""residents' stories

Revision ID: 0016
Revises: 0015
"""

import advanced_alchemy.types  # noqa: F401 - the models' DateTimeUTC
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("space_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("resident_name", sa.String(length=80), nullable=True),
        sa.Column("photo_key", sa.String(length=40), nullable=True),
        sa.Column("photo_sizes", sa.JSON(), nullable=True),
        sa.Column("photo_alt", sa.String(length=300), nullable=True),
        sa.Column("consent_given_by", sa.String(length=200), nullable=True),
        sa.Column("consent_date", sa.Date(), nullable=False),
        sa.Column("consent_shows", sa.JSON(), nullable=False),
        sa.Column("consent_recorded_by", sa.Integer(), nullable=True),
        sa.Column("consent_recorded_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("published_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("removed_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column("removed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["consent_recorded_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["published_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["removed_by"], ["users.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["space_id"], ["spaces.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("photo_key"),
    )
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.create_index("ix_stories_published", ["published_at"], unique=False)
        batch_op.create_index("ix_stories_space", ["space_id", "published_at"], unique=False)
    op.create_table(
        "story_removal_requests",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["story_id"], ["stories.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("submission_id"),
    )
    with op.batch_alter_table("story_removal_requests", schema=None) as batch_op:
        batch_op.create_index("ix_story_removal_requests_story", ["story_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("story_removal_requests", schema=None) as batch_op:
        batch_op.drop_index("ix_story_removal_requests_story")
    op.drop_table("story_removal_requests")
    with op.batch_alter_table("stories", schema=None) as batch_op:
        batch_op.drop_index("ix_stories_space")
        batch_op.drop_index("ix_stories_published")
    op.drop_table("stories")
