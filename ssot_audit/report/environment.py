"""Where a run looked: commits of the checkouts (with a dirty flag), hosts, version, waivers."""

from __future__ import annotations

import subprocess
from pathlib import Path


def commit(root: Path) -> str:
    """Short HEAD of a checkout, `+dirty` when it has uncommitted changes (read-only git calls)."""

    def git(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, timeout=10)

    try:
        top = git("rev-parse", "--show-toplevel")
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
            return "not a git checkout"  # (a tree inside another repo, like the bundled estates)
        head = git("rev-parse", "--short=8", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return "git unavailable"
    return head.stdout.strip() + ("+dirty" if dirty else "")
