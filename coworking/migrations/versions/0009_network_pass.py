"""network pass

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("network_pass_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("network_pass_conditions", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("spaces", schema=None) as batch_op:
        batch_op.drop_column("network_pass_conditions")
        batch_op.drop_column("network_pass_days")
