"""Hypervisor identity: the hostname names the PVE node holding the guests (host half of C1, GAP-OP-015),
matches the ssh target id, and is unique with the machine ID (gate D39)."""

import pytest

from ssot_audit.checks.live import identity
from ssot_audit.findings import expect

pytestmark = [pytest.mark.live, pytest.mark.runs_on("hypervisor")]


@pytest.mark.disconnect("C1")
@pytest.mark.gate("D39")
def test_hostname_names_guest_config_node(host_view):
    expect(identity.check_node_dir(host_view))


@pytest.mark.gate("D39")
def test_hostname_matches_ssh_target_id(host_view, spine):
    expect(identity.check_hostname_matches_target(spine, host_view))


@pytest.mark.gate("D39")
def test_hypervisor_identity_is_unique(host_view, hypervisor_peers, spine):
    expect(identity.check_unique(spine, host_view, hypervisor_peers))
