"""Typed views of the agentic-spine checkout: what its bindings say, with locations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from urllib.parse import urlsplit

from .repo import Repo, Source, SourceUnavailable
from .schema import RecordViolation
from .sources import Document
from .sources.markdown import Section
from .vmids import read_vmids

PLACEMENT = Source("ops/bindings/infra.placement.policy.yaml", "infra.placement.policy.schema.json")
RELOCATION = Source("ops/bindings/infra.relocation.plan.yaml", "infra.relocation.plan.schema.json")
SSH_TARGETS = Source("ops/bindings/ssh.targets.yaml", "ssh.targets.schema.json")
BACKUP = Source("ops/bindings/backup.inventory.yaml", "backup.inventory.schema.json")
GAPS = Source("ops/bindings/operational.gaps.yaml", "operational.gaps.schema.json")
AUTHORITY = Source("ops/bindings/cross-repo.authority.yaml", "cross-repo.authority.schema.json", required=False)
HEALTH = Source("ops/bindings/services.health.yaml", "services.health.schema.json")
COMPOSE_TARGETS = Source("ops/bindings/docker.compose.targets.yaml", "docker.compose.targets.schema.json")
SERVICE_REGISTRY = Source("docs/governance/SERVICE_REGISTRY.yaml", "service.registry.schema.json")
MASTER_PLAN = Source("mailroom/state/INFRA_MASTER_PLAN.md", runtime=True)
LEDGER = Source("mailroom/state/open_loops.jsonl", "open_loops.schema.json", runtime=True)

SOURCES = (
    PLACEMENT, RELOCATION, SSH_TARGETS, BACKUP, GAPS, AUTHORITY, HEALTH,
    COMPOSE_TARGETS, SERVICE_REGISTRY, MASTER_PLAN, LEDGER,
)  # fmt: skip

SCOPES_DIR = "mailroom/state/loop-scopes"
# A capability name as run keys carry it (the pattern of the spine's loops-reconcile).
CAPABILITY = r"[a-z][a-z0-9_.]+"
# receipts/sessions/RCAP-<YYYYMMDD-HHMMSS>__<capability>__R<n>/receipt.md (docs/core/RECEIPTS_CONTRACT.md)
_CAP_RECEIPT = re.compile(rf"^RCAP-(?P<ts>\d{{8}}-\d{{6}})__(?P<cap>{CAPABILITY}?)__R\w+$")
_PASSED = {"done", "pass", "passed", "ok", "success"}
_VZDUMP_GLOB = re.compile(r"vzdump-(?:qemu|lxc)-(\d+)-")


def vzdump_vmid(target: dict) -> int | None:
    """The VM a backup target's `vzdump-qemu-<id>-*` glob is the dump of, if it is one."""
    match = _VZDUMP_GLOB.search(str(target.get("glob", "")))
    return int(match[1]) if match else None


def norm(name: str) -> str:
    """Compare names as people write them: `Pi-hole` == `pihole`, `Uptime Kuma` == `uptime-kuma`."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


@dataclass(frozen=True)
class Vm:
    vmid: int
    name: str
    proxmox_host: str | None
    status: str
    file: str
    line: int | None


@dataclass(frozen=True)
class CapabilityRun:
    capability: str
    when: datetime
    passed: bool
    rel: str


@dataclass(frozen=True)
class Layer:
    """A `Layer N` section of the master plan, with its subsections: what it says, and where.

    Headings may read `## Layer 1: X`, `## Layer 1 -- X`, `### Layer 1 - X` or `## Layer 1 (X)`;
    fields `- **Host:** x`, `**Host**: x` or `Host: x`; VMIDs come from a VM field or from a
    table with a VMID, VM or ID column.
    """

    key: str  # "layer-3"
    number: int  # the N of the heading
    title: str  # the heading as written
    line: int  # of the heading
    fields: dict[str, tuple[int, str]]  # lower-cased key -> (line, value), first occurrence
    vmids: dict[int, int]  # VMID -> the line that gives it, in the plan's order
    vm_names: dict[int, str]  # VMID -> the VM's name where the plan writes one
    host: tuple[int, str] | None  # (line, text) of the Host field
    loop: tuple[int, str] | None  # (line, LOOP-... id) the layer names as its own: its Loop field, else its heading
    # LOOP ids the Loop field or heading names only as what the layer waits for ("-- (after LOOP-X)")
    depends_on: tuple[str, ...] = ()

    @property
    def vm_field(self) -> tuple[int, str] | None:
        """(line, text) of the field that names the layer's VMs."""
        return next((self.fields[k] for k in self.fields if k in _VM_KEYS), None)

    @property
    def loop_field(self) -> tuple[int, str] | None:
        """(line, text) of the field that names the layer's loop."""
        return next((self.fields[k] for k in _LOOP_KEYS if k in self.fields), None)


