"""ZFS scrubs (host half of C3, GAP-OP-019): every pool has a scrub schedule and a recent completed scrub.

A schedule is any of: a cron line running `zpool scrub <pool>` (root's crontab,
/etc/crontab, /etc/cron.d), or scrubbing every pool `zpool list` prints; Debian's periodic scrub script run from cron, which
scrubs every ONLINE pool whose `org.debian:periodic-scrub` is not `disable`; or
an enabled `zfs-scrub-*@<pool>.timer`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ...findings import Finding
from ...hostfacts import cron
from ...hostfacts.zpool_status import CANCELED, FINISHED, NONE, PAUSED, SCANNING, Pool
from ...hostview import HostView
from ...selectors import facets

# org.debian:periodic-scrub values the Debian script scrubs on; any other value it warns about and skips.
_DEBIAN_SCRUBS = {"-", "auto", "enable"}


def _schedule(view: HostView, pool: Pool) -> tuple[bool, list[str]]:
    """Whether the pool is scheduled, and what was seen (for the message when it is not)."""
    seen = []
    for line in view.cron_lines:
        if pool.name in cron.scrubbed_pools(line) or cron.scrubs_every_pool(line, pool.state):
            return True, []
    scrubbed = sorted({p for line in view.cron_lines for p in cron.scrubbed_pools(line)})
    seen.append(f"cron scrubs {', '.join(scrubbed)}" if scrubbed else "no `zpool scrub` in cron")
    seen += [f"{line.file}:{line.line} scrubs the ONLINE pools; {pool.name} is {pool.state}"
             for line in view.cron_lines if cron.scrubs_every_pool(line, "ONLINE")]  # fmt: skip
    debian = [line for line in view.cron_lines if cron.runs_debian_scrub(line)]
    if debian:
        value = view.periodic_scrub(pool.name)
        where = f"{debian[0].file}:{debian[0].line}"
        if value in _DEBIAN_SCRUBS and pool.state == "ONLINE":
            return True, []
        why = f"pool state {pool.state}" if value in _DEBIAN_SCRUBS else f"org.debian:periodic-scrub={value}"
        seen.append(f"Debian's periodic scrub ({where}) skips {pool.name}: {why}")
    for unit in sorted(u for u, p in view.scrub_timers.items() if p == pool.name):
        if view.timer_enabled(unit):
            return True, []
        seen.append(f"{unit} is not enabled")
    return False, seen


def check_scrub_schedule(view: HostView) -> list[Finding]:
    """Pools nothing schedules. With the login's crontab unreadable, none can be shown unscheduled:
    schedule_not_proven says which are left unjudged."""
    findings = []
    for name, pool in sorted(view.pools.items()):
        scheduled, seen = _schedule(view, pool)
        if scheduled or view.crontab_error:
            continue
        findings.append(
            Finding(
                view.where("crontab -l"), None, f"pool {name} on {view.name} has no scrub schedule",
                expected=f"a cron line running `zpool scrub {name}`, Debian's periodic scrub not disabled for "
                f"{name}, or an enabled zfs-scrub-*@{name}.timer",
                about=facets(pool=name),
                found="; ".join(seen),
                fix=f"add `0 4 * * 0 zpool scrub {name}` to root's crontab on {view.name} (crontab -e), "
                f"or `systemctl enable --now zfs-scrub-monthly@{name}.timer`",
            )
        )  # fmt: skip
    return findings


def schedule_not_proven(view: HostView) -> str | None:
    """Why some pools' schedule is unknown: nothing else schedules them, and the crontab that might could not be
    read. None when every pool was judged."""
    if not view.crontab_error:
        return None
    unknown = [name for name, pool in sorted(view.pools.items()) if not _schedule(view, pool)[0]]
    if not unknown:
        return None
    return (f"whether {', '.join(unknown)} on {view.name} {'has' if len(unknown) == 1 else 'have'} a scrub schedule "
            f"is not proven: no cron table or timer that could be read schedules it, and {view.crontab_error}")  # fmt: skip


def _last_scrub(pool: Pool, now: datetime, limit: timedelta) -> str | None:
    """Why the pool's last scrub is not recent enough, or None when it is."""
    scan = pool.scrub
    if scan and scan.state == FINISHED and scan.end:
        age = now - scan.end
        return None if age <= limit else f"last completed scrub {scan.end:%Y-%m-%d}, {age.days} days ago"
    if scan and scan.state == SCANNING:
        if scan.start and now - scan.start <= limit:
            return None  # running now; zpool status no longer shows the one before
        return f"a scrub has been running since {scan.start:%Y-%m-%d}" if scan.start else "a scrub is running"
    if scan and scan.state == PAUSED:
        started = f", started {scan.start:%Y-%m-%d}" if scan.start else ""
        return f"the scrub is paused{started}"
    if scan and scan.state == CANCELED:
        return f"the last scrub was canceled on {scan.end:%Y-%m-%d}" if scan.end else "the last scrub was canceled"
    # No scrub shown. A pool-wide resilver replaces the scrub's record; a rebuild (one vdev) never does, so a pool
    # that shows only rebuilds was never scrubbed.
    replaced = next((s for s in pool.scans if s.vdev is None and s.function != NONE), None)
    if replaced is None:
        rebuilds = [f"{s.vdev} ({s.state})" for s in pool.scans if s.vdev]
        shown = f"only the sequential resilver of {', '.join(rebuilds)}" if rebuilds else "scan: none requested"
        return f"never scrubbed ({shown})"
    when = replaced.end or replaced.start
    return (f"the last scan was a {replaced.function} ({replaced.state}{f', {when:%Y-%m-%d}' if when else ''}); "
            "zpool status no longer shows the scrub before it")  # fmt: skip


def check_scrub_age(view: HostView, now: datetime, max_days: int) -> list[Finding]:
    findings = []
    for name, pool in sorted(view.pools.items()):
        why = _last_scrub(pool, now, timedelta(days=max_days))
        if why:
            findings.append(
                Finding(
                    view.where("zpool status"), None, f"pool {name} on {view.name} has no recent completed scrub",
                    expected=f"a completed scrub within {max_days} days (--max-scrub-age-days)",
                    about=facets(pool=name),
                    found=why,
                    fix=f"run `zpool scrub {name}` on {view.name} "
                    "and make sure it stays scheduled",
                )
            )  # fmt: skip
    return findings
