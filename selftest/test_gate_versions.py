"""The suite knows which version of each spine gate it implements, and says when it does not."""

import pytest

from selftest.gate_mutations import replace
from selftest.suite import copy_estate, run_suite
from ssot_audit import gate_versions
from ssot_audit.gate_versions import GateSource

SPINE = "agentic-spine"
D33_SCRIPT = "surfaces/verify/d33-extraction-pause-lock.sh"
# A gate script in the spine's shape, written for these tests (not a spine version).
SCRIPT = """#!/usr/bin/env bash
# TRIAGE: set mode paused
set -euo pipefail
MODE="$(yq e '.mode' "$BINDING")"   # read the mode
[[ "$MODE" == "paused" ]] || fail "extraction mode must be paused (found: $MODE)"
"""
COMMENTS_ONLY = """#!/usr/bin/env bash
# TRIAGE: keep extraction paused until the window ends
# (a rewritten header)
set -euo pipefail

MODE="$(yq e '.mode'  "$BINDING")"
  [[ "$MODE" == "paused" ]] ||   fail "extraction mode must be paused (found: $MODE)"  # enforced
"""
CHANGED = SCRIPT.replace('"paused" ]]', '"paused" || "$MODE" == "frozen" ]]')


def _table(*versions):
    return {"D33": [{"fingerprints": [gate_versions.fingerprint(text)], "settings": s} for text, s in versions]}


def test_fingerprint_ignores_comments_and_whitespace_only():
    assert gate_versions.fingerprint(SCRIPT) == gate_versions.fingerprint(COMMENTS_ONLY)
    assert gate_versions.fingerprint(SCRIPT) != gate_versions.fingerprint(CHANGED)


def test_versions_resolve_with_inherited_settings():
    table = _table((SCRIPT, {"modes": ["paused"], "other": 1}), (CHANGED, {"modes": ["paused", "active"]}))
    first = gate_versions.resolve("D33", GateSource(D33_SCRIPT, COMMENTS_ONLY), table)
    assert (first.version, first.stale, first.settings["modes"]) == (0, None, ["paused"])
    second = gate_versions.resolve("D33", GateSource(D33_SCRIPT, CHANGED), table)
    assert second.settings == {"modes": ["paused", "active"], "other": 1}
    absent = gate_versions.resolve("D33", None, table)
    assert (absent.version, absent.stale, absent.settings) == (1, None, second.settings)


def test_unknown_version_is_stale_and_names_the_script():
    known = gate_versions.resolve("D33", GateSource(D33_SCRIPT, CHANGED), _table((SCRIPT, {"modes": ["paused"]})))
    assert known.version is None
    assert known.stale == f"not proven: the spine's D33 changed since ssot-audit encoded it ({D33_SCRIPT})"


def test_gate_source_prefers_the_dispatched_script_then_the_section():
    drift = 'set -e\n# D1: dirs\necho D1\n# D33: pause\ngate_script "$SP/surfaces/verify/d33-x.sh" D33\n'
    files = {"surfaces/verify/drift-gate.sh": drift, "surfaces/verify/d33-x.sh": SCRIPT}
    names = ["drift-gate.sh", "d33-x.sh"]
    assert gate_versions.gate_source("D33", files.get, names) == ("surfaces/verify/d33-x.sh", SCRIPT, "")
    section = gate_versions.gate_source("D1", files.get, names)
    assert section == ("surfaces/verify/drift-gate.sh (section D1)", "# D1: dirs\necho D1", "set -e")
    assert gate_versions.gate_source("D5", files.get, names) is None


def test_the_real_table_is_consistent():
    for gate, versions in gate_versions.versions().items():
        assert versions and all(v["fingerprints"] for v in versions), gate
    marks = [m for versions in gate_versions.versions().values() for v in versions for m in v["fingerprints"]]
    assert len(marks) == len(set(marks))


@pytest.fixture
def resumed(tmp_path):
    """The aligned estate with extraction resumed and no proof the pause completed: D33 drift."""
    estate = copy_estate(tmp_path)
    replace(estate, f"{SPINE}/ops/bindings/extraction.mode.yaml", 'mode: "paused"', 'mode: "active"')
    return estate


def test_unknown_gate_script_makes_the_gate_not_proven(resumed, pytester, monkeypatch):
    real = gate_versions.versions()
    monkeypatch.setattr(gate_versions, "versions", lambda: {**real, **_table((SCRIPT, {"modes": ["paused"]}))})
    (resumed / SPINE / D33_SCRIPT).write_text(CHANGED)
    outcome = run_suite(pytester, resumed, markers="static")
    assert "D33" not in outcome.failing_ids("gate"), outcome.messages()
    reasons = [str(r.longrepr) for r in outcome.skipped()]
    assert any(f"not proven: the spine's D33 changed since ssot-audit encoded it ({D33_SCRIPT})" in r for r in reasons)


@pytest.mark.parametrize("script", [SCRIPT, COMMENTS_ONLY], ids=["same", "comments-and-whitespace-changed"])
def test_known_gate_script_keeps_its_verdict(script, resumed, pytester, monkeypatch):
    real = gate_versions.versions()
    monkeypatch.setattr(gate_versions, "versions", lambda: {**real, **_table((SCRIPT, {"modes": ["paused"]}))})
    (resumed / SPINE / D33_SCRIPT).write_text(script)
    outcome = run_suite(pytester, resumed, markers="static")
    assert outcome.failing_ids("gate") == {"D33"}, outcome.messages()
    assert "not proven" not in outcome.messages()
