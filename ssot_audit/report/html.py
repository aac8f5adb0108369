"""Cells, the environment table and the summary block of the pytest-html report, as HTML strings (pytest-html 4).

Everything from a run (findings, IDs, reasons, paths, arguments) goes through `_text`: redacted, then
escaped, so it is text in the page whatever it holds.
"""

from __future__ import annotations

import re
from html import escape

from ..catalogue import Catalogue
from ..redact import redact
from .closeout import Beyond, by_severity, run_line, severity_rank, verdict
from .results import STATUSES, EntryStatus, Results, TestResult, headline

# (header, css column name); pytest-html sorts a column when its header has class "sortable".
COLUMNS = (("Catalogue", "catalogue"), ("Severity", "severity"), ("Category", "category"),
           ("Phase", "phase"), ("Target", "target"))  # fmt: skip
INSERT_AT = 2  # after Result and Test


_TEST_ID_CELL = '<td class="col-testId">'


def _text(value: object) -> str:
    return escape(redact(str(value)))


_CODE = re.compile(r"`([^`<>]+)`")


def _title(value: object) -> str:
    """A catalogue title as the loop document writes it: its `code` spans shown as code, after escaping."""
    return _CODE.sub(r"<code>\1</code>", _text(value))


def inert_test_id(cells: list[str]) -> None:
    """Escape the test ID cell pytest-html 4 builds from the node ID as raw HTML (basereport.py,
    `_process_report`). Our IDs come from repo data: a directory named `<img onerror=...>` is one."""
    for index, cell in enumerate(cells):
        if cell.startswith(_TEST_ID_CELL) and cell.endswith("</td>"):
            cells[index] = _TEST_ID_CELL + escape(cell[len(_TEST_ID_CELL) : -len("</td>")]) + "</td>"


def header_cells() -> list[str]:
    return [f'<th class="sortable" data-column-type="{css}">{name}</th>' for name, css in COLUMNS]


def _sort_key(rank: int) -> str:
    """pytest-html 4 sorts a column by the cell's inner HTML as a string (basereport.py `_hydrate_data`,
    app.js `genericSort`): a hidden rank in front makes it sort by meaning, not by the alphabet."""
    return f'<span class="ssot-sort" hidden>{rank}</span>'


def row_cells(catalogue: Catalogue, properties: list[tuple[str, str]]) -> list[str]:
    ids = [(k, v) for k, v in properties if k in ("disconnect", "gate")]
    entries = [e for e in (catalogue.get(k, v) for k, v in ids) if e]
    target = next((v for k, v in properties if k == "target"), "")
    severities = by_severity({e.severity for e in entries if e.severity})
    values = {
        "catalogue": ", ".join(e.label for e in entries),
        "severity": ", ".join(severities),
        "category": ", ".join(sorted({e.category for e in entries if e.category})),
        "phase": ", ".join(sorted({e.phase for e in entries if e.phase})),
        "target": target,
    }
    cells = {css: _text(value) for css, value in values.items()}
    cells["severity"] = _sort_key(severity_rank(severities[0] if severities else None)) + cells["severity"]
    return [f'<td class="col-{css}">{cells[css]}</td>' for _, css in COLUMNS]


# pytest-metadata's rows about the interpreter: one folded row, after the audit's own identity.
_PLATFORM_ROWS = ("Python", "Platform", "Packages", "Plugins")


def environment_rows(metadata: dict, ours: dict[str, str]) -> dict:
    """The Environment table: what was audited (checkouts, hosts, clock, selection) first, the interpreter last.

    pytest-html puts the values into the page as markup, so every one is made text here.
    """

    def listed(value) -> str:
        return ", ".join(f"{k} {v}" for k, v in value.items()) if isinstance(value, dict) else str(value)

    platform = [listed(metadata[k]) for k in _PLATFORM_ROWS if k in metadata]
    rest = {k: listed(v) for k, v in metadata.items() if k not in _PLATFORM_ROWS and k not in ours}
    rows = {k: _text(v) for k, v in {**ours, **rest}.items()}
    if platform:
        rows["Python, platform, packages"] = _text(" · ".join(platform))
    return rows


