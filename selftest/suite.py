"""Run the audit suite on an estate from inside a self-test, and read back what failed."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
TESTS = REPO / "tests"
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
            for f in getattr(r, "ssot", {}).get("findings", [])
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
        str(TESTS),
        "-c", str(REPO / "pyproject.toml"),
        "--rootdir", str(REPO),
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
