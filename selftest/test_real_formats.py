"""The spine's files in the shapes the real spine writes them (selftest/data): run keys in the ledger,
master plans in other heading, field and table styles, SHOP_SERVER_SSOT rows with dates in job names."""

import shutil
from pathlib import Path

import pytest

from selftest.suite import ALIGNED
from ssot_audit.checks import loops, master_plan, ssot_docs
from ssot_audit.repo import Repo
from ssot_audit.sources.markdown import parse
from ssot_audit.spine import MASTER_PLAN, Spine, plan_layers
from ssot_audit.vmids import read_vmids

DATA = Path(__file__).parent / "data"


def spine_at(root: Path) -> Spine:
    return Spine(Repo("agentic-spine", root))


# the loop ledger (F1) ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "record, capability",
    [
        ({"title": "Run failed: CAP-20260205-151332__docs.lint__Rvbbs33945"}, "docs.lint"),
        ({"title": "Run failed: CAP-20260206-111343__spine.verify__Rq7k2m19012"}, "spine.verify"),
        ({"title": "Run failed: secrets_binding"}, "secrets_binding"),  # the older shape: the capability itself
        ({"title": "Run failed: docs.lint", "run_key": "CAP-20260205-151332__docs.lint__Rvbbs33945"}, "docs.lint"),
        ({"title": "Run failed: S20260206-094500__Rm1x4t70033"}, None),  # a session run names no capability
        ({"title": "Action required: CAP-20260207-075940__backup.status__Rw8e2r66110"}, None),
        ({"loop_id": "LOOP-X-20260208"}, None),
    ],
)
def test_failed_capability_from_run_keys_and_the_older_titles(record, capability):
    assert loops.failed_capability(record) == capability


def superseded(spine) -> dict[str, list]:
    """F1's findings by capability."""
    out: dict[str, list] = {}
    for finding in loops.check_run_failures(spine):
        out.setdefault(next(iter(finding.about["capability"])), []).append(finding)
    return out


def test_f1_fires_on_a_ledger_of_run_keys():
    spine = spine_at(DATA / "ledger-run-keys")
    found = superseded(spine)
    (lint,) = found["docs.lint"]
    assert lint.location == "agentic-spine/mailroom/state/open_loops.jsonl:1"
    assert lint.summary.startswith("OL_20260205_151400_docs.lint (Run failed: CAP-20260205-151332__docs.lint__")
    assert lint.expected == (
        "closed: superseded by passing run receipts/sessions/RCAP-20260207-021455__docs.lint__Rc4f8a10442/receipt.md"
    )
    (older,) = found["spine.verify"]  # the newer failure of the same capability
    assert older.summary.startswith("OL_20260206_111400_CAP_202602") and "OL_20260206_113500" in older.expected
    assert "host.drift" not in found  # closed by loops-reconcile (a full row, closed)
    assert "loops.status" not in found  # its later receipt failed too


def test_f1_passes_when_no_later_run_passed(tmp_path):
    root = tmp_path / "spine"
    shutil.copytree(DATA / "ledger-run-keys", root)
    shutil.rmtree(root / "receipts/sessions/RCAP-20260207-021455__docs.lint__Rc4f8a10442")
    assert "docs.lint" not in superseded(spine_at(root))


def test_f1_on_run_key_rows_only(tmp_path):
    """No row in the older shape: the capability comes from the run keys alone."""
    root = tmp_path / "spine"
    shutil.copytree(DATA / "ledger-run-keys", root)
    ledger = root / "mailroom/state/open_loops.jsonl"
    ledger.write_text("".join(r for r in ledger.read_text().splitlines(True) if '"run_key"' in r))
    found = superseded(spine_at(root))
    assert "loops.status" not in found
    assert [f.location.rsplit(":", 1)[1] for f in found["docs.lint"]] == ["1"]


# the master plan's layers (A1-A3, E1-E4) -------------------------------------------------------------------
def layers_of(name: str):
    return plan_layers(parse((DATA / "plans" / name).read_text()))


def test_layers_with_vmids_in_tables_and_plain_fields():
    layers = layers_of("plan-table-vmids.md")
    assert list(layers) == ["layer-1", "layer-2", "layer-3", "layer-6"]
    core = layers["layer-1"]
    assert (core.number, core.title) == (1, "Layer 1 -- Core Infrastructure")
    assert core.vmids == {204: 22} and core.vm_names == {204: "infra-core"}
    assert core.host == (16, "pve (shop R730XD)") and core.loop == (17, "LOOP-INFRA-VM-RESTRUCTURE-20260206")
    assert layers["layer-2"].vmids == {204: 33}  # the VMID column, not the VM column, holds the id
    assert layers["layer-3"].vmids == {205: 43}  # an `ID` column; `200 GB` in the Disk column is no VM
    assert layers["layer-6"].vmids == {209: 52, 210: 53}  # dates in the Since column are no VMs
    assert layers["layer-6"].vm_names == {209: "download-stack", 210: "streaming-stack"}


