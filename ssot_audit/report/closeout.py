"""closeout.md and results.json: the run as evidence for closing a loop."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict

from ..gate_registry import Coverage
from ..redact import redact
from .results import STATUSES, EntryStatus, Results, TestResult, headline

Beyond = list[tuple[TestResult, dict]]


def verdict(statuses: list[EntryStatus]) -> str:
    """The one line nobody may miss: can the loop be closed on this evidence?"""
    count = Counter(s.status for s in statuses)
    if count["failed"]:
        return f"NOT READY TO CLOSE: {count['failed']} catalogue entries fail."
    if count["not proven"]:
        return f"NOT PROVEN: nothing fails, but {count['not proven']} catalogue entries were not proven."
    notes = [f"{count['waived']} waived"] if count["waived"] else []
    inapplicable = [s.entry.label for s in statuses if s.status == "not applicable"]
    if inapplicable:
        notes.append(f"not applicable here: {', '.join(inapplicable)}")
    return "READY TO CLOSE: every catalogue entry passed" + (f" ({'; '.join(notes)})." if notes else ".")


def _cell(text: str) -> str:
    return redact(text).replace("|", "\\|").replace("\n", " ")


def closeout_markdown(loop: str, statuses: list[EntryStatus], beyond: Beyond, environment: dict[str, str]) -> str:
    lines = [
        f"## Evidence: ssot-audit for {loop}",
        "",
        f"**{verdict(statuses)}**",
        "",
        " · ".join(f"{k}: {v}" for k, v in environment.items()),
        "",
        "| kind | ID | severity | status | evidence |",
        "|---|---|---|---|---|",
    ]
    order = {s: i for i, s in enumerate(STATUSES)}
    for s in sorted(statuses, key=lambda s: (s.entry.kind != "disconnect", order[s.status])):
        lines.append(
            f"| {s.entry.kind} | {s.entry.id} | {s.entry.severity or '-'} | {s.status} | {_cell(s.evidence())} |"
        )
    if beyond:
        lines += [
            "",
            "### Drift beyond the catalogue",
            "",
            "Found by the same checks, about things no catalogue entry names: register these as gaps.",
            "",
            "| finding | fix | test |",
            "|---|---|---|",
        ]
        lines += [
            f"| {_cell(headline(f))} | {_cell(f['fix'])} | {_cell(t.nodeid.split('::')[-1])} |" for t, f in beyond
        ]
    return "\n".join(lines) + "\n"


def _test(t: TestResult) -> dict:
    return {"nodeid": t.nodeid, "outcome": t.outcome, "findings": t.findings, "reason": redact(t.reason)}


def results_document(
    loop: str,
    version: str,
    statuses: list[EntryStatus],
    beyond: Beyond,
    environment: dict[str, str],
    gate_coverage: Coverage | None = None,
    baseline: dict | None = None,
) -> dict:
    document = {
        "loop": loop,
        "suite_version": version,
        "verdict": verdict(statuses),
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
        document["gate_coverage"] = asdict(gate_coverage)
    if baseline is not None:
        document["baseline"] = baseline
    return document
