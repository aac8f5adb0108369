"""The terminal's summary of a run: failing entries with their findings and fixes, drift beyond the catalogue,
and the baseline's word (the verdict is the adapter's last line). Written through any object with pytest's
TerminalReporter's `section(title)` and `write_line(text, bold=...)`, so the pytest run and the in-process hook
say the same. Every text from a run is redacted here, which also makes it writable (redact.neutralise)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..redact import redact
from .closeout import severity_rank
from .results import EntryStatus, TestResult, headline

SHOWN_PER_ENTRY = 10  # findings listed per failing entry in the terminal; the reports hold them all


def shown_from(here: Path, roots: dict[Path, str]) -> Callable[[dict], str]:
    """A finding's headline, with paths relative to the checkout the command runs in (a hook's view);
    `roots`: each checkout's root -> the prefix its findings' paths carry."""
    prefix = roots.get(here.resolve(), "")
    return lambda finding: redact(headline({**finding, "file": finding["file"].removeprefix(prefix)}))


def write_summary(out, loop: str, statuses: list[EntryStatus], beyond: list[tuple[TestResult, dict]],
                  against: dict | None, shown: Callable[[dict], str]) -> None:  # fmt: skip
    failing = sorted((s for s in statuses if s.status == "failed"), key=lambda s: severity_rank(s.entry.severity))
    if failing:
        out.section(f"{loop}: catalogue entries failing")
        for s in failing:
            severity = (s.entry.severity or "-").upper()
            lead = f"{s.entry.kind:>10} {s.entry.id:<4} {severity:<8} "
            for index, (_, finding) in enumerate(s.findings[:SHOWN_PER_ENTRY]):
                out.write_line(f"{lead if index == 0 else ' ' * len(lead)}{shown(finding)}")
                out.write_line(f"{' ' * len(lead)}  fix: {redact(finding['fix'])}")
            if s.since:
                out.write_line(f"{' ' * len(lead)}{s.since}")
            if len(s.findings) > SHOWN_PER_ENTRY:
                out.write_line(f"{' ' * len(lead)}(+{len(s.findings) - SHOWN_PER_ENTRY} more in the reports)")
    if beyond:
        out.section("drift beyond the catalogue: register these as gaps")
        for test, finding in beyond:
            out.write_line(f"{shown(finding)}  [{redact(test.nodeid.split('::')[-1])}]")
    if against is not None:
        out.section(f"against the baseline {redact(against['file'])}")
        out.write_line(f"known: {against['known']} finding(s) already in the baseline (they do not fail)")
        for finding in against["new"]:
            out.write_line(f"new: {shown(finding)}  [{redact(finding['test'].split('::')[-1])}]")
        for finding in against["resolved"]:
            out.write_line(f"resolved: {shown(finding)}  [{redact(finding['test'].split('::')[-1])}]")
