"""The hook's in-process run (ssot_audit/quick.py) says exactly what the pytest run says: the same entry
statuses, evidence, findings, drift beyond the catalogue, baseline verdicts and exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from selftest.mutations import MUTATIONS
from selftest.suite import ALIGNED, ESTATE_NOW, FIXTURES, copy_estate
from ssot_audit import quick

DRIFTED = FIXTURES / "estate-2026-02-08"


def ssot_audit(cwd: Path, *args: str) -> tuple[int, str]:
    done = subprocess.run([sys.executable, "-m", "ssot_audit.cli", *args], cwd=cwd, capture_output=True, text=True)
    return done.returncode, done.stdout + done.stderr


def both(tmp_path: Path, estate: Path, *args: str) -> tuple[dict, dict]:
    """results.json of the in-process run and of pytest's (-v makes it pytest's), after equal exit codes."""
    found = []
    for name, extra in (("quick", ()), ("pytest", ("-v",))):
        reports = tmp_path / name
        code, out = ssot_audit(tmp_path, "-q", "--now", ESTATE_NOW, "--spine-root", str(estate / "agentic-spine"),
                               "--workbench-root", str(estate / "workbench"), "--mint-modules-root",
                               str(estate / "mint-modules"), "--ssot-report-dir", str(reports), *args, *extra)  # fmt: skip
        assert ("in-process" in out) == (name == "quick"), out
        found.append((code, json.loads((reports / "results.json").read_text())))
    (quick_code, fast), (pytest_code, slow) = found
    assert quick_code == pytest_code
    return fast, slow


def same(fast: dict, slow: dict) -> None:
    def view(document: dict):
        entries = {(e["kind"], e["id"]): (e["status"], e["evidence"], e["reasons"],
                                          [(f["file"], f["line"], f["message"], f["fix"], f["entries"], f.get("known"))
                                           for f in e["findings"]]) for e in document["entries"]}  # fmt: skip
        beyond = sorted((f["file"], f["line"], f["message"]) for f in document["beyond"])
        return entries, beyond, document["verdict"], document["counts"], document.get("gate_coverage")

    assert view(fast) == view(slow)
    assert fast.get("baseline", {}).get("known") == slow.get("baseline", {}).get("known")


@pytest.mark.parametrize("markers", ["static", "crossrepo", "static or crossrepo"])
@pytest.mark.parametrize("estate", [DRIFTED, ALIGNED], ids=["drifted", "aligned"])
def test_in_process_run_equals_pytest_run(estate, markers, tmp_path):
    same(*both(tmp_path, estate, "-m", markers))


@pytest.mark.parametrize("keyword", ["gap", "not gates and not sources", "D28 or layer"])
def test_in_process_run_equals_pytest_run_under_k(keyword, tmp_path):
    """-k matches what pytest's matches: test and module names, directories, markers."""
    same(*both(tmp_path, DRIFTED, "-m", "static or crossrepo", "-k", keyword))


def test_in_process_run_equals_pytest_run_against_a_baseline(tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    code, _ = ssot_audit(tmp_path, "-m", "static", "--now", ESTATE_NOW, "--spine-root", str(estate / "agentic-spine"),
                         "--ssot-report-dir", str(tmp_path / "base"))  # fmt: skip
    assert code == 1
    next(m for m in MUTATIONS if m.name == "new-gap-open").apply(estate)
    fast, slow = both(tmp_path, estate, "-m", "static", "--ssot-baseline", str(tmp_path / "base" / "results.json"))
    same(fast, slow)
    assert [f["message"] for f in fast["baseline"]["new"]] == [f["message"] for f in slow["baseline"]["new"]] != []


def test_in_process_run_equals_pytest_run_with_waivers(tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - disconnect: C1\n    reason: node rename scheduled\n    owner_loop: LOOP-X\n    expires: 2026-03-01\n"
        "  - disconnect: C2\n    reason: old\n    owner_loop: LOOP-X\n    expires: 2026-01-01\n"
    )
    same(*both(tmp_path, DRIFTED, "-m", "static", "--waivers", str(waivers)))


@pytest.mark.parametrize(
    "args",
    [["--spine-root", "/nonexistent/spine"], ["--now", "yesterday"]],
    ids=["missing-spine-root", "bad-now"],
)
def test_usage_errors_are_the_same(args, tmp_path):
    base = ["-m", "static", "--spine-root", str(DRIFTED / "agentic-spine"), "--ssot-report-dir", str(tmp_path / "r")]
    assert ssot_audit(tmp_path, *base, *args)[0] == ssot_audit(tmp_path, *base, *args, "-v")[0] == 4


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-m", "static", "-q", "--no-header", "--tb=no", "-rN"], True),
        (["-m", "static or crossrepo", "--now", "x", "-p", "no:xdist"], True),
        (["-m", "static or live"], False),  # hosts: pytest and testinfra
        (["-m", "not live"], False),  # local tests too
        (["-m", "static", "-v"], False),  # a per-test list is pytest's
        (["-m", "static", "--html", "r.html"], False),
        (["-m", "static", "-p", "xdist"], False),
        (["-m", "static", "--ssot-failing-since", "2026-02-01"], False),
        ([], False),  # everything, live included
    ],
)
def test_only_file_checks_without_pytest_options_run_in_process(args, expected):
    assert quick.eligible(args) is expected
