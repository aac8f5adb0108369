"""VMs run where the spine places them, and nowhere else: the loop document's evidence for A1-A3 (VM 204 is
on pve; proxmox-home has no 204.conf)."""

import pytest

from ssot_audit.checks.live import placement
from ssot_audit.findings import expect

pytestmark = pytest.mark.live


@pytest.mark.disconnect("A1", "A2", "A3")
@pytest.mark.runs_on("hypervisor")
def test_vms_run_where_the_spine_places_them(host_view, spine):
    expect(placement.check_placement(spine, host_view))
