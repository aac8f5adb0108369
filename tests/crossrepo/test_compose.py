"""Workbench compose files for stacks the spine places elsewhere are marked as reference copies."""

import pytest

from ssot_audit.checks import compose
from ssot_audit.findings import expect

pytestmark = pytest.mark.crossrepo


@pytest.mark.disconnect("B6", "B7")
def test_compose_for_placed_service_is_reference(placed_compose_file, spine, workbench):
    expect(compose.check_compose_is_reference(spine, workbench, placed_compose_file))
