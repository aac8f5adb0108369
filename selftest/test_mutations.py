"""Every check proven both ways: one named mutation of the aligned estate fails exactly its IDs."""

import pytest

from selftest.mutations import MUTATIONS
from selftest.suite import copy_estate, one_engine
from ssot_audit import catalogue


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_mutation_fails_exactly_its_disconnects(mutation, pytester, tmp_path):
    estate = copy_estate(tmp_path)
    mutation.apply(estate)
    outcome = one_engine(pytester, estate, tmp_path)
    assert not outcome.errors
    assert outcome.failing_ids() == mutation.expected, outcome.messages()
    beyond = outcome.beyond()
    assert len(beyond) == len(mutation.beyond), beyond
    for text in mutation.beyond:
        assert any(text in b for b in beyond), (text, beyond)
    for report in outcome.failed():
        assert "expected:" in report.longreprtext and "fix:" in report.longreprtext


def test_every_disconnect_has_a_mutation():
    mutated = set().union(*(m.expected for m in MUTATIONS if len(m.expected) == 1))
    assert mutated == {e.id for e in catalogue.load().of_kind("disconnect")}
