"""Tailscale on the hosts: running, and every ssh target on the tailnet at the spine's IP (live side of B1)."""

import pytest

from ssot_audit.checks.live import tailnet
from ssot_audit.findings import expect

pytestmark = pytest.mark.live


@pytest.mark.disconnect("B1")
def test_tailnet_matches_ssh_targets(host_view, spine):
    expect(tailnet.check_tailnet(spine, host_view))
