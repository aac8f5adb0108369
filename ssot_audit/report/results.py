"""Per-test outcomes folded into one status per catalogue entry, and the drift beyond the catalogue.

An entry is `failed` when a finding is about it, `waived` when such findings were
waived, `passed` only when every test that defines it (its `covered_by`) ran on the
things it is about and found nothing, and `not proven` otherwise, with the reasons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..baseline import Baseline, key
from ..catalogue import Catalogue, Entry

# Worst first. "not applicable": every check of the entry has a subject this platform lacks (launchd off macOS).
STATUSES = ("failed", "waived", "not proven", "passed", "not applicable")
NOT_APPLICABLE = "not applicable here:"  # how a test's skip reason says its subject does not exist here
RAN = ("passed", "failed", "known")  # outcomes of a test that ran its check to the end


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class, despite the name

    nodeid: str
    test: str  # the test function's name, as covered_by names it
    # passed | failed | known (all its findings in the baseline) | skipped | n/a (NOT_APPLICABLE) | waived | error
    outcome: str
    claims: list[tuple[str, str]]
    findings: list[dict]  # Finding.as_dict() plus "entries": [[kind, id], ...]
    reason: str = ""

    def about(self, key: tuple[str, str]) -> list[dict]:
        return [f for f in self.findings if list(key) in f["entries"]]

    @classmethod
    def from_dict(cls, data: dict) -> TestResult:
        """As `dataclasses.asdict` left it, possibly after a trip between processes (xdist)."""
        return cls(**{**data, "claims": [tuple(c) for c in data["claims"]]})


@dataclass
class EntryStatus:
    entry: Entry
    status: str
    findings: list[tuple[TestResult, dict]] = field(default_factory=list)
    ran: list[TestResult] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    inapplicable: list[str] = field(default_factory=list)  # checks whose subject does not exist here
    since: str = ""  # for a failure, since when (--ssot-failing-since): "failing since <sha> <date>"

    def evidence(self) -> str:
        """One line a person can paste into a loop's Evidence section."""
        if self.findings:
            first = self.findings[0][1]
            more = f" (+{len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
            if self.status == "waived":
                return f"waived ({self.findings[0][0].reason}): {headline(first)}{more}"
            return headline(first) + more + (f"; {self.since}" if self.since else "")
        if self.status == "not proven":
            return "not proven: " + "; ".join(self.reasons)
        if self.status == "not applicable":
            return "not applicable here: " + "; ".join(self.inapplicable)
        names = ", ".join(t.nodeid.split("::")[-1] for t in self.ran[:3])
        more = f", +{len(self.ran) - 3} more" if len(self.ran) > 3 else ""
        also = f"; not applicable here: {'; '.join(self.inapplicable)}" if self.inapplicable else ""
        return f"{len(self.ran)} check(s) ran clean: {names}{more}{also}"


def location(finding: dict) -> str:
    return f"{finding['file']}:{finding['line']}" if finding.get("line") else finding["file"]


def headline(finding: dict) -> str:
    return f"{location(finding)}: {finding['message']}"


def outcome_of(report) -> str | None:
    """What pytest itself decided, where the engine did not run the test (a skip or an error in setup, an
    error in teardown); None for phases that say nothing new."""
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.skipped:
            return "n/a" if _reason(report).startswith(NOT_APPLICABLE) else "skipped"
        return "error" if report.failed else report.outcome
    if report.when == "teardown" and report.failed:
        return "error"
    return None


def _reason(report) -> str:
    if report.skipped and isinstance(report.longrepr, tuple):
        return str(report.longrepr[2]).removeprefix("Skipped: ")
    if report.failed:
        return (report.longreprtext.strip() or "failed").splitlines()[-1]
    return ""


