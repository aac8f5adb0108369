"""Per-test outcomes folded into one status per catalogue entry, and the drift beyond the catalogue.

An entry is `failed` when a finding is about it, `waived` when such findings were
waived, `passed` only when every test that defines it (its `covered_by`) ran on the
things it is about and found nothing, and `not proven` otherwise, with the reasons.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from ..baseline import Baseline, key
from ..catalogue import SCRIPT_TESTS, Catalogue, Entry

# Worst first. "not applicable": every check of the entry has a subject this platform lacks (launchd off macOS).
# "retired": a gate the spine's registry retired, listed and never judged.
STATUSES = ("failed", "waived", "not proven", "passed", "not applicable", "retired")
# How a test's skip reason says its check has no subject: none on this machine (launchd off macOS), or none in
# the sources (no receipts, only placeholder exceptions). A check that could have run and did not (deselected,
# a missing tool, a broken source) says anything else, and its entry stays "not proven".
NOT_APPLICABLE = "not applicable here:"
NOTHING_TO_CHECK = "nothing to check:"


def says_inapplicable(reason: str) -> bool:
    return reason.startswith((NOT_APPLICABLE, NOTHING_TO_CHECK))


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
    judged_by: str | None = None  # a gate's: "ssot-audit", "spine script" or "both"; None when not judged

    def evidence(self) -> str:
        """One line a person can paste into a loop's Evidence section."""
        if self.findings:
            first = self.findings[0][1]
            more = f" (+{len(self.findings) - 1} more)" if len(self.findings) > 1 else ""
            if self.status == "waived":
                return f"waived ({self.findings[0][0].reason}): {headline(first)}{more}"
            return headline(first) + more + (f"; {self.since}" if self.since else "")
        if self.status == "not proven":
            return "not proven: " + "; ".join(once(self.reasons))
        if self.status == "not applicable":
            return "not applicable: " + "; ".join(self.inapplicable)
        names = ", ".join(t.nodeid.split("::")[-1] for t in self.ran[:3])
        more = f", +{len(self.ran) - 3} more" if len(self.ran) > 3 else ""
        also = f"; not applicable: {'; '.join(self.inapplicable)}" if self.inapplicable else ""
        return f"{len(self.ran)} check(s) ran clean: {names}{more}{also}"


def once(reasons: list[str]) -> list[str]:
    """Each reason once: the items of one test that did not run for the same reason are one line, with their
    count (ninety capabilities skipped for one unknown gate version are one reason, not ninety)."""
    grouped: dict[str, list[str]] = {}
    for reason in reasons:
        test, _, rest = reason.partition(" ")
        grouped.setdefault(f"{test.partition('[')[0]} {rest}", []).append(reason)
    return [same[0] if len(same) == 1 else f"{key.partition(' ')[0]} ({len(same)} items) {key.partition(' ')[2]}"
            for key, same in grouped.items()]  # fmt: skip


def location(finding: dict) -> str:
    return f"{finding['file']}:{finding['line']}" if finding.get("line") else finding["file"]


def headline(finding: dict) -> str:
    return f"{location(finding)}: {finding['message']}"


def outcome_of(report) -> str | None:
    """What pytest itself decided, where the engine did not run the test (a skip or an error in setup, an
    error in teardown); None for phases that say nothing new."""
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if report.skipped:
            return "n/a" if says_inapplicable(_reason(report)) else "skipped"
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


def _judged_by(entry: Entry, complete: bool, scripted: bool) -> str | None:
    if entry.kind != "gate":
        return None
    if any(test in SCRIPT_TESTS for test in entry.covered_by):  # no re-implementation: only its script judges
        return "spine script" if complete else None
    return {(True, True): "both", (True, False): "ssot-audit", (False, True): "spine script"}.get((complete, scripted))


def _disagreement(entry: Entry, ours: list[TestResult], scripts: list[TestResult]) -> list[tuple[TestResult, dict]]:
    """When ssot-audit's re-implementation and the spine's own script judge a gate differently, one of the two
    is wrong: a finding of its own, so that neither verdict is taken on trust."""
    ours_fail = any(t.outcome in ("failed", "known") for t in ours)
    script_fail = any(t.outcome in ("failed", "known") for t in scripts)
    if ours_fail == script_fail:
        return []
    script = scripts[0]

    def said(failed: bool) -> str:
        return "fails" if failed else "passes"

    finding = {
        "file": script.findings[0]["file"] if script.findings else f"agentic-spine (gate {entry.id})",
        "line": None,
        "message": f"ssot-audit and the spine's {entry.id} disagree at this commit",
        "expected": "the same verdict from ssot-audit's re-implementation and the spine's own script",
        "found": f"ssot-audit's {entry.id} {said(ours_fail)}; the spine's script {said(script_fail)}",
        "fix": "one of the two is wrong: read both verdicts' findings and report the defect (to ssot-audit, or "
        "as a gap of the spine's gate)",
        "entries": [[entry.kind, entry.id]],
    }
    return [(script, finding)]


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
        """`by_claim`: the tests by the entries they claim (entries() builds it once for all entries).

        A gate ssot-audit re-implements has a second judge when the user lets the spine's own script run:
        either one that ran judges it, both findings count, and the two are compared."""
        key = (entry.kind, entry.id)
        claimed = by_claim.get(key, [])
        if entry.retired:
            return EntryStatus(entry, "retired")
        findings = [(t, f) for t in claimed for f in t.about(key)]
        reasons, inapplicable = self._unproven(entry, claimed)
        ours = [t for t in claimed if t.outcome in RAN and t.test in entry.covered_by]
        scripts = [t for t in claimed if t.outcome in RAN and t.test in SCRIPT_TESTS and t.test not in entry.covered_by]
        complete = bool(ours) and not reasons
        judged_by = _judged_by(entry, complete, bool(scripts))
        if complete and scripts:
            findings += _disagreement(entry, ours, scripts)
        if findings:
            waived_only = all(t.outcome == "waived" for t, _ in findings)
            return EntryStatus(entry, "waived" if waived_only else "failed", findings, claimed, judged_by=judged_by)
        ran = ours + scripts  # a waiver's own test answers for the entry, but checks nothing of it
        if complete or scripts:
            return EntryStatus(entry, "passed", [], ran, [], inapplicable, judged_by=judged_by)
        status = "not proven" if reasons else "not applicable"
        return EntryStatus(entry, status, [], ran, reasons, inapplicable)

    def _unproven(self, entry: Entry, claimed: list[TestResult]) -> tuple[list[str], list[str]]:
        """Why the tests that define the entry did not all run (reasons), and which have no subject here."""
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
        return reasons, inapplicable

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
