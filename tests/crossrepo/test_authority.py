"""ops/bindings/cross-repo.authority.yaml and the supporting copies it governs."""

import pytest

from ssot_audit.checks import authority
from ssot_audit.findings import expect

pytestmark = pytest.mark.crossrepo


@pytest.mark.disconnect("D1", "D2", "D3")
def test_contract_declares_domain(authority_domain, spine, workbench):
    """The contract names the spine file that owns the domain and workbench copies that exist."""
    expect(authority.check_domain_declared(spine, workbench, authority_domain))


@pytest.mark.disconnect("D1", "D2", "D3")
def test_supporting_copy_agrees(compared_domain, spine, workbench):
    """The workbench copy holds no item the spine lacks (nor lacks one it must hold), shares items with the
    spine, and says what the spine says of them (deepdiff)."""
    expect(authority.check_supporting_agrees(spine, workbench, compared_domain))
