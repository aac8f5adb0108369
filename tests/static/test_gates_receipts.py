"""Runtime evidence: session receipts and the loop ledger (both git-ignored; absent on a fresh clone)."""

import pytest

from ssot_audit.checks.gates import receipts
from ssot_audit.findings import expect

pytestmark = pytest.mark.static


@pytest.mark.gate("D6")
def test_recent_session_has_receipt(recent_session, spine):
    """Each of the five newest sessions left its receipt.md."""
    expect(receipts.check_session_has_receipt(spine, recent_session))


@pytest.mark.gate("D9")
def test_latest_receipt_carries_stamp(latest_session, receipt_stamp, spine):
    """The newest receipt carries every field of the receipt contract."""
    receipt = receipts.receipt_of(spine, latest_session)
    if receipt is None:
        pytest.skip(f"the newest session {latest_session} has no receipt.md (gate D6 reports it)")
    expect(receipts.check_receipt_stamp(spine, receipt, receipt_stamp))


@pytest.mark.gate("D34")
def test_loop_reducer_is_executable(spine):
    expect(receipts.check_reducer(spine))


@pytest.mark.gate("D34")
def test_loop_summary_counts_by_reducer(spine):
    """`ops loops summary` takes its counts from the reducer, not from grep -c over raw rows."""
    expect(receipts.check_summary_counts_by_reducer(spine))


@pytest.mark.gate("D34")
def test_loop_ledger_reduces_cleanly(spine):
    """Reduced in Python (never by running the spine's reducer), every loop is open or closed."""
    expect(receipts.check_ledger_reduces(spine))