# Text is near-black on every background here (pytest-html's own is #999: 2.8:1 on white).
# selftest/test_report_render.py computes the contrast of each pair from this text.
STYLE = """<style>
#environment td, #results-table { color: #262626; }
#environment td, #results-table td { overflow-wrap: anywhere; }
#ssot-summary { color: #1a1a1a; max-width: 100%; }
#ssot-summary a { color: #0a47a9; }
#ssot-summary table { border-collapse: collapse; margin: 0.5em 0 1em; }
#ssot-summary th, #ssot-summary td { border: 1px solid #b0b0b0; padding: 2px 8px; text-align: left;
  vertical-align: top; overflow-wrap: anywhere; }
#ssot-summary th { background: #ececec; color: #1a1a1a; }
#ssot-summary table.ssot-entries { table-layout: fixed; width: 100%; }
.ssot-entries col.ssot-c-entry { width: 9em; }
.ssot-entries col.ssot-c-severity { width: 5.5em; }
.ssot-entries col.ssot-c-status { width: 6.5em; }
.ssot-entries col.ssot-c-title { width: 30%; }
#ssot-summary .ssot-status-failed td { background: #fde2e2; }
#ssot-summary .ssot-status-waived td { background: #fff4d6; }
#ssot-summary .ssot-status-passed td { background: #e6f6e6; }
#ssot-summary .ssot-status-not-proven td { background: #eef1f6; }
#ssot-summary .ssot-run { color: #1a1a1a; }
#ssot-summary .ssot-finding { margin: 0.4em 0 0.8em; }
#ssot-summary .ssot-headline { font-weight: bold; }
#ssot-summary dl { display: grid; grid-template-columns: 6em minmax(0, 1fr); gap: 2px 8px; margin: 0.2em 0 0 1em; }
#ssot-summary dt { font-weight: bold; }
#ssot-summary dd { margin: 0; overflow-wrap: anywhere; }
#ssot-summary pre { white-space: pre-wrap; overflow-wrap: anywhere; margin: 0; background: #f3f3f3; color: #1a1a1a; }
#ssot-summary section { border-top: 1px solid #b0b0b0; margin-top: 0.6em; }
.ssot-verdict { padding: 6px 10px; font-size: 1.2em; }
.ssot-verdict.ssot-not-ready { background: #b71c1c; color: #ffffff; }
.ssot-verdict.ssot-not-proven { background: #6b4f00; color: #ffffff; }
.ssot-verdict.ssot-ready { background: #1b5e20; color: #ffffff; }
</style>"""


def anchor(kind: str, id_: str) -> str:
    return f"ssot-{kind}-{id_}"


def _verdict_class(line: str) -> str:
    for prefix, css in (("READY TO CLOSE", "ssot-ready"), ("NOT PROVEN", "ssot-not-proven")):
        if line.startswith(prefix):
            return css
    return "ssot-not-ready"


def _finding(test: TestResult, finding: dict) -> str:
    rows = [("expected", finding["expected"]), ("found", finding["found"]), ("fix", finding["fix"])]
    details = "".join(f"<dt>{name}</dt><dd>{_text(value)}</dd>" for name, value in rows)
    if finding.get("diff"):
        details += f"<dt>diff</dt><dd><pre>{_text(finding['diff'])}</pre></dd>"
    details += f"<dt>test</dt><dd>{_text(test.nodeid)}</dd>"
    where = f'<span class="ssot-headline">{_text(headline(finding))}</span>'
    return f'<li class="ssot-finding">{where}<dl>{details}</dl></li>'


