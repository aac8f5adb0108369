"""D1-D3: a supporting copy is compared with its authority item by item, so sharing nothing is no pass."""

import json
import re
from pathlib import Path

import pytest

from selftest.suite import copy_estate
from ssot_audit.checks.authority import check_supporting_agrees
from ssot_audit.repo import Repo
from ssot_audit.spine import Spine
from ssot_audit.workbench import Workbench

REGISTRY = "workbench/infra/data/SERVICE_REGISTRY.yaml"
BACKUPS = "workbench/infra/data/backup_inventory.json"
MONITORING = "workbench/infra/data/monitoring_inventory.json"


def views(estate: Path) -> tuple[Spine, Workbench]:
    spine = Spine(Repo("agentic-spine", estate / "agentic-spine"))
    return spine, Workbench(Repo("workbench", estate / "workbench"), spine)


def edit_json(estate: Path, rel: str, change) -> None:
    path = estate / rel
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2) + "\n")


def entry_line(path: Path, text: str) -> int:
    """The line of the `{` that opens the JSON list entry holding `text` (where the loader locates the entry)."""
    lines = path.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if text in line)
    return next(i for i in range(at, -1, -1) if lines[i].strip() == "{") + 1


@pytest.fixture
def estate(tmp_path):
    return copy_estate(tmp_path)


@pytest.mark.parametrize("domain", ["service_registry", "backup_inventory", "monitoring"])
def test_aligned_copies_agree(estate, domain):
    """The tombstoned registry, the backup JSON and the monitoring JSON (with probes of registered services the
    spine does not govern) all agree."""
    assert check_supporting_agrees(*views(estate), domain) == []


def test_renamed_services_share_nothing(estate):
    (estate / REGISTRY).write_text(
        "services:\n  infisical-legacy:\n    host: infra-core\n    port: 8088\n"
        "  pi-hole:\n    host: infra-core\n    port: 8053\n"
    )
    findings = check_supporting_agrees(*views(estate), "service_registry")
    assert [(f.location, f.summary) for f in findings] == [
        (f"{REGISTRY}:1", "service_registry: supporting copy shares no service with the spine"),
        (f"{REGISTRY}:2", "service_registry: service infisical-legacy is in the supporting copy only"),
        (f"{REGISTRY}:5", "service_registry: service pi-hole is in the supporting copy only"),
    ]
    assert findings[0].found == "only infisical-legacy, pi-hole: nothing could be compared"
    assert "agentic-spine/docs/governance/SERVICE_REGISTRY.yaml" in findings[1].expected
    assert findings[1].fix.startswith(f"remove service infisical-legacy from {REGISTRY}")


def test_a_snapshot_may_leave_out_services_and_fields(estate):
    """The legacy registry snapshot names fewer services, and no port: it claims nothing that disagrees."""
    (estate / REGISTRY).write_text("services:\n  infisical:\n    host: infra-core\n")
    assert check_supporting_agrees(*views(estate), "service_registry") == []


def test_a_field_the_spine_does_not_give_is_a_second_truth(estate):
    (estate / REGISTRY).write_text("services:\n  cloudflared:\n    host: infra-core\n    port: 7844\n")
    (finding,) = check_supporting_agrees(*views(estate), "service_registry")
    assert finding.location == f"{REGISTRY}:2"
    assert "cloudflared" in finding.summary and "port" in finding.detail


def test_backup_copy_adds_a_vm_the_spine_does_not_back_up(estate):
    """A VM the copy leaves out is B3's finding (test_backed_up_vm_in_workbench), not D2's."""

    def change(data):
        data["vm_backups"] = [e for e in data["vm_backups"] if e["vmid"] != 204]
        data["vm_backups"].append({"vmid": 205, "name": "observability", "host": "pve"})

    edit_json(estate, BACKUPS, change)
    (finding,) = check_supporting_agrees(*views(estate), "backup_inventory")
    added_at = entry_line(estate / BACKUPS, '"vmid": 205')
    assert finding.location == f"{BACKUPS}:{added_at}"
    assert finding.summary == "backup_inventory: VM 205 is in the supporting copy only"
    assert finding.expected == "only VMs that agentic-spine/ops/bindings/backup.inventory.yaml lists (authoritative)"