_LAYER_HEADING = re.compile(r"^[*_`\s]*layer\s+(\d+)\b", re.IGNORECASE)
_VM_KEYS = {"vm", "vms", "vm(s)", "vmid", "vmids", "vm id", "vm ids", "target vm", "target vms", "guest", "guests"}
_VM_COLUMNS = ("vmid", "vmids", "vm id", "id", "vm", "vms", "vm(s)")  # by preference
_NAME_COLUMNS = ("name", "vm name", "hostname", "vm", "guest")
_HOST_KEYS = ("host", "hypervisor", "proxmox host", "pve host", "node", "proxmox node")
_LOOP_KEYS = ("loop", "loop id", "owning loop", "owner loop", "loops")
_LOOP_ID = re.compile(r"\bLOOP-[A-Z0-9]+(?:-[A-Z0-9]+)*\b")
# A Loop field that starts with one of these holds no loop yet, whatever it goes on to mention.
_PLACEHOLDER = re.compile(r"(?:-+|—|–|none|tbd|tba|n/?a|null|\?+)[*_`]*(?:$|[\s(\[,;:.—–])", re.I)
# Words that make the LOOP ids after them (to the end of their bracket or clause) a dependency, not the layer's own.
_DEPENDENCY = re.compile(
    r"\b(?:after|blocked\s+(?:by|on)|prereq(?:uisite)?s?|requires|needs|depends\s+on|dependent\s+on|"
    r"waiting\s+(?:on|for)|waits\s+(?:on|for)|following|once)\b",
    re.I,
)
_CLAUSE_END = re.compile(r"[)\];|]")


def _loop_ids(text: str, field: bool) -> tuple[list[str], list[str]]:
    """(the LOOP ids `text` names as its own, those it names as dependencies). A field that starts with a
    placeholder names none of its own; a heading's dashes are separators, not placeholders."""
    own, dependencies = [], []
    bare = text.strip("*_` \t")
    placeholder = field and (not bare or bool(_PLACEHOLDER.match(bare)))
    tokens = re.finditer(rf"{_LOOP_ID.pattern}|{_DEPENDENCY.pattern}|{_CLAUSE_END.pattern}", text, re.I)
    waiting = False
    for token in tokens:
        word = token[0]
        if _CLAUSE_END.fullmatch(word):
            waiting = False
        elif _LOOP_ID.fullmatch(word):
            (dependencies if waiting or placeholder else own).append(word)
        else:
            waiting = True
    return own, dependencies


_NAMED_VM = re.compile(r"([A-Za-z][\w.-]*)\s*\((?:VM\s*ID|VMID|VM)?\s*#?\s*(\d{3,9})\)", re.IGNORECASE)


def _column(header: list[str], names) -> str | None:
    by_name = {h.strip("*_` ").lower(): h for h in header}
    return next((by_name[n] for n in names if n in by_name), None)


def _layer(number: int, sections: list[Section]) -> Layer:
    head = sections[0]
    fields: dict[str, tuple[int, str]] = {}
    for section in sections:
        for key, value in section.fields().items():
            fields.setdefault(key, value)
    vmids: dict[int, int] = {}
    names: dict[int, str] = {}
    for key, (line, text) in fields.items():
        if key in _VM_KEYS:
            for vmid in read_vmids(text, field=True):
                vmids.setdefault(vmid, line)
            names.update({int(v): n for n, v in _NAMED_VM.findall(text) if int(v) in vmids})
    for table in (t for section in sections for t in section.tables):
        id_column = _column(table.header, _VM_COLUMNS)
        name_column = _column([h for h in table.header if h != id_column], _NAME_COLUMNS)
        for row in table.rows if id_column else []:
            cell = row.cells.get(id_column, "")
            names.update({int(v): n for n, v in _NAMED_VM.findall(cell)})
            for vmid in read_vmids(cell, field=True):
                vmids.setdefault(vmid, row.line)
                if name_column and row.cells.get(name_column):
                    names.setdefault(vmid, row.cells[name_column].strip("*_` "))
    host = next((fields[k] for k in _HOST_KEYS if k in fields), None)
    loop, depends_on = None, []
    named = [(*fields[k], True) for k in _LOOP_KEYS if k in fields] + [(head.line, head.title, False)]
    for line, text, field in named:
        own, dependencies = _loop_ids(text, field)
        depends_on += [d for d in dependencies if d not in depends_on]
        if own:
            loop = (line, own[0])
            break
    return Layer(f"layer-{number}", number, head.title, head.line, fields, vmids, names, host, loop, tuple(depends_on))


