"""Wall-time medians (and peak memory) of whole runs, shared by the benchmarks in this folder.

Runs are timed as a user has them: with bytecode written (PYTHONDONTWRITEBYTECODE, set in some
shells and CI images, would re-compile the suite and pytest's rewritten tests on every run).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTEST = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}

# Runs the command and reports its wall time, CPU time and peak RSS: a process of its own, so that
# RUSAGE_CHILDREN (the children it waited for; for the peak, the largest) is this one command.
_WRAPPER = """
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], capture_output=True, text=True)
wall = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss, "rc": done.returncode,
                  "out": done.stdout[-3000:] + done.stderr[-3000:]}))
"""


@dataclass(frozen=True)
class Measure:
    wall: float  # median seconds
    cpu: float  # median user + system seconds: what a busy machine changes least
    peak_mib: float  # median peak RSS


def run(cmd: list[str], cwd: Path = REPO, env: dict | None = None) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS MiB) of one run; exits if the command did not complete."""
    done = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], cwd=cwd, env=env or ENV, capture_output=True,
                          text=True, check=True)  # fmt: skip
    result = json.loads(done.stdout)
    if result["rc"] not in (0, 1):  # 1 is "drift found", still a complete run
        sys.exit(f"{' '.join(cmd)} exited {result['rc']}:\n{result['out']}")
    return result["wall"], result["cpu"], result["peak_kib"] / 1024


def measure(cmd: list[str], runs: int, cwd: Path = REPO, env: dict | None = None) -> Measure:
    run(cmd, cwd, env)  # warm the file cache and .pyc files
    results = [run(cmd, cwd, env) for _ in range(runs)]
    return Measure(*(statistics.median(r[i] for r in results) for i in range(3)))


def median_of(cmd: list[str], runs: int, cwd: Path = REPO) -> float:
    return measure(cmd, runs, cwd).wall


def _trivial(runs: int, env: dict) -> Measure:
    with tempfile.TemporaryDirectory() as tmp:
        trivial = Path(tmp) / "test_trivial.py"
        trivial.write_text("def test_trivial():\n    assert True\n")
        return measure([*PYTEST, str(trivial)], runs, Path(tmp), env)


def bare_pytest(runs: int) -> float:
    """pytest running one trivial test with the same plugins installed: the floor under any run."""
    return _trivial(runs, ENV).wall


def pure_pytest(runs: int) -> Measure:
    """pytest with no plugins at all running one trivial test: what a hook is compared with."""
    return _trivial(runs, {**ENV, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})


SINCE, UNTIL = "2026-02-07T00:00:00-05:00", "2026-02-17T23:59:59-05:00"  # the loop window, in the spine's zone


def window_options(parser: argparse.ArgumentParser) -> None:
    """The public spine's mirror and the window of its history a benchmark reads."""
    parser.add_argument("--mirror", type=Path, default=Path(os.environ.get("SPINE_MIRROR", "")) or None)
    parser.add_argument("--since", default=SINCE)
    parser.add_argument("--until", default=UNTIL)


def mirror_of(options: argparse.Namespace) -> Path:
    if not options.mirror or not options.mirror.is_dir():
        sys.exit("needs the public spine: --mirror GIT_DIR or $SPINE_MIRROR (a bare clone)")
    return options.mirror


def clone_of(options: argparse.Namespace, where: Path) -> Path:
    """A clone of the mirror with nothing checked out, at `where`/spine: what a benchmark runs a history in."""
    clone = where / "spine"
    subprocess.run(["git", "clone", "-q", "--no-checkout", str(mirror_of(options)), str(clone)], check=True)
    return clone
