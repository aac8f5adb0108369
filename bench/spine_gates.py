"""Every active gate of the real spine's registry, run by its own script through spine_gates.Runner.

    .venv/bin/python bench/spine_gates.py --mirror /path/to/agentic-spine.git [--rev a00cb7b7] [--workers N]

The tree is a `git archive` of the commit (the Runner makes it one commit of its own), judged at the
commit's date. yq is yaqpy through the test-only shim (selftest/yq_shim.py), first on PATH; the rest of
PATH is the caller's. Gates that need the network, macOS or a missing tool come back NOT RUN, with
why. Prints the verdict counts, the NOT RUN reasons, the slowest gates and the wall time; `--json FILE`
keeps every run. Not run by the tests: it needs a clone of the public spine, and minutes.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from selftest.yq_shim import install  # noqa: E402
from ssot_audit.gate_sources import DRIFT_GATE, sections  # noqa: E402
from ssot_audit.spine_gates import Runner, ScriptRequest  # noqa: E402


def git(git_dir: str, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True).stdout


def requests_of(tree: Path) -> list[ScriptRequest]:
    """The active gates of the tree's registry, as the engine asks for them."""
    registry = yaml.safe_load((tree / "ops/bindings/gate.registry.yaml").read_text())
    _, blocks = sections((tree / DRIFT_GATE).read_text())
    requests = []
    for gate in registry["gates"]:
        if gate.get("retired") is True:
            continue
        inline = blocks.get(str(gate["id"])) if gate.get("inline") is True else None
        requests.append(ScriptRequest(str(gate["id"]), gate.get("check_script"), inline))
    return requests


def kind(reason: str) -> str:
    """A NOT RUN reason without its particulars, to count them."""
    if reason.startswith("needs the network"):
        return "needs the network or a host"
    if reason.startswith("runs only on macOS"):
        return "runs only on macOS"
    return re.sub(r" \(`yq e.*", "", reason)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mirror", default=os.environ.get("SPINE_MIRROR"), help="a bare clone of the public spine")
    parser.add_argument("--rev", default="a00cb7b7")
    parser.add_argument("--workers", type=int, default=None, help="default: the CPU count")
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--slowest", type=int, default=12)
    parser.add_argument("--json", type=Path, help="write every run here")
    args = parser.parse_args()
    if not args.mirror:
        parser.error("--mirror (or SPINE_MIRROR) is required")
    when = datetime.fromisoformat(git(args.mirror, "log", "-1", "--format=%cI", args.rev).decode().strip())
    with tempfile.TemporaryDirectory(prefix="bench-spine-gates-") as work:
        tree = Path(work) / "agentic-spine"
        tree.mkdir()
        subprocess.run(["tar", "-x", "-C", str(tree)], input=git(args.mirror, "archive", args.rev), check=True)
        requests = requests_of(tree)
        os.environ["PATH"] = f"{install(Path(work) / 'shim')}{os.pathsep}{os.environ['PATH']}"
        start = time.monotonic()
        with Runner(tree, None, when, timeout=args.timeout, workers=args.workers) as runner:
            snapshot = time.monotonic() - start
            runs = runner.run(requests)
        wall = time.monotonic() - start
    verdicts = collections.Counter(run.verdict for run in runs.values())
    not_run = collections.Counter(kind(run.reason) for run in runs.values() if run.verdict == "NOT RUN")
    ran = sorted((run for run in runs.values() if run.seconds), key=lambda run: -run.seconds)
    print(f"spine {args.rev} judged at {when.isoformat()}: {len(requests)} active gates, workers {runner.workers}, "
          f"timeout {args.timeout:g} s")  # fmt: skip
    print(f"containment: {runner.containment}")
    print(f"snapshot and probe: {snapshot:.1f} s; all gates: {wall:.1f} s wall; "
          f"{sum(run.seconds for run in ran):.1f} s of gate time over {len(ran)} runs")  # fmt: skip
    print(
        "verdicts: " + ", ".join(f"{v} {verdicts[v]}" for v in ("PASS", "WARN", "FAIL", "TIMEOUT", "NOT RUN", "ERROR"))
    )
    for reason, count in not_run.most_common():
        print(f"  NOT RUN {count:3d}: {reason}")
    for run in runs.values():
        if run.verdict == "ERROR":
            print(f"  ERROR {run.gate}: {run.reason}")
    print(f"slowest {args.slowest}:")
    for run in ran[: args.slowest]:
        print(f"  {run.gate:6s} {run.seconds:6.1f} s  {run.verdict}")
    if args.json:
        args.json.write_text(json.dumps({gate: vars(run) for gate, run in runs.items()}, indent=1))


if __name__ == "__main__":
    main()
