"""Directory listings (`ls -1 -- DIR`) and modification times (`stat -c '%Y %n' -- PATH...`)."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_ls(text: str) -> list[str]:
    return [line for line in text.splitlines() if line]


def parse_stat(text: str) -> dict[str, datetime]:
    """Path -> mtime, from `%Y %n` lines (seconds since the epoch, a space, the path)."""
    out = {}
    for line in text.splitlines():
        seconds, _, path = line.partition(" ")
        if seconds.isdigit() and path:
            out[path] = datetime.fromtimestamp(int(seconds), timezone.utc)
    return out
