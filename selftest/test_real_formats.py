"""The spine's files in the shapes the real spine writes them (selftest/data): run keys in the ledger,
master plans in other heading, field and table styles, SHOP_SERVER_SSOT rows with dates in job names."""

import shutil
from pathlib import Path

import pytest

from ssot_audit.checks import loops
from ssot_audit.repo import Repo
from ssot_audit.spine import Spine

DATA = Path(__file__).parent / "data"


def spine_at(root: Path) -> Spine:
    return Spine(Repo("agentic-spine", root))


# the loop ledger (F1) ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "record, capability",
    [
        ({"title": "Run failed: CAP-20260205-151332__docs.lint__Rvbbs33945"}, "docs.lint"),
        ({"title": "Run failed: CAP-20260206-111343__spine.verify__Rq7k2m19012"}, "spine.verify"),
        ({"title": "Run failed: secrets_binding"}, "secrets_binding"),  # the older shape: the capability itself
        ({"title": "Run failed: docs.lint", "run_key": "CAP-20260205-151332__docs.lint__Rvbbs33945"}, "docs.lint"),
        ({"title": "Run failed: S20260206-094500__Rm1x4t70033"}, None),  # a session run names no capability
        ({"title": "Action required: CAP-20260207-075940__backup.status__Rw8e2r66110"}, None),
        ({"loop_id": "LOOP-X-20260208"}, None),
    ],
)
def test_failed_capability_from_run_keys_and_the_older_titles(record, capability):
    assert loops.failed_capability(record) == capability


def test_f1_fires_on_a_ledger_of_run_keys():
    spine = spine_at(DATA / "ledger-run-keys")
    assert loops.run_failure_capabilities(spine) == ["docs.lint", "host.drift", "loops.status", "spine.verify"]
    (lint,) = loops.check_run_failures(spine, "docs.lint")
    assert lint.location == "agentic-spine/mailroom/state/open_loops.jsonl:1"
    assert lint.summary.startswith("OL_20260205_151400_docs.lint (Run failed: CAP-20260205-151332__docs.lint__")
    assert lint.expected == (
        "closed: superseded by passing run receipts/sessions/RCAP-20260207-021455__docs.lint__Rc4f8a10442/receipt.md"
    )
    (older,) = loops.check_run_failures(spine, "spine.verify")  # the newer failure of the same capability
    assert older.summary.startswith("OL_20260206_111400_CAP_202602") and "OL_20260206_113500" in older.expected
    assert loops.check_run_failures(spine, "host.drift") == []  # closed by loops-reconcile (a full row, closed)
    assert loops.check_run_failures(spine, "loops.status") == []  # its later receipt failed too


def test_f1_passes_when_no_later_run_passed(tmp_path):
    root = tmp_path / "spine"
    shutil.copytree(DATA / "ledger-run-keys", root)
    shutil.rmtree(root / "receipts/sessions/RCAP-20260207-021455__docs.lint__Rc4f8a10442")
    assert loops.check_run_failures(spine_at(root), "docs.lint") == []


def test_f1_on_run_key_rows_only(tmp_path):
    """No row in the older shape: the capability comes from the run keys alone."""
    root = tmp_path / "spine"
    shutil.copytree(DATA / "ledger-run-keys", root)
    ledger = root / "mailroom/state/open_loops.jsonl"
    ledger.write_text("".join(r for r in ledger.read_text().splitlines(True) if '"run_key"' in r))
    spine = spine_at(root)
    assert "loops.status" not in loops.run_failure_capabilities(spine)
    assert [f.location.rsplit(":", 1)[1] for f in loops.check_run_failures(spine, "docs.lint")] == ["1"]
