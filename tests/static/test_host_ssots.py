"""docs/governance/*_SSOT.md: a host's documented schedule covers what the bindings expect of it."""

import pytest

from ssot_audit.checks import ssot_docs
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


@pytest.mark.disconnect("C2")
def test_documented_vzdump_covers_backup_targets(vzdump_host, spine):
    """The documented vzdump job covers every VM backup.inventory.yaml expects on that hypervisor."""
    expect(ssot_docs.check_vzdump_documented(spine, vzdump_host))


@pytest.mark.disconnect("C3")
def test_documented_pool_has_scrub(host_pool, spine):
    """Every ZFS pool a host SSOT lists has a documented scrub schedule."""
    expect(ssot_docs.check_pool_scrub_documented(spine, host_pool))
