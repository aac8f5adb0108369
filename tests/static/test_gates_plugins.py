"""Plugin hygiene: capability surfaces stay read-only, spine-native and quiet about secrets."""

import pytest

from ssot_audit.checks.gates import paths, surfaces
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


# D5 ---------------------------------------------------------------------------------
@pytest.mark.gate("D5")
def test_no_home_agent_coupling(home_agent_scope, spine):
    """No code line (comments aside) references the legacy ~/agent inbox."""
    expect(paths.check_no_home_agent(spine, home_agent_scope))


# D14 ------------------------------------------------------------------------------
@pytest.mark.gate("D14")
def test_cloudflare_status_exists(spine):
    expect(surfaces.check_cloudflare_status_exists(spine))


@pytest.mark.gate("D14")
def test_cloudflare_surface_has_no_legacy_smells(cloudflare_surface_file, spine):
    expect(surfaces.check_no_smells(spine, cloudflare_surface_file, "D14"))


@pytest.mark.gate("D14")
def test_cloudflare_status_has_no_mutating_verbs(cloudflare_verb, spine):
    expect(surfaces.check_cloudflare_verb(spine, cloudflare_verb))


@pytest.mark.gate("D14")
def test_cloudflare_status_never_prints_token(spine):
    expect(surfaces.check_cloudflare_token_quiet(spine))


# D15 ------------------------------------------------------------------------------
def _actions_status(spine):
    if not surfaces.actions_status_present(spine):
        pytest.skip(f"{surfaces.ACTIONS_STATUS} is absent: the capability is not merged yet (the original warns)")


@pytest.mark.gate("D15")
def test_github_surface_has_no_legacy_smells(github_surface_file, spine):
    _actions_status(spine)
    expect(surfaces.check_no_smells(spine, github_surface_file, "D15"))


@pytest.mark.gate("D15")
def test_github_actions_status_is_read_only(spine):
    _actions_status(spine)
    expect(surfaces.check_actions_read_only(spine))


@pytest.mark.gate("D15")
def test_github_actions_status_requests_no_leak_field(actions_leak_field, spine):
    _actions_status(spine)
    expect(surfaces.check_actions_json_field(spine, actions_leak_field))


# D18 ------------------------------------------------------------------------------
@pytest.mark.gate("D18")
def test_compose_status_is_executable(spine):
    expect(surfaces.check_compose_status_exists(spine))


@pytest.mark.gate("D18")
def test_compose_status_has_no_mutating_verbs(compose_verb, spine):
    expect(surfaces.check_compose_verb(spine, compose_verb))


@pytest.mark.gate("D18")
def test_compose_status_is_clean(compose_rule, spine):
    expect(surfaces.check_compose_rule(spine, compose_rule))


# D19 ------------------------------------------------------------------------------
@pytest.mark.gate("D19")
def test_backup_status_and_binding_exist(spine):
    expect(surfaces.check_backup_surface_exists(spine))


@pytest.mark.gate("D19")
def test_backup_status_runs_no_mutating_command(backup_command, spine):
    expect(surfaces.check_backup_command(spine, backup_command))


@pytest.mark.gate("D19")
def test_backup_status_is_clean(backup_rule, spine):
    expect(surfaces.check_backup_rule(spine, backup_rule))


# D22 ------------------------------------------------------------------------------
@pytest.mark.gate("D22")
def test_nodes_surface_is_present(spine):
    files = surfaces.plugin_files(spine, "ssh", "ssh-*", "ssh*.yaml")
    expect(
        surfaces.check_surface_present(spine, "nodes (ssh)", files, "ops/plugins/ssh/bin/ssh-*, ops/bindings/ssh*.yaml")
    )


@pytest.mark.gate("D22")
def test_nodes_surface_is_read_only(nodes_surface_file, spine):
    """No verbose ssh, credential reads, env dumps, power or destroy commands, or secret printing (code lines)."""
    expect(surfaces.check_code_rules(spine, nodes_surface_file, surfaces.NODES_RULES))


# D23 ------------------------------------------------------------------------------
@pytest.mark.gate("D23")
def test_health_surface_is_present(spine):
    files = surfaces.plugin_files(spine, "services", "services-*", "services*.yaml")
    expect(surfaces.check_surface_present(spine, "services health", files,
                                          "ops/plugins/services/bin/services-*, ops/bindings/services*.yaml"))  # fmt: skip


@pytest.mark.gate("D23")
def test_health_surface_is_read_only(health_surface_file, spine):
    """No verbose curl, auth printing, HTTP mutations, tracing or secret printing (code lines)."""
    expect(surfaces.check_code_rules(spine, health_surface_file, surfaces.HEALTH_RULES))


# D24 ------------------------------------------------------------------------------
@pytest.mark.gate("D24")
def test_labels_surface_exists(labels_file, spine):
    expect(surfaces.check_labels_file(spine, labels_file))


@pytest.mark.gate("D24")
def test_labels_status_is_read_only(labels_rule, spine):
    expect(surfaces.check_labels_rule(spine, labels_rule))


# D40 ------------------------------------------------------------------------------
@pytest.mark.gate("D40")
def test_maker_inventory_lists_tools(spine):
    expect(surfaces.check_maker_inventory(spine))


@pytest.mark.gate("D40")
def test_maker_script_is_executable(maker_tool, spine):
    expect(surfaces.check_maker_script_executable(spine, maker_tool))


@pytest.mark.gate("D40")
def test_maker_script_is_clean(maker_script, spine):
    """No set -x, secret printing or hard-coded /tmp/ path."""
    expect(surfaces.check_maker_script(spine, maker_script))


# D42 ------------------------------------------------------------------------------
@pytest.mark.gate("D42")
def test_scripts_use_lowercase_code_path(code_case_scope, spine):
    expect(paths.check_code_path_case(spine, code_case_scope))


@pytest.mark.gate("D42")
def test_capabilities_use_lowercase_code_path(spine):
    expect(paths.check_capability_code_case(spine))


# D47 ------------------------------------------------------------------------------
@pytest.mark.gate("D47")
def test_no_brain_dir_reference(brain_file, spine):
    if not spine.repo.tree.is_file(brain_file):
        pytest.skip(f"nothing to check: {brain_file} is absent (as the original)")
    expect(paths.check_no_brain_dir(spine, brain_file))
