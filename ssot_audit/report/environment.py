"""Where a run looked: commits of the checkouts (with a dirty flag), hosts, version, waivers."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from datetime import datetime, timezone
from pathlib import Path

from .gates import statement

# A checked repo's own config can name programs git runs: an fsmonitor (on every index read),
# clean/process filters (when status re-hashes a file), an external diff, hooks. Each is
# switched off on the command line, which wins over every config file. And a repo can stand
# other objects in for its own (refs/replace/): every object is read as the commit has it.
NEUTRAL_GIT = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "diff.external=",
            "-c", "core.untrackedCache=false", "--no-replace-objects"]  # fmt: skip


def neutral_env() -> dict[str, str]:
    """The environment of every git call: no info/grafts either (the older way to give a commit other
    parents; a shallow clone's boundary is kept apart from it, in .git/shallow)."""
    return {**os.environ, "GIT_GRAFT_FILE": os.devnull}


_DRIVER = re.compile(r"^(filter\.[^\n]+\.(?:clean|smudge|process))$", re.M)


def commit(root: Path) -> str:
    """Short HEAD of a checkout, `+dirty` when it has uncommitted changes (read-only git calls that run
    nothing the checkout configures)."""

    def git(*args: str, options: list[str] = NEUTRAL_GIT) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "-C", str(root), *options, *args], capture_output=True, text=True, timeout=10,
                              env=neutral_env())  # fmt: skip

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


def environment(spine: str, workbench: str, hosts: str, waivers: str, coverage: dict | None) -> dict[str, str]:
    """What a run looked at, for every report: `spine` and `workbench` as "<root> @ <commit>"."""
    from .. import __version__
    from ..catalogue import load

    return {
        "Loop": load().loop,
        "ssot-audit": __version__,
        "agentic-spine": spine,
        "workbench": workbench,
        "Hosts": hosts,
        "Waivers": waivers,
        **({"Gate coverage": statement(coverage)} if coverage else {}),
    }


def run_record(now: datetime, clock_given: bool, markers: str, keywords: str, command: list[str], hosts: str,
               waivers: str, judged: str) -> dict:  # fmt: skip
    """The clock, the selection and the arguments; the report dir adds status and times."""
    return {
        "judged_at": now.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
        "clock": "--now" if clock_given else "current time",
        "markers": markers,
        "keywords": keywords,
        "arguments": command[1:],
        "command": shlex.join(command),  # what ran (ssot-audit passes its suite and config on to pytest)
        "hosts": hosts,
        "waivers": waivers,
        "judged": judged,
    }
