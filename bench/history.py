"""The history's cost: commits judged per second over a range of the public spine, next to one normal run.

Runs `ssot-audit history` in a clone of the mirror (the loop window by default: 2026-02-07..17 in
the spine's own zone), and one normal `ssot-audit -m static` on the last commit of the range, each
in a process of its own: wall time, CPU time and peak RSS.

    python bench/history.py [--mirror GIT_DIR] [--since ...] [--until ...] [--runs 1]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import ENV, clone_of, measure, window_options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    window_options(parser)
    parser.add_argument("--runs", type=int, default=1, help="timed runs of each command (after one warm-up)")
    options = parser.parse_args()
    program = str(Path(sys.executable).parent / "ssot-audit")
    with tempfile.TemporaryDirectory() as tmp:
        clone = clone_of(options, Path(tmp))
        reports = Path(tmp) / "reports"
        command = [program, "history", "--since", options.since, "--until", options.until,
                   "--ssot-report-dir", str(reports)]  # fmt: skip
        # each run from scratch: without its cache (.git/ssot-audit/history-cache.json), which the warm-up fills
        cache = clone / ".git" / "ssot-audit" / "history-cache.json"
        fresh = ["sh", "-c", 'rm -f "$0" && exec "$@"', str(cache), *command]
        history = measure(fresh, options.runs, clone, ENV)
        document = json.loads((reports / "history.json").read_text())
        commits = document["commits"]
        last = commits[-1]["sha"]
        subprocess.run(["git", "-C", str(clone), "checkout", "-q", last], check=True)
        normal = measure([program, "-m", "static", "-q", "--now", commits[-1]["date"], "--ssot-report-dir",
                          str(Path(tmp) / "normal")], options.runs, clone, ENV)  # fmt: skip
    run = document["run"]
    print(f"range: {options.since} .. {options.until}: {len(commits)} first-parent commits "
          f"({commits[0]['sha'][:8]} .. {last[:8]})")  # fmt: skip
    print(f"history:    {history.wall:.1f} s wall, {history.cpu:.1f} s CPU, peak RSS {history.peak_mib:.0f} MiB: "
          f"{len(commits) / history.wall:.1f} commits/s; test functions run {run['reruns']} times "
          f"of {run['test_functions'] * len(commits)} (the rest reused)")  # fmt: skip
    print(f"one normal run (-m static at {last[:8]}): {normal.wall:.2f} s wall, {normal.cpu:.2f} s CPU, "
          f"peak RSS {normal.peak_mib:.0f} MiB; the history costs {history.wall / normal.wall:.0f} of them, "
          f"{history.wall / len(commits) * 1000:.0f} ms per commit")  # fmt: skip


if __name__ == "__main__":
    main()
