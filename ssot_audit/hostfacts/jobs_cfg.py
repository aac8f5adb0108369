"""Proxmox vzdump jobs: `/etc/pve/jobs.cfg` and `pvesh get /cluster/backup --output-format json`.

jobs.cfg is a SectionConfig file, read as pve-common's `parse_config` reads it:

* a `type: id` header opens a section; its option lines are indented
  `key value`; only an empty line closes it. A whitespace-only line does not:
  PVE warns about it and reads on, as it does for any other line that is not
  an option (a header without an empty line before it among them);
* `#` lines, indented or not, are skipped anywhere; a duplicated key keeps its
  first value;
* only `vzdump` sections are backup jobs (`realm-sync` shares the file).

Values are as PVE takes them from the file, which is stricter than its CLI:

* a boolean option is `1` or `0`, and a key written without a value is `1`;
  any other spelling (`yes`, `off`, `true`...) fails pve-common's boolean type
  check, so PVE drops the option with a warning and its default applies. PVE's
  own writer only ever writes `1`/`0`;
* `enabled` absent (or dropped) means enabled (PVE::Job::Registry `enabled //= 1`);
* a job selects guests by `pool` if set, else by `vmid`, else all guests
  minus `exclude`: `all 1`, or an `exclude` list alone, which implies all
  (PVE::VZDump `verify_vzdump_parameters`); then `node` keeps only the guests
  on that node. A listed VMID the cluster does not know stays selected
  (PVE::VZDump `get_included_guests`).
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
_COMMENT = re.compile(r"^\s*#")


def flag(value: str | None) -> bool | None:
    """A SectionConfig boolean as PVE reads it from the file; None when absent or not one PVE accepts."""
    if value is None:
        return None
    return {"": True, "1": True, "0": False}.get(value)


@dataclass(frozen=True)
class VzdumpJob:
    id: str
    options: dict[str, str]
    line: int | None = None  # header line in jobs.cfg; None when read from pvesh
    option_lines: dict[str, int] = field(default_factory=dict)

    @property
    def enabled(self) -> bool:
        return flag(self.options.get("enabled")) is not False

    def vmids(self, key: str = "vmid") -> set[int]:
        return {int(v) for v in _LIST_SEP.split(self.options.get(key, "")) if v.isdigit()}

    @property
    def selection(self) -> str:
        """How the job picks guests, as Proxmox ranks the options."""
        if self.options.get("pool"):
            return "pool"
        if self.options.get("vmid"):
            return "vmid"
        selects_all = flag(self.options.get("all")) or self.options.get("exclude") is not None
        return "all" if selects_all else "none"

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
    in_section = False  # also inside a section of another type, whose lines are skipped
    for number, raw in enumerate(text.split("\n"), 1):
        if _COMMENT.match(raw):
            continue
        if in_section:
            if raw == "":
                in_section, current = False, None
                continue
            body = _BODY.match(raw)
            if current is not None and body and body[1] not in current.options:
                current.options[body[1]] = body[2] or ""
                current.option_lines[body[1]] = number
            continue
        header = _HEADER.match(raw)
        if header:
            in_section = True
            current = VzdumpJob(header[2], {}, number) if header[1] == "vzdump" else None
            if current:
                jobs.append(current)
    return jobs


def parse_pvesh_backup(text: str) -> list[VzdumpJob]:
    """The API's job list: values are JSON numbers and strings; some options are objects."""
    jobs = []
    for entry in json.loads(text):
        if entry.get("type", "vzdump") != "vzdump":
            continue
        options = {
            k: str(int(v)) if isinstance(v, bool) else str(v)
            for k, v in entry.items()
            if k not in ("id", "type") and not isinstance(v, (dict, list))
        }
        jobs.append(VzdumpJob(str(entry["id"]), options))
    return jobs
