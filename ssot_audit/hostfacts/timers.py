"""systemd timers: `systemctl list-timers --all --no-legend --no-pager` and `systemctl is-enabled UNIT`.

list-timers rows are `NEXT LEFT LAST PASSED UNIT ACTIVATES`, where the dates
contain spaces and an idle timer shows `-` (or `n/a`) for them, so the unit is
found as the field ending in `.timer`. OpenZFS ships `zfs-scrub-weekly@.timer`
and `zfs-scrub-monthly@.timer`, instantiated per pool (`zfs-scrub-weekly@tank.timer`).
"""

from __future__ import annotations

import re

_SCRUB_TIMER = re.compile(r"^zfs-scrub-[\w-]+@(?P<pool>[\w.:-]+)\.timer$")
ENABLED = {"enabled", "enabled-runtime"}


def parse_list_timers(text: str) -> list[str]:
    units = []
    for line in text.splitlines():
        unit = next((f for f in line.split() if f.endswith(".timer")), None)
        if unit:
            units.append(unit)
    return units


def scrub_timers(units: list[str]) -> dict[str, str]:
    """Scrub timer unit -> the pool it scrubs."""
    return {u: m["pool"] for u in units if (m := _SCRUB_TIMER.match(u))}


def is_enabled(output: str) -> bool:
    return output.strip() in ENABLED
