"""The host's time zone, for the local times it prints (`zpool status` text dates carry no zone).

`readlink /etc/localtime` names the zone on any systemd Debian, PVE included
(`/usr/share/zoneinfo/America/New_York`, or relative: `../usr/share/zoneinfo/...`);
it is what glibc reads, where /etc/timezone may be stale or, on newer Debian,
absent. When it is not a link, `date +%z` gives the offset in force now, which can
be an hour off for a date on the other side of a DST change.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

_ZONEINFO = re.compile(r"(?:^|/)zoneinfo/(?:posix/|right/)?(?P<zone>[A-Za-z][\w+-]*(?:/[\w+-]+)*)\s*$")
_OFFSET = re.compile(r"^\s*(?P<sign>[+-])(?P<hours>\d{2})(?P<minutes>\d{2})\s*$")


def zone_of_localtime(target: str) -> tzinfo | None:
    """The zone an /etc/localtime link points at; None when it names none this machine knows."""
    match = _ZONEINFO.search(target.strip())
    if not match:
        return None
    try:
        return ZoneInfo(match["zone"])
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_offset(text: str) -> timezone:
    """`date +%z` (`+0100`, `-1000`) as a fixed offset."""
    match = _OFFSET.match(text)
    if not match:
        raise ValueError(f"not a UTC offset: {text.strip()!r}")
    delta = timedelta(hours=int(match["hours"]), minutes=int(match["minutes"]))
    return timezone(-delta if match["sign"] == "-" else delta)
