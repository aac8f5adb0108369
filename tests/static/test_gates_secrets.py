"""Secrets hygiene: API capabilities load secrets first, the secrets surface is read-only and quiet,
and the namespace migration is wired."""

import pytest

from ssot_audit.checks.gates import secrets, surfaces
from ssot_audit.findings import expect

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
def test_secrets_policy_field_is_set(policy_field, spine):
    expect(secrets.check_policy_field(spine, policy_field))


@pytest.mark.gate("D43")
def test_secrets_policy_list_is_not_empty(policy_list, spine):
    expect(secrets.check_policy_list(spine, policy_list))


@pytest.mark.gate("D43")
def test_secrets_namespace_plugin_is_executable(namespace_plugin, spine):
    expect(secrets.check_namespace_plugin(spine, namespace_plugin))


@pytest.mark.gate("D43")
def test_secrets_namespace_cohort_is_declared(namespace_cohort, spine):
    expect(secrets.check_namespace_cohort(spine, namespace_cohort))


@pytest.mark.gate("D43")
def test_secrets_namespace_command_is_wired(namespace_command, spine):
    expect(secrets.check_namespace_command(spine, namespace_command))
