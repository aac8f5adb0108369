"""The pre-commit hook's cost: its wall time as a ratio to pure pytest, and how it grows with the tree.

The hook is `.pre-commit-hooks.yaml`'s ssot-static entry (`ssot-audit -m static -q`), run from the
root of a git checkout of the real spine tree (see scale_tree.py: the public spine at 38069179 from
a mirror, else the bundled estate's spine; the output says which). Pure pytest is pytest with no
plugins at all running one trivial test. Then the same hook on synthetic trees 10x and 100x the
real one: wall time and peak RSS, each as a ratio to the real tree's. Medians of several runs, each
after one warm-up run; bytecode is written, as in a user's environment.

    python bench/hook.py [--runs 9] [--scale-runs 3] [--scales 10 100] [--mirror GIT_DIR]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from scale_tree import files, real_tree, scaled
from timing import ENV, REPO, Measure, measure, pure_pytest

from ssot_audit.sources.structured import load_yaml

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]


def hook_command(now: str) -> list[str]:
    hook = next(h for h in load_yaml(REPO / ".pre-commit-hooks.yaml", "hooks").data if h["id"] == "ssot-static")
    program, *args = hook["entry"].split()
    return [str(Path(sys.executable).parent / program), *args, "--now", now]


def checkout(tree: Path) -> Path:
    """The tree as a git checkout with one commit, as the hook sees a spine."""
    for step in (["init", "-q"], ["add", "-A", "-f"], ["commit", "-qm", "bench"]):
        subprocess.run([*GIT, *step], cwd=tree, check=True, capture_output=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="runs per command on the real tree")
    parser.add_argument("--scale-runs", type=int, default=3, help="runs per command on the scaled trees")
    parser.add_argument("--scales", type=int, nargs="*", default=[10, 100])
    parser.add_argument("--mirror", type=Path, help="bare git dir of the public spine (default: $SPINE_MIRROR)")
    options = parser.parse_args()
    env = {k: v for k, v in ENV.items() if k not in ("SPINE_ROOT", "WORKBENCH_ROOT")}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        source, what, now = real_tree(work / "source", options.mirror)
        hook = hook_command(now)
        real = checkout(scaled(source, work / "x1", 1))
        pure = pure_pytest(options.runs)
        one = measure(hook, options.runs, real, env)
        print(f"tree: {what}, {len(files(real))} files; hook: {Path(hook[0]).name} {' '.join(hook[1:])}")
        print(f"runs per command:                {options.runs} (scaled trees: {options.scale_runs})")
        print(f"pure pytest, one trivial test:   {pure.wall:.3f} s wall, {pure.cpu:.3f} s CPU (medians)")
        print(f"hook on the real tree:           {one.wall:.3f} s wall, {one.cpu:.3f} s CPU, "
              f"peak RSS {one.peak_mib:.0f} MiB")  # fmt: skip
        print(f"hook / pure pytest:              {one.wall / pure.wall:.2f}x wall, {one.cpu / pure.cpu:.2f}x CPU")
        base = measure(hook, options.scale_runs, real, env) if options.scale_runs != options.runs else one
        for times in options.scales:
            tree = checkout(scaled(source, work / f"x{times}", times))
            big: Measure = measure(hook, options.scale_runs, tree, env)
            print(f"hook on {times}x ({len(files(tree))} files): {big.wall:.3f} s wall, {big.cpu:.3f} s CPU, "
                  f"peak RSS {big.peak_mib:.0f} MiB: {big.wall / base.wall:.1f}x the wall time, "
                  f"{big.cpu / base.cpu:.1f}x the CPU and {big.peak_mib / base.peak_mib:.1f}x the memory of the "
                  f"real tree ({base.wall:.3f} s, {base.cpu:.3f} s, {base.peak_mib:.0f} MiB)")  # fmt: skip
            shutil.rmtree(tree)


if __name__ == "__main__":
    main()