def test_layers_in_other_heading_and_field_styles():
    layers = layers_of("plan-heading-field-styles.md")
    assert {k: (v.number, list(v.vmids)) for k, v in layers.items()} == {
        "layer-1": (1, [204]), "layer-2": (2, [204]), "layer-3": (3, [205]), "layer-4": (4, [206]),
        "layer-6": (6, [209, 210]),
    }  # fmt: skip
    assert layers["layer-1"].host == (7, "pve (shop R730XD)")  # `**Host**: x`
    assert layers["layer-2"].host == (15, "pve (shop R730XD)")  # `- Host: x`; its Rollback subsection's comes later
    assert layers["layer-3"].loop == (21, "LOOP-OBSERVABILITY-DEPLOY-20260208")  # named in the heading
    assert layers["layer-4"].host == (28, "pve") and layers["layer-4"].vmids == {206: 27}  # `Host: x`, `VMID: 206`
    assert layers["layer-6"].vmids == {209: 32, 210: 32}  # `VMs: 209, 210`


def test_a_layer_with_no_vmid_or_loop():
    layers = layers_of("plan-no-vmid.md")
    assert layers["layer-3"].vmids == {}  # sizes and a date in the VM field are no VMIDs
    assert layers["layer-4"].vm_field is None and layers["layer-4"].loop is None


def aligned_with(tmp_path, rel: str):
    """A function giving the aligned estate's spine with `rel` replaced by a sample (optionally edited)."""
    root = tmp_path / "agentic-spine"
    shutil.copytree(ALIGNED / "agentic-spine", root, symlinks=True)

    def spine(sample: Path, edit=lambda text: text) -> Spine:
        (root / rel).write_text(edit(sample.read_text()))
        return spine_at(root)

    return spine


@pytest.fixture
def plan_spine(tmp_path):
    with_sample = aligned_with(tmp_path, MASTER_PLAN.rel)
    return lambda name, edit=lambda text: text: with_sample(DATA / "plans" / name, edit)


@pytest.mark.parametrize("name", ["plan-table-vmids.md", "plan-heading-field-styles.md"])
def test_layer_checks_pass_on_other_plan_shapes(plan_spine, name):
    spine = plan_spine(name)
    for key in spine.layers:
        assert master_plan.check_layer_host(spine, key) == []
        assert loops.check_layer_scope(spine, key) == []
        assert loops.check_layer_registered(spine, key) == []


@pytest.mark.parametrize(
    "name, old, new, layer, line",
    [
        ("plan-table-vmids.md", "Host: pve (shop R730XD)\nLoop: LOOP-INFRA", "Host: proxmox-home\nLoop: LOOP-INFRA",
         "layer-1", 16),
        ("plan-heading-field-styles.md", "**Host**: pve (shop R730XD)", "**Host**: proxmox-home", "layer-1", 7),
        ("plan-heading-field-styles.md", "Host: pve\n", "Host: proxmox-home\n", "layer-4", 28),
    ],
)  # fmt: skip
def test_layer_host_fails_on_other_plan_shapes(plan_spine, name, old, new, layer, line):
    spine = plan_spine(name, lambda text: text.replace(old, new, 1))
    (finding,) = master_plan.check_layer_host(spine, layer)
    assert finding.location == f"agentic-spine/{MASTER_PLAN.rel}:{line}"
    assert finding.expected.startswith("Host: pve  [VMID 2") and finding.found == "Host: proxmox-home"


def test_layer_without_vmid_or_loop_is_named(plan_spine):
    spine = plan_spine("plan-no-vmid.md")
    (no_vmid,) = master_plan.check_layer_host(spine, "layer-3")
    assert no_vmid.location.endswith(":4") and no_vmid.summary == "Layer 3: Observability: no VMID"
    assert "2026-02-08" in no_vmid.found
    (bare,) = master_plan.check_layer_host(spine, "layer-4")
    assert bare.location.endswith(":8") and bare.found == "no VM field and no VMID table"
    (no_loop,) = loops.check_layer_scope(spine, "layer-4")
    assert no_loop.summary == "Layer 4 -- Dev Tools: names no loop"


def test_a_loop_named_as_a_dependency_is_not_the_layers_own():
    layers = layers_of("plan-loop-dependencies.md")
    assert layers["layer-3"].loop == (6, "LOOP-OBSERVABILITY-DEPLOY-20260208")
    assert layers["layer-3"].depends_on == ("LOOP-INFRA-VM-RESTRUCTURE-20260206",)
    waiting = {"layer-4": "LOOP-OBSERVABILITY-DEPLOY-20260208", "layer-5": "LOOP-OBSERVABILITY-DEPLOY-20260208",
               "layer-6": "LOOP-AI-CONSOLIDATION-20260208", "layer-7": "LOOP-MEDIA-STACK-SPLIT-20260208",
               "layer-8": "LOOP-MEDIA-STACK-SPLIT-20260208", "layer-9": "LOOP-MEDIA-STACK-SPLIT-20260208"}  # fmt: skip
    for key, dependency in waiting.items():
        assert (layers[key].loop, layers[key].depends_on) == (None, (dependency,)), key


