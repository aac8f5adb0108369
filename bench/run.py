"""Wall time of the static + cross-repo audit on the bundled estate, next to bare pytest.

Bare pytest runs one trivial test with the same plugins installed (ours, testinfra,
pytest-html, xdist), so the difference is what the audit itself costs. Medians over
several runs, because the machine is noisy.

    python bench/run.py [--runs 9]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ESTATE = REPO / "fixtures" / "estate-2026-02-08"


def wall(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return elapsed


def median_of(cmd: list[str], cwd: Path, runs: int) -> float:
    wall(cmd, cwd)  # warm the file cache and .pyc files
    return statistics.median(wall(cmd, cwd) for _ in range(runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "test_trivial.py"
        trivial.write_text("def test_trivial():\n    assert True\n")
        bare = median_of([*pytest, str(trivial)], Path(tmp), runs)
    audit = median_of(
        [*pytest, "tests", "-m", "static or crossrepo",
         "--spine-root", str(ESTATE / "agentic-spine"), "--workbench-root", str(ESTATE / "workbench")],
        REPO, runs,
    )  # fmt: skip
    print(f"runs per command:               {runs}")
    print(f"bare pytest, one trivial test:  {bare:.3f} s (median)")
    print(f"audit, static + crossrepo:      {audit:.3f} s (median)")
    print(f"audit / bare:                   {audit / bare:.2f}x  (+{audit - bare:.3f} s)")


if __name__ == "__main__":
    main()
