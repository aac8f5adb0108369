"""Verdicts that mean what they say: nothing to check is not applicable; a check that could have run and did not
(a waived one that broke, a deselected one) is not proven; a waiver's own test is no check of what it waives."""

from __future__ import annotations

import json
import shutil
from datetime import date

from selftest.suite import copy_estate, one_engine
from selftest.test_waivers import write as write_waivers
from ssot_audit.checks import gaps


def statuses(reports) -> dict[str, dict]:
    return {e["id"]: e for e in json.loads((reports / "results.json").read_text())["entries"]}


def test_nothing_to_check_is_not_applicable_and_the_verdict_says_so(pytester, tmp_path):
    """A spine at rest has no session receipts in git (runtime data): D6 and D9 have nothing to check. That is
    no reason to hold the loop open forever; a check that could have run and did not would be."""
    estate = copy_estate(tmp_path)
    shutil.rmtree(estate / "agentic-spine/receipts/sessions")
    (estate / "agentic-spine/receipts/sessions").mkdir()
    outcome = one_engine(pytester, estate, tmp_path, markers="static")
    entries = statuses(tmp_path / "reports-pytest")
    for gate in ("D6", "D9"):
        assert entries[gate]["status"] == "not applicable", entries[gate]
        assert "nothing to check: receipts/sessions/ is empty" in entries[gate]["evidence"]
    assert int(outcome.ret) == 0


def test_a_waived_check_that_breaks_is_not_proven(pytester, tmp_path, monkeypatch):
    """A waiver waives findings: a check that crashed found nothing, so it proves nothing, waived or not;
    and the waiver's own test (its expiry) is no check of the entry it waives."""
    estate = copy_estate(tmp_path)
    write_waivers(estate, ("disconnect", "C1", date(2026, 3, 1)))

    def broken(spine, gap_id):
        raise KeyError("status")

    monkeypatch.setattr(gaps, "check_gap_fixed", broken)
    one_engine(pytester, estate, tmp_path, markers="static")
    c1 = statuses(tmp_path / "reports-pytest")["C1"]
    assert c1["status"] == "not proven", c1
    assert "KeyError" in c1["evidence"]
    assert all("test_waiver_is_current" not in t["nodeid"] for t in c1["tests"])
