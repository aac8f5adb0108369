"""The spine's gates whose scripts need the network or a host (read from the script: ssh, curl, tailscale...).
They belong to the live half, and are never run: no spine script may reach a host, so each says it is not
judged and why; its entry stays "not proven" with that reason, never a silent pass."""

import pytest

from ssot_audit.findings import expect

pytestmark = pytest.mark.live


def test_spine_gate_on_hosts(host_gate, spine_gate_runs):
    expect(spine_gate_runs.findings(host_gate))
