"""Per-test outcomes folded into one status per catalogue entry."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..catalogue import KINDS, Catalogue, Entry

# Worst first: an entry's status is the worst status among its tests.
STATUSES = ("failed", "waived", "passed", "skipped", "not run")


@dataclass
class TestResult:
    nodeid: str
    outcome: str  # passed | failed | skipped | waived
    ids: list[tuple[str, str]]
    findings: list[str]
    reason: str = ""
    target: str = ""


@dataclass
class EntryStatus:
    entry: Entry
    status: str
    tests: list[TestResult] = field(default_factory=list)

    def evidence(self) -> str:
        """One line a person can paste into a loop's Evidence section."""
        by = {s: [t for t in self.tests if t.outcome == s] for s in ("failed", "waived", "passed", "skipped")}
        if by["failed"]:
            headlines = [h for t in by["failed"] for h in t.findings] or [by["failed"][0].nodeid]
            more = f" (+{len(headlines) - 1} more)" if len(headlines) > 1 else ""
            return headlines[0] + more
        if by["waived"]:
            return by["waived"][0].reason
        if by["passed"]:
            names = ", ".join(t.nodeid.split("::")[-1] for t in by["passed"][:3])
            more = f", +{len(by['passed']) - 3} more" if len(by["passed"]) > 3 else ""
            return f"{len(by['passed'])} check(s) passed: {names}{more}"
        if by["skipped"]:
            return f"skipped: {by['skipped'][0].reason}"
        return "no test of this entry was selected in this run"


def outcome_of(report) -> str | None:
    """A TestReport's outcome as the audit counts it; None for phases that say nothing new."""
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if hasattr(report, "wasxfail"):
            return "waived" if report.skipped else "passed"
        return report.outcome
    if report.when == "teardown" and report.failed:
        return "failed"
    return None


class Results:
    def __init__(self) -> None:
        self.tests: list[TestResult] = []

    def add(self, report) -> None:
        outcome = outcome_of(report)
        if outcome is None:
            return
        props = list(getattr(report, "user_properties", []))
        reason = ""
        if outcome == "skipped" and isinstance(report.longrepr, tuple):
            reason = str(report.longrepr[2]).removeprefix("Skipped: ")
        if outcome == "waived":
            reason = str(report.wasxfail)
        self.tests.append(
            TestResult(
                nodeid=report.nodeid,
                outcome=outcome,
                ids=[(k, v) for k, v in props if k in KINDS],
                findings=[v for k, v in props if k == "finding"],
                reason=reason,
                target=next((v for k, v in props if k == "target"), ""),
            )
        )

    def entries(self, catalogue: Catalogue) -> list[EntryStatus]:
        statuses = []
        for entry in catalogue.entries.values():
            if entry.cls == "never-assigned":
                continue
            tests = [t for t in self.tests if (entry.kind, entry.id) in t.ids]
            outcomes = {t.outcome for t in tests}
            status = next((s for s in STATUSES if s in outcomes), "not run")
            statuses.append(EntryStatus(entry, status, tests))
        return statuses

    @staticmethod
    def counts(statuses: list[EntryStatus]) -> dict[str, Counter]:
        """Status counts per group: each disconnect category, and the gates."""
        groups: dict[str, Counter] = {}
        for s in statuses:
            group = f"category {s.entry.category}" if s.entry.kind == "disconnect" else "gates"
            groups.setdefault(group, Counter())[s.status] += 1
        return groups
