"""Secrets hygiene: API capabilities load secrets first, the secrets surface is read-only and quiet,
and the namespace migration is wired."""

import pytest

from ssot_audit.checks.gates import secrets, surfaces
from ssot_audit.plugin import expect

pytestmark = pytest.mark.static


@pytest.mark.gate("D13")
def test_api_capability_declares_secrets_preconditions(api_capability, spine):
    """A capability with touches_api: true requires secrets.binding and secrets.auth.status."""
    expect(secrets.check_api_preconditions(spine, api_capability))


@pytest.mark.gate("D20")
def test_secrets_surface_is_present(spine):
    globs = "ops/plugins/secrets/bin/secrets-*, ops/bindings/secrets*.yaml"
    expect(surfaces.check_surface_present(spine, "secrets", secrets.secrets_surface(spine), globs))


@pytest.mark.gate("D20")
def test_secrets_surface_is_read_only(secrets_surface_file, spine):
    """No printed secrets or auth headers, env dumps, verbose curl, Infisical mutations or .env writes."""
    expect(secrets.check_secrets_file(spine, secrets_surface_file))


@pytest.mark.gate("D43")
@pytest.mark.parametrize("field", secrets.POLICY_FIELDS)
def test_secrets_policy_field_is_set(field, spine):
    expect(secrets.check_policy_field(spine, field))


@pytest.mark.gate("D43")
@pytest.mark.parametrize("field", secrets.POLICY_LISTS)
def test_secrets_policy_list_is_not_empty(field, spine):
    expect(secrets.check_policy_list(spine, field))


@pytest.mark.gate("D43")
@pytest.mark.parametrize("name", secrets.NAMESPACE_PLUGINS)
def test_secrets_namespace_plugin_is_executable(name, spine):
    expect(secrets.check_namespace_plugin(spine, name))


@pytest.mark.gate("D43")
@pytest.mark.parametrize("cohort", secrets.NAMESPACE_COHORTS)
def test_secrets_namespace_cohort_is_declared(cohort, spine):
    expect(secrets.check_namespace_cohort(spine, cohort))


@pytest.mark.gate("D43")
@pytest.mark.parametrize("command", secrets.NAMESPACE_COMMANDS)
def test_secrets_namespace_command_is_wired(command, spine):
    expect(secrets.check_namespace_command(spine, command))
