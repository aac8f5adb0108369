"""The spine's own gates, every one its tree lists (ops/bindings/gate.registry.yaml, or drift-gate.sh's
sections before it): each judged by its own script when the user allows it (--ssot-run-spine-gates), run
contained on a snapshot of the tree. A gate ssot-audit re-implements is judged by both, and compared."""

import pytest

from ssot_audit.findings import expect

pytestmark = pytest.mark.static


def test_spine_gate_passes(spine_gate, spine_gate_runs):
    expect(spine_gate_runs.findings(spine_gate))
