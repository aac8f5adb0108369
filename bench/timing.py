"""Wall-time medians of whole pytest runs, shared by the benchmarks in this folder."""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]


def wall(cmd: list[str], cwd: Path = REPO) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):  # 1 is "drift found", still a complete run
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def median_of(cmd: list[str], runs: int, cwd: Path = REPO) -> float:
    wall(cmd, cwd)  # warm the file cache and .pyc files
    return statistics.median(wall(cmd, cwd) for _ in range(runs))


def bare_pytest(runs: int) -> float:
    """pytest running one trivial test with the same plugins installed: the floor under any run."""
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "test_trivial.py"
        trivial.write_text("def test_trivial():\n    assert True\n")
        return median_of([*PYTEST, str(trivial)], runs, Path(tmp))
