"""The server killed (SIGKILL) in the middle of concurrent edits comes back with every answered edit and
every space agreeing with its revisions (tests/crash.py; ten rounds in ``python benchmarks/crash.py``)."""

from __future__ import annotations

from pathlib import Path

from tests.crash import crash_once


def test_a_killed_server_loses_no_answered_edit(own_database: str, tmp_path: Path) -> None:
    report = crash_once(own_database, tmp_path)
    assert report.edits_answered >= 4, "the kill came before the editors got going"
    assert report.integrity == "ok"
    assert report.problems == []
