"""Governance docs: history quarantined, one canonical home per fact, services documented once."""

import pytest

from ssot_audit.checks.gates import governance, paths
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


# D16 ------------------------------------------------------------------------------
@pytest.mark.gate("D16")
def test_no_root_imports_dir(spine):
    expect(governance.check_no_root_imports(spine))


@pytest.mark.gate("D16")
def test_canonical_docs_index_exists(spine):
    expect(governance.check_canonical_docs_index(spine))


@pytest.mark.gate("D16")
def test_open_doc_has_no_legacy_markers(open_doc, spine):
    """Docs outside core/, legacy/, governance/ and brain/ carry no ronny-ops or launchd markers."""
    expect(governance.check_open_doc(spine, open_doc))


# D27 ------------------------------------------------------------------------------
@pytest.mark.gate("D27")
def test_fact_lock_binding_is_complete(spine):
    expect(governance.check_fact_lock_binding(spine))


@pytest.mark.gate("D27")
def test_fact_lock_doc_exists(fact_lock_doc, spine):
    expect(governance.check_fact_lock_doc(spine, fact_lock_doc))


@pytest.mark.gate("D27")
def test_no_fact_doc_repeats_facts(no_fact_doc, spine):
    """A doc agents read first holds no IP, port or other fact owned by the canonical fact docs."""
    expect(governance.check_no_fact_doc(spine, no_fact_doc))


# D28 (path half; the queue half is in test_gates_bindings) -----------------------------
@pytest.mark.gate("D28")
def test_no_legacy_absolute_path(legacy_scope, spine):
    expect(paths.check_no_legacy_root(spine, legacy_scope))


# D38 ------------------------------------------------------------------------------
@pytest.mark.gate("D38")
def test_registry_service_has_no_docs_folder(registry_service, spine):
    expect(governance.check_no_service_docs_folder(spine, registry_service))


@pytest.mark.gate("D38")
def test_pillar_is_complete(pillar, spine):
    """Every docs/pillars/<name>/ has README.md, ARCHITECTURE.md and EXTRACTION_STATUS.md."""
    expect(governance.check_pillar(spine, pillar))


@pytest.mark.gate("D38")
def test_stack_has_binding(stack, spine):
    expect(governance.check_stack_binding(spine, stack))
