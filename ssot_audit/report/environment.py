"""Where a run looked: commits of the checkouts (with a dirty flag), hosts, version, waivers."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

# A checked repo's own config can name programs git runs: an fsmonitor (on every index read),
# clean/process filters (when status re-hashes a file), an external diff, hooks. Each is
# switched off on the command line, which wins over every config file.
NEUTRAL_GIT = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
            "-c", "core.untrackedCache=false"]  # fmt: skip
_DRIVER = re.compile(r"^(filter\.[^\n]+\.(?:clean|smudge|process))$", re.M)


def commit(root: Path) -> str:
    """Short HEAD of a checkout, `+dirty` when it has uncommitted changes (read-only git calls that run
    nothing the checkout configures)."""

    def git(*args: str, options: list[str] = NEUTRAL_GIT) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *options, *args], capture_output=True, text=True, timeout=10)

    try:
        top = git("rev-parse", "--show-toplevel")
        if top.returncode != 0 or Path(top.stdout.strip()).resolve() != root.resolve():
            return "not a git checkout"  # (a tree inside another repo, like the bundled estates)
        head = git("rev-parse", "--short=8", "HEAD")
        # `git config` reads config, runs nothing; every filter driver it names is emptied for status
        drivers = _DRIVER.findall(git("config", "--name-only", "--get-regexp", r"^filter\.").stdout)
        options = NEUTRAL_GIT + [part for name in drivers for part in ("-c", f"{name}=")]
        dirty = git("status", "--porcelain", "--untracked-files=no", "--ignore-submodules=all", options=options)
    except (OSError, subprocess.TimeoutExpired):
        return "git unavailable"
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
