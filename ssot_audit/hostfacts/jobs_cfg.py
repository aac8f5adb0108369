"""Proxmox vzdump jobs: `/etc/pve/jobs.cfg` and `pvesh get /cluster/backup --output-format json`.

jobs.cfg is a SectionConfig file (pve-common): a `type: id` header, then indented
`key value` lines up to the next blank line; `#` lines are skipped, and a
duplicated key keeps its first value. Only `vzdump` sections are backup jobs
(`realm-sync` shares the file). Proxmox's own rules, which the checks follow:

* `enabled` absent means enabled (PVE::Job::Registry `enabled //= 1`);
* a job selects guests by `pool` if set, else by `vmid`, else `all` minus
  `exclude`; then `node` keeps only the guests on that node. A listed VMID the
  cluster does not know stays selected (PVE::VZDump `get_included_guests`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .guests import Guest

_HEADER = re.compile(r"^(\S+):\s*(\S+)\s*$")
_BODY = re.compile(r"^\s+(\S+)(?:\s+(.*\S))?\s*$")
_LIST_SEP = re.compile(r"[,;\s]+")  # PVE::Tools::split_list


@dataclass(frozen=True)
class VzdumpJob:
    id: str
    options: dict[str, str]
    line: int | None = None  # header line in jobs.cfg; None when read from pvesh
    option_lines: dict[str, int] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return self.options.get("enabled", "1") != "0"

    def vmids(self, key: str = "vmid") -> set[int]:
        return {int(v) for v in _LIST_SEP.split(self.options.get(key, "")) if v.isdigit()}

    @property
    def selection(self) -> str:
        """How the job picks guests, as Proxmox ranks the options."""
        if self.options.get("pool"):
            return "pool"
        if self.options.get("vmid"):
            return "vmid"
        return "all" if self.options.get("all") == "1" else "none"

    def needs_guests(self) -> bool:
        """Whether selecting needs the cluster's guest list (pool members, all guests, their nodes)."""
        return self.selection in ("pool", "all") or bool(self.options.get("node"))

    def selects(self, guests: Mapping[int, Guest]) -> set[int]:
        kind = self.selection
        if kind == "pool":
            chosen = {g.vmid for g in guests.values() if g.pool == self.options["pool"]}
        elif kind == "vmid":
            chosen = self.vmids()
        elif kind == "all":
            chosen = set(guests) - self.vmids("exclude")
        else:
            chosen = set()
        node = self.options.get("node")
        if node:
            chosen = {v for v in chosen if v not in guests or guests[v].node == node}
        return chosen

    def line_of(self, key: str) -> int | None:
        return self.option_lines.get(key, self.line)


def parse_jobs_cfg(text: str) -> list[VzdumpJob]:
    jobs: list[VzdumpJob] = []
    current: VzdumpJob | None = None
    for number, raw in enumerate(text.splitlines(), 1):
        if re.match(r"^\s*#", raw):
            continue
        if not raw.strip():
            current = None  # a blank line ends the section
            continue
        header = _HEADER.match(raw)
        if header and not raw[0].isspace():
            current = VzdumpJob(header[2], {}, number) if header[1] == "vzdump" else None
            if current:
                jobs.append(current)
            continue
        body = _BODY.match(raw)
        if current is not None and body and body[1] not in current.options:
            current.options[body[1]] = body[2] or ""
            current.option_lines[body[1]] = number
    return jobs


def parse_pvesh_backup(text: str) -> list[VzdumpJob]:
    """The API's job list: values are JSON numbers and strings; some options are objects."""
    jobs = []
    for entry in json.loads(text):
        if entry.get("type", "vzdump") != "vzdump":
            continue
        options = {k: str(v) for k, v in entry.items() if k not in ("id", "type") and not isinstance(v, (dict, list))}
        jobs.append(VzdumpJob(str(entry["id"]), options))
    return jobs
