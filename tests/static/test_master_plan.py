"""mailroom/state/INFRA_MASTER_PLAN.md (local-only) against the placement policy and relocation plan."""

import pytest

from ssot_audit.checks import master_plan
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


@pytest.mark.disconnect("A1", "A2", "A3")
def test_layer_host_matches_placement(plan_layer, spine):
    """Each layer's Host names exactly the hypervisor infra.placement.policy.yaml assigns its VMs."""
    expect(master_plan.check_layer_host(spine, plan_layer))


@pytest.mark.disconnect("A4")
def test_service_status_matches_relocation(relocated_service, spine):
    """A service's status in the plan is its status in infra.relocation.plan.yaml."""
    expect(master_plan.check_service_status(spine, relocated_service))
