"""Run the audit suite on an estate from inside a self-test, and read back what failed."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from deepdiff import DeepDiff

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
TESTS = REPO / "tests"
# The suite as `ssot-audit` and `pytest tests` run it: its own settings, its directory the rootdir.
SUITE = [str(TESTS), "-c", str(TESTS / "pytest.ini"), "--rootdir", str(TESTS)]
ALIGNED = FIXTURES / "estate-aligned"
DRIFTED = FIXTURES / "estate-2026-02-08"
# The estates are snapshots of this day: expiry dates in them (extraction pause, legacy exceptions)
# are judged as of it, so the self-tests do not change verdict as the calendar moves on.
ESTATE_NOW = "2026-02-08T12:00:00Z"


@dataclass
class Outcome:
    ret: int
    reports: list  # call-phase (and failing setup) reports
    errors: list

    def failed(self) -> list:
        return [r for r in self.reports if r.failed]

    def failing_ids(self, kind: str = "disconnect") -> set[str]:
        return {v for r in self.failed() for k, v in r.user_properties if k == kind}

    def beyond(self) -> list[str]:
        """Headlines of the findings about nothing the catalogue names."""
        return [
            f"{f['file']}:{f['line']}: {f['message']}"
            for r in self.failed()
            for f in (getattr(r, "ssot", {}).get("result") or {}).get("findings", [])
            if not f["entries"]
        ]

    def failing_tests(self) -> set[str]:
        return {r.nodeid.split("::", 1)[1] for r in self.failed()}

    def skipped(self) -> list:
        return [r for r in self.reports if r.skipped]

    def messages(self) -> str:
        return "\n\n".join(r.longreprtext for r in self.failed())


def copy_estate(tmp_path: Path, source: Path = ALIGNED) -> Path:
    target = tmp_path / "estate"
    shutil.copytree(source, target, symlinks=True)
    return target


def suite_args(estate: Path, markers: str, args: tuple[str, ...]) -> list[str]:
    return [
        *SUITE,
        "-m", markers,
        "--spine-root", str(estate / "agentic-spine"),
        "--workbench-root", str(estate / "workbench"),
        "--mint-modules-root", str(estate / "mint-modules"),
        "--now", ESTATE_NOW,
        "-p", "no:cacheprovider",
        *args,
    ]  # fmt: skip


def run_suite_raw(pytester: pytest.Pytester, estate: Path, *args: str, markers: str = "static or crossrepo"):
    """The run as a user sees it: exit code and terminal output."""
    return pytester.runpytest_inprocess(*suite_args(estate, markers, args))


def run_suite(pytester: pytest.Pytester, estate: Path, *args: str, markers: str = "static or crossrepo") -> Outcome:
    reprec = pytester.inline_run(*suite_args(estate, markers, args))
    reports = [
        r
        for r in reprec.getreports("pytest_runtest_logreport")
        if r.when == "call" or (r.when == "setup" and not r.passed)
    ]
    errors = [r for r in reprec.getreports("pytest_collectreport") if r.failed]
    return Outcome(reprec.ret, reports, errors)


def judgement(document: dict) -> dict:
    """What a run tells the user, from its results.json: everything but how it was started (its `run` record)
    and how long the spine's own scripts took."""
    out = {k: v for k, v in document.items() if k != "run"}
    if out.get("gate_coverage"):
        scripts = out["gate_coverage"]["spine_scripts"]
        out["gate_coverage"] = {
            **out["gate_coverage"],
            "spine_scripts": {
                **scripts,
                "seconds": None,
                "wall_seconds": None,
                "per_gate": sorted(scripts["per_gate"]),
            },
        }
    return out


def one_engine(pytester: pytest.Pytester, estate: Path, tmp_path: Path, *args: str,
               markers: str = "static or crossrepo") -> Outcome:  # fmt: skip
    """The pytest run's outcome, once the in-process run (the hook's engine) has said exactly the same of the
    same estate: the same exit status and results.json (entries, findings with their node IDs, drift beyond
    the catalogue, verdict, counts, coverage, baseline)."""
    from ssot_audit import inprocess

    by_pytest, in_process = tmp_path / "reports-pytest", tmp_path / "reports-in-process"
    outcome = run_suite(pytester, estate, "--ssot-report-dir", str(by_pytest), *args, markers=markers)
    code = inprocess.main([*suite_args(estate, markers, args)[len(SUITE) :], "--ssot-report-dir", str(in_process)],
                          ["ssot-audit"])  # fmt: skip
    assert code == int(outcome.ret)
    documents = [judgement(json.loads((d / "results.json").read_text())) for d in (by_pytest, in_process)]
    assert documents[0] == documents[1], DeepDiff(*documents).pretty()
    return outcome


GIT = ["git", "-c", "user.name=selftest", "-c", "user.email=selftest@example.invalid", "-c", "commit.gpgsign=false"]


def as_checkout(tree: Path) -> Path:
    """`tree` as a git checkout of one commit (as a spine or a workbench is)."""
    if not (tree / ".git").exists():
        for step in (["init", "-q"], ["add", "-A", "-f"], ["commit", "-qm", "estate", "--no-verify"]):
            subprocess.run([*GIT, *step], cwd=tree, check=True, capture_output=True)
    return tree


# The hook's engine run directly, with any option: `ssot-audit` itself sends a run given --ssot-report-dir
# to pytest (the whole set: pytest-html and JUnit), so this is how a self-test sees the in-process run write one.
IN_PROCESS = [sys.executable, "-c", "import sys; from ssot_audit import inprocess; "
              "sys.exit(inprocess.main(sys.argv[1:], ['ssot-audit']))"]  # fmt: skip


def hook_run(spine: Path, *args: str, env: dict | None = None) -> tuple[int, str, Path]:
    """`ssot-audit ARGS` run as the pre-commit hook runs it: inside a git checkout of `spine`, its reports in
    the checkout's .git/ssot-audit/. (exit status, terminal output, the report dir)"""
    as_checkout(spine)
    done = subprocess.run([sys.executable, "-m", "ssot_audit.cli", *args], cwd=spine, capture_output=True, text=True,
                          env=env)  # fmt: skip
    return done.returncode, done.stdout + done.stderr, spine / ".git" / "ssot-audit"


def every_string(value):
    """Every key and string value of a JSON document, depth first: what a report could leak."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from every_string(item)
    elif isinstance(value, list):
        for item in value:
            yield from every_string(item)
    elif isinstance(value, str):
        yield value
