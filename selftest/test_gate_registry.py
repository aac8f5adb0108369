"""The spine's own list of its gates: the registry where the tree has one, drift-gate.sh's sections before it."""

from ssot_audit import gate_registry
from ssot_audit.repo import Repo

REGISTRY = """gate_count: {total: 4, active: 3, retired: 1}
gates:
  - {id: D1, name: top-level-dirs, category: path-hygiene, gate_class: invariant, severity: high, fix_hint: move it,
     check_script: surfaces/verify/drift-gate.sh, inline: true}
  - {id: D21, name: reserved, category: retired, gate_class: invariant, severity: none, retired: true}
  - {id: D33, name: extraction-pause, category: ssot-hygiene, gate_class: invariant, severity: medium,
     check_script: surfaces/verify/d33-extraction-pause-lock.sh}
  - {id: D900, name: elsewhere, category: infra-hygiene, gate_class: invariant, severity: low}
"""

DRIFT_GATE = """#!/usr/bin/env bash
set -euo pipefail
# D1: top-level dirs
echo -n "D1 top-level dirs... "
pass
# D33: extraction pause
echo -n "D33 extraction pause... "
./surfaces/verify/d33-extraction-pause-lock.sh && pass || fail
"""


def _repo(tmp_path, registry=None, drift_gate=None):
    (tmp_path / "ops" / "bindings").mkdir(parents=True)
    if registry is not None:
        (tmp_path / "ops" / "bindings" / "gate.registry.yaml").write_text(registry)
    if drift_gate is not None:
        (tmp_path / "surfaces" / "verify").mkdir(parents=True)
        (tmp_path / "surfaces" / "verify" / "drift-gate.sh").write_text(drift_gate)
        (tmp_path / "surfaces" / "verify" / "d33-extraction-pause-lock.sh").write_text("exit 0\n")
    return Repo("agentic-spine", tmp_path)


def test_the_registry_is_the_list_and_the_authority_on_each_gate(tmp_path):
    listed = gate_registry.gate_list(_repo(tmp_path, REGISTRY))
    assert [g.id for g in listed.active] == ["D1", "D33", "D900"]
    assert [g.id for g in listed.retired] == ["D21"]
    assert listed.get("D1").metadata == {"name": "top-level-dirs", "category": "path-hygiene", "class": "invariant",
                                         "severity": "high", "fix": "move it"}  # fmt: skip
    assert (listed.get("D1").inline, listed.get("D33").script) == (True, "surfaces/verify/d33-extraction-pause-lock.sh")
    assert listed.source == "agentic-spine/ops/bindings/gate.registry.yaml"


def test_before_the_registry_drift_gates_sections_are_the_list(tmp_path):
    listed = gate_registry.gate_list(_repo(tmp_path, drift_gate=DRIFT_GATE))
    assert [(g.id, g.script, g.inline) for g in listed.gates] == [
        ("D1", "surfaces/verify/drift-gate.sh", True),
        ("D33", "surfaces/verify/d33-extraction-pause-lock.sh", False),
    ]
    assert "no gate registry yet" in listed.source
    assert listed.get("D33").name  # named by the catalogue, which re-implements it


def test_a_tree_with_neither_lists_nothing(tmp_path):
    listed = gate_registry.gate_list(_repo(tmp_path, drift_gate="#!/bin/sh\nfor g in d*.sh; do ./$g; done\n"))
    assert listed.gates == () and listed.source == "no gate registry and no gate sections in drift-gate.sh"


def test_a_registry_that_breaks_its_schema_is_named_and_its_gates_still_listed(tmp_path):
    broken = REGISTRY.replace("severity: medium,", "severity: [medium],")
    listed = gate_registry.gate_list(_repo(tmp_path, broken))
    assert listed.source.startswith("gate registry unreadable") and "its gates by their IDs" in listed.source
    assert [g.id for g in listed.active] == ["D1", "D33", "D900"] and listed.get("D900").name is None
