"""ZFS pools and their last scan: `zpool status -j --json-int` (OpenZFS 2.3+), or plain `zpool status`.

JSON: `scan_stats.function` is SCRUB, RESILVER, ERRORSCRUB or NONE and `state`
SCANNING, FINISHED or CANCELED, with epoch times (`--json-int`; without it
times are locale-formatted strings). A paused scrub is SCANNING with a non-zero
`scrub_pause`. A never-scanned pool may have no `scan_stats` at all.

Text: the `scan:` line (plus tab-indented continuation lines) reads `none
requested`, `scrub repaired X in T with N errors on <ctime>`, `scrub canceled on
<ctime>`, `scrub in progress since <ctime>`, `scrub paused since <ctime>` (then
`scrub started on <ctime>`), or the resilver forms. ctime() pads the day with a
space (`Sun Feb  8 07:18:07 2026`) and carries no zone: it is the host's local
time, read in the zone the caller gives. Newer releases may prefix `error` or
`thorough`; an error scrub reads only blocks with known errors, so it is not a
scrub here.

Either way, `zpool status` shows only the latest scan: once a resilver has run,
the date of the scrub before it is gone.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo

NONE, SCRUB, RESILVER, ERRORSCRUB = "none", "scrub", "resilver", "errorscrub"
FINISHED, CANCELED, SCANNING, PAUSED = "finished", "canceled", "scanning", "paused"


@dataclass(frozen=True)
class Scan:
    function: str = NONE
    state: str = NONE
    start: datetime | None = None
    end: datetime | None = None
    errors: int | None = None


@dataclass(frozen=True)
class Pool:
    name: str
    state: str  # ONLINE, DEGRADED...
    scan: Scan


def _epoch(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), timezone.utc) if value else None


def parse_status_json(text: str) -> dict[str, Pool]:
    pools = {}
    for name, spec in (json.loads(text).get("pools") or {}).items():
        stats = spec.get("scan_stats") or {}
        function = str(stats.get("function", "NONE")).lower()
        state = str(stats.get("state", "NONE")).lower()
        if state == SCANNING and stats.get("scrub_pause"):
            state = PAUSED
        end = _epoch(stats.get("end_time")) if state in (FINISHED, CANCELED) else None
        scan = Scan(function, state if function != NONE else NONE, _epoch(stats.get("start_time")), end,
                    stats.get("errors"))  # fmt: skip
        pools[name] = Pool(name, str(spec.get("state", "")), scan)
    return pools


_CTIME = r"(\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})"
_PREFIX = r"(?i:(?P<kind>error |thorough )?)"
_SCAN_LINES = [
    (re.compile(rf"^{_PREFIX}scrub repaired \S+ in .+? with (?P<errors>\d+) errors on {_CTIME}"), SCRUB, FINISHED),
    (re.compile(rf"^{_PREFIX}scrub canceled on {_CTIME}"), SCRUB, CANCELED),
    (re.compile(rf"^{_PREFIX}scrub in progress since {_CTIME}"), SCRUB, SCANNING),
    (re.compile(rf"^{_PREFIX}scrub paused since {_CTIME}"), SCRUB, PAUSED),
    (re.compile(rf"^resilvered \S+ in .+? with (?P<errors>\d+) errors on {_CTIME}"), RESILVER, FINISHED),
    (re.compile(rf"^resilver canceled on {_CTIME}"), RESILVER, CANCELED),
    (re.compile(rf"^resilver in progress since {_CTIME}"), RESILVER, SCANNING),
]
_STARTED = re.compile(rf"scrub started on {_CTIME}")


def parse_ctime(text: str, tz: tzinfo = timezone.utc) -> datetime:
    """`Sun Feb  8 07:18:07 2026` (C locale), read as local time in `tz`."""
    return datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y").replace(tzinfo=tz)


def _scan(lines: list[str], tz: tzinfo) -> Scan:
    first = lines[0].strip() if lines else ""
    for pattern, function, state in _SCAN_LINES:
        match = pattern.match(first)
        if not match:
            continue
        when = parse_ctime(match.groups()[-1], tz)
        kind = (match.groupdict().get("kind") or "").strip().lower()
        function = ERRORSCRUB if kind == "error" else function
        errors = int(match["errors"]) if "errors" in match.groupdict() and match["errors"] else None
        if state in (FINISHED, CANCELED):
            return Scan(function, state, None, when, errors)
        if state == PAUSED:
            started = next((_STARTED.search(x) for x in lines[1:] if _STARTED.search(x)), None)
            return Scan(function, state, parse_ctime(started[1], tz) if started else None)
        return Scan(function, state, when)
    return Scan()


def parse_status_text(text: str, tz: tzinfo = timezone.utc) -> dict[str, Pool]:
    pools: dict[str, Pool] = {}
    name = state = None
    scan_lines: list[str] = []
    in_scan = False

    def close():
        if name is not None:
            pools[name] = Pool(name, state or "", _scan(scan_lines, tz))

    for line in text.splitlines():
        header = re.match(r"^\s*(pool|state|scan):\s?(.*)$", line)
        if header and header[1] == "pool":
            close()
            name, state, scan_lines, in_scan = header[2].strip(), None, [], False
        elif header and header[1] == "state":
            state, in_scan = header[2].strip(), False
        elif header and header[1] == "scan":
            scan_lines, in_scan = [header[2]], True
        elif in_scan and line.startswith("\t"):
            scan_lines.append(line)
        else:
            in_scan = False
    close()
    return pools
