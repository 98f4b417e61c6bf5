"""The ``coworking`` command: seed the database and serve the site (both migrate first)."""

from __future__ import annotations

import socket

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
    help="Folder with spaces.csv, networks.csv and guides/*.md.",
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
        f"Networks: {report.networks_added} added, {report.networks_kept} already there. "
        f"Guides: {report.guides_added} added, {report.guides_kept} already there."
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=int)
def serve(host: str, port: int, workers: int) -> None:
    """Serve the site (after bringing the database schema up to date)."""
    import uvicorn

    from coworking.migrations import migrate as run_migrations

    settings = Settings.from_env()
    run_migrations(settings.database_url)
    click.echo(f"Serving on http://{host}:{port}/")
    json_logs = settings.log_format == "json"
    config = {
        "app": "coworking.app:create_app",
        "factory": True,
        "host": host,
        "port": port,
        # X-Forwarded-For / -Proto are believed from the reverse proxies named in COWORKING_TRUSTED_PROXIES
        # only (uvicorn takes the nearest address in X-Forwarded-For that is not a trusted proxy's): the
        # client's address then reaches rate limits and the security log, and its scheme the site's links.
        # An empty list trusts no one (the app is reached directly).
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": list(settings.trusted_proxies) or None,
        # JSON logs: the app configures logging (one object per line) and logs each request with its duration.
        **({"log_config": None, "access_log": False} if json_logs else {}),
    }
    if workers > 1 and hasattr(socket, "SO_REUSEPORT"):
        _serve_workers(config, workers)
    else:
        uvicorn.run(**config, workers=workers)


# A worker that exits with an error this soon after it started failed to start (its port is taken, the app
# cannot be imported): starting it again would fail the same way, so the whole server stops instead. One
# killed by a signal (the OOM killer, an operator's kill -9) is replaced, however young.
WORKER_START_SECONDS = 10.0


