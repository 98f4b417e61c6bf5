"""An index to prune the online geocoder's answer cache by age and size.

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_geocode_cache_provider_created", "geocode_cache", ["provider", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_geocode_cache_provider_created", table_name="geocode_cache")
