"""Ten crashes in a row: the real server killed (SIGKILL) in the middle of concurrent listing edits, then
restarted; each round checks the database whole, every answered edit kept and every space agreeing with
its revisions (tests/crash.py). Prints one line per round and exits non-zero on any problem.

    python benchmarks/crash.py [--rounds 10] [--database-url postgresql://postgres@127.0.0.1:5432/test]

Without a URL each round gets a fresh SQLite database (migrated once, copied per round).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from coworking.core.backup import backup, restore  # noqa: E402
from coworking.migrations import migrate  # noqa: E402
from tests.crash import crash_once  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (emptied by each round's restore)")
    arguments = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crash-"))
    template_url = arguments.database_url or f"sqlite:///{work / 'template.db'}"
    migrate(template_url)
    backup(template_url, work / "template.backup")
    failures = 0
    for number in range(1, arguments.rounds + 1):
        round_dir = work / f"round-{number}"
        round_dir.mkdir()
        if arguments.database_url:
            url = arguments.database_url
            restore(url, work / "template.backup")
        else:
            url = f"sqlite:///{round_dir / 'site.db'}"
            restore(url, work / "template.backup")
        started = time.perf_counter()
        report = crash_once(url, round_dir, kill_after_edits=8 + 4 * number)
        took = time.perf_counter() - started
        verdict = "ok" if report.integrity == "ok" and not report.problems else "FAILED"
        failures += verdict != "ok"
        print(
            f"round {number:2}: {verdict}  answered {report.edits_answered:3} edits before the kill, "
            f"held {sum(report.found.values()):3} after it, integrity {report.integrity}, {took:.1f} s"
        )
        for problem in report.problems:
            print(f"          {problem}")
    print(f"{arguments.rounds - failures} of {arguments.rounds} rounds kept every answered edit")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
