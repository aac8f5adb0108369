"""Loop scopes (mailroom/state/loop-scopes/) and the loop ledger (open_loops.jsonl, local-only)."""

import pytest

from ssot_audit.checks import loops
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


@pytest.mark.disconnect("E1", "E2", "E3", "E4")
def test_layer_has_loop_scope(plan_layer, spine):
    """Every VM layer of the master plan names a loop that has a scope file."""
    expect(loops.check_layer_scope(spine, plan_layer))


@pytest.mark.disconnect("E1", "E2", "E3", "E4")
def test_layer_loop_is_registered(plan_layer, spine):
    """The loop of every VM layer is registered in open_loops.jsonl."""
    expect(loops.check_layer_registered(spine, plan_layer))


@pytest.mark.disconnect("F1")
def test_no_superseded_run_failure_is_open(spine):
    """After reducing the ledger, no `Run failed` loop that a later run superseded is open."""
    expect(loops.check_run_failures(spine))
