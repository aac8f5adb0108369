"""Every workbench file the suite reads or the authority contract names parses and matches its schema."""

import pytest

from ssot_audit.checks.sources import check_repeated_keys, check_source
from ssot_audit.findings import expect

pytestmark = pytest.mark.crossrepo


def test_workbench_source_is_readable(workbench_file, workbench):
    expect(check_source(workbench.repo, workbench.source_of(workbench_file)))


def test_workbench_source_repeats_no_key(workbench_file, workbench):
    expect(check_repeated_keys(workbench.repo, workbench.source_of(workbench_file)))
