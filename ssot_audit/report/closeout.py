"""closeout.md and results.json: the run as evidence for closing a loop."""

from __future__ import annotations

from collections import Counter

from ..redact import redact
from .results import STATUSES, EntryStatus, Results


def verdict(statuses: list[EntryStatus]) -> str:
    """The one line nobody may miss: can the loop be closed on this evidence?"""
    count = Counter(s.status for s in statuses)
    if count["failed"]:
        return f"NOT READY TO CLOSE: {count['failed']} catalogue entries fail."
    unproven = count["skipped"] + count["not run"]
    if unproven:
        return f"NOT PROVEN: nothing fails, but {unproven} catalogue entries were skipped or not run."
    return "READY TO CLOSE: every catalogue entry passed" + (
        f" ({count['waived']} waived)." if count["waived"] else "."
    )


def _cell(text: str) -> str:
    return redact(text).replace("|", "\\|").replace("\n", " ")


def closeout_markdown(loop: str, statuses: list[EntryStatus], environment: dict[str, str]) -> str:
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
    return "\n".join(lines) + "\n"


def results_document(loop: str, version: str, statuses: list[EntryStatus], environment: dict[str, str]) -> dict:
    return {
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
                "tests": [
                    {
                        "nodeid": t.nodeid,
                        "outcome": t.outcome,
                        "findings": [redact(f) for f in t.findings],
                        "reason": redact(t.reason),
                    }  # fmt: skip
                    for t in s.tests
                ],
            }
            for s in statuses
        ],
    }
