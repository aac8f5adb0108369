"""ZFS scrubs on the hosts: every pool is scheduled and recently scrubbed (host half of C3, GAP-OP-019)."""

import pytest

from ssot_audit.checks.live import scrubs
from ssot_audit.findings import expect

pytestmark = pytest.mark.live


@pytest.mark.disconnect("C3")
def test_pool_has_scrub_schedule(host_view):
    expect(scrubs.check_scrub_schedule(host_view))
    if why := scrubs.schedule_not_proven(host_view):
        pytest.skip(why)


@pytest.mark.disconnect("C3")
def test_pool_scrubbed_recently(host_view, audit_now, max_scrub_age_days):
    expect(scrubs.check_scrub_age(host_view, audit_now, max_scrub_age_days))
