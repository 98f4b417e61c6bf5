"""Lighthouse (mobile) performance of the home, search, space and map pages, and how much the home weighs.

    python benchmarks/lighthouse.py                 # every page once (about 1.5 minutes)
    python benchmarks/lighthouse.py --runs 3        # three runs a page: the median, and the spread
    python benchmarks/lighthouse.py --page /map     # only these pages (repeatable)

What it does, start to finish:
1. seeds a temporary SQLite database with the real seed data (``coworking seed``);
2. starts the site (``coworking serve``, one worker, 127.0.0.1 only) with the map's tile URL pointing at
   a closed local port, so the map never reaches the internet (Lighthouse also blocks that URL);
3. runs Lighthouse (npm ``lighthouse``, pinned in package.json: ``npm ci`` installs it) with its default
   mobile settings (a mid-range phone, simulated slow 4G, 4× CPU slowdown) and Debian's Chromium
   (``CHROME_PATH``, default /usr/bin/chromium), performance category only;
4. prints per page the performance score, LCP, CLS, TBT and the bytes transferred, and whether each page
   reaches the targets of issue #13 (score ≥ 95, the home page ≤ 40 KB transferred); writes them to
   benchmarks/results/lighthouse.json; exits 1 when a target is missed;
5. stops the server whatever happens and deletes the temporary database.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from run import HOST, RESULTS, ROOT, Server, app_env, coworking_command, free_port

sys.path.insert(0, str(ROOT))
from tests.server import CHROMIUM_FLAGS  # noqa: E402 - the browser tests' flags, one list

PAGES = ["/", "/spaces?q=cesis", "/spaces/skola6", "/map?country=LV", "/map"]
SCORE_TARGET = 95
HOME_BYTES_TARGET = 40 * 1024
REPORTS = RESULTS / "lighthouse"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
# The tile URL that app_env sets: a port nothing listens on.
TILE_PATTERN = "http://127.0.0.1:9/*"
CHROME_FLAGS = " ".join(["--headless=new", *CHROMIUM_FLAGS])


def lighthouse(url: str, output: Path, chrome_path: str, attempts: int = 3) -> dict:
    """One Lighthouse run of ``url``: the figures this benchmark reports. On a busy machine Lighthouse
    now and then loses its trace (NO_NAVSTART): such a run is tried again, up to ``attempts`` times."""
    for attempt in range(1, attempts + 1):
        try:
            return _lighthouse_once(url, output, chrome_path)
        except RuntimeError as error:
            if attempt == attempts:
                raise
            print(f"  (run failed, trying again: {str(error).strip().splitlines()[-1]})")
    raise AssertionError("unreachable")


def _lighthouse_once(url: str, output: Path, chrome_path: str) -> dict:
    command = [
        str(LIGHTHOUSE),
        url,
        "--only-categories=performance",
        "--output=json",
        f"--output-path={output}",
        "--quiet",
        f"--chrome-flags={CHROME_FLAGS}",
        f"--blocked-url-patterns={TILE_PATTERN}",
        "--max-wait-for-load=30000",
    ]
    env = {**os.environ, "CHROME_PATH": chrome_path}
    output.unlink(missing_ok=True)
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)  # noqa: S603
    if done.returncode != 0 or not output.exists():
        raise RuntimeError(f"lighthouse failed on {url} (exit {done.returncode}):\n{done.stdout}\n{done.stderr}")
    report = json.loads(output.read_text())
    if report.get("runtimeError"):
        raise RuntimeError(f"lighthouse on {url}: {report['runtimeError']}")
    audits = report["audits"]
    score = report["categories"]["performance"]["score"]
    return {
        # Lighthouse's own measure of the CPU it had (higher: faster; a loaded machine scores lower
        # and its TBT, which Lighthouse multiplies by 4 for a phone, rises with it).
        "benchmark_index": round(report["environment"]["benchmarkIndex"]),
        "score": round(score * 100) if score is not None else None,
        "lcp_ms": round(audits["largest-contentful-paint"]["numericValue"]),
        "fcp_ms": round(audits["first-contentful-paint"]["numericValue"]),
        "cls": round(audits["cumulative-layout-shift"]["numericValue"], 3),
        "tbt_ms": round(audits["total-blocking-time"]["numericValue"]),
        "bytes": round(audits["total-byte-weight"]["numericValue"]),
        "requests": len(audits["network-requests"]["details"]["items"]),
    }


def median_run(runs: list[dict]) -> dict:
    """The run with the median score (a real run, so its figures belong together)."""
    ordered = sorted(runs, key=lambda run: run["score"] or 0)
    return ordered[len(ordered) // 2]


def verdict(page: str, figures: dict) -> str:
    problems = []
    if (figures["score"] or 0) < SCORE_TARGET:
        problems.append(f"score < {SCORE_TARGET}")
    if page == "/" and figures["bytes"] > HOME_BYTES_TARGET:
        problems.append(f"home > {HOME_BYTES_TARGET // 1024} KB")
    return "pass" if not problems else "FAIL (" + ", ".join(problems) + ")"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="Lighthouse runs per page (default 1; the median is kept)")
    parser.add_argument("--page", action="append", help="a path to measure (repeatable; default: the five pages)")
    parser.add_argument("--chrome-path", default=os.environ.get("CHROME_PATH", "/usr/bin/chromium"))
    parser.add_argument("--output", type=Path, default=RESULTS / "lighthouse.json", help="where to write the JSON")
    args = parser.parse_args(argv)
    if not 1 <= args.runs <= 10:
        parser.error("--runs must be in [1, 10]")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not LIGHTHOUSE.exists():
        print(f"{LIGHTHOUSE} is missing: run `npm ci` first.", file=sys.stderr)
        return 2
    pages = args.page or PAGES
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="coworking-lighthouse-") as tmp:
        tmpdir = Path(tmp)
        env = app_env(dict(os.environ), tmpdir / "lighthouse.db", tmpdir / "var")
        print(f"Seeding a temporary SQLite database in {tmpdir} ...")
        seeded = subprocess.run(  # noqa: S603 - our own console script
            coworking_command() + ["seed"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )
        if seeded.returncode != 0:
            print(seeded.stdout, seeded.stderr, file=sys.stderr)
            return 1
        port = free_port()
        server = Server("lighthouse-app", coworking_command() + ["serve", "--host", HOST, "--workers", "1", "--port", str(port)], port, env, tmpdir)
        try:
            server.start()
            server.wait_ready("/spaces/skola6")
            print(f"Site up at {server.base_url}; Lighthouse {args.runs} run(s) a page, mobile.\n")
            for page in pages:
                runs = []
                for number in range(args.runs):
                    started = time.perf_counter()
                    load = os.getloadavg()[0]
                    report = tmpdir / f"report-{len(results)}-{number}.json"
                    runs.append({**lighthouse(server.base_url + page, report, args.chrome_path), "report": report, "load": round(load, 1)})
                    print(
                        f"  {page}: score {runs[-1]['score']}, TBT {runs[-1]['tbt_ms']} ms "
                        f"(load average {load:.1f}, benchmark index {runs[-1]['benchmark_index']}; "
                        f"{time.perf_counter() - started:.0f} s)"
                    )
                kept = median_run(runs)
                # The whole report of the kept run, for a look at what weighs and what shifts.
                saved = REPORTS / ((page.strip("/").replace("/", "-").replace("?", "-").replace("=", "-") or "home") + ".json")
                saved.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(kept["report"], saved)
                kept["report"] = str(saved.relative_to(ROOT))
                scores = [run["score"] or 0 for run in runs]
                results[page] = {**kept, "scores": scores, "verdict": verdict(page, kept)}
        finally:
            server.stop()

    header = f"{'page':<18} {'score':>5} {'spread':>9} {'LCP ms':>7} {'FCP ms':>7} {'CLS':>6} {'TBT ms':>7} {'KB':>6} {'req':>4} {'load':>5}  verdict"
    print("\n" + header)
    for page, row in results.items():
        spread = f"{min(row['scores'])}-{max(row['scores'])}" if len(row["scores"]) > 1 else ""
        print(
            f"{page:<18} {row['score']:>5} {spread:>9} {row['lcp_ms']:>7} {row['fcp_ms']:>7} {row['cls']:>6.3f} "
            f"{row['tbt_ms']:>7} {row['bytes'] / 1024:>6.1f} {row['requests']:>4} {row['load']:>5}  {row['verdict']}"
        )
    print(f"\n{os.cpu_count()} CPUs; load = the 1-minute load average as the run began: Lighthouse's TBT and score "
          "fall as the machine is busier, so compare runs made under similar load.")
    if args.runs > 1:
        print("\n(median run per page; spread = lowest-highest score, stdev "
              + ", ".join(f"{p} {statistics.pstdev(r['scores']):.1f}" for p, r in results.items()) + ")")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"runs": args.runs, "pages": results}, indent=2))
    return 0 if all(row["verdict"] == "pass" for row in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