class Results:
    def __init__(self, unseen: str = "not collected in this run") -> None:
        self.tests: list[TestResult] = []
        self.deselected: dict[str, str] = {}  # test function -> why it did not run (-m, -k)
        # Why a test that no process ran at all did not run: the selection (a live test an xdist worker
        # deselected, or one a run without a pytest session never collects), or nothing said otherwise.
        self.unseen = unseen

    def add(self, report) -> None:
        """A pytest report: the engine's result where the engine ran the test (ssot_audit/run.py), else
        what pytest itself decided (a skip or an error in setup, an error in teardown)."""
        ssot = getattr(report, "ssot", None) or {}
        if ssot.get("result"):
            self.tests.append(TestResult.from_dict(ssot["result"]))
            return
        outcome = outcome_of(report)
        if outcome is None:
            return
        nodeid = ssot.get("nodeid", report.nodeid)
        self.tests.append(
            TestResult(
                nodeid=nodeid,
                test=nodeid.rpartition("::")[2].partition("[")[0],
                outcome=outcome,
                claims=[tuple(c) for c in ssot.get("claims", [])],
                findings=list(ssot.get("findings", [])),
                reason=_reason(report) if outcome in ("skipped", "n/a", "waived", "error") else "",
            )
        )

    def entries(self, catalogue: Catalogue) -> list[EntryStatus]:
        by_claim: dict[tuple[str, str], list[TestResult]] = {}
        for test in self.tests:
            for claim in dict.fromkeys(map(tuple, test.claims)):
                by_claim.setdefault(claim, []).append(test)
        return [self.status_of(e, by_claim) for e in catalogue.entries.values() if e.cls != "never-assigned"]

    def status_of(self, entry: Entry, by_claim: dict[tuple[str, str], list[TestResult]]) -> EntryStatus:
        """`by_claim`: the tests by the entries they claim (entries() builds it once for all entries)."""
        key = (entry.kind, entry.id)
        claimed = by_claim.get(key, [])
        findings = [(t, f) for t in claimed for f in t.about(key)]
        if findings:
            waived_only = all(t.outcome == "waived" for t, _ in findings)
            return EntryStatus(entry, "waived" if waived_only else "failed", findings, claimed)
        reasons, inapplicable = [], []
        for test in entry.covered_by:
            runs = [t for t in claimed if t.test == test]
            if not runs:
                reasons.append(f"{test} did not run ({self.deselected.get(test, self.unseen)})")
            for t in runs:
                if t.outcome in ("skipped", "error"):
                    reasons.append(f"{t.nodeid.split('::')[-1]} {t.outcome}: {t.reason}")
                elif t.outcome == "n/a":
                    inapplicable.append(f"{t.nodeid.split('::')[-1]}: {t.reason.removeprefix(NOT_APPLICABLE).strip()}")
        ran = [t for t in claimed if t.outcome in RAN]
        if reasons:
            status = "not proven"
        else:
            status = "passed" if ran else "not applicable"
        return EntryStatus(entry, status, [], ran, reasons, inapplicable)

    def beyond(self) -> list[tuple[TestResult, dict]]:
        """Findings about nothing the catalogue names: drift to register as new gaps."""
        return [(t, f) for t in self.tests if t.outcome in ("failed", "known") for f in t.findings if not f["entries"]]

    def against(self, baseline: Baseline) -> dict:
        """This run's findings next to a baseline's: how many are known, which are new, which were fixed."""
        found = [(t, f) for t in self.tests for f in t.findings]
        keys = {key(t.nodeid, f) for t, f in found}
        ran = {t.nodeid.rpartition("::")[2] for t in self.tests if t.outcome in RAN}
        return {
            "file": baseline.path,
            "known": sum(1 for _, f in found if f.get("known")),
            "new": [{**f, "test": t.nodeid} for t, f in found if not f.get("known")],
            "resolved": baseline.resolved(ran, keys),
        }

    @staticmethod
    def counts(statuses: list[EntryStatus]) -> dict[str, Counter]:
        """Status counts per group: each disconnect category, and the gates."""
        groups: dict[str, Counter] = {}
        for s in statuses:
            group = f"category {s.entry.category}" if s.entry.kind == "disconnect" else "gates"
            groups.setdefault(group, Counter())[s.status] += 1
        return groups
