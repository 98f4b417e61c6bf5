"""Alembic environment: runs the migrations against the URL set by coworking.migrations.migrate()."""

from alembic import context

from coworking.core.db import make_engine
from coworking.migrations import METADATA, include_object

config = context.config


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=METADATA,
            render_as_batch=connection.dialect.name == "sqlite",
            include_object=include_object,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
