"""Cron tables: root's crontab (`crontab -l`), `/etc/crontab` and `/etc/cron.d/*`.

User crontabs have five time fields and a command; the system ones (`/etc/crontab`,
`/etc/cron.d/*`) put a user between them. Blank lines, `#` comments and
`NAME=value` settings are not jobs; `@daily`-style schedules are one field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

_SETTING = re.compile(r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*=")
_COMMAND_SEP = re.compile(r"[;&|()`]+")  # where one shell command ends and the next begins
_POOL_NAME = re.compile(r"[A-Za-z][\w.:-]*")
_NAME_FILTERS = {"grep", "egrep", "fgrep", "sed", "head", "tail"}  # may drop pools from a `zpool list`
# Debian's periodic scrub script (zfsutils-linux), run from /etc/cron.d/zfsutils-linux.
DEBIAN_SCRUB = "/usr/lib/zfs-linux/scrub"


@dataclass(frozen=True)
class CronLine:
    file: str
    line: int
    schedule: str
    user: str | None
    command: str


# `crontab -l` of a user without a crontab exits 1 saying so on stderr: Debian's cron and cronie write
# `no crontab for root`, macOS and busybox `crontab: no crontab for root`. Any other failure is not an empty crontab.
_NO_CRONTAB = re.compile(r"^(?:crontab: )?no crontab for \S+", re.MULTILINE)


def crontab_listing(rc: int, stdout: str, stderr: str) -> str | None:
    """The crontab `crontab -l` listed: "" for a user who has none, None when it could not be read."""
    if rc == 0:
        return stdout
    if rc == 1 and _NO_CRONTAB.search(stderr):
        return ""
    return None


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


def _name(word: str) -> str:
    return word.rsplit("/", 1)[-1]


def _scrub_args(words: list[str]) -> list[str] | None:
    """The arguments of a `zpool scrub` in one simple command, or None when it does not start a scrub
    (`-s` stops one, `-p` pauses one)."""
    for i in range(len(words) - 1):
        if _name(words[i]) == "zpool" and words[i + 1] == "scrub":
            args = words[i + 2 :]
            return None if {"-s", "-p"} & set(args) else args
    return None


def scrubbed_pools(line: CronLine) -> set[str]:
    """Pools a cron line names to `zpool scrub`. Redirections and other words after the pools
    (`2>/dev/null`) are not pool names."""
    pools: set[str] = set()
    for command in _COMMAND_SEP.split(line.command):
        pools.update(a for a in _scrub_args(command.split()) or [] if _POOL_NAME.fullmatch(a))
    return pools


def scrubs_every_pool(line: CronLine, state: str) -> bool:
    """Whether the line scrubs each pool `zpool list` prints, so a pool in `state` among them.

    The one-liners of PVE 6-era hosts: `zpool list -H -o name | while read pool; do zpool scrub
    $pool; done`, `for p in $(zpool list -H -o name); do ...`, `... | xargs -n1 zpool scrub`,
    `zpool scrub $(zpool list -H -o name)`. A list that asks for the health column is there to
    keep the ONLINE pools only; a grep or sed between them may drop any pool, so it does not count.
    """
    commands = [c.split() for c in _COMMAND_SEP.split(line.command)]
    listing = [w for w in commands if any(_name(a) == "zpool" and b == "list" for a, b in pairwise(w))]
    if not listing or any(w and _name(w[0]) in _NAME_FILTERS for w in commands):
        return False
    fed = False
    for words in commands:
        args = _scrub_args(words)
        if args is None:
            continue
        pools = [a for a in args if not a.startswith("-")]
        fed = fed or (all("$" in a or a == "{}" for a in pools) if pools else "xargs" in map(_name, words))
    health = any("health" in word for words in listing for word in words)
    return fed and (state == "ONLINE" or not health)


def runs_debian_scrub(line: CronLine) -> bool:
    return DEBIAN_SCRUB in line.command