def test_backup_copy_with_renamed_vms_shares_nothing(estate):
    edit_json(estate, BACKUPS, lambda d: [e.update(vmid=e["vmid"] + 100) for e in d["vm_backups"]])
    findings = check_supporting_agrees(*views(estate), "backup_inventory")
    assert [f.summary for f in findings] == [
        "backup_inventory: supporting copy shares no VM with the spine",
        *(f"backup_inventory: VM {v} is in the supporting copy only" for v in (300, 302, 303, 304)),
    ]


def test_backup_copy_spells_out_the_spine_default(estate):
    """A spine target without stale_after_hours has the file's default, which the copy may write out."""
    path = estate / "agentic-spine/ops/bindings/backup.inventory.yaml"
    text = path.read_text()
    block = re.search(r"(?s)  - name: vm-204-infra-core-primary\n.*?(?=\n\n)", text)[0]
    path.write_text(text.replace(block, block.replace("    stale_after_hours: 26\n", "")))
    assert check_supporting_agrees(*views(estate), "backup_inventory") == []


def test_monitoring_copy_misses_a_governed_probe(estate):
    """The contract: "endpoints must match"; a probe the spine governs is missing from the copy."""
    edit_json(estate, MONITORING, lambda d: d.update(health_endpoints=[
        e for e in d["health_endpoints"] if e["service"] != "vaultwarden"]))  # fmt: skip
    (finding,) = check_supporting_agrees(*views(estate), "monitoring")
    assert (finding.location, finding.summary) == (
        MONITORING,
        "monitoring: health endpoint vaultwarden is missing from the supporting copy",
    )
    assert re.fullmatch(
        r"an entry for health endpoint vaultwarden \(agentic-spine/ops/bindings/services\.health\.yaml:"
        r"\d+: http://100\.92\.91\.128:8081/alive\)",
        finding.expected,
    ), finding.expected
    assert finding.fix == f"add health endpoint vaultwarden to {MONITORING} as the spine gives it"


def test_monitoring_probe_of_a_service_the_spine_does_not_know(estate):
    def change(data):
        data["health_endpoints"].append(
            {"service": "grafana", "url": "http://100.92.91.128:3000/api/health", "expected_status": 200, "tier": 2}
        )

    edit_json(estate, MONITORING, change)
    (finding,) = check_supporting_agrees(*views(estate), "monitoring")
    assert finding.summary == "monitoring: health endpoint grafana is in the supporting copy only"
    assert finding.line == entry_line(estate / MONITORING, '"service": "grafana"')


def test_monitoring_that_shares_no_governed_probe_fails(estate):
    """Only probes of registered services the spine does not govern: each is allowed, yet nothing was compared."""
    edit_json(estate, MONITORING, lambda d: d.update(health_endpoints=[
        e for e in d["health_endpoints"] if e["service"] in ("pihole", "anythingllm", "qdrant")]))  # fmt: skip
    findings = check_supporting_agrees(*views(estate), "monitoring")
    assert findings[0].summary == "monitoring: supporting copy shares no health endpoint with the spine"
    assert {f.summary for f in findings[1:]} == {
        f"monitoring: health endpoint {s} is missing from the supporting copy"
        for s in ("infisical", "minio", "mint-os-api", "n8n", "vaultwarden")
    }


def test_findings_are_in_a_fixed_order(estate):
    (estate / REGISTRY).write_text(
        "services:\n" + "".join(f"  svc-{n}:\n    host: infra-core\n" for n in (9, 3, 7, 1, 5))
    )
    runs = {tuple(f.summary for f in check_supporting_agrees(*views(estate), "service_registry")) for _ in range(3)}
    (order,) = runs
    assert [s.split()[2] for s in order[1:]] == ["svc-1", "svc-3", "svc-5", "svc-7", "svc-9"]
