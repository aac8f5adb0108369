"""Named mutations of the aligned estate: each reintroduces one drift.

Every edit asserts that the text it replaces is there, so a fixture change can
never turn a mutation into a silent no-op.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SPINE = "agentic-spine"
PLAN = f"{SPINE}/mailroom/state/INFRA_MASTER_PLAN.md"
LEDGER = f"{SPINE}/mailroom/state/open_loops.jsonl"
GAPS = f"{SPINE}/ops/bindings/operational.gaps.yaml"
SHOP = f"{SPINE}/docs/governance/SHOP_SERVER_SSOT.md"
SCOPES = f"{SPINE}/mailroom/state/loop-scopes"
AUTHORITY = f"{SPINE}/ops/bindings/cross-repo.authority.yaml"
WB_DATA = "workbench/infra/data"


def replace(estate: Path, rel: str, old: str, new: str, count: int = 1) -> None:
    path = estate / rel
    text = path.read_text()
    assert old in text, f"mutation expects {old!r} in {rel}"
    path.write_text(text.replace(old, new, count))


def replace_re(estate: Path, rel: str, pattern: str, new: str) -> None:
    path = estate / rel
    text, n = re.subn(pattern, new, path.read_text(), count=1, flags=re.MULTILINE)
    assert n == 1, f"mutation expects /{pattern}/ in {rel}"
    path.write_text(text)


def edit_json(estate: Path, rel: str, change: Callable[[dict], None]) -> None:
    path = estate / rel
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2) + "\n")


def layer_host(n: int, host: str):
    return lambda e: replace_re(e, PLAN, rf"(?s)(## Layer {n}:.*?- \*\*Host:\*\* )[^\n]*", rf"\g<1>{host}")


def gap_open(gap: str):
    return lambda e: replace_re(e, GAPS, rf"(?s)(id: {gap}\n.*?status: )fixed", r"\g<1>open")


def drop_ledger_rows(predicate: Callable[[dict], bool]):
    def mutate(estate: Path) -> None:
        path = estate / LEDGER
        lines = path.read_text().splitlines()
        kept = [line for line in lines if not predicate(json.loads(line))]
        assert len(kept) < len(lines), "mutation expects a ledger row to drop"
        path.write_text("\n".join(kept) + "\n")

    return mutate


def remove(rel: str):
    def mutate(estate: Path) -> None:
        (estate / rel).unlink()

    return mutate


def _drop_vm_backup(data: dict, vmid: int) -> None:
    before = len(data["vm_backups"])
    data["vm_backups"] = [e for e in data["vm_backups"] if e["vmid"] != vmid]
    assert len(data["vm_backups"]) < before


def _set_endpoint(data: dict, service: str, url: str) -> None:
    endpoint = next(e for e in data["health_endpoints"] if e["service"] == service)
    endpoint["url"] = url
    endpoint.pop("internal_url", None)


def _set_backup(data: dict, vmid: int, **fields) -> None:
    next(e for e in data["vm_backups"] if e["vmid"] == vmid).update(fields)


def _set_secrets_host(data: dict, service: str, host: str) -> None:
    next(e for e in data["services"] if e["service"] == service)["host"] = host


@dataclass(frozen=True)
class Mutation:
    name: str
    expected: frozenset[str]  # the catalogue IDs (kind disconnect) that must fail, and only these
    apply: Callable[[Path], None]
    beyond: tuple[str, ...] = ()  # text of each finding that must come out as drift beyond the catalogue


def _m(name: str, expected: str, apply: Callable[[Path], None], beyond: tuple[str, ...] = ()) -> Mutation:
    return Mutation(name, frozenset(expected.split()), apply, beyond)


def drop_layer_sections(estate: Path) -> None:
    """The plan keeps its tables but loses every `## Layer N` section."""
    replace_re(estate, PLAN, r"(?s)^## Layer 1\b.*?(?=^## (?!Layer)|\Z)", "")


MUTATIONS = [
    _m("plan-layer-1-host-proxmox-home", "A1", layer_host(1, "proxmox-home (pve)")),
    _m("plan-layer-2-host-proxmox-home", "A2", layer_host(2, "proxmox-home (pve)")),
    _m("plan-layer-3-host-ambiguous", "A3", layer_host(3, "proxmox-home (pve) or R730XD")),
    _m("plan-vaultwarden-planned", "A4", lambda e: replace_re(e, PLAN, r"(\| Vaultwarden \|.*?\| )Migrated", r"\1Planned")),
    _m("tailscale-conf-drops-infra-core", "B1",
       lambda e: replace_re(e, "workbench/dotfiles/ssh/config.d/tailscale.conf", r"^Host infra-core\n(?:[ \t]+\S.*\n)+", "")),
    _m("container-inventory-drops-vm-204", "B2",
       lambda e: replace_re(e, f"{WB_DATA}/CONTAINER_INVENTORY.yaml", r"^  infra-core:\n(?:    .*\n|\s*\n)+", "")),
    _m("backup-json-drops-vm-204", "B3", lambda e: edit_json(e, f"{WB_DATA}/backup_inventory.json", lambda d: _drop_vm_backup(d, 204))),
    _m("pihole-health-on-docker-host", "B4",
       lambda e: edit_json(e, f"{WB_DATA}/monitoring_inventory.json",
                           lambda d: _set_endpoint(d, "pihole", "http://100.92.156.118:80/admin"))),
    _m("secrets-infisical-on-docker-host", "B5",
       lambda e: edit_json(e, f"{WB_DATA}/secrets_inventory.json",
                           lambda d: _set_secrets_host(d, "infisical", "docker-host (VM 200)"))),
    _m("pihole-compose-unmarked", "B6", lambda e: (
        remove("workbench/infra/compose/pihole/README.md")(e),
        replace_re(e, "workbench/infra/compose/pihole/docker-compose.yml", r"\A#[^\n]*\n", ""))),
    _m("tunnel-compose-unmarked", "B7",
       lambda e: replace_re(e, "workbench/infra/cloudflare/tunnel/docker-compose.yml", r"\A(#[^\n]*\n)+", "")),
    _m("gap-015-open", "C1", gap_open("GAP-OP-015")),
    _m("gap-018-open", "C2", gap_open("GAP-OP-018")),
    _m("gap-019-open", "C3", gap_open("GAP-OP-019")),
    # A status the schema does not list (a later spine's `pending`) is no fix, and the value itself is drift.
    _m("gap-015-status-pending", "C1",
       lambda e: replace_re(e, GAPS, r"(?s)(id: GAP-OP-015\n.*?status: )fixed", r"\g<1>pending"),
       beyond=("status: a value ssot-audit does not know",)),
    _m("shop-ssot-vzdump-200-203", "C2", lambda e: replace_re(e, SHOP, r"vzdump VMs 200-204", "vzdump VMs 200-203")),
    _m("shop-ssot-no-media-scrub", "C3", lambda e: replace_re(e, SHOP, r"^\|[^\n]*zpool scrub media[^\n]*\n", "")),
    _m("contract-drops-service-registry", "D1",
       lambda e: replace_re(e, AUTHORITY, r"^  service_registry:\n(?:    .*\n|\s*\n)+", "")),
    _m("contract-missing", "D1 D2 D3", remove(AUTHORITY)),
    _m("workbench-registry-infisical-on-docker-host", "D1",
       lambda e: replace_re(e, f"{WB_DATA}/SERVICE_REGISTRY.yaml", r"^services: \{\}",
                            "services:\n  infisical:\n    host: docker-host\n    port: 8088")),
    # A copy that shares nothing with its authority compared nothing: every service renamed is no agreement.
    _m("workbench-registry-renames-every-service", "D1",
       lambda e: replace_re(e, f"{WB_DATA}/SERVICE_REGISTRY.yaml", r"^services: \{\}",
                            "services:\n  infisical-legacy:\n    host: infra-core\n    port: 8088\n"
                            "  pi-hole:\n    host: infra-core\n    port: 8053")),
    _m("backup-json-adds-vm-the-spine-does-not-back-up", "D2",
       lambda e: edit_json(e, f"{WB_DATA}/backup_inventory.json",
                           lambda d: d["vm_backups"].append({"vmid": 205, "name": "observability", "host": "pve"}))),
    _m("monitoring-probes-a-service-the-spine-does-not-know", "D3",
       lambda e: edit_json(e, f"{WB_DATA}/monitoring_inventory.json",
                           lambda d: d["health_endpoints"].append({"service": "grafana", "expected_status": 200, "tier": 2,
                                                                   "url": "http://100.92.91.128:3000/api/health"}))),
    _m("backup-json-vm-203-classification", "D2",
       lambda e: edit_json(e, f"{WB_DATA}/backup_inventory.json",
                           lambda d: _set_backup(d, 203, classification="important", stale_after_hours=48))),
    _m("monitoring-mint-os-api-path", "D3",
       lambda e: edit_json(e, f"{WB_DATA}/monitoring_inventory.json",
                           lambda d: _set_endpoint(d, "mint-os-api", "http://100.92.156.118:3335/healthz"))),
    _m("observability-scope-missing", "E1", remove(f"{SCOPES}/LOOP-OBSERVABILITY-DEPLOY-20260208.scope.md")),
    _m("dev-tools-scope-missing", "E2", remove(f"{SCOPES}/_archived/LOOP-DEV-TOOLS-DEPLOY-20260208.scope.md")),
    _m("ai-consolidation-scope-missing", "E3", remove(f"{SCOPES}/_archived/LOOP-AI-CONSOLIDATION-20260208.scope.md")),
    _m("media-split-scope-missing", "E4", remove(f"{SCOPES}/_archived/LOOP-MEDIA-STACK-SPLIT-20260208.scope.md")),
    # A placeholder that names another loop as what the layer waits for names no loop of the layer's own.
    _m("dev-tools-layer-waits-on-observability", "E2",
       lambda e: replace_re(e, PLAN, r"LOOP-DEV-TOOLS-DEPLOY-20260208$", "-- (after LOOP-OBSERVABILITY-DEPLOY-20260208)")),
    _m("observability-loop-unregistered", "E1",
       drop_ledger_rows(lambda r: r.get("loop_id") == "LOOP-OBSERVABILITY-DEPLOY-20260208")),
    _m("host-drift-failure-left-open", "F1",
       drop_ledger_rows(lambda r: r.get("action") == "close" and r.get("id") == "OL_20260206_111343_host.drift")),
    # Sources that yield none of what an entry is about: a failure naming the file, never a quiet skip.
    _m("plan-without-layer-sections", "A1 A2 A3 E1 E2 E3 E4", drop_layer_sections),
    _m("ledger-without-rows", "E1 E2 E3 E4 F1", lambda e: (e / LEDGER).write_text("")),
    # The same kinds of drift on things the loop document never named: the checks must find them
    # from the sources, and report them as drift beyond the catalogue, under no ID.
    _m("new-layer-on-wrong-hypervisor", "",
       lambda e: (e / PLAN).write_text((e / PLAN).read_text() + "\n## Layer 7: Finance\n"
                                       "- **VM:** finance-stack (VMID 211)\n- **Host:** proxmox-home\n"
                                       "- **Loop:** LOOP-FINANCE-STACK-20260212\n"),
       beyond=("Layer 7: Finance: Host names proxmox-home", "loop LOOP-FINANCE-STACK-20260212 has no scope file")),
    _m("new-ssh-target-missing-from-workbench", "",
       lambda e: replace_re(e, f"{SPINE}/ops/bindings/ssh.targets.yaml", r"^(  targets:\n)",
                            '\\1    - id: "finance-stack"\n      host: "100.76.153.100"\n      user: "ubuntu"\n'),
       beyond=("no Host entry for finance-stack",)),
    _m("new-gap-open", "",
       lambda e: (e / GAPS).write_text((e / GAPS).read_text() + "\n  - id: GAP-OP-099\n    type: missing-entry\n"
                                       "    doc: null\n    description: new\n    severity: low\n    status: open\n"
                                       "    fixed_in: null\n"),
       beyond=("GAP-OP-099 (low) is open",)),
    _m("documented-vzdump-leaves-out-vm-203", "",
       lambda e: replace_re(e, SHOP, r"vzdump VMs 200-204", "vzdump VMs 200-202, 204"),
       beyond=("documented vzdump job on pve leaves out VM 203",)),
]  # fmt: skip
