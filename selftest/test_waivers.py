"""Waivers: a waived ID is reported as waived with its reason; an expired one fails loudly; unknown IDs stop the run."""

import json
from datetime import date, timedelta

import pytest

from selftest.suite import DRIFTED, ESTATE_NOW, copy_estate, run_suite
from ssot_audit import catalogue

# Waivers expire against the audit's clock (--now), not the calendar of the machine running it.
NOW = date.fromisoformat(ESTATE_NOW[:10])

WAIVERS = "agentic-spine/ops/bindings/ssot-audit.waivers.yaml"


def write(estate, *entries):
    lines = ["version: 1", "waivers:"]
    for kind, id_, expires in entries:
        lines += [f"  - {kind}: {id_}", '    reason: "node rename is tracked elsewhere"',
                  "    owner_loop: LOOP-NAMING-GOVERNANCE-20260207", f"    expires: {expires.isoformat()}"]  # fmt: skip
    (estate / WAIVERS).write_text("\n".join(lines) + "\n")


def test_current_waiver_reports_waived_with_its_reason(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    write(estate, ("disconnect", "C1", NOW + timedelta(days=30)))
    reports = tmp_path / "reports"
    outcome = run_suite(pytester, estate, "--ssot-report-dir", str(reports))
    assert "C1" not in outcome.failing_ids()
    waived = [r for r in outcome.reports if hasattr(r, "wasxfail")]
    assert [r.nodeid.split("::")[1] for r in waived] == ["test_gap_is_fixed[GAP-OP-015]"]
    assert "LOOP-NAMING-GOVERNANCE-20260207" in waived[0].wasxfail
    entry = next(e for e in json.loads((reports / "results.json").read_text())["entries"] if e["id"] == "C1")
    assert entry["status"] == "waived" and "node rename is tracked elsewhere" in entry["evidence"]
    assert "| disconnect | C1 | critical | waived |" in (reports / "closeout.md").read_text()


def test_waiver_covers_a_test_only_when_all_its_ids_are_waived(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    write(estate, ("disconnect", "C2", NOW + timedelta(days=30)))
    outcome = run_suite(pytester, estate, "-k", "test_gap_is_fixed")
    assert outcome.failing_ids() == {"C1", "C3"}


def test_expired_waiver_fails_loudly_and_stops_waiving(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    write(estate, ("disconnect", "C1", NOW - timedelta(days=1)))
    outcome = run_suite(pytester, estate)
    expired = [r for r in outcome.failed() if "test_waiver_is_current" in r.nodeid]
    assert len(expired) == 1 and "expired on" in expired[0].longreprtext
    assert ("disconnect", "C1") in expired[0].user_properties
    assert any("GAP-OP-015" in r.nodeid for r in outcome.failed())


def test_expiry_is_judged_at_now_not_today(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    write(estate, ("disconnect", "C1", NOW + timedelta(days=1)))  # current at --now; long past by the calendar
    outcome = run_suite(pytester, estate, "-k", "test_gap_is_fixed or test_waiver_is_current")
    assert "C1" not in outcome.failing_ids()
    outcome = run_suite(pytester, estate, "-k", "test_gap_is_fixed or test_waiver_is_current",
                        "--now", (NOW + timedelta(days=2)).isoformat() + "T12:00:00Z")  # fmt: skip
    assert "C1" in outcome.failing_ids()


@pytest.mark.parametrize(
    "content, says",
    [
        (
            "waivers:\n  - disconnect: Z9\n    reason: a reason long enough\n    owner_loop: LOOP-X\n    expires: 2030-01-01\n",
            "does not match its schema",
        ),
        (
            "waivers:\n  - gate: D99\n    reason: a reason long enough\n    owner_loop: LOOP-X\n    expires: 2030-01-01\n",
            "unknown gate D99 (not in the catalogue)",
        ),
        (
            "waivers:\n  - gate: D21\n    reason: a reason long enough\n    owner_loop: LOOP-X\n    expires: 2030-01-01\n",
            "unknown gate D21 (never assigned)",
        ),
        (
            "waivers:\n  - disconnect: C1\n    owner_loop: LOOP-X\n    expires: 2030-01-01\n",
            "'reason' is a required property",
        ),
        ("waivers: [unclosed\n", "not valid YAML"),
        ("waivers: " + "[" * 500 + "]" * 500 + "\n", "nests deeper than 64 levels"),
        ("waivers:\n  - gate: D36\n    gate: D37\n", "'gate' repeats the one at line 2"),
    ],
    ids=["bad-id", "unknown-id", "never-assigned-id", "no-reason", "malformed", "deep", "repeated-key"],
)
def test_bad_waivers_file_is_one_failure_and_waives_nothing(content, says, pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    (estate / WAIVERS).write_text(content)
    outcome = run_suite(pytester, estate)
    assert not outcome.errors
    (failed,) = [r for r in outcome.failed() if "test_waiver_is_current" in r.nodeid]
    assert failed.nodeid.endswith("[waivers-file]") and says in failed.longreprtext, failed.longreprtext
    assert "ssot-audit.waivers.yaml" in failed.longreprtext
    assert outcome.failing_ids() == {e.id for e in catalogue.load().of_kind("disconnect")}  # nothing waived
    assert len([r for r in outcome.reports if r.passed]) > 20  # every other check still ran
