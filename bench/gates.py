"""Wall time of `pytest -m static` (disconnect checks and drift gates) on a real spine tree and on a
synthetic tree ten times its size, to show the cost grows no faster than linearly.

The synthetic trees are built in a temporary directory from the aligned estate's spine: its bin/, ops/,
docs/ and surfaces/verify/ files are duplicated under extra `copy-NNN/` directories until the tree holds
as many files as the real one (1x), or ten times as many (10x). Start-up is measured apart (one trivial
test with the same plugins), so the ratio compares the audit's own work. Medians over several runs.

    python bench/gates.py [--tree PATH] [--runs 7]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

from timing import PYTEST, REPO, bare_pytest, median_of

ALIGNED_SPINE = REPO / "fixtures" / "estate-aligned" / "agentic-spine"
# The full public tree at 38069179 when it has been exported there; else the data-only extract.
DEFAULT_TREES = (Path("/tmp/real/38069179"), REPO.parent / "shared" / "reference" / "agentic-spine@38069179")
ESTATE_NOW = "2026-02-08T12:00:00Z"  # the synthetic trees come from the 2026-02-08 estate
SCANNED = ("bin", "ops", "docs", "surfaces")


def file_count(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file() and ".git" not in p.parts)


def synthetic(dest: Path, files: int) -> Path:
    """The aligned spine, padded with copies of its scanned files to about `files` files."""
    shutil.copytree(ALIGNED_SPINE, dest, symlinks=True)
    # Bindings are read by path: a copy elsewhere is just another scanned file (and would lose the exemptions
    # the legacy-path gate gives the two bindings that must name the legacy root).
    originals = [
        rel for rel in (p.relative_to(dest) for p in sorted(dest.rglob("*")) if p.is_file())
        if rel.parts[0] in SCANNED and not rel.as_posix().startswith("ops/bindings/")
    ]  # fmt: skip
    copy = 0
    count = file_count(dest)
    while count < files:
        copy += 1
        for rel in originals:
            head, rest = rel.parts[0], rel.parts[1:]
            if head == "surfaces":  # stay inside surfaces/verify/, the only place scripts may live there
                head, rest = "surfaces/verify", rest[1:]
            target = dest / head / f"copy-{copy:03d}" / Path(*rest)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dest / rel, target)
            count += 1
            if count >= files:
                break
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, help="real spine tree (default: /tmp/real/38069179, else the extract)")
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    tree = options.tree or next((t for t in DEFAULT_TREES if t.is_dir()), None)
    if tree is None:
        sys.exit("no spine tree found: pass --tree")

    def static(root: Path, *extra: str) -> list[str]:
        return [*PYTEST, "tests", "-m", "static", "--spine-root", str(root), *extra]

    real_files = file_count(tree)
    bare = bare_pytest(options.runs)
    with tempfile.TemporaryDirectory() as tmp:
        real = median_of(static(tree), options.runs)
        small = synthetic(Path(tmp) / "x1", real_files)
        large = synthetic(Path(tmp) / "x10", 10 * real_files)
        x1 = median_of(static(small, "--now", ESTATE_NOW), options.runs)
        x10 = median_of(static(large, "--now", ESTATE_NOW), options.runs)
        sizes = file_count(small), file_count(large)
    print(f"runs per command:                     {options.runs}")
    print(f"bare pytest, one trivial test:        {bare:.3f} s (median)")
    print(f"-m static, real tree ({real_files} files):     {real:.3f} s  [{tree}]")
    print(f"-m static, synthetic 1x ({sizes[0]} files):  {x1:.3f} s")
    print(f"-m static, synthetic 10x ({sizes[1]} files): {x10:.3f} s")
    print(f"10x / real, wall:                     {x10 / real:.2f}x")
    print(f"10x / 1x, work above start-up:        {(x10 - bare) / (x1 - bare):.2f}x  (linear would be 10x)")


if __name__ == "__main__":
    main()
