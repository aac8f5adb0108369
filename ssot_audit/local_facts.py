"""Read-only facts of the operator's workstation that are not files: launchd jobs and the user crontab.

The only commands run are `launchctl print ...` and `crontab -l`, each looked up
with shutil.which and given a timeout; nothing is evaluated through a shell.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import subprocess

from .hostfacts import cron

# Jobs in the operator's namespaces (as D29 and D31 select them).
_RONNY_LABEL = re.compile(r"(com\.ronny[A-Za-z0-9._-]*|works\.ronny[A-Za-z0-9._-]*)")
_TIMEOUT = 10


def is_macos() -> bool:
    return platform.system() == "Darwin"


def _run(*argv: str) -> str | None:
    """stdout of a read-only command, or None when it is absent or fails."""
    if shutil.which(argv[0]) is None:
        return None
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def launchd_job(label: str) -> str | None:
    """`launchctl print gui/<uid>/<label>`: the job's state dump, or None when it is not loaded."""
    return _run("launchctl", "print", f"gui/{os.getuid()}/{label}")


def launchd_jobs() -> dict[str, str]:
    """Dumps of every loaded com.ronny* / works.ronny* job of the GUI domain."""
    listing = _run("launchctl", "print", f"gui/{os.getuid()}") or ""
    labels = sorted({m[0] for m in _RONNY_LABEL.finditer(listing)})
    return {label: dump for label in labels if (dump := launchd_job(label))}


class Unreadable(Exception):
    """A fact the workstation could not give: the command failed or timed out."""


def user_crontab() -> str | None:
    """The user's crontab ("" when there is none), or None when there is no crontab command; Unreadable when
    `crontab -l` fails for any other reason than having no crontab, or times out."""
    if shutil.which("crontab") is None:
        return None
    try:
        done = subprocess.run(["crontab", "-l"], capture_output=True, text=True, timeout=_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise Unreadable(f"`crontab -l` gave no answer within {_TIMEOUT} s") from None
    except OSError as exc:
        raise Unreadable(f"`crontab -l` could not run: {exc.strerror or exc}") from None
    listing = cron.crontab_listing(done.returncode, done.stdout, done.stderr)
    if listing is None:
        said = next((line.strip() for line in done.stderr.splitlines() if line.strip()), "")
        raise Unreadable(f"`crontab -l` failed (exit status {done.returncode}{f': {said}' if said else ''})")
    return listing
