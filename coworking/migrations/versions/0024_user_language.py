"""user language: the language the site writes to an account in

Revision ID: 0024
Revises: 0023

Existing accounts get none (NULL): their mail is in the site's default language until they sign in again
(the sign-in's language is kept) or choose one on their account page.
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("language")
