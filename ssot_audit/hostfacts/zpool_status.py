"""ZFS pools and their scans: `zpool status -j --json-int` (OpenZFS 2.3+), or plain `zpool status`.

A pool can show more than one scan at once. OpenZFS 2.x keeps the pool-wide scan (a scrub, or a healing
resilver) apart from each top-level vdev's sequential rebuild (`zpool replace -s`, dRAID spares), and
`zpool status` prints the scrub whenever there is one, then the latest resilver or rebuild
(cmd/zpool/zpool_main.c, print_scan_status): two `scan:` lines, or more, one per rebuilding vdev. A
healing resilver replaces the scrub in the pool-wide record, so after one the scrub before it is gone.

JSON: `scan_stats.function` is SCRUB, RESILVER or NONE and `state` SCANNING, FINISHED or CANCELED, with
epoch times (`--json-int`; without it times are locale-formatted strings). A paused scrub is SCANNING with
a non-zero `scrub_pause`. A never-scanned pool may have no `scan_stats` at all. Rebuilds are
`scan_stats.rebuild_stats.<vdev>` (state ACTIVE, CANCELED or COMPLETE), an error scrub `err_scrub_*`.

Text: each `scan:` line (plus tab-indented continuation lines) reads `none requested`, `scrub repaired X
in T with N errors on <ctime>`, `scrub canceled on <ctime>`, `scrub in progress since <ctime>`, `scrub
paused since <ctime>` (then `scrub started on <ctime>`), the same forms of `resilver`, or a rebuild's
`resilvered (draid2:5d:10c:2s-0) X in T with N errors on <ctime>`, `resilver (<vdev>) canceled on
<ctime>`, `resilver (<vdev>) in progress since <ctime>`. ctime() pads the day with a space (`Sun Feb  8
07:18:07 2026`) and carries no zone: it is the host's local time, read in the zone the caller gives.
Newer releases may prefix `thorough`. An error scrub (which reads only blocks with known errors, so is
not a scrub here) has a ` scrub:` line of its own: `scrubbed N error blocks in ...`, `error scrub ...`;
before 2012 that header carried the scrub itself (`scrub completed after ...`).
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
    vdev: str | None = None  # the top-level vdev of a sequential rebuild; None for a pool-wide scan


@dataclass(frozen=True)
class Pool:
    name: str
    state: str  # ONLINE, DEGRADED...
    scans: tuple[Scan, ...] = ()  # every scan the status shows, in its order

    @property
    def scrub(self) -> Scan | None:
        return next((s for s in self.scans if s.function == SCRUB), None)

    @property
    def scan(self) -> Scan:
        """What the status says of scrubbing: the scrub, else the pool-wide scan that replaced it, else the first."""
        return self.scrub or next((s for s in self.scans if s.vdev is None), None) or next(iter(self.scans), Scan())


def _epoch(value) -> datetime | None:
    return datetime.fromtimestamp(int(value), timezone.utc) if value else None


_REBUILD_STATES = {"ACTIVE": SCANNING, "CANCELED": CANCELED, "COMPLETE": FINISHED}


def _json_scans(stats: dict) -> tuple[Scan, ...]:
    scans = []
    function = str(stats.get("function", "NONE")).lower()
    if function != NONE:
        state = str(stats.get("state", "NONE")).lower()
        if state == SCANNING and stats.get("scrub_pause"):
            state = PAUSED
        end = _epoch(stats.get("end_time")) if state in (FINISHED, CANCELED) else None
        scans.append(Scan(function, state, _epoch(stats.get("start_time")), end, stats.get("errors")))
    if stats.get("err_scrub_func"):
        state = str(stats.get("err_scrub_state", "NONE")).lower()
        state = {"errorscrubbing": PAUSED if stats.get("err_scrub_pause") else SCANNING}.get(state, state)
        end = _epoch(stats.get("err_scrub_end_time")) if state in (FINISHED, CANCELED) else None
        scans.append(Scan(ERRORSCRUB, state, _epoch(stats.get("err_scrub_start_time")), end))
    for vdev, rebuild in sorted((stats.get("rebuild_stats") or {}).items()):
        state = _REBUILD_STATES.get(str(rebuild.get("state")), NONE)
        end = _epoch(rebuild.get("end_time")) if state in (FINISHED, CANCELED) else None
        scans.append(Scan(RESILVER, state, _epoch(rebuild.get("start_time")), end, rebuild.get("errors"), vdev))
    return tuple(scans)


def parse_status_json(text: str) -> dict[str, Pool]:
    return {name: Pool(name, str(spec.get("state", "")), _json_scans(spec.get("scan_stats") or {}))
            for name, spec in (json.loads(text).get("pools") or {}).items()}  # fmt: skip


_CTIME = r"(\w{3} \w{3} +\d{1,2} \d{2}:\d{2}:\d{2} \d{4})"
_PREFIX = r"(?i:(?P<kind>error |thorough )?)"
_VDEV = r"(?:\((?P<vdev>[^()\s]+)\) )?"  # a sequential rebuild names its top-level vdev
_SCAN_LINES = [
    (re.compile(rf"^{_PREFIX}scrub repaired \S+ in .+? with (?P<errors>\d+) errors on {_CTIME}"), SCRUB, FINISHED),
    (re.compile(rf"^{_PREFIX}scrub canceled on {_CTIME}"), SCRUB, CANCELED),
    (re.compile(rf"^{_PREFIX}scrub in progress since {_CTIME}"), SCRUB, SCANNING),
    (re.compile(rf"^{_PREFIX}scrub paused since {_CTIME}"), SCRUB, PAUSED),
    (re.compile(rf"^resilvered {_VDEV}\S+ in .+? with (?P<errors>\d+) errors on {_CTIME}"), RESILVER, FINISHED),
    (re.compile(rf"^resilver {_VDEV}canceled on {_CTIME}"), RESILVER, CANCELED),
    (re.compile(rf"^resilver {_VDEV}in progress since {_CTIME}"), RESILVER, SCANNING),
    (re.compile(rf"^scrubbed \d+ error blocks in .+? on {_CTIME}"), ERRORSCRUB, FINISHED),
    (re.compile(rf"^scrub completed after .+? with (?P<errors>\d+) errors on {_CTIME}"), SCRUB, FINISHED),
]
_STARTED = re.compile(rf"scrub started on {_CTIME}")


def parse_ctime(text: str, tz: tzinfo = timezone.utc) -> datetime:
    """`Sun Feb  8 07:18:07 2026` (C locale), read as local time in `tz`."""
    return datetime.strptime(" ".join(text.split()), "%a %b %d %H:%M:%S %Y").replace(tzinfo=tz)


def _scan(lines: list[str], tz: tzinfo) -> Scan | None:
    """The scan one `scan:` (or ` scrub:`) line and its continuation lines show; None for `none requested`
    and for a line none of the forms matches."""
    first = lines[0].strip() if lines else ""
    for pattern, function, state in _SCAN_LINES:
        match = pattern.match(first)
        if not match:
            continue
        when = parse_ctime(match.groups()[-1], tz)
        found = match.groupdict()
        function = ERRORSCRUB if (found.get("kind") or "").strip().lower() == "error" else function
        errors = int(found["errors"]) if found.get("errors") else None
        vdev = found.get("vdev")
        if state in (FINISHED, CANCELED):
            return Scan(function, state, None, when, errors, vdev)
        if state == PAUSED:
            started = next((_STARTED.search(x) for x in lines[1:] if _STARTED.search(x)), None)
            return Scan(function, state, parse_ctime(started[1], tz) if started else None)
        return Scan(function, state, when, vdev=vdev)
    return None


def parse_status_text(text: str, tz: tzinfo = timezone.utc) -> dict[str, Pool]:
    pools: dict[str, Pool] = {}
    name = state = None
    blocks: list[list[str]] = []  # each scan line with its continuation lines
    in_scan = False

    def close():
        if name is not None:
            scans = (_scan(block, tz) for block in blocks)
            pools[name] = Pool(name, state or "", tuple(s for s in scans if s is not None))

    for line in text.splitlines():
        header = re.match(r"^\s*(pool|state|scan|scrub):\s?(.*)$", line)
        if header and header[1] == "pool":
            close()
            name, state, blocks, in_scan = header[2].strip(), None, [], False
        elif header and header[1] == "state":
            state, in_scan = header[2].strip(), False
        elif header:  # every scan line, not only the last: a scrub and a rebuild are printed one after the other
            blocks.append([header[2]])
            in_scan = True
        elif in_scan and line.startswith("\t"):
            blocks[-1].append(line)
        else:
            in_scan = False
    close()
    return pools
