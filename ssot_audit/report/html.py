"""Cells and the summary block of the pytest-html report, as HTML strings (pytest-html 4)."""

from __future__ import annotations

from html import escape

from ..catalogue import Catalogue
from .closeout import Beyond, verdict
from .results import STATUSES, EntryStatus, Results, headline

# (header, css column name); pytest-html sorts a column when its header has class "sortable".
COLUMNS = (("Catalogue", "catalogue"), ("Severity", "severity"), ("Category", "category"),
           ("Phase", "phase"), ("Target", "target"))  # fmt: skip
INSERT_AT = 2  # after Result and Test


_TEST_ID_CELL = '<td class="col-testId">'


def inert_test_id(cells: list[str]) -> None:
    """Escape the test ID cell pytest-html 4 builds from the node ID as raw HTML (basereport.py,
    `_process_report`). Our IDs come from repo data: a directory named `<img onerror=...>` is one."""
    for index, cell in enumerate(cells):
        if cell.startswith(_TEST_ID_CELL) and cell.endswith("</td>"):
            cells[index] = _TEST_ID_CELL + escape(cell[len(_TEST_ID_CELL) : -len("</td>")]) + "</td>"


def header_cells() -> list[str]:
    return [f'<th class="sortable" data-column-type="{css}">{name}</th>' for name, css in COLUMNS]


def row_cells(catalogue: Catalogue, properties: list[tuple[str, str]]) -> list[str]:
    ids = [(k, v) for k, v in properties if k in ("disconnect", "gate")]
    entries = [e for e in (catalogue.get(k, v) for k, v in ids) if e]
    target = next((v for k, v in properties if k == "target"), "")
    values = {
        "catalogue": ", ".join(e.label for e in entries),
        "severity": ", ".join(sorted({e.severity for e in entries if e.severity})),
        "category": ", ".join(sorted({e.category for e in entries if e.category})),
        "phase": ", ".join(sorted({e.phase for e in entries if e.phase})),
        "target": target,
    }
    return [f'<td class="col-{css}">{escape(values[css])}</td>' for _, css in COLUMNS]


_STYLE = """<style>
#ssot-summary table { border-collapse: collapse; margin: 0.5em 0 1em; }
#ssot-summary th, #ssot-summary td { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }
#ssot-summary .ssot-failed td { background: #fde2e2; }
#ssot-summary .ssot-waived td { background: #fff4d6; }
#ssot-summary .ssot-passed td { background: #e6f6e6; }
.ssot-verdict { padding: 6px 10px; font-size: 1.2em; }
.ssot-not-ready { background: #c62828; color: #fff; }
.ssot-ready { background: #2e7d32; color: #fff; }
</style>"""


def _beyond_block(beyond: Beyond) -> str:
    if not beyond:
        return ""
    rows = "".join(
        f"<tr><td>{escape(headline(f))}</td><td>{escape(f['fix'])}</td><td>{escape(t.nodeid.split('::')[-1])}</td></tr>"
        for t, f in beyond
    )
    return (
        "<h3>Drift beyond the catalogue</h3><p>Found by the same checks, about things no catalogue entry names: "
        "register these as gaps. They change no entry's status.</p>"
        f"<table><tr><th>finding</th><th>fix</th><th>test</th></tr>{rows}</table>"
    )


def summary_block(loop: str, statuses: list[EntryStatus], beyond: Beyond) -> list[str]:
    """One row per catalogue entry, counts per category and the drift beyond the catalogue."""
    counts = Results.counts(statuses)
    head = "".join(f"<th>{s}</th>" for s in STATUSES)
    count_rows = "".join(
        f"<tr><td>{escape(group)}</td>" + "".join(f"<td>{counter.get(s, 0)}</td>" for s in STATUSES) + "</tr>"
        for group, counter in sorted(counts.items())
    )
    entry_rows = "".join(
        f'<tr class="ssot-{s.status.replace(" ", "-")}"><td>{escape(s.entry.label)}</td>'
        f"<td>{escape(s.entry.severity or '')}</td><td>{escape(s.status)}</td>"
        f"<td>{escape(s.entry.title or '')}</td><td>{escape(s.evidence())}</td></tr>"
        for s in statuses
    )
    ready = not any(s.status == "failed" for s in statuses)
    return [
        _STYLE,
        f'<div id="ssot-summary"><h2>{escape(loop)}</h2>'
        f'<p class="ssot-verdict ssot-{"ready" if ready else "not-ready"}"><strong>{escape(verdict(statuses))}'
        "</strong></p>"
        f"<table><tr><th>group</th>{head}</tr>{count_rows}</table>"
        "<table><tr><th>entry</th><th>severity</th><th>status</th><th>title</th><th>evidence</th></tr>"
        f"{entry_rows}</table>{_beyond_block(beyond)}</div>",
    ]
