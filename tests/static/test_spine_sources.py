"""Every spine file the suite reads parses and matches its schema; checks that need a broken one skip."""

import pytest

from ssot_audit.checks.sources import check_repeated_keys, check_source, declared
from ssot_audit.findings import expect
from ssot_audit.sources import SourceMissing

pytestmark = pytest.mark.static


def test_spine_source_is_readable(spine_file, spine):
    """A malformed binding fails here under the gates that read it, the plan and ledger under the entries that
    read them (catalogue `covered_by`); any other file under no ID, while the checks that need it skip."""
    source = declared(spine_file)
    result = spine.repo.try_load(source)
    if isinstance(result, SourceMissing) and source.runtime:
        pytest.skip(f"{result.file} is local-only runtime state and absent here; checks that read it skip")
    if isinstance(result, SourceMissing) and not source.required:
        pytest.skip(f"{result.file} is absent; its absence is reported by the checks that read it")
    expect(check_source(spine.repo, source))


def test_spine_source_repeats_no_key(spine_file, spine):
    """A repeated mapping key: PyYAML and yq keep the last value without a word, so readers may disagree."""
    expect(check_repeated_keys(spine.repo, declared(spine_file)))
