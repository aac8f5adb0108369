"""Plugin hygiene: capability surfaces stay read-only, spine-native and quiet about secrets."""

import pytest

from ssot_audit.checks.gates import paths, surfaces
from ssot_audit.plugin import expect

pytestmark = pytest.mark.static


# D5 ---------------------------------------------------------------------------------
@pytest.mark.gate("D5")
@pytest.mark.parametrize("scope", paths.HOME_AGENT_SCOPES)
def test_no_home_agent_coupling(scope, spine):
    """No code line (comments aside) references the legacy ~/agent inbox."""
    expect(paths.check_no_home_agent(spine, scope))


# D14 ------------------------------------------------------------------------------
@pytest.mark.gate("D14")
def test_cloudflare_status_exists(spine):
    expect(surfaces.check_cloudflare_status_exists(spine))


@pytest.mark.gate("D14")
def test_cloudflare_surface_has_no_legacy_smells(cloudflare_surface_file, spine):
    expect(surfaces.check_no_smells(spine, cloudflare_surface_file))


@pytest.mark.gate("D14")
@pytest.mark.parametrize("verb", surfaces.CLOUDFLARE_VERBS)
def test_cloudflare_status_has_no_mutating_verbs(verb, spine):
    expect(surfaces.check_cloudflare_verb(spine, verb))


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
    expect(surfaces.check_no_smells(spine, github_surface_file))


@pytest.mark.gate("D15")
def test_github_actions_status_is_read_only(spine):
    _actions_status(spine)
    expect(surfaces.check_actions_read_only(spine))


@pytest.mark.gate("D15")
@pytest.mark.parametrize("field", surfaces.ACTIONS_LEAK_FIELDS)
def test_github_actions_status_requests_no_leak_field(field, spine):
    _actions_status(spine)
    expect(surfaces.check_actions_json_field(spine, field))


# D18 ------------------------------------------------------------------------------
@pytest.mark.gate("D18")
def test_compose_status_is_executable(spine):
    expect(surfaces.check_compose_status_exists(spine))


@pytest.mark.gate("D18")
@pytest.mark.parametrize("verb", surfaces.COMPOSE_VERBS)
def test_compose_status_has_no_mutating_verbs(verb, spine):
    expect(surfaces.check_compose_verb(spine, verb))


@pytest.mark.gate("D18")
@pytest.mark.parametrize("rule", surfaces.COMPOSE_RULES)
def test_compose_status_is_clean(rule, spine):
    expect(surfaces.check_compose_rule(spine, rule))


# D19 ------------------------------------------------------------------------------
@pytest.mark.gate("D19")
def test_backup_status_and_binding_exist(spine):
    expect(surfaces.check_backup_surface_exists(spine))


@pytest.mark.gate("D19")
@pytest.mark.parametrize("command", surfaces.BACKUP_COMMANDS)
def test_backup_status_runs_no_mutating_command(command, spine):
    expect(surfaces.check_backup_command(spine, command))


@pytest.mark.gate("D19")
@pytest.mark.parametrize("rule", surfaces.BACKUP_RULES)
def test_backup_status_is_clean(rule, spine):
    expect(surfaces.check_backup_rule(spine, rule))


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
@pytest.mark.parametrize("rel", [surfaces.LABELS_FILE, surfaces.LABELS_STATUS])
def test_labels_surface_exists(rel, spine):
    expect(surfaces.check_labels_file(spine, rel))


@pytest.mark.gate("D24")
@pytest.mark.parametrize("rule", surfaces.LABELS_RULES)
def test_labels_status_is_read_only(rule, spine):
    expect(surfaces.check_labels_rule(spine, rule))


# D40 ------------------------------------------------------------------------------
@pytest.mark.gate("D40")
def test_maker_inventory_lists_tools(spine):
    expect(surfaces.check_maker_inventory(spine))


@pytest.mark.gate("D40")
@pytest.mark.parametrize("name", surfaces.MAKER_SCRIPTS)
def test_maker_script_is_executable(name, spine):
    expect(surfaces.check_maker_script_executable(spine, name))


@pytest.mark.gate("D40")
def test_maker_script_is_clean(maker_script, spine):
    """No set -x, secret printing or hard-coded /tmp/ path."""
    expect(surfaces.check_maker_script(spine, maker_script))


# D42 ------------------------------------------------------------------------------
@pytest.mark.gate("D42")
@pytest.mark.parametrize("scope", paths.CODE_CASE_SCOPES)
def test_scripts_use_lowercase_code_path(scope, spine):
    expect(paths.check_code_path_case(spine, scope))


@pytest.mark.gate("D42")
def test_capabilities_use_lowercase_code_path(spine):
    expect(paths.check_capability_code_case(spine))


# D47 ------------------------------------------------------------------------------
@pytest.mark.gate("D47")
@pytest.mark.parametrize("rel", paths.BRAIN_FILES)
def test_no_brain_dir_reference(rel, spine):
    if not spine.repo.tree.is_file(rel):
        pytest.skip(f"{rel} is absent: nothing to check (as the original)")
    expect(paths.check_no_brain_dir(spine, rel))
