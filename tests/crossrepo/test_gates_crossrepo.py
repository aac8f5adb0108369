"""Gates that read the other repos: the canonical secrets CLIs and the agent read surface."""

import pytest

from ssot_audit.checks.gates import advise, crossrepo, governance
from ssot_audit.findings import expect

pytestmark = pytest.mark.crossrepo


@pytest.mark.gate("D25")
def test_secrets_cli_is_canonical(canonical_tool, spine, workbench):
    """The spine's copy is executable; a missing or different workbench copy is only advisory."""
    advise(crossrepo.vendored_copy_warning(spine, workbench.repo, canonical_tool))
    expect(crossrepo.check_canonical_tool(spine, canonical_tool))


@pytest.mark.gate("D26")
def test_read_surface_binding_is_complete(spine):
    expect(governance.check_read_surface_binding(spine))


@pytest.mark.gate("D26")
def test_startup_file_is_indexed(startup_file, spine):
    """A startup read file exists and GOVERNANCE_INDEX.md lists it."""
    expect(governance.check_startup_file(spine, startup_file))


@pytest.mark.gate("D26")
def test_fact_route_is_templated(fact_route, spine):
    """A host/service fact route exists and SSOT_UPDATE_TEMPLATE.md names it."""
    expect(governance.check_fact_route(spine, fact_route))


@pytest.mark.gate("D26")
def test_external_entrypoint_redirects_to_spine(entrypoint_repo, spine, workbench, mint_modules):
    if entrypoint_repo == "mint_modules" and mint_modules is None:
        pytest.skip("no mint-modules checkout: pass --mint-modules-root or set MINT_MODULES_ROOT")
    repos = {"workbench": workbench.repo, "mint_modules": mint_modules}
    expect(governance.check_entrypoint(spine, entrypoint_repo, repos.get(entrypoint_repo)))


@pytest.mark.gate("D26")
def test_forbidden_term_absent(forbidden_term, spine, workbench, mint_modules):
    """A legacy start-file name appears in no active surface of the spine, the workbench or mint-modules."""
    others = [repo for repo in (workbench.repo, mint_modules) if repo is not None]
    expect(governance.check_forbidden_term(spine, forbidden_term, others))
