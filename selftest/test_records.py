"""One bad record does not hide the others: schema violations inside a record (a gap, a backup target) are that
record's findings, and every other record is still read and checked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from selftest.suite import copy_estate, run_suite
from selftest.test_yaml_items import HEAD, gap, whole
from ssot_audit.schema import SchemaViolation, checked
from ssot_audit.sources import structured, yaml_items

GAPS = "agentic-spine/ops/bindings/operational.gaps.yaml"
BACKUP = "agentic-spine/ops/bindings/backup.inventory.yaml"
REGISTRY = "agentic-spine/docs/governance/SERVICE_REGISTRY.yaml"
SCHEMA = "operational.gaps.schema.json"


def load(text: str):
    return structured.load_yaml(Path("gaps.yaml"), "gaps.yaml", text.encode())


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.fixture(params=["whole", "item-by-item"])
def parse(request, monkeypatch):
    """Both ways the loader reads the gaps file: a whole parse, and cut at its items (yaml_items.py)."""
    if request.param == "item-by-item":
        monkeypatch.setattr(yaml_items, "SMALLEST", 0)
        monkeypatch.setattr(yaml_items, "FEWEST", 2)
    else:
        monkeypatch.setattr(yaml_items, "SMALLEST", 10**12)
    return request.param


def test_an_unknown_value_keeps_its_record(parse):
    text = HEAD + "".join(gap(n, status="pending" if n == 3 else "fixed") for n in range(1, 9))
    doc = checked(load(text), SCHEMA)
    assert [g["status"] for g in doc.data["gaps"]][2] == "pending"
    (violation,) = doc.record_violations
    assert violation.kept and violation.known == ("open", "fixed", "closed", "accepted")
    assert (violation.path, violation.line) == ("$.gaps[2].status", line_of(text, "status: pending"))


def test_a_broken_record_is_left_out_and_the_rest_keep_their_lines(parse):
    text = HEAD + "".join(gap(n) for n in range(1, 9)).replace("severity: low", "severity: [1, 2]", 2)
    text = text.replace("severity: [1, 2]", "severity: low", 1)  # only GAP-OP-002 is broken
    doc = checked(load(text), SCHEMA)
    assert [g["id"] for g in doc.data["gaps"]] == [f"GAP-OP-{n:03d}" for n in (1, 3, 4, 5, 6, 7, 8)]
    for index, gap_id in enumerate(g["id"] for g in doc.data["gaps"]):
        assert doc.line("gaps", index) == line_of(text, f"id: {gap_id}")
        assert doc.line("gaps", index, "status") == line_of(text, f"id: {gap_id}") + 3
    assert doc.line("gaps", 7) == line_of(text, "gaps:")  # past the end: the list itself, as a whole parse says
    (violation,) = doc.record_violations
    assert not violation.kept and violation.value["id"] == "GAP-OP-002"
    assert (violation.path, violation.line) == ("$.gaps[1].severity", line_of(text, "severity: [1, 2]"))
    assert len(doc.lines) == len(list(doc.lines))


def test_a_violation_outside_the_records_is_the_files(monkeypatch):
    text = HEAD.replace("gaps:\n", "gaps: {}\n")
    with pytest.raises(SchemaViolation, match=r"\$\.gaps: \{\} is not of type 'array'"):
        checked(whole(text, monkeypatch), SCHEMA)


def test_records_in_a_map(tmp_path):
    path = tmp_path / "SERVICE_REGISTRY.yaml"
    path.write_text("services:\n  a:\n    host: h\n  b:\n    host: 5\n  c:\n    host: h\n    port: 99999\nhosts: {}\n")
    doc = checked(structured.load_yaml(path, "SERVICE_REGISTRY.yaml"), "service.registry.schema.json")
    assert list(doc.data["services"]) == ["a"]
    assert [(v.record, v.line) for v in doc.record_violations] == [(("services", "b"), 5), (("services", "c"), 8)]


# the whole suite -------------------------------------------------------------------------------------------


def status(outcome, test: str) -> str:
    (report,) = [r for r in outcome.reports if r.nodeid.endswith(test)]
    return report.outcome


def test_a_broken_gap_fails_itself_and_every_other_gap_is_still_checked(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    path = estate / GAPS
    path.write_text(re.sub(r"(?s)(id: GAP-OP-001\n.*?status: )fixed", r"\1[fixed]", path.read_text(), count=1))
    outcome = run_suite(pytester, estate, "-m", "static")
    assert not outcome.failing_ids() and not outcome.errors
    assert not [r for r in outcome.skipped() if "test_gap_is_fixed" in r.nodeid]
    for gap_id in ("GAP-OP-015", "GAP-OP-018", "GAP-OP-019", "GAP-OP-002"):
        assert status(outcome, f"test_gap_is_fixed[{gap_id}]") == "passed"
    assert outcome.failing_tests() == {
        "test_gap_is_fixed[GAP-OP-001]",
        "test_spine_source_is_readable[ops/bindings/operational.gaps.yaml]",
    }
    line = line_of(path.read_text(), "status: [fixed]")
    assert all(f"operational.gaps.yaml:{line}:" in r.longreprtext for r in outcome.failed())
    assert len(outcome.beyond()) == 2


def test_a_broken_backup_target_leaves_the_others_checked(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    path = estate / BACKUP
    text = path.read_text()
    block = re.search(r"(?s)  - name: vm-200-docker-host-offsite\n.*?(?=\n\n)", text)[0]
    path.write_text(text.replace(block, block.replace("enabled: true", "enabled: yes-please")))
    outcome = run_suite(pytester, estate)
    assert not outcome.failing_ids() and not outcome.errors
    for test in ("test_backed_up_vm_in_workbench[204]", "test_supporting_copy_agrees[backup_inventory]"):
        assert status(outcome, test) == "passed"
    (failed,) = outcome.failed()
    assert failed.nodeid.endswith("test_spine_source_is_readable[ops/bindings/backup.inventory.yaml]")
    line = line_of(path.read_text(), "yes-please")
    assert f"backup.inventory.yaml:{line}: $.targets[4].enabled" in failed.longreprtext
    assert "left out" in failed.longreprtext and "fix:" in failed.longreprtext


def test_a_copy_of_an_unreadable_authority_record_is_not_compared(pytester, tmp_path):
    """D2: the spine's record of VM 202 is left out; the copy's entry for it is named as not comparable."""
    estate = copy_estate(tmp_path)
    path = estate / BACKUP
    text = path.read_text()
    block = re.search(r"(?s)  - name: vm-202-primary\n.*?(?=\n\n)", text)[0]
    path.write_text(text.replace(block, block.replace("enabled: true", "enabled: yes-please")))
    outcome = run_suite(pytester, estate, "-k", "test_supporting_copy_agrees")
    (failed,) = outcome.failed()
    assert outcome.failing_ids() == {"D2"}
    assert "backup_inventory: VM 202 cannot be compared: the spine's record of it does not match its schema" in (
        failed.longreprtext
    )
    assert f"backup.inventory.yaml:{line_of(path.read_text(), 'yes-please')}: $.targets[1].enabled" in (
        failed.longreprtext
    )
