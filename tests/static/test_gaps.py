"""ops/bindings/operational.gaps.yaml: every recorded gap is fixed."""

import pytest

from ssot_audit.checks import gaps
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


@pytest.mark.disconnect("C1", "C2", "C3")
def test_gap_is_fixed(gap_id, spine):
    expect(gaps.check_gap_fixed(spine, gap_id))
