"""Backups on the hosts: the vzdump jobs cover what backup.inventory.yaml backs up, and the dumps are fresh
(host half of C2, GAP-OP-018)."""

import pytest

from ssot_audit.checks.live import backups
from ssot_audit.findings import expect

pytestmark = pytest.mark.live


@pytest.mark.disconnect("C2")
@pytest.mark.runs_on("hypervisor")
def test_vzdump_job_covers_backup_targets(host_view, spine):
    """Every VM with an enabled vzdump target on this hypervisor is selected by an enabled job in jobs.cfg."""
    expect(backups.check_vzdump_coverage(spine, host_view))


@pytest.mark.disconnect("C2")
@pytest.mark.runs_on("backup_host")
def test_backup_is_fresh(host_view, spine, audit_now):
    """Every enabled file_glob target on this host has a matching file newer than its stale_after_hours."""
    expect(backups.check_backup_freshness(spine, host_view, audit_now))
