"""closeout.md and results.json: the run as evidence for closing a loop."""

from __future__ import annotations

import re
import shlex
from collections import Counter

from ..redact import redact
from .gates import reasons, statement
from .results import STATUSES, EntryStatus, Results, TestResult, headline

Beyond = list[tuple[TestResult, dict]]

SEVERITIES = ("critical", "high", "medium", "low")  # worst first, as the catalogue names them


def severity_rank(severity: str | None) -> int:
    """Position by meaning; no severity (a gate, drift beyond the catalogue) after all of them."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def by_severity(severities: set[str]) -> list[str]:
    return sorted(severities, key=lambda s: (severity_rank(s), s))


def verdict(statuses: list[EntryStatus], beyond: int = 0) -> str:
    """The one line nobody may miss: can the loop be closed on this evidence? It agrees with the tally above
    it: a failing test about nothing the catalogue names is named as drift beyond the catalogue."""
    count = Counter(s.status for s in statuses)
    extra = f"; {beyond} finding(s) beyond the catalogue, to register as gaps" if beyond else ""
    if count["failed"]:
        return f"NOT READY TO CLOSE: {count['failed']} catalogue entries fail{extra}."
    if count["not proven"]:
        return f"NOT PROVEN: no catalogue entry fails, but {count['not proven']} were not proven{extra}."
    notes = [f"{count['waived']} waived"] if count["waived"] else []
    inapplicable = [s.entry.label for s in statuses if s.status == "not applicable"]
    if inapplicable:
        notes.append(f"not applicable: {', '.join(inapplicable)}")
    notes_text = f" ({'; '.join(notes)})" if notes else ""
    return f"READY TO CLOSE: every catalogue entry passed{notes_text}{extra}."


def _cell(text: str) -> str:
    return redact(text).replace("|", "\\|").replace("\n", " ")


FOLD_AFTER = 3  # findings of one entry shown open; more are folded under <details>


def _fence(text: str) -> str:
    """A code fence longer than any backtick run in the text, so the text cannot close it."""
    return "`" * max(3, 1 + max((len(run) for run in re.findall("`+", text)), default=0))


def _finding_markdown(test: TestResult, finding: dict) -> list[str]:
    lines = [
        f"- {_cell(headline(finding))}",
        f"  - expected: {_cell(finding['expected'])}",
        f"  - found: {_cell(finding['found'])}",
        f"  - fix: {_cell(finding['fix'])}",
    ]
    if finding.get("diff"):
        fence = _fence(finding["diff"])
        lines += ["  - diff:", "", f"    {fence}"]
        lines += [f"    {line}" for line in redact(finding["diff"]).splitlines()] + [f"    {fence}"]
    return lines + [f"  - test: {_cell(test.nodeid)}"]


def _findings_markdown(findings: Beyond) -> list[str]:
    body = [line for t, f in findings for line in _finding_markdown(t, f)]
    if len(findings) <= FOLD_AFTER:
        return ["", *body]
    return ["", "<details>", f"<summary>{len(findings)} findings</summary>", "", *body, "", "</details>"]


def selection(run: dict) -> str:
    chosen = f"-m {shlex.quote(run['markers'])}" if run["markers"] else "every test (no -m)"
    return chosen + (f" -k {shlex.quote(run['keywords'])}" if run["keywords"] else "")


def run_line(run: dict) -> str:
    """The clock the run judged at and what it selected: the same estate can pass or fail on either."""
    return f"Judged at {run['judged_at']} ({run['clock']}) · selection: {selection(run)} · {run['judged']}"


def closeout_markdown(
    loop: str,
    statuses: list[EntryStatus],
    beyond: Beyond,
    environment: dict[str, str],
    run: dict,
    gate_coverage: dict | None = None,
) -> str:
    lines = [
        f"## Evidence: ssot-audit for {loop}",
        "",
        f"**{verdict(statuses, len(beyond))}**",
        "",
        _cell(run_line(run)),
        "",
        " · ".join(f"{k}: {v}" for k, v in environment.items()),
        "",
        "| kind | ID | severity | status | evidence |",
        "|---|---|---|---|---|",
    ]
    order = {s: i for i, s in enumerate(STATUSES)}
    ranked = sorted(statuses, key=lambda s: (order.get(s.status, len(order)), severity_rank(s.entry.severity),
                                             s.entry.kind != "disconnect"))  # fmt: skip
    for s in ranked:
        lines.append(
            f"| {s.entry.kind} | {s.entry.id} | {s.entry.severity or '-'} | {s.status} | {_cell(s.evidence())} |"
        )
    shown = [s for s in ranked if s.findings]
    if shown:
        lines += ["", "### Findings by catalogue entry"]
    for s in shown:
        waived = f" (waived: {_cell(s.findings[0][0].reason)})" if s.status == "waived" else ""
        lines += ["", f"#### {s.entry.label} · {s.entry.severity or '-'} · {s.status}{waived}: "
                  f"{_cell(s.entry.title or '')}"]  # fmt: skip
        lines += _findings_markdown(s.findings)
    if gate_coverage is not None:
        lines += ["", "### The spine's gates", "", _cell(statement(gate_coverage))]
        lines += [""] + [f"- not judged: {_cell(reason)}" for reason in reasons(gate_coverage)]
    if beyond:
        lines += [
            "",
            "### Drift beyond the catalogue",
            "",
            "Found by the same checks, about things no catalogue entry names: register these as gaps.",
        ]
        lines += _findings_markdown(beyond)
    return "\n".join(lines) + "\n"


def _test(t: TestResult) -> dict:
    return {"nodeid": t.nodeid, "outcome": t.outcome, "findings": t.findings, "reason": redact(t.reason)}


def results_document(
    loop: str,
    version: str,
    statuses: list[EntryStatus],
    beyond: Beyond,
    environment: dict[str, str],
    run: dict,
    gate_coverage: dict | None = None,
    baseline: dict | None = None,
) -> dict:
    """`run`: how the run was made (clock, selection, arguments, hosts, waivers); the report dir adds
    its status and times when it writes the file."""
    document = {
        "run": run,
        "loop": loop,
        "suite_version": version,
        "verdict": verdict(statuses, len(beyond)),
        "environment": environment,
        "counts": {group: dict(counter) for group, counter in Results.counts(statuses).items()},
        "entries": [
            {
                "kind": s.entry.kind,
                "id": s.entry.id,
                "title": s.entry.title,
                "severity": s.entry.severity,
                "category": s.entry.category,
                "phase": s.entry.phase,
                "status": s.status,
                **({"judged_by": s.judged_by} if s.entry.kind == "gate" else {}),
                "evidence": redact(s.evidence()),
                "reasons": [redact(r) for r in s.reasons],
                "findings": [{**f, "test": t.nodeid} for t, f in s.findings],
                "tests": [_test(t) for t in s.ran],
            }
            for s in statuses
        ],
        "beyond": [{**f, "test": t.nodeid} for t, f in beyond],
    }
    if gate_coverage is not None:
        document["gate_coverage"] = gate_coverage
    if baseline is not None:
        document["baseline"] = baseline
    return document
