"""Bindings the gates read: readable, consistent with each other, and current."""

import pytest

from ssot_audit.checks.gates import advise, bindings, placement, workstation
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


# D3 ---------------------------------------------------------------------------------
@pytest.mark.gate("D3")
def test_preflight_input_exists(preflight_file, spine):
    """What `ops preflight` runs, sources and hashes is there (the suite never runs it)."""
    expect(bindings.check_preflight_file(spine, preflight_file))


@pytest.mark.gate("D3")
def test_preflight_manifest_lists_ssots(spine):
    expect(bindings.check_preflight_manifest(spine))


@pytest.mark.gate("D3")
def test_preflight_service_hint_resolves(preflight_service, spine):
    expect(bindings.check_preflight_service(spine, preflight_service))


# D28 (queue half; the path half is in test_gates_governance) ----------------------------
@pytest.mark.gate("D28")
def test_extraction_queue_exists(spine):
    expect(bindings.check_queue_binding(spine))


@pytest.mark.gate("D28")
def test_extraction_queue_item_has_contract_keys(queue_item, spine):
    expect(bindings.check_queue_item(spine, queue_item))


# D33 ------------------------------------------------------------------------------
@pytest.mark.gate("D33")
def test_extraction_is_paused(spine, audit_now):
    findings, warning = bindings.check_extraction_paused(spine, audit_now)
    advise(warning)
    expect(findings)


# D35 ------------------------------------------------------------------------------
@pytest.mark.gate("D35")
def test_relocation_required_update_exists(required_update, spine):
    expect(bindings.check_required_update(spine, required_update))


@pytest.mark.gate("D35")
def test_moved_service_has_parity(moved_service, spine):
    """A moved service's registry host is its manifest to_host, and that host is an SSH target."""
    expect(bindings.check_service_parity(spine, moved_service))


# D36 ------------------------------------------------------------------------------
@pytest.mark.gate("D36")
def test_legacy_exception_not_expired(live_exception, spine, audit_now):
    findings, warning = bindings.check_exception_current(spine, live_exception, audit_now)
    advise(warning)
    expect(findings)


# D37 ------------------------------------------------------------------------------
@pytest.mark.gate("D37")
def test_placement_checker_is_executable(spine):
    expect(placement.check_checker(spine))


@pytest.mark.gate("D37")
def test_vm_target_follows_placement_policy(vm_target, spine):
    expect(placement.check_vm_target(spine, vm_target))


@pytest.mark.gate("D37")
def test_relocated_service_follows_placement_policy(relocation_service, spine):
    expect(placement.check_service(spine, relocation_service))


# D45 ------------------------------------------------------------------------------
@pytest.mark.gate("D45")
def test_naming_policy_exists(spine):
    expect(bindings.check_naming_binding(spine))


@pytest.mark.gate("D45")
def test_host_name_is_consistent(naming_host, spine):
    """A canonical host name appears on every surface its naming policy entry flags."""
    expect(bindings.check_host_name(spine, naming_host))


# D44 (static half; the PATH probes run under -m local) --------------------------------
@pytest.mark.gate("D44")
def test_cli_tool_source_binding_exists(tool_source_binding, spine):
    expect(workstation.check_source_binding(spine, tool_source_binding))
