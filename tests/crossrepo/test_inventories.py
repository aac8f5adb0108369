"""Workbench infra/data inventories against the spine's registry, backups and health probes."""

import pytest

from ssot_audit.checks import inventories
from ssot_audit.findings import expect

pytestmark = pytest.mark.crossrepo


@pytest.mark.disconnect("B2")
def test_vm_in_container_inventory(provisioned_vmid, spine, workbench):
    """CONTAINER_INVENTORY.yaml lists every provisioned VM the spine knows, under its name."""
    expect(inventories.check_vm_in_container_inventory(spine, workbench, provisioned_vmid))


@pytest.mark.disconnect("B3")
def test_backed_up_vm_in_workbench(backed_up_vmid, spine, workbench):
    """backup_inventory.json has an entry for every VM backup.inventory.yaml backs up."""
    expect(inventories.check_backup_listed(spine, workbench, backed_up_vmid))


@pytest.mark.disconnect("B4")
def test_health_endpoint_on_service_host(monitored_service, spine, workbench):
    """monitoring_inventory.json probes each service on the host SERVICE_REGISTRY.yaml says runs it."""
    expect(inventories.check_endpoint_host(spine, workbench, monitored_service))


@pytest.mark.disconnect("B5")
def test_secrets_service_on_registry_host(secrets_service, spine, workbench):
    """secrets_inventory.json places each service where SERVICE_REGISTRY.yaml does."""
    expect(inventories.check_secrets_service(spine, workbench, secrets_service))
