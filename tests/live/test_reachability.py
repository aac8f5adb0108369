"""Each host answers over SSH. Asked once per host: an unreachable host is this one failure, and its other
tests skip with the same reason instead of each waiting out a connection timeout."""

import pytest

from ssot_audit.findings import expect

pytestmark = pytest.mark.live


def test_host_is_reachable(reachability):
    expect(reachability)