def _findings_block(statuses: list[EntryStatus]) -> str:
    """Every finding of every failed or waived entry, each entry under its own anchor."""
    shown = [s for s in statuses if s.findings]
    if not shown:
        return ""
    sections = "".join(
        f'<section id="{anchor(s.entry.kind, s.entry.id)}"><h3>{_text(s.entry.label)} · '
        f"{_text(s.entry.severity or '-')} · {_text(s.status)}: {_title(s.entry.title or '')}</h3>"
        + (f"<p>waived: {_text(s.findings[0][0].reason)}</p>" if s.status == "waived" else "")
        + f"<ul>{''.join(_finding(t, f) for t, f in s.findings)}</ul>"
        '<p><a href="#ssot-summary">back to the summary</a></p></section>'
        for s in shown
    )
    return f'<div id="ssot-findings"><h3>Findings by catalogue entry</h3>{sections}</div>'


def _beyond_block(beyond: Beyond) -> str:
    if not beyond:
        return ""
    return (
        '<section id="ssot-beyond"><h3>Drift beyond the catalogue</h3><p>Found by the same checks, about things no '
        "catalogue entry names: register these as gaps. They change no entry's status.</p>"
        f"<ul>{''.join(_finding(t, f) for t, f in beyond)}</ul>"
        '<p><a href="#ssot-summary">back to the summary</a></p></section>'
    )


def _entry_row(s: EntryStatus) -> str:
    label = _text(s.entry.label)
    if s.findings:
        label = f'<a href="#{anchor(s.entry.kind, s.entry.id)}">{label}</a>'
    return (
        f'<tr class="ssot-status-{s.status.replace(" ", "-")}"><td>{label}</td>'
        f"<td>{_text(s.entry.severity or '')}</td><td>{_text(s.status)}</td>"
        f"<td>{_title(s.entry.title or '')}</td><td>{_text(s.evidence())}</td></tr>"
    )


def summary_block(loop: str, statuses: list[EntryStatus], beyond: Beyond, run: dict) -> list[str]:
    """The verdict, how the run was judged, counts per group, one row per catalogue entry (worst first,
    severity by meaning), then every finding under its entry's anchor and the drift beyond the catalogue."""
    counts = Results.counts(statuses)
    head = "".join(f"<th>{s}</th>" for s in STATUSES)
    count_rows = "".join(
        f"<tr><td>{_text(group)}</td>" + "".join(f"<td>{counter.get(s, 0)}</td>" for s in STATUSES) + "</tr>"
        for group, counter in sorted(counts.items())
    )
    order = {s: i for i, s in enumerate(STATUSES)}
    ranked = sorted(
        statuses, key=lambda s: (order.get(s.status, len(order)), s.entry.kind, severity_rank(s.entry.severity))
    )
    line = verdict(statuses, len(beyond))
    found = sum(len(s.findings) for s in statuses)
    jumps = [f'<a href="#ssot-findings">{found} findings by entry</a>'] if found else []
    jumps += [f'<a href="#ssot-beyond">{len(beyond)} beyond the catalogue</a>'] if beyond else []
    jumps += ['<a href="#results-table">every test</a>']
    columns = "".join(f'<col class="ssot-c-{c}">' for c in ("entry", "severity", "status", "title", "evidence"))
    return [
        STYLE,
        f'<div id="ssot-summary"><h2>{_text(loop)}</h2>'
        f'<p class="ssot-verdict {_verdict_class(line)}"><strong>{_text(line)}</strong></p>'
        f'<p class="ssot-run">{_text(run_line(run))} · jump to: {" · ".join(jumps)}</p>'
        f"<table><tr><th>group</th>{head}</tr>{count_rows}</table>"
        f'<table class="ssot-entries"><colgroup>{columns}</colgroup>'
        "<tr><th>entry</th><th>severity</th><th>status</th><th>title</th><th>evidence</th></tr>"
        f"{''.join(_entry_row(s) for s in ranked)}</table>"
        f"{_findings_block(ranked)}{_beyond_block(beyond)}</div>",
    ]
