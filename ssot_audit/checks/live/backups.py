"""Backups on a hypervisor (host half of C2, GAP-OP-018): the vzdump jobs cover what the spine backs up, and
every file_glob target in backup.inventory.yaml has a fresh file."""

from __future__ import annotations

import fnmatch
from datetime import datetime

from ...findings import Finding
from ...hostfacts.jobs_cfg import flag
from ...hostview import HostView
from ...selectors import facets
from ...spine import BACKUP, Spine, vzdump_vmid


def _vm_label(spine: Spine, vmid: int) -> str:
    vm = spine.vms.get(vmid)
    return f"{vmid} ({vm.name})" if vm else str(vmid)


def _describe(job) -> str:
    state = "enabled" if job.enabled else "disabled"
    written = job.options.get("enabled")
    if written is not None and flag(written) is None:
        state += f"; PVE drops `enabled {written}` (not 1 or 0)"
    how = job.selection
    picked = {"pool": f"pool {job.options.get('pool')}", "vmid": f"vmid {job.options.get('vmid')}",
              "all": f"all except {job.options.get('exclude') or 'none'}", "none": "no guests"}[how]  # fmt: skip
    node = f" on node {job.options['node']}" if job.options.get("node") else ""
    return f"job {job.id} ({state}): {picked}{node}"


def check_vzdump_coverage(spine: Spine, view: HostView) -> list[Finding]:
    """Every VM backup.inventory.yaml backs up on this host is selected by an enabled vzdump job."""
    expected = spine.vzdump_targets(view.name)
    if not expected:
        return []
    source, jobs = view.vzdump_jobs
    enabled = [j for j in jobs if j.enabled]
    known = view.guests if any(j.needs_guests() for j in enabled) else {}
    covered = set().union(*(j.selects(known) for j in enabled))
    missing = sorted(set(expected) - covered)
    if not missing:
        return []
    anchor = next((j for j in enabled if j.selection == "vmid"), enabled[0] if enabled else None)
    findings = []
    for vmid in missing:  # one finding per VM: each is its own catalogue entry, or drift beyond it
        fix = (
            f"add {vmid} to the vmid list of job {anchor.id} on {view.name} "
            f"(Datacenter > Backup, or `pvesh set /cluster/backup/{anchor.id} --vmid ...`)"
            if anchor and anchor.selection == "vmid"
            else f"create or enable a vzdump job on {view.name} that selects VM {vmid}"
        )
        findings.append(
            Finding(
                source, anchor.line_of("vmid") if anchor else None,
                f"vzdump on {view.name} leaves out VM {_vm_label(spine, vmid)}",
                expected=f"enabled vzdump jobs selecting VMs {', '.join(map(str, sorted(expected)))} "
                f"({spine.repo.display(BACKUP.rel)} line {expected[vmid][1]})",
                found="; ".join(_describe(j) for j in jobs) or "no vzdump job",
                fix=fix,
                about=facets(vmid=vmid),
            )
        )  # fmt: skip
    return findings


def file_glob_targets(spine: Spine, host: str) -> list[tuple[dict, int | None]]:
    doc = spine.doc(BACKUP)
    return [
        (t, doc.line("targets", i))
        for i, t in enumerate(doc.data.get("targets") or [])
        if t.get("enabled") and t.get("kind") == "file_glob" and t.get("host") == host
    ]


def check_backup_freshness(spine: Spine, view: HostView, now: datetime) -> list[Finding]:
    """Each enabled file_glob target for this host has a matching file newer than its stale_after_hours."""
    default = (spine.doc(BACKUP).data.get("defaults") or {}).get("stale_after_hours")
    findings = []
    targets = file_glob_targets(spine, view.name)
    for directory in sorted({t["base_path"] for t, _ in targets}):
        base = directory.rstrip("/")
        names = view.listing(directory)
        mine = [(t, line) for t, line in targets if t["base_path"] == directory]
        matches = {t["name"]: fnmatch.filter(names or [], t["glob"]) for t, _ in mine}
        times = view.mtimes([f"{base}/{n}" for found in matches.values() for n in found])
        for target, line in mine:
            hours = target.get("stale_after_hours", default)
            stamped = sorted((times[f"{base}/{n}"], n) for n in matches[target["name"]] if f"{base}/{n}" in times)
            if stamped and (hours is None or (now - stamped[-1][0]).total_seconds() <= hours * 3600):
                continue
            if names is None:
                found, fix = f"{directory} does not exist on {view.name}", f"create {directory} or fix base_path"
            elif not stamped:
                found = f"no file matches {target['glob']} ({len(names)} other files there)"
                fix = f"make the backup that writes {target['glob']} run on {view.name}"
            else:
                newest, name = stamped[-1]
                age = (now - newest).total_seconds() / 3600
                found = f"newest is {name}, {age:.0f} h old (written {newest:%Y-%m-%d %H:%M} UTC)"
                fix = f"find out why the backup behind {target['name']} stopped on {view.name}, and rerun it"
            where = f"{spine.repo.display(BACKUP.rel)}:{line}, target {target['name']}"
            findings.append(
                Finding(
                    view.where(directory), None, f"backup {target['name']} on {view.name} is missing or stale",
                    expected=f"a {target['glob']} newer than {hours} h ({where})", found=found, fix=fix,
                    about=facets(vmid=vzdump_vmid(target)),
                )
            )  # fmt: skip
    return findings
