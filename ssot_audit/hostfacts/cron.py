"""Cron tables: root's crontab (`crontab -l`), `/etc/crontab` and `/etc/cron.d/*`.

User crontabs have five time fields and a command; the system ones (`/etc/crontab`,
`/etc/cron.d/*`) put a user between them. Blank lines, `#` comments and
`NAME=value` settings are not jobs; `@daily`-style schedules are one field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SETTING = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_COMMAND_SEP = re.compile(r"[;&|()`]+")  # where one shell command ends and the next begins
_POOL_NAME = re.compile(r"[A-Za-z][\w.:-]*")
# Debian's periodic scrub script (zfsutils-linux), run from /etc/cron.d/zfsutils-linux.
DEBIAN_SCRUB = "/usr/lib/zfs-linux/scrub"


@dataclass(frozen=True)
class CronLine:
    file: str
    line: int
    schedule: str
    user: str | None
    command: str


def parse_crontab(text: str, file: str, system: bool = False) -> list[CronLine]:
    out = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#") or _SETTING.match(line):
            continue
        time_fields = 1 if line.startswith("@") else 5
        head = time_fields + (1 if system else 0)
        fields = line.split(None, head)
        if len(fields) <= head:
            continue  # too few fields for a job
        user = fields[time_fields] if system else None
        out.append(CronLine(file, number, " ".join(fields[:time_fields]), user, fields[head]))
    return out


def scrubbed_pools(line: CronLine) -> set[str]:
    """Pools a cron line scrubs with `zpool scrub` (not `-s`, which stops a scrub, or `-p`, which pauses one).

    Redirections and other words after the pools (`2>/dev/null`) are not pool names.
    """
    pools: set[str] = set()
    for command in _COMMAND_SEP.split(line.command):
        words = command.split()
        for i in range(len(words) - 1):
            if words[i].rsplit("/", 1)[-1] == "zpool" and words[i + 1] == "scrub":
                args = words[i + 2 :]
                if not {"-s", "-p"} & set(args):
                    pools.update(a for a in args if _POOL_NAME.fullmatch(a))
    return pools


def runs_debian_scrub(line: CronLine) -> bool:
    return DEBIAN_SCRUB in line.command
