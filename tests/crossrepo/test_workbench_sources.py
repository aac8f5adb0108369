"""Every workbench file the authority contract names parses and matches its schema."""

import pytest

from ssot_audit.checks.sources import check_source
from ssot_audit.plugin import expect

pytestmark = pytest.mark.crossrepo


def test_workbench_source_is_readable(workbench_file, workbench):
    expect(check_source(workbench.repo, workbench.source_of(workbench_file)))
