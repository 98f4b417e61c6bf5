"""activities as RFC 5545 series in their space's time zone

Revision ID: 0015
Revises: 0014
"""

import advanced_alchemy.types  # noqa: F401 - the models' DateTimeUTC
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("time_zone", sa.String(length=64), server_default="UTC", nullable=False))
        batch.add_column(sa.Column("rrule", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("exceptions", sa.JSON(), server_default="[]", nullable=False))
        batch.add_column(
            sa.Column("last_ends_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("status", sa.String(length=12), server_default="scheduled", nullable=False))
        batch.add_column(
            sa.Column("paused_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
        )
        batch.add_column(sa.Column("at_space", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column("online_url", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("capacity", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("price_note", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch.create_index("ix_activities_last_ends", ["last_ends_at"])

    bind = op.get_bind()
    activities = sa.table(
        "activities",
        sa.column("id", sa.Integer),
        sa.column("space_id", sa.Integer),
        sa.column("starts_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)),
        sa.column("ends_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)),
        sa.column("recurrence", sa.String),
        sa.column("recurrence_until", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)),
        sa.column("time_zone", sa.String),
        sa.column("rrule", sa.String),
        sa.column("last_ends_at", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)),
    )
    spaces = sa.table("spaces", sa.column("id", sa.Integer), sa.column("country_code", sa.String))
    # The old weekly flag becomes its rule; a one-off ends when it ends. The zone is the country's, as pages
    # showed times before.
    from coworking.core.i18n import timezone_for_country

    rows = bind.execute(
        sa.select(
            activities.c.id,
            activities.c.starts_at,
            activities.c.ends_at,
            activities.c.recurrence,
            activities.c.recurrence_until,
            spaces.c.country_code,
        ).join(spaces, spaces.c.id == activities.c.space_id)
    ).all()
    for row in rows:
        values: dict[str, object] = {"time_zone": timezone_for_country(row.country_code)}
        if row.recurrence == "weekly" and row.starts_at is not None:
            until = f";UNTIL={row.recurrence_until:%Y%m%dT%H%M%SZ}" if row.recurrence_until else ""
            values["rrule"] = "FREQ=WEEKLY" + until
            # The last date starts by the until and lasts as the first did; no until: no end (NULL).
            duration = (row.ends_at - row.starts_at) if row.ends_at else None
            values["last_ends_at"] = row.recurrence_until + duration if row.recurrence_until and duration else row.recurrence_until
        elif row.starts_at is not None:
            values["last_ends_at"] = row.ends_at or row.starts_at
        bind.execute(sa.update(activities).where(activities.c.id == row.id).values(**values))

    with op.batch_alter_table("activities") as batch:
        batch.drop_column("recurrence")
        batch.drop_column("recurrence_until")


def downgrade() -> None:
    with op.batch_alter_table("activities") as batch:
        batch.add_column(sa.Column("recurrence", sa.String(length=10), nullable=True))
        batch.add_column(
            sa.Column("recurrence_until", advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True)
        )
    op.execute("UPDATE activities SET recurrence = 'weekly' WHERE rrule LIKE 'FREQ=WEEKLY%'")
    with op.batch_alter_table("activities") as batch:
        batch.drop_index("ix_activities_last_ends")
        for column in (
            "time_zone",
            "rrule",
            "exceptions",
            "last_ends_at",
            "status",
            "paused_at",
            "at_space",
            "online_url",
            "capacity",
            "price_note",
            "version",
        ):
            batch.drop_column(column)