def plan_layers(sections: list[Section]) -> dict[str, Layer]:
    """`layer-N` -> the layer; a layer runs to the next heading of its level or above. The first of two
    layers with one number wins."""
    out: dict[str, Layer] = {}
    for index, section in enumerate(sections):
        match = _LAYER_HEADING.match(section.title)
        if not match or f"layer-{int(match[1])}" in out:
            continue
        body = [section]
        for child in sections[index + 1 :]:
            if child.level <= section.level:
                break
            body.append(child)
        out[f"layer-{int(match[1])}"] = _layer(int(match[1]), body)
    return out


class Spine:
    def __init__(self, repo: Repo):
        self.repo = repo

    def doc(self, source: Source) -> Document:
        return self.repo.load(source)

    # placement -------------------------------------------------------------
    @cached_property
    def hypervisors(self) -> set[str]:
        data = self.doc(PLACEMENT).data
        names = {h for h, spec in data.get("hosts", {}).items() if spec.get("kind") == "proxmox"}
        for site in data.get("sites", {}).values():
            names.update(site.get("proxmox_hosts") or [])
        return names

    def expected_hypervisor(self, vmid: int, name: str | None = None) -> tuple[str | None, str]:
        """The hypervisor the placement policy assigns, and why (for messages)."""
        data = self.doc(PLACEMENT).data
        required = (data.get("vm_target_requirements") or {}).get(name or "", {})
        if required.get("required_proxmox_host"):
            return required["required_proxmox_host"], f"vm_target_requirements.{name}.required_proxmox_host"
        for site_name, site in (data.get("sites") or {}).items():
            low, high, hosts = site.get("vmid_min"), site.get("vmid_max"), site.get("proxmox_hosts") or []
            if low is not None and high is not None and low <= vmid <= high and len(hosts) == 1:
                return hosts[0], f"sites.{site_name} (VMID {low}-{high})"
        return None, "no site's VMID range contains it"

    # VMs the spine knows ------------------------------------------------------
    @cached_property
    def vms(self) -> dict[int, Vm]:
        """Every VM with a VMID: the service registry's hosts, then the relocation plan's targets."""
        found: dict[int, Vm] = {}
        registry = self.doc(SERVICE_REGISTRY)
        for name, host in (registry.data.get("hosts") or {}).items():
            if isinstance(host, dict) and host.get("vmid") is not None:
                vmid = int(host["vmid"])
                found[vmid] = Vm(
                    vmid, name, host.get("proxmox_host"), "active", registry.file, registry.line("hosts", name)
                )
        relocation = self.doc(RELOCATION)
        for index, target in enumerate(relocation.data.get("vm_targets") or []):
            vmid = int(target["vm_id"])
            found.setdefault(
                vmid,
                Vm(vmid, target["hostname"], target.get("proxmox_host"), target.get("status", ""),
                   relocation.file, relocation.line("vm_targets", index)),
            )  # fmt: skip
        return found

    def vm_named(self, name: str) -> Vm | None:
        return next((vm for vm in self.vms.values() if vm.name == name), None)

    # services and hosts -------------------------------------------------------
    @property
    def registry(self) -> Document:
        return self.doc(SERVICE_REGISTRY)

    def service_host(self, service: str) -> str | None:
        spec = (self.registry.data.get("services") or {}).get(service)
        return spec.get("host") if isinstance(spec, dict) else None

    def addresses(self, host: str) -> set[str]:
        """Names and IPs that reach `host`, from the registry and the ssh targets."""
        out = {host}
        spec = (self.registry.data.get("hosts") or {}).get(host) or {}
        if spec.get("tailscale_ip"):
            out.add(str(spec["tailscale_ip"]))
        for target in self.ssh_targets:
            if target["id"] == host and target.get("host"):
                out.add(str(target["host"]))
        return out

    def host_of_address(self, address: str) -> str | None:
        hosts = set(self.registry.data.get("hosts") or {}) | {t["id"] for t in self.ssh_targets}
        return next((h for h in sorted(hosts) if address in self.addresses(h)), None)

    @property
    def ssh_targets(self) -> list[dict]:
        return self.doc(SSH_TARGETS).data["ssh"]["targets"]

    @property
    def health_endpoints(self) -> list[dict]:
        return self.doc(HEALTH).data.get("endpoints") or []

    # backups ------------------------------------------------------------------
    def vzdump_targets(self, host: str | None = None) -> dict[int, tuple[dict, int | None]]:
        """VMID -> (enabled backup target, line) for vzdump globs, optionally on one host."""
        doc = self.doc(BACKUP)
        out = {}
        for index, target in enumerate(doc.data.get("targets") or []):
            vmid = vzdump_vmid(target)
            if vmid is not None and target.get("enabled") and (host is None or target.get("host") == host):
                out.setdefault(vmid, (target, doc.line("targets", index)))
        return out

    # gaps ----------------------------------------------------------------------
    def doc_gaps(self) -> list[dict]:
        return self.doc(GAPS).data.get("gaps") or []

    def gap(self, gap_id: str) -> tuple[dict | None, int | None]:
        doc = self.doc(GAPS)
        index = self._gap_index.get(gap_id)
        return (doc.data["gaps"][index], doc.line("gaps", index)) if index is not None else (None, None)

    def gap_ids(self) -> list[str]:
        """Every recorded gap's ID in the file's order, those the schema left out too (their checks say so)."""
        refused = {v.record[1]: v.value.get("id") if isinstance(v.value, dict) else None
                   for v in self.doc(GAPS).record_violations if not v.kept}  # fmt: skip
        kept = iter(self.doc_gaps())
        ids = [refused[i] if i in refused else next(kept)["id"] for i in range(len(self.doc_gaps()) + len(refused))]
        return [gap_id for gap_id in ids if isinstance(gap_id, str)]

    def refused_gap(self, gap_id: str) -> RecordViolation | None:
        """The schema violation that left the gap's record out of the data, if that is where it went."""
        return next((v for v in self.doc(GAPS).record_violations if not v.kept and isinstance(v.value, dict)
                     and v.value.get("id") == gap_id), None)  # fmt: skip

    @cached_property
    def _gap_index(self) -> dict[str, int]:
        """Each gap's position, the first where an ID repeats (a ledger of 1,400 gaps is asked for each)."""
        index: dict[str, int] = {}
        for position, gap in enumerate(self.doc(GAPS).data.get("gaps") or []):
            index.setdefault(gap.get("id"), position)
        return index

    # loops -----------------------------------------------------------------------
    @cached_property
    def scope_files(self) -> dict[str, str]:
        """Loop id -> scope file, active or archived."""
        rels = self.repo.glob(f"{SCOPES_DIR}/*.scope.md") + self.repo.glob(f"{SCOPES_DIR}/_archived/*.scope.md")
        return {rel.rsplit("/", 1)[1].removesuffix(".scope.md"): rel for rel in rels}

    @cached_property
    def loops(self) -> dict[str, tuple[dict, int | None]]:
        """The ledger reduced by loop id: later rows merge over earlier ones, close rows close.

        Close rows name the loop as `id`, loop rows as `loop_id` (as the spine's jq reducer).
        """
        doc = self.doc(LEDGER)
        reduced: dict[str, tuple[dict, int | None]] = {}
        for index, record in enumerate(doc.data):
            line = doc.line(index)
            if record.get("action") == "close":
                loop_id = record.get("id")
                merged = dict(reduced.get(loop_id, ({}, None))[0], status="closed")
                merged.update({k: v for k, v in record.items() if k not in ("id", "action")})
            else:
                loop_id = record.get("loop_id")
                merged = {**reduced.get(loop_id, ({}, None))[0], **record}
            reduced[loop_id] = (merged, line)
        return reduced

    @cached_property
    def capability_runs(self) -> list[CapabilityRun]:
        """Capability receipts (runtime data; an absent receipts/sessions/ gives none)."""
        runs = []
        for rel in self.repo.glob("receipts/sessions/RCAP-*/receipt.md"):
            match = _CAP_RECEIPT.match(rel.split("/")[2])
            if not match:
                continue
            when = datetime.strptime(match["ts"], "%Y%m%d-%H%M%S").replace(tzinfo=timezone.utc)
            fields = {}
            for section in self.repo.load(Source(rel)).data:
                fields.update(section.fields())
                for table in section.tables:
                    fields.update({r.cells[table.header[0]].strip("*` ").lower(): (r.line, r.cells[table.header[1]])
                                   for r in table.rows if len(table.header) >= 2})  # fmt: skip
            status = fields.get("status", (0, ""))[1].strip("*` ").lower()
            runs.append(CapabilityRun(match["cap"], when, status.split()[0] in _PASSED if status else False, rel))
        return runs

    # master plan ------------------------------------------------------------------
    @cached_property
    def plan_sections(self) -> list[Section]:
        return self.doc(MASTER_PLAN).data

    @cached_property
    def layers(self) -> dict[str, Layer]:
        return plan_layers(self.plan_sections)

    def plan_layers_holding(self, vmid: int) -> list[int]:
        """Numbers of the plan layers that hold a VM; none when the (local-only) plan cannot be read."""
        try:
            return [layer.number for layer in self.layers.values() if vmid in layer.vmids]
        except SourceUnavailable:
            return []


def url_host(url: str) -> str:
    return urlsplit(url).hostname or ""
