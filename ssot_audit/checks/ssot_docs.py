"""Host SSOT documents (docs/governance/*_SSOT.md) against the bindings (static halves of C2, C3).

A host SSOT documents its hypervisor's schedule in a `Scheduled Tasks (<host>)`
section and its pools in a `ZFS Storage Pools` table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..findings import Finding
from ..repo import Source, SourceError, SourceUnavailable
from ..selectors import facets
from ..sources.markdown import Row, Section
from ..spine import Spine
from ..vmids import read_vmids

SSOT_GLOB = "docs/governance/*_SSOT.md"
_SCHEDULE = re.compile(r"scheduled tasks\s*\((?P<host>[\w-]+)\)", re.IGNORECASE)


@dataclass
class HostSchedule:
    file: str
    host: str
    section: Section
    pools: list[Row]

    def rows(self) -> list[Row]:
        return [row for table in self.section.tables for row in table.rows]


def schedules(spine: Spine) -> dict[str, HostSchedule]:
    """Host -> its documented schedule, from every host SSOT that has one."""
    out = {}
    for rel in spine.repo.glob(SSOT_GLOB):
        sections = spine.repo.load(Source(rel)).data
        pools = [row for s in sections for t in s.tables if t.has_columns("pool") for row in t.rows]
        for section in sections:
            match = _SCHEDULE.search(section.title)
            if match:
                out[match["host"]] = HostSchedule(spine.repo.display(rel), match["host"], section, pools)
    return out


# A host SSOT that moved out of the spine leaves a stub whose front matter says so.
_POINTER = re.compile(r"^spine_pointer_stub:\s*true\s*$", re.M)
_MOVED_TO = re.compile(r"^authority_(?:repo|path):\s*\"?([^\"\n]+)\"?\s*$", re.M)


def documented_schedules(spine: Spine) -> dict[str, HostSchedule]:
    """The host SSOTs' schedules; when one is a pointer stub to another repo, the spine no longer holds them all.

    Then the checks that compare schedules with the bindings skip, naming the stub: judging what
    is left would call the moved host's pools and jobs undocumented.
    """
    for rel in spine.repo.glob(SSOT_GLOB):
        head = (spine.repo.tree.text(rel) or "")[:2000]
        if _POINTER.search(head):
            moved = "/".join(_MOVED_TO.findall(head)) or "another repo"
            raise SourceUnavailable(
                SourceError(spine.repo.display(rel), f"is a pointer stub: the host SSOT moved to {moved}")
            )
    return schedules(spine)


def vmids_in(row: Row) -> set[int]:
    """The VMIDs a schedule row names (`vzdump VMs 200-203`, `--vmid 200,201,204`, a cell `200, 201`)."""
    return {vmid for cell in row.cells.values() for vmid in read_vmids(cell)}


def check_vzdump_documented(spine: Spine, host: str) -> list[Finding]:
    """The documented vzdump job covers every VM the backup inventory expects on that host."""
    schedule = schedules(spine).get(host)
    if schedule is None:
        return [Finding(SSOT_GLOB, None, f"no `Scheduled Tasks ({host})` section", "one host SSOT documenting it",
                        "none", f"document {host}'s scheduled tasks")]  # fmt: skip
    expected = spine.vzdump_targets(host)
    rows = [row for row in schedule.rows() if "vzdump" in " ".join(row.cells.values()).lower()]
    documented = set().union(*(vmids_in(r) for r in rows))
    missing = sorted(set(expected) - documented)
    line = rows[0].line if rows else schedule.section.line
    return [  # one finding per VM: each is its own catalogue entry, or drift beyond it
        Finding(
            schedule.file,
            line,
            f"documented vzdump job on {host} leaves out VM {vmid}",
            expected=f"vzdump of VMs {', '.join(map(str, sorted(expected)))} (enabled vzdump targets on {host} in "
            f"ops/bindings/backup.inventory.yaml)",
            found=f"vzdump of VMs {', '.join(map(str, sorted(documented))) or 'none'}",
            fix=f"add VM {vmid} to the vzdump job on {host}, then update this row",
            about=facets(vmid=vmid),
        )
        for vmid in missing
    ]


def check_pool_scrub_documented(spine: Spine, host_pool: str) -> list[Finding]:
    """Every pool the host SSOT lists has a documented `zpool scrub <pool>` schedule."""
    host, _, pool = host_pool.partition("/")
    schedule = schedules(spine).get(host)
    if schedule is None:
        return [Finding(SSOT_GLOB, None, f"no `Scheduled Tasks ({host})` section", "one host SSOT documenting it",
                        "none", f"document {host}'s scheduled tasks")]  # fmt: skip
    pattern = re.compile(rf"zpool\s+scrub\s+(?:-\w+\s+)*{re.escape(pool)}\b")
    if any(pattern.search(" ".join(row.cells.values())) for row in schedule.rows()):
        return []
    pool_row = next((r for r in schedule.pools if r.get("pool").strip("`*") == pool), None)
    scrubbed = sorted(
        {m for row in schedule.rows() for m in re.findall(r"zpool\s+scrub\s+([\w-]+)", " ".join(row.cells.values()))}
    )
    return [
        Finding(
            schedule.file, pool_row.line if pool_row else schedule.section.line,
            f"pool {pool} on {host} has no scrub schedule",
            expected=f"a `zpool scrub {pool}` row under Scheduled Tasks ({host})",
            found="scrubs documented for: " + (", ".join(scrubbed) or "no pool"),
            fix=f"schedule a scrub of {pool} on {host} (e.g. `0 4 * * 0 zpool scrub {pool}`) and document it",
        )
    ]  # fmt: skip


def pool_keys(spine: Spine) -> list[str]:
    return [
        f"{s.host}/{row.get('pool').strip('`*')}"
        for s in documented_schedules(spine).values()
        for row in s.pools
        if row.get("pool")
    ]