@pytest.mark.parametrize(
    "layer, line, field",
    [
        ("layer-4", 11, "Loop: -- (after LOOP-OBSERVABILITY-DEPLOY-20260208)"),
        ("layer-5", 16, "Loop: TBD, blocked by LOOP-OBSERVABILITY-DEPLOY-20260208"),
        ("layer-6", 21, "Loop: n/a -- prereq LOOP-AI-CONSOLIDATION-20260208"),
        ("layer-7", 26, "Loop: none (waiting on LOOP-MEDIA-STACK-SPLIT-20260208)"),
        ("layer-8", 31, "Loop: depends on LOOP-MEDIA-STACK-SPLIT-20260208"),
        ("layer-9", 33, "no LOOP- id"),
    ],
)
def test_a_layer_waiting_on_another_loop_names_none(plan_spine, layer, line, field):
    spine = plan_spine("plan-loop-dependencies.md")
    (finding,) = loops.check_layer_scope(spine, layer)
    assert finding.location == f"agentic-spine/{MASTER_PLAN.rel}:{line}"
    assert finding.summary.endswith(": names no loop") and finding.found.startswith(field)
    assert "named as what the layer waits for, not as its own loop" in finding.found
    assert finding.expected == "`- **Loop:** LOOP-<NAME>-<YYYYMMDD>`" and finding.fix
    assert loops.check_layer_registered(spine, layer) == []  # no loop: the scope check says so, once


def test_a_layer_with_its_own_loop_and_a_dependency_passes(plan_spine):
    spine = plan_spine("plan-loop-dependencies.md")
    assert loops.check_layer_scope(spine, "layer-3") == []
    assert loops.check_layer_registered(spine, "layer-3") == []


# VMIDs in prose and tables (SHOP_SERVER_SSOT.md, plan fields) ------------------------------------------------------
@pytest.mark.parametrize(
    "text, field, vmids",
    [
        ("vzdump backup-ronny-daily-2026-01-22: VMs 200-203", False, [200, 201, 202, 203]),
        ("vzdump VMs 200-204", False, [200, 201, 202, 203, 204]),
        ("Backup job `backup-ronny-daily-2026-01-22` to tank-backups (zstd, max 2)", False, []),
        ("vzdump --vmid 200,201,204 --mode snapshot", False, [200, 201, 204]),
        ("vzdump 200 201 202 --storage tank-backups", False, [200, 201, 202]),
        ("VMIDs 200, 201, 204 and 205", False, [200, 201, 204, 205]),
        ("VMs 200-202, 204", False, [200, 201, 202, 204]),
        ("covers all 10 VMs: `204,205,206,207,209,210,201,202,203,200`", False,
         [204, 205, 206, 207, 209, 210, 201, 202, 203, 200]),
        ("200, 201, 204", False, [200, 201, 204]),  # a cell that is only a list
        ("`200–203`", False, [200, 201, 202, 203]),
        ("to tank-backups, 10.0.0.250, 120 GB/night", False, []),
        ("VM 204 (infra-core) 2048 MB", False, [204]),
        ("infra-core (VMID 204)", True, [204]),
        ("download-stack (VMID 209), streaming-stack (VMID 210)", True, [209, 210]),
        ("209, 210", True, [209, 210]),
        ("205 (observability)", True, [205]),
        ("infra-core (204)", True, [204]),
        ("infra-core (204)", False, []),  # outside a VM field, a number in parentheses is not a VM
        ("observability (planned, 4 vCPU, 16384 MB, 2026-02-08)", True, []),
    ],
)  # fmt: skip
def test_read_vmids_only_where_vms_are_named(text, field, vmids):
    assert read_vmids(text, field) == vmids


@pytest.fixture
def ssot_spine(tmp_path):
    with_sample = aligned_with(tmp_path, "docs/governance/SHOP_SERVER_SSOT.md")
    return lambda name, edit=lambda text: text: with_sample(DATA / "ssot" / name, edit)


@pytest.mark.parametrize("name", ["schedule-job-names.md", "schedule-lists.md"])
def test_documented_vzdump_reads_vms_not_dates(ssot_spine, name):
    spine = ssot_spine(name)
    assert ssot_docs.check_vzdump_documented(spine, "pve") == []
    (row,) = [r for r in ssot_docs.schedules(spine)["pve"].rows() if "ronny" in str(r.cells)]
    assert 2026 not in ssot_docs.vmids_in(row) and 22 not in ssot_docs.vmids_in(row)


@pytest.mark.parametrize(
    "name, old, new, line, found",
    [
        ("schedule-job-names.md", "--vmid 204 ", "", 9, "vzdump of VMs 200, 201, 202, 203"),
        ("schedule-lists.md", "VMIDs 202 and 203", "VMIDs 202", 7, "vzdump of VMs 200, 201, 202, 204"),
    ],
)
def test_documented_vzdump_fails_without_a_vm(ssot_spine, name, old, new, line, found):
    (finding,) = ssot_docs.check_vzdump_documented(ssot_spine(name, lambda text: text.replace(old, new)), "pve")
    assert finding.location == f"agentic-spine/docs/governance/SHOP_SERVER_SSOT.md:{line}"
    assert finding.found == found and finding.summary.startswith("documented vzdump job on pve leaves out VM 20")
