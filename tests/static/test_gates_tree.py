"""Tree layout gates: what may sit at the spine root, and where scripts may live."""

import pytest

from ssot_audit.checks.gates import layout
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


@pytest.mark.gate("D1")
def test_top_level_dir_is_allowed(root_dir, spine):
    """Each visible root directory is one the spine constitution allows."""
    expect(layout.check_root_dir(spine, root_dir, "D1"))


@pytest.mark.gate("D2")
def test_no_runs_trace(spine):
    expect(layout.check_no_runs(spine))


@pytest.mark.gate("D7")
def test_shell_scripts_stay_in_bounds(script_area, spine):
    """Every *.sh in this top-level area lies under bin/, ops/ or surfaces/verify/."""
    expect(layout.check_scripts_in_bounds(spine, script_area))


@pytest.mark.gate("D8")
def test_no_backup_clutter(clutter_dir, spine):
    expect(layout.check_no_backup_clutter(spine, clutter_dir))


@pytest.mark.gate("D10")
def test_no_top_level_logs(spine):
    expect(layout.check_no_root_logs(spine))


@pytest.mark.gate("D12")
def test_core_lock_exists(spine):
    expect(layout.check_core_lock(spine))


@pytest.mark.gate("D17")
def test_root_dir_in_allowlist(root_dir, spine):
    expect(layout.check_root_dir(spine, root_dir, "D17"))


@pytest.mark.gate("D17")
def test_drift_magnet_absent(drift_magnet, spine):
    expect(layout.check_drift_magnet(spine, drift_magnet))
