"""The suite knows which version of each spine gate it implements, and says when it does not."""

import json

import pytest

from selftest.gate_mutations import replace, replace_re
from selftest.suite import copy_estate, run_suite
from ssot_audit import gate_sources, gate_versions
from ssot_audit.gate_sources import GateSource

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
    assert gate_sources.gate_source("D33", files.get, names) == ("surfaces/verify/d33-x.sh", SCRIPT, "")
    section = gate_sources.gate_source("D1", files.get, names)
    assert section == ("surfaces/verify/drift-gate.sh (section D1)", "# D1: dirs\necho D1", "set -e")
    assert gate_sources.gate_source("D5", files.get, names) is None


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


# --- a gate the tree does not have is not applicable ------------------------------------
REGISTRY = "ops/bindings/gate.registry.yaml"
# A registry in the spine's shape (block entries, and one in flow style), written for these tests.
REGISTRY_TEXT = """schema_version: '1.0'
categories:
  - id: path-hygiene
gates:
  - id: D1
    name: top-level-dirs
    check_script: surfaces/verify/drift-gate.sh
  - id: D21
    name: reserved
    retired: true
  - {id: D33, name: extraction-pause-lock}
"""


def test_the_registry_gives_the_active_and_the_retired_gates():
    assert gate_sources.registry_ids(REGISTRY_TEXT) == ({"D1", "D33"}, {"D21"})
    assert gate_sources.registry_ids(None) == (set(), set())


def test_a_tree_with_no_gate_list_has_none():
    assert gate_sources.gate_ids(frozenset(), (frozenset(), frozenset())) is None


@pytest.mark.parametrize(
    "sections, registry, absent",
    [
        ({"D1", "D2"}, ({"D1"}, set()), {"D45": "not in this spine yet"}),  # drift-gate.sh before the registry
        (set(), ({"D1", "D45"}, set()), {"D2": "not in this spine yet"}),  # the registry alone
        ({"D1", "D45"}, (set(), {"D45"}), {"D45": "retired in this spine"}),  # retired, a section left behind
    ],
    ids=["sections", "registry", "retired"],
)
def test_a_gate_the_list_leaves_out_is_not_applicable(sections, registry, absent):
    listed = gate_sources.gate_ids(frozenset(sections), tuple(map(frozenset, registry)))
    for gate, why in absent.items():
        assert listed.absent(gate) == f"not applicable here: {gate} is {why}"
    assert listed.absent("D1") is None


def test_not_applicable_is_said_as_the_engine_reads_it():
    from ssot_audit.report import results

    assert gate_versions.NOT_APPLICABLE == results.NOT_APPLICABLE
    known = gate_versions.resolve("D45", None, absent="not applicable here: D45 is not in this spine yet")
    assert known.stale == "not applicable here: D45 is not in this spine yet"


def test_a_test_of_absent_and_unknown_gates_is_not_proven(monkeypatch):
    reasons = {"D45": "not applicable here: D45 is not in this spine yet", "D33": "not proven: the spine's D33 ..."}
    monkeypatch.setattr(gate_versions, "knowledge", lambda repo, gate: gate_versions.Knowledge(gate, None, 0, {}, None)
                        if gate not in reasons else type("K", (), {"stale": reasons[gate]})())  # fmt: skip
    assert gate_versions.stale(None, [("gate", "D45"), ("gate", "D33")]).startswith("not proven")
    assert gate_versions.stale(None, [("gate", "D45")]) == reasons["D45"]
    assert gate_versions.stale(None, [("gate", "D45"), ("gate", "D1")]) is None  # D1 runs: the test runs


NAMING_DRIFT = (r"(canonical_name: vault\n(?:.*\n){2}    surfaces: \{ssh_target: true, placement: true, compose_target: )false",
                r"\1true")  # fmt: skip


@pytest.fixture
def naming_drift(tmp_path):
    """The aligned estate with a host the naming policy says is a compose target, and is not: D45 drift."""
    estate = copy_estate(tmp_path)
    replace_re(estate, f"{SPINE}/ops/bindings/naming.policy.yaml", *NAMING_DRIFT)
    return estate


def _registry(gates: list[str], retired: tuple[str, ...] = ()) -> str:
    rows = [f"  - id: {g}\n    name: gate-{g.lower()}\n" + ("    retired: true\n" if g in retired else "")
            for g in gates]  # fmt: skip
    return "gates:\n" + "".join(rows)


ALL_BUT_D45 = [f"D{n}" for n in range(1, 48) if n not in (21, 45)]


@pytest.mark.parametrize(
    "registry, verdict",
    [
        (_registry(ALL_BUT_D45), "not applicable here: D45 is not in this spine yet"),
        (_registry([*ALL_BUT_D45, "D45"], retired=("D45",)), "not applicable here: D45 is retired in this spine"),
        (_registry([*ALL_BUT_D45, "D45"]), "failed"),
    ],
    ids=["not-listed", "retired", "listed"],
)
def test_the_registry_decides_whether_d45_applies(registry, verdict, naming_drift, pytester, tmp_path):
    (naming_drift / SPINE / REGISTRY).write_text(registry)
    reports = tmp_path / "reports"
    outcome = run_suite(pytester, naming_drift, "--ssot-report-dir", str(reports), markers="static")
    entry = next(e for e in json.loads((reports / "results.json").read_text())["entries"]
                 if (e["kind"], e["id"]) == ("gate", "D45"))  # fmt: skip
    if verdict == "failed":
        assert "D45" in outcome.failing_ids("gate") and entry["status"] == "failed"
        return
    assert "D45" not in outcome.failing_ids("gate"), outcome.messages()
    assert entry["status"] == ("retired" if "retired" in verdict else "not applicable"), entry
    assert {str(r.longrepr[2]).removeprefix("Skipped: ") for r in outcome.skipped() if "d45" in r.nodeid.lower()
            or "naming" in r.nodeid} == {verdict}  # fmt: skip


def test_drift_gate_sections_are_the_list_before_the_registry(naming_drift, pytester):
    """At 70b25992 drift-gate.sh had sections up to D43: D45 did not exist yet, so its drift is no failure."""
    sections = "".join(f"# D{n}: gate {n}\n" for n in range(1, 44) if n != 21)
    (naming_drift / SPINE / gate_sources.DRIFT_GATE).write_text(f"#!/usr/bin/env bash\nset -e\n{sections}")
    outcome = run_suite(pytester, naming_drift, markers="static")
    assert not {"D45", "D47"} & outcome.failing_ids("gate"), outcome.messages()
    reasons = {str(r.longrepr[2]) for r in outcome.skipped()}
    assert "Skipped: not applicable here: D45 is not in this spine yet" in reasons
