"""Typed view of one live host: its facts, fetched through its probe and parsed.

The counterpart of spine.py for a machine. Each property asks the probe (which
sends each command at most once) and parses with ssot_audit.hostfacts; where a
machine format may be missing, it falls back to the human one.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from functools import cached_property

from .hostfacts import clock, cron, files, jobs_cfg, tailscale_status, timers, zpool_status
from .hostfacts.guests import CONFIG_DIRS, Guest, GuestConfig, guest_configs, parse_cluster_resources, parse_qm_list
from .probe import CommandMissing, FactUnreadable, Output, Probe

JOBS_CFG = "/etc/pve/jobs.cfg"
# Debian's cron reads only /etc/cron.d files named like this (no dots: `*.dpkg-old` is skipped).
_CRON_D_NAME = re.compile(r"[A-Za-z0-9_-]+")


class HostView:
    def __init__(self, probe: Probe):
        self.probe = probe
        self.name = probe.name

    def where(self, path: str) -> str:
        """How findings name a file on this host."""
        return f"{self.name}:{path}"

    def _read(self, fact: str, ok: tuple[int, ...] = (0,), **args: str) -> Output:
        out = self.probe.run(fact, **args)
        if out.missing_command:
            raise CommandMissing(f"{self.name} has no `{out.command.split()[0]}` command ({out.error_line()})")
        if out.rc not in ok:
            raise FactUnreadable(f"{self.name}: `{out.command}` failed: {out.error_line()}")
        return out

    def _parse(self, out: Output, parse):
        """Parse a machine format; a host that prints something else is a clear failure, not a traceback."""
        try:
            return parse(out.stdout)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise FactUnreadable(f"{self.name}: `{out.command}` printed an unexpected format ({exc})") from exc

    # identity ------------------------------------------------------------------
    @cached_property
    def hostname(self) -> str:
        return self._read("hostname").stdout.strip()

    @cached_property
    def machine_id(self) -> str:
        return self._read("machine-id").stdout.strip()

    @cached_property
    def timezone(self) -> tzinfo:
        """The zone of the local times the host prints: its /etc/localtime, else its UTC offset now."""
        link = self.probe.run("localtime")
        zone = clock.zone_of_localtime(link.stdout) if link.rc == 0 else None
        return zone or self._parse(self._read("utc-offset"), clock.parse_offset)

    @cached_property
    def node_configs(self) -> dict[str, list[GuestConfig]]:
        """PVE node directory -> the guest configs (VMs, then containers) in it."""
        out = {}
        for node in files.parse_ls(self._read("pve-nodes").stdout):
            out[node] = []
            for kind, fact in zip(CONFIG_DIRS, ("pve-node-configs", "pve-node-lxc"), strict=True):
                listing = self._read(fact, ok=(0, 2), node=node)
                out[node] += guest_configs(node, kind, files.parse_ls(listing.stdout) if listing.rc == 0 else [])
        return out

    @cached_property
    def clustered(self) -> bool:
        """Whether the node is in a cluster: pmxcfs holds /etc/pve/corosync.conf only then."""
        return "corosync.conf" in (self.listing("/etc/pve") or [])

    # Proxmox -------------------------------------------------------------------
    @cached_property
    def vzdump_jobs(self) -> tuple[str, list[jobs_cfg.VzdumpJob]]:
        """(where they were read, the jobs): jobs.cfg for its line numbers, else the API."""
        out = self._read("jobs.cfg", ok=(0, 1))
        if out.rc == 0:
            return self.where(JOBS_CFG), jobs_cfg.parse_jobs_cfg(out.stdout)
        api = self._read("pvesh-backup")
        return f"{self.name}:pvesh get /cluster/backup", self._parse(api, jobs_cfg.parse_pvesh_backup)

    @cached_property
    def guests(self) -> dict[int, Guest]:
        out = self.probe.run("pvesh-guests")
        if out.rc == 0:
            return self._parse(out, parse_cluster_resources)
        return parse_qm_list(self._read("qm-list").stdout)

    # ZFS -----------------------------------------------------------------------
    @cached_property
    def pools(self) -> dict[str, zpool_status.Pool]:
        out = self.probe.run("zpool-json")
        if out.rc == 0:
            return self._parse(out, zpool_status.parse_status_json)
        # OpenZFS before 2.3 has no -j (or the command is missing: _read says so); its dates are local time
        return zpool_status.parse_status_text(self._read("zpool-text").stdout, self.timezone)

    def periodic_scrub(self, pool: str) -> str | None:
        """org.debian:periodic-scrub of the pool's root dataset (`-` when unset); None if unreadable."""
        out = self.probe.run("periodic-scrub", pool=pool)
        return out.stdout.strip() if out.rc == 0 else None

    @cached_property
    def _crontab(self) -> tuple[str, str | None]:
        """(the login's crontab, "" when it has none; why it could not be read, or None)."""
        out = self.probe.run("crontab")
        if out.missing_command:
            raise CommandMissing(f"{self.name} has no `crontab` command ({out.error_line()})")
        listing = cron.crontab_listing(out.rc, out.stdout, out.stderr)
        if listing is None:
            return "", f"`{out.command}` failed on {self.name} (exit status {out.rc}: {out.error_line()})"
        return listing, None

    @property
    def crontab_error(self) -> str | None:
        """Why the login's crontab could not be read: what it schedules is then unknown, not nothing."""
        return self._crontab[1]

    @cached_property
    def cron_lines(self) -> list[cron.CronLine]:
        """The login's crontab (root's, on the hypervisors), /etc/crontab and every /etc/cron.d file cron reads."""
        lines = cron.parse_crontab(self._crontab[0], self.where("crontab -l"))
        system = self._read("system-crontab", ok=(0, 1))
        if system.rc == 0:
            lines += cron.parse_crontab(system.stdout, self.where("/etc/crontab"), system=True)
        listing = self._read("cron.d", ok=(0, 2))
        names = files.parse_ls(listing.stdout) if listing.rc == 0 else []
        for name in [n for n in names if _CRON_D_NAME.fullmatch(n)]:
            out = self.probe.run("cron.d-file", name=name)
            if out.rc == 0:
                lines += cron.parse_crontab(out.stdout, self.where(f"/etc/cron.d/{name}"), system=True)
        return lines

    @cached_property
    def scrub_timers(self) -> dict[str, str]:
        """Scrub timer unit -> pool, for the timers systemd has loaded; none without systemd."""
        out = self.probe.run("timers")
        return timers.scrub_timers(timers.parse_list_timers(out.stdout)) if out.rc == 0 else {}

    def timer_enabled(self, unit: str) -> bool:
        return timers.is_enabled(self.probe.run("timer-enabled", unit=unit).stdout)

    # Tailscale -------------------------------------------------------------------
    @cached_property
    def tailnet(self) -> tailscale_status.Status:
        return self._parse(self._read("tailscale"), tailscale_status.parse_status)

    # files -----------------------------------------------------------------------
    def listing(self, directory: str) -> list[str] | None:
        """Names in `directory`; None if it does not exist."""
        out = self._read("listing", ok=(0, 2), dir=directory)
        return files.parse_ls(out.stdout) if out.rc == 0 else None

    def mtimes(self, paths: list[str]) -> dict[str, datetime]:
        if not paths:
            return {}
        out = self._read("mtimes", ok=(0, 1), paths=" ".join(sorted(paths)))
        return files.parse_stat(out.stdout)
