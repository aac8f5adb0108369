"""Spine trees for the benchmarks: the real one, and synthetic ones N times its size.

The real tree is the public spine at 38069179 (353 files), exported with `git archive` from a
mirror (--mirror, or $SPINE_MIRROR) when there is one; in a fresh clone without it, the bundled
estate's spine (fixtures/estate-2026-02-08). Every run says which it used.

An N-times tree is the real tree plus N-1 copies of every file below a top-level directory, each
copy under `<dir>/copy-NNN/` (surfaces/ copies under surfaces/verify/, the one place scripts may
live there). ops/bindings/ and top-level files are not copied: they are read by path, and a copy
elsewhere would only be another scanned file. The copies are scanned by the gates, parametrize the
tests that run per file or document, and carry their drift with them, so the tests, the findings
and the failures grow with the tree, as they would in a spine that grew.

    python bench/scale_tree.py DEST N [--tree PATH | --mirror GIT_DIR]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
REAL_COMMIT = "38069179"
BUNDLED = REPO / "fixtures" / "estate-2026-02-08" / "agentic-spine"
BUNDLED_NOW = "2026-02-08T12:00:00Z"


def real_tree(work: Path, mirror: Path | None) -> tuple[Path, str, str]:
    """(tree, what it is, the --now it is judged at): the public spine at REAL_COMMIT, else the bundled one."""
    mirror = mirror or (Path(os.environ["SPINE_MIRROR"]) if os.environ.get("SPINE_MIRROR") else None)
    if mirror is not None and mirror.is_dir():
        dest = work / REAL_COMMIT
        archive = subprocess.run(["git", "--git-dir", str(mirror), "archive", REAL_COMMIT], check=True,
                                 capture_output=True).stdout  # fmt: skip
        dest.mkdir(parents=True)
        with tempfile.TemporaryFile() as tar_file:
            tar_file.write(archive)
            tar_file.seek(0)
            with tarfile.open(fileobj=tar_file) as tar:
                tar.extractall(dest, filter="tar")
        when = subprocess.run(["git", "--git-dir", str(mirror), "log", "-1", "--format=%cI", REAL_COMMIT],
                              check=True, capture_output=True, text=True).stdout.strip()  # fmt: skip
        return dest, f"the public spine at {REAL_COMMIT} (from {mirror})", when
    dest = work / "bundled"
    shutil.copytree(BUNDLED, dest, symlinks=True)
    return dest, f"the bundled estate's spine ({BUNDLED.relative_to(REPO)}): no mirror given", BUNDLED_NOW


def files(root: Path) -> list[Path]:
    """Regular files (not symlinks), relative to root, outside .git."""
    found = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = [d for d in dirs if d != ".git"]
        found += [Path(directory, n).relative_to(root) for n in names if not Path(directory, n).is_symlink()]
    return sorted(found)


def scaled(source: Path, dest: Path, times: int) -> Path:
    """`source` copied to `dest` with `times - 1` extra copies of its files (see the module docstring)."""
    shutil.copytree(source, dest, symlinks=True, ignore=shutil.ignore_patterns(".git"))
    copied = [r for r in files(dest) if len(r.parts) > 1 and not r.as_posix().startswith("ops/bindings/")]
    for copy in range(1, times):
        for rel in copied:
            head, rest = rel.parts[0], rel.parts[1:]
            if head == "surfaces":
                head, rest = "surfaces/verify", rest[1:]
            target = dest / head / f"copy-{copy:03d}" / Path(*rest)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(dest / rel, target)
    return dest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("times", type=int)
    parser.add_argument("--tree", type=Path, help="the tree to scale (default: the real tree, see above)")
    parser.add_argument("--mirror", type=Path, help="bare git dir of the public spine (default: $SPINE_MIRROR)")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, what = (options.tree, str(options.tree)) if options.tree else real_tree(Path(tmp), options.mirror)[:2]
        scaled(source, options.dest, options.times)
    print(f"{options.dest}: {len(files(options.dest))} files, {options.times}x {what}")


if __name__ == "__main__":
    main()