def _serve_workers(config: dict, workers: int) -> None:
    """``workers`` uvicorn processes, each with a listening socket of its own on the same port (SO_REUSEPORT),
    so the kernel spreads new connections evenly between them.

    uvicorn's own ``--workers`` shares one socket: whichever worker wakes first accepts every connection
    waiting (asyncio accepts in a loop), so a burst of keep-alive connections (a proxy's pool, a load test)
    could all land on one worker while the other idles. This supervisor restarts a worker that dies and stops
    them all on SIGTERM or SIGINT. (A worker that crashes takes with it the connections still waiting on its
    own socket, as well as the requests it was answering.)
    """
    import multiprocessing
    import signal
    import time

    # SO_REUSEPORT would let a second `serve` on the same port quietly share it: a plain bind says whether
    # anything listens there already (SO_REUSEADDR only lets it pass connections closing from a last run).
    with socket.socket(_family(config["host"]), socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((config["host"], config["port"]))
        except OSError as error:
            raise click.ClickException(f"Cannot listen on {config['host']}:{config['port']}: {error}") from error

    spawn = multiprocessing.get_context("spawn")
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    signal.signal(signal.SIGINT, lambda signum, _frame: stopping.append(signum))

    def start() -> tuple[multiprocessing.process.BaseProcess, float]:
        process = spawn.Process(target=_worker, args=(config,), name="coworking-worker")
        process.start()
        return process, time.monotonic()

    running = [start() for _ in range(workers)]
    failed = False
    while not stopping and not failed:
        time.sleep(0.5)
        for index, (process, started) in enumerate(running):
            if process.is_alive() or stopping:
                continue
            killed = process.exitcode is not None and process.exitcode < 0
            if not killed and time.monotonic() - started < WORKER_START_SECONDS:
                click.echo(f"Worker {process.pid} failed to start (exit {process.exitcode}): stopping.", err=True)
                failed = True
                break
            click.echo(f"Worker {process.pid} died (exit {process.exitcode}): starting another.", err=True)
            running[index] = start()
    for process, _ in running:
        if process.is_alive():
            process.terminate()  # uvicorn finishes the requests in flight, then exits
    for process, _ in running:
        process.join(30)
        if process.is_alive():
            process.kill()
            process.join(5)
    if failed:
        raise SystemExit(3)


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _worker(config: dict) -> None:
    """One worker process: its own socket on the shared port, then uvicorn on it."""
    import uvicorn

    sock = socket.socket(_family(config["host"]), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((config["host"], config["port"]))
    uvicorn.Server(uvicorn.Config(**config)).run(sockets=[sock])


@main.command()
@click.option("--clear", is_flag=True, help="Delete every message in the outbox (sent or not).")
@click.option("--send", is_flag=True, help="Send what is due through COWORKING_SMTP_URL now.")
@click.option("--all", "include_sent", is_flag=True, help="Show sent messages too.")
def outbox(clear: bool, send: bool, include_sent: bool) -> None:
    """Show the e-mail waiting in the outbox (with its links), send it, or empty it."""
    from coworking.core.db import make_engine
    from coworking.core.mail import SmtpSettings, clear_outbox, deliver_pending, outbox_lines
    from coworking.migrations import migrate as run_migrations

    settings = Settings.from_env()
    run_migrations(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        if clear:
            click.echo(f"Outbox emptied: {clear_outbox(engine)} message(s) deleted.")
            return
        if send:
            if not settings.smtp_url:
                raise click.UsageError("COWORKING_SMTP_URL is not set: there is nowhere to send to.")
            report = deliver_pending(engine, SmtpSettings.from_url(settings.smtp_url, settings.mail_from))
            click.echo(f"Sent {report.sent}, failed {report.failed}, still waiting {report.waiting}.")
            return
        lines = outbox_lines(engine, include_sent=include_sent)
        click.echo("\n".join(lines) if lines else "The outbox is empty.")
    finally:
        engine.dispose()


@main.command()
@click.argument("email")
@click.password_option(help="The password, for a new account (asked for when not given).")
def createadmin(email: str, password: str) -> None:
    """Make EMAIL an administrator (creating a confirmed account when it has none)."""
    from datetime import timedelta

    from sqlalchemy.orm import Session

    from coworking.accounts.services import create_admin
    from coworking.accounts.sessions import build_session_store
    from coworking.core.db import make_engine
    from coworking.core.errors import InvalidInput
    from coworking.migrations import migrate as run_migrations

    settings = Settings.from_env()
    run_migrations(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        idle, lifetime = timedelta(minutes=settings.session_idle_minutes), timedelta(days=settings.session_lifetime_days)
        sessions = build_session_store(settings.redis_url, engine, idle, lifetime)
        with Session(engine) as session:
            user = create_admin(session, sessions, email, password)
            click.echo(f"{user.email} is an administrator.")
    except InvalidInput as error:
        raise click.UsageError("; ".join(error.errors.values())) from error
    finally:
        engine.dispose()


def _site_origin(settings: Settings) -> str:
    """The site as commands name it in links: its first allowed host (COWORKING_ALLOWED_HOSTS)."""
    return f"{'https' if settings.https else 'http'}://{settings.allowed_hosts[0]}"


def _mail_job(job):  # noqa: ANN001, ANN202 - job(session, mailer) -> its result
    """Run a job that writes mail, in one database session, with a mailer for commands: each account holder's
    own language (the site's first for anyone else), links on its first allowed host (the one it is known by,
    COWORKING_ALLOWED_HOSTS)."""
    from sqlalchemy.orm import Session

    from coworking.accounts.services import Mailer
    from coworking.core.db import make_engine
    from coworking.core.i18n import translator

    settings = Settings.from_env()
    origin = _site_origin(settings)
    mailer = Mailer(translator(settings.locales[0]), lambda path: origin + path, settings.locales)
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            return job(session, mailer)
    finally:
        engine.dispose()


@main.command()
def digest() -> None:
    """E-mail each network partner what waits in their countries (at most once a day), and each follower of an
    area what is new there (daily or weekly); delete sign-ups left unconfirmed. Idempotent: safe to run from cron."""
    from coworking.follows.services import send_area_digests
    from coworking.moderation.services import send_digests

    sent = _mail_job(send_digests)
    click.echo(f"Digests queued: {sent}. (They leave with `coworking outbox --send`, or are in the outbox.)")
    secret = Settings.from_env().secret_key
    report = _mail_job(lambda session, mailer: send_area_digests(session, mailer.link, secret))
    click.echo(
        f"Area digests queued: {report.sent} ({report.due} follows due). "
        f"Unconfirmed sign-ups deleted: {report.expired}."
    )


@main.command()
def remind() -> None:
    """Remind builders of listings unconfirmed for a year; flag those unconfirmed for 18 months to their
    partners; delete visit requests never confirmed, erase the details of those a year past their day; remind
    the people coming to an activity the day before, delete sign-ups never confirmed and erase names and
    addresses 30 days after their date. Idempotent: safe to run daily from cron."""
    from coworking.attendance.services import forget_attendances, send_attendance_reminders
    from coworking.moderation.reminders import send_reminders
    from coworking.visits.services import forget_visit_requests

    done = _mail_job(send_reminders)
    click.echo(f"Reminders queued: {done.reminders}. Listings flagged to their partners: {done.flagged}.")
    # The same daily run forgets what visit requests need not keep (services.forget_visit_requests).
    forgotten = _mail_job(lambda session, _mailer: forget_visit_requests(session))
    click.echo(f"Visit requests: {forgotten.deleted} never confirmed deleted, {forgotten.erased} past their year erased.")
    # Activities' sign-ups: the day-before reminders (their links carry the site's secret), then forgetting.
    secret = Settings.from_env().secret_key
    run = _mail_job(lambda session, mailer: send_attendance_reminders(session, mailer.link, secret))
    click.echo(f"Activity reminders queued: {run.reminded}. Moved up from a waiting list: {run.moved_up}.")
    dropped = _mail_job(lambda session, _mailer: forget_attendances(session))
    click.echo(f"Activity sign-ups: {dropped.deleted} never confirmed deleted, {dropped.erased} past their 30 days erased.")


@main.command()
@click.option("--format", "file_format", type=click.Choice(["csv", "geojson"]), default="csv", show_default=True)
@click.option("--country", multiple=True, help="Only this country (ISO code; repeat for several).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here instead of to standard output.")
def export(file_format: str, country: tuple[str, ...], output: str | None) -> None:
    """Write the published spaces (of a country) as CSV or GeoJSON: the site's downloads, from the command line."""
    import sys

    from coworking.core.db import make_engine
    from coworking.core.errors import InvalidInput
    from coworking.core.models import utcnow
    from coworking.exchange.export import Licence, csv_chunks, exported_rows, geojson_chunks
    from coworking.spaces.query import FilterParams, build_space_query

    settings = Settings.from_env()
    try:
        query = build_space_query(FilterParams(country=country))
    except InvalidInput as error:
        raise click.BadParameter("; ".join(error.errors.values()), param_hint="--country") from None
    engine = make_engine(settings.database_url)
    now = utcnow()
    site = _site_origin(settings) + "/"
    rows = exported_rows(engine, query, now)
    chunks = csv_chunks(rows) if file_format == "csv" else geojson_chunks(rows, Licence(settings.data_licence, settings.data_licence_url, site), now)
    target = open(output, "wb") if output else sys.stdout.buffer  # noqa: SIM115 - closed below, unless stdout
    try:
        for chunk in chunks:
            target.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    finally:
        if output:
            target.close()
        engine.dispose()


@main.command(name="import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "file_format", type=click.Choice(["csv", "geojson", "osm"]), help="Default: from the file's extension.")
@click.option("--country", help="The rows' country when the file has no country column; rows of other countries are refused.")
@click.option("--dry-run", is_flag=True, help="Report what would happen, row by row; write nothing.")
@click.option("--overwrite", is_flag=True, help="Update listings their community builders edited after the file's date too.")
@click.option("--merge", "merges", multiple=True, metavar="LINE=SLUG", help="Row LINE updates the listed space SLUG (for a likely duplicate).")
def import_(path: str, file_format: str | None, country: str | None, dry_run: bool, overwrite: bool, merges: tuple[str, ...]) -> None:
    """Import spaces from CSV, GeoJSON or OpenStreetMap (Overpass JSON): a report first, then all or nothing."""
    from pathlib import Path

    from sqlalchemy.orm import Session

    from coworking.core.db import make_engine
    from coworking.core.errors import InvalidInput
    from coworking.core.i18n import translator
    from coworking.exchange import imports

    settings = Settings.from_env()
    chosen = file_format or {".geojson": "geojson", ".json": "osm"}.get(Path(path).suffix.lower(), "csv")
    code = country.strip().upper() if country else None
    try:
        wanted = {int(line): slug for line, _, slug in (item.partition("=") for item in merges)}
    except ValueError:
        raise click.BadParameter("write each as LINE=SLUG, such as 12=colabora-lielvarde", param_hint="--merge") from None
    translate = translator(settings.locales[0])
    engine = make_engine(settings.database_url)
    try:
        with Session(engine) as session:
            try:
                records, columns = imports.read_records(Path(path).read_bytes(), chosen)
                plan = imports.plan_import(
                    session, records, columns, allowed_countries=frozenset({code}) if code else None, default_country=code,
                    overwrite_builder_edits=overwrite, merges=wanted,
                )  # fmt: skip
            except InvalidInput as error:
                message = "; ".join(translate.gettext(text, **error.variables) for text in error.errors.values())
                raise click.ClickException(message) from None
            for row in plan.rows:
                if row.action != imports.UNCHANGED or dry_run:
                    click.echo(imports.describe(row, translate))
            counts = ", ".join(f"{action}: {plan.count(action)}" for action in (imports.ADD, imports.UPDATE, imports.UNCHANGED, imports.KEPT, imports.DUPLICATE, imports.REFUSED))
            if dry_run:
                click.echo(f"Dry run, nothing written. {counts}")
                return
            added, updated = imports.apply_import(session, plan, author_id=None, author_role="import", source=Path(path).name)
            click.echo(f"Imported: {added} added, {updated} updated. {counts}")
    finally:
        engine.dispose()


@main.command()
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def backup(path: str) -> None:
    """Write a consistent backup of the database to PATH while the site goes on serving."""
    from pathlib import Path

    from coworking.core.backup import BackupError
    from coworking.core.backup import backup as make_backup

    try:
        make_backup(Settings.from_env().database_url, Path(path))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"Backed up to {path}. Photos are files: copy the media folder too.")


@main.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.confirmation_option(prompt="Replace everything in the database with this backup?")
def restore(path: str) -> None:
    """Replace the database with the backup in PATH (checked first; then the schema is brought up to date)."""
    from pathlib import Path

    from coworking.core.backup import BackupError
    from coworking.core.backup import restore as restore_backup
    from coworking.migrations import migrate as run_migrations

    settings = Settings.from_env()
    try:
        restore_backup(settings.database_url, Path(path))
    except BackupError as error:
        raise click.ClickException(str(error)) from None
    # A backup from an older release is brought to this release's schema.
    run_migrations(settings.database_url)
    click.echo(f"Restored from {path}.")
