"""A crash in the middle of writes: the real server takes concurrent listing edits, is killed with SIGKILL,
and comes back with its database whole. Used once by the suite (tests/test_crash.py) and ten times by
``python benchmarks/crash.py``.

What must hold after the restart:
- SQLite says ``PRAGMA integrity_check`` ok (PostgreSQL keeps its own WAL; it is asked the same questions);
- every edit the server answered (303) is there: a space holds its last answered edit or a later one
  (an edit may commit and lose its answer to the kill, never the reverse);
- every space agrees with its revisions: its version is its newest revision's, and that revision's snapshot
  holds the space's description (the space and its revision are one transaction).
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from coworking.accounts.services import create_admin
from coworking.core.db import make_engine
from coworking.revisions.models import Revision
from coworking.spaces.models import Space
from tests.factories import make_space
from tests.server import site_env, start, stop, wait_healthy

EDITORS = 4
PASSWORD = "crash-test-password-long-enough"
ADMIN = "crash-admin@example.org"


@dataclass
class CrashReport:
    answered: dict[str, int] = field(default_factory=dict)  # slug -> the last edit number answered 303
    found: dict[str, int] = field(default_factory=dict)  # slug -> the edit number the database holds
    problems: list[str] = field(default_factory=list)
    integrity: str = "ok"

    @property
    def edits_answered(self) -> int:
        return sum(self.answered.values())


def _form_fields(html: str) -> dict[str, str | list[str]]:
    fields: dict[str, str | list[str]] = dict(re.findall(r'<input type="(?:text|hidden|url|email|tel|month)"[^>]*?name="([^"]+)" value="([^"]*)"', html))
    fields.update(re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', html))
    fields["amenities"] = re.findall(r'name="amenities" value="([^"]+)" checked', html)
    fields["status"] = re.search(r'name="status" value="([^"]+)" checked', html).group(1)
    return {name: value.replace("&amp;", "&") if isinstance(value, str) else value for name, value in fields.items()}


def _signed_in(base: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=10)
    client.get("/account/login")
    answer = client.post("/account/login", data={"email": ADMIN, "password": PASSWORD, "next": "/", "_csrf_token": client.cookies["csrftoken"]})
    if answer.status_code != 303:
        raise AssertionError(f"sign-in answered {answer.status_code}")
    return client


def _edit_until_killed(base: str, slug: str, answered: dict[str, int], stop_editing: threading.Event) -> None:
    client = _signed_in(base)
    number = 0
    try:
        while not stop_editing.is_set():
            number += 1
            form = client.get(f"/spaces/{slug}/edit")
            fields = _form_fields(form.text)
            fields.update(description=f"edit {number}", summary=f"edit {number}", _csrf_token=client.cookies["csrftoken"])
            saved = client.post(f"/spaces/{slug}/edit", data=fields)
            if saved.status_code != 303:
                raise AssertionError(f"edit {number} of {slug} answered {saved.status_code}")
            answered[slug] = number
    except (httpx.TransportError, KeyError, AttributeError):
        return  # the server is gone mid-request: what it answered before is what must survive
    finally:
        client.close()


def crash_once(database_url: str, var_dir: Path, kill_after_edits: int = 12) -> CrashReport:
    """One round on a database already migrated: edits, SIGKILL, restart, checks."""
    engine = make_engine(database_url)
    with Session(engine) as db:
        create_admin(db, None, ADMIN, PASSWORD)
        slugs = [make_space(db, f"Crash Barn {number}", "Ogre", "LV").slug for number in range(EDITORS)]
        db.commit()
    env = site_env(database_url, var_dir)
    log = var_dir / "crash-server.log"
    report = CrashReport(answered=dict.fromkeys(slugs, 0))
    process, base = start(env, log)
    stop_editing = threading.Event()
    editors = [threading.Thread(target=_edit_until_killed, args=(base, slug, report.answered, stop_editing)) for slug in slugs]
    try:
        for editor in editors:
            editor.start()
        deadline = time.monotonic() + 60
        while report.edits_answered < kill_after_edits and time.monotonic() < deadline and any(e.is_alive() for e in editors):
            time.sleep(0.02)
        process.kill()  # SIGKILL: no shutdown hook, no flush, mid-request for some editors
        process.wait(timeout=10)
    finally:
        stop_editing.set()
        for editor in editors:
            editor.join(timeout=30)
        if process.poll() is None:
            process.kill()
    answered = dict(report.answered)

    # The server comes back on the same database.
    process, base = start(env, log)
    try:
        wait_healthy(base, process, log)
        with httpx.Client(base_url=base, timeout=10) as client:
            for slug in slugs:
                if client.get(f"/spaces/{slug}").status_code != 200:
                    report.problems.append(f"/spaces/{slug} is not served after the restart")
    finally:
        stop(process)

    with Session(engine) as db:
        if engine.dialect.name == "sqlite":
            report.integrity = db.execute(text("PRAGMA integrity_check")).scalar()
        for slug in slugs:
            space = db.scalar(select(Space).where(Space.slug == slug))
            held = int(space.description.split()[-1]) if space.description else 0
            report.found[slug] = held
            if held < answered[slug]:
                report.problems.append(f"{slug}: edit {answered[slug]} was answered but the database holds edit {held}")
            newest = db.scalar(select(Revision).where(Revision.subject == "space", Revision.subject_id == space.id).order_by(Revision.version.desc()).limit(1))
            if held and (newest is None or newest.version != space.version or newest.snapshot.get("description") != space.description):
                report.problems.append(f"{slug}: version {space.version} and its newest revision disagree")
            revisions = db.scalar(select(func.count()).select_from(Revision).where(Revision.subject == "space", Revision.subject_id == space.id))
            # One revision per edit, plus the imported state recorded before the first edit.
            if held and revisions != held + 1:
                report.problems.append(f"{slug}: {held} edits but {revisions} revisions")
    engine.dispose()
    report.answered = answered
    return report
