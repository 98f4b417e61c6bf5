"""The ``coworking`` command: seed the database and serve the site (both migrate first)."""

from __future__ import annotations

import click

from coworking.core.settings import Settings


@click.group()
def main() -> None:
    """Rural coworking directory."""


@main.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from coworking.migrations import migrate as run_migrations

    run_migrations(Settings.from_env().database_url)
    click.echo("Database schema is up to date.")


@main.command()
@click.option(
    "--seed-dir",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Folder with spaces.csv and networks.csv.",
)
def seed(seed_dir: str | None) -> None:
    """Load the real seed data; running it again adds only new rows."""
    from pathlib import Path

    from sqlalchemy.orm import Session

    from coworking.core.db import make_engine
    from coworking.exchange.seed import SEED_DIR
    from coworking.exchange.seed import seed as load_seed
    from coworking.migrations import migrate as run_migrations

    settings = Settings.from_env()
    run_migrations(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        report = load_seed(session, Path(seed_dir) if seed_dir else SEED_DIR)
    engine.dispose()
    click.echo(
        f"Spaces: {report.spaces_added} added, {report.spaces_kept} already there. "
        f"Networks: {report.networks_added} added, {report.networks_kept} already there."
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the site (after bringing the database schema up to date)."""
    import uvicorn

    from coworking.migrations import migrate as run_migrations

    run_migrations(Settings.from_env().database_url)
    click.echo(f"Serving on http://{host}:{port}/")
    uvicorn.run(
        "coworking.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
    )
