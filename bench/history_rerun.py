"""The nightly history's re-run: the loop window judged once, then again with one more commit (the cache under
.git/ssot-audit/ keeps what the first run judged). Wall time of each, in a clone of the mirror.

    python bench/history_rerun.py [--mirror GIT_DIR] [--since ...] [--until ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from timing import ENV, clone_of, window_options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    window_options(parser)
    options = parser.parse_args()
    program = str(Path(sys.executable).parent / "ssot-audit")
    with tempfile.TemporaryDirectory() as tmp:
        clone = clone_of(options, Path(tmp))
        log = ["git", "-C", str(clone), "log", "--first-parent", "--format=%cI", f"--since={options.since}",
               f"--until={options.until}", "HEAD"]  # fmt: skip
        dates = subprocess.run(log, capture_output=True, text=True, check=True).stdout.split()
        newest, before = dates[0], dates[1]  # the window's last commit, and the one before it
        for label, until in (("window less its last commit", before), ("the same with one new commit", newest)):
            reports = Path(tmp) / label.replace(" ", "-")
            start = time.perf_counter()
            subprocess.run([program, "history", "--since", options.since, "--until", until, "--ssot-report-dir",
                            str(reports)], cwd=clone, env=ENV, check=True, capture_output=True)  # fmt: skip
            seconds = time.perf_counter() - start
            run = json.loads((reports / "history.json").read_text())["run"]
            print(f"{label}: {seconds:.1f} s wall, {run['reused']} commits reused, {run['reruns']} test functions run")


if __name__ == "__main__":
    main()
