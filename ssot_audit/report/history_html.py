"""history.html: one row per catalogue entry (and per finding beyond the catalogue), its statuses as bands over the commits.

Self-contained and inert: no script, every text from the repositories (subjects, findings) escaped,
and every string redacted, as in the other reports. A band links to the change that started it,
listed below the timeline with its commit (short sha, date, subject) and its findings.
"""

from __future__ import annotations

from html import escape

from .. import history
from ..catalogue import load
from ..redact import redact
from .results import headline

COLORS = {  # band fill, and the text on it (contrast at least 4.5:1)
    "failed": ("#b71c1c", "#ffffff"),
    "waived": ("#8a6d00", "#ffffff"),
    "not proven": ("#5b6577", "#ffffff"),
    "passed": ("#1b5e20", "#ffffff"),
    "not applicable": ("#e0e0e0", "#1a1a1a"),
    "retired": ("#e0e0e0", "#1a1a1a"),
    "absent": ("#e0e0e0", "#1a1a1a"),
}
CSS = """
body { font-family: system-ui, sans-serif; color: #1a1a1a; margin: 1em; max-width: 1240px; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #c8c8c8; padding: 3px 6px; text-align: left; vertical-align: top; font-size: 13px; }
td.name { width: 26%; } td.now { width: 16%; }
.bar { display: flex; height: 18px; min-width: 0; }
.bar a { display: block; height: 100%; min-width: 2px; text-decoration: none; }
.bar span { display: block; height: 100%; }
.legend span { display: inline-block; padding: 1px 8px; margin-right: 6px; border-radius: 3px; }
.axis { position: relative; height: 30px; font-size: 11px; color: #3a3a3a; }
.axis i { position: absolute; bottom: 0; height: 6px; border-left: 1px solid #3a3a3a; }
.axis b { position: absolute; top: 0; font-weight: normal; white-space: nowrap; }
code { font-size: 12px; }
details { margin: 2px 0; }
"""


def _t(value) -> str:
    return escape(redact(str(value)))


def _status(status: str) -> str:
    fill, ink = COLORS.get(status, ("#ffffff", "#1a1a1a"))
    return f'<span style="background:{fill};color:{ink};padding:0 6px;border-radius:3px">{_t(status)}</span>'


def _anchor(row: int, index: int) -> str:
    return f"r{row}-c{index}"


def _bar(row: int, changes: list[dict], position: dict[str, int], total: int, commits: list[dict]) -> str:
    # A thing first found after the range's first commit has no status before it: its bands start there.
    first = position[changes[0]["sha"]]
    out = [f'<span style="width:{100 * first / total:.3f}%" title="not found yet"></span>'] if first else []
    for index, change in enumerate(changes):
        start = position[change["sha"]]
        end = position[changes[index + 1]["sha"]] if index + 1 < len(changes) else total
        fill, _ = COLORS.get(change["status"], ("#ffffff", "#1a1a1a"))
        commit = commits[start]
        title = f"{change['status']} from {commit['sha'][:8]} {commit['date']} ({end - start} commits)"
        width = 100 * (end - start) / total
        out.append(f'<a href="#{_anchor(row, index)}" title="{_t(title)}" '
                   f'style="width:{width:.3f}%;background:{fill}"></a>')  # fmt: skip
    return f'<div class="bar">{"".join(out)}</div>'


def _item(test: str) -> tuple[str, str]:
    """(the thing a test item checked: its parameter, else the test; the test function) of a node ID."""
    name = test.rsplit("::", 1)[-1]
    function, bracket, parameter = name.partition("[")
    return (parameter[:-1] if bracket else function), function


def _axis(commits: list[dict]) -> str:
    """A tick at the first commit of each day (commits are spaced evenly, days are not); labels that would
    crowd the one before are left out, the ticks are not."""
    ticks, labelled = [], None
    for index, commit in enumerate(commits):
        day = commit["date"][:10]
        if index and day == commits[index - 1]["date"][:10]:
            continue
        left = 100 * index / len(commits)
        ticks.append(f'<i style="left:{left:.3f}%" title="{_t(day)}"></i>')
        if labelled is None or left - labelled >= 7:
            text = day if labelled is None else day[5:]
            ticks.append(f'<b style="left:{left:.3f}%">{_t(text)}</b>')
            labelled = left
    return f'<div class="axis">{"".join(ticks)}</div>'


def _changes(row: int, label: str, title: str, changes: list[dict], commits: list[dict],
             position: dict[str, int]) -> str:  # fmt: skip
    items = []
    for index, change in enumerate(changes):
        commit = commits[position[change["sha"]]]
        findings = change.get("findings") or []
        lines = "".join(f"<li><b>{_t(_item(f['test'])[0])}</b> ({_t(_item(f['test'])[1])}): {_t(headline(f))}"
                        f"<br>fix: {_t(f.get('fix', ''))}</li>" for f in findings)  # fmt: skip
        reasons = "".join(f"<li>{_t(r)}</li>" for r in change.get("reasons") or [])
        detail = f"<ul>{lines}{reasons}</ul>" if lines or reasons else ""
        items.append(
            f'<li id="{_anchor(row, index)}">{_status(change["status"])} at <code>{_t(commit["sha"][:8])}</code> '
            f"{_t(commit['date'])}: {_t(commit['subject'])}{detail}</li>"
        )
    named = f"{label} ({title})" if title else label
    return f"<details><summary>{_t(named)}: {len(changes)} change(s)</summary><ol>{''.join(items)}</ol></details>"


def render(document: dict) -> str:
    commits = document["commits"]
    position = {c["sha"]: i for i, c in enumerate(commits)}
    total = len(commits)
    catalogue = load()
    rows, details = [], []
    titles = {(e.kind, e.id): e.title or "" for e in catalogue.entries.values()}
    things = [
        (f"{e['kind']} {e['id']}", e.get("title") or titles.get((e["kind"], e["id"]), ""), e["changes"])
        for e in document["entries"]
    ]
    # A finding beyond the catalogue is named by what its test checked (the gap, the layer, the file), not its file.
    things += [(f"beyond: {_item(b['test'])[0]}", f"{b['message']} ({_item(b['test'])[1]})", b["changes"])
               for b in document["beyond"]]  # fmt: skip
    for row, (label, title, changes) in enumerate(things):
        if not changes:
            continue
        last = changes[-1]
        since = commits[position[history.since(changes)["sha"]]]
        rows.append(
            f"<tr><td class='name'><b>{_t(label)}</b><br>{_t(title)}</td>"
            f"<td>{_bar(row, changes, position, total, commits)}</td>"
            f"<td class='now'>{_status(last['status'])}<br>since <code>{_t(since['sha'][:8])}</code> "
            f"{_t(since['date'][:10])}</td></tr>"
        )
        details.append(_changes(row, label, title, changes, commits, position))
    first, last = commits[0], commits[-1]
    legend = "".join(f'<span style="background:{f};color:{i}">{_t(s)}</span>' for s, (f, i) in COLORS.items())
    spine = document["spine"]
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>ssot-audit history: {_t(document["loop"])}</title>
<style>{CSS}</style></head><body>
<h1>Drift history: {_t(document["loop"])}</h1>
<p>{total} first-parent commits of {_t(spine["root"])} ({_t(spine["range"])}), from <code>{_t(first["sha"][:8])}</code>
{_t(first["date"])} to <code>{_t(last["sha"][:8])}</code> {_t(last["date"])}, each judged at its own date.
Selection: -m {_t(document["selection"]["markers"] or "(all)")}. Workbench:
{_t(document["workbench"]["root"]) if document["workbench"] else "none (cross-repo entries are not proven)"}.</p>
<p class="legend">{legend}</p>
<table><thead><tr><th>entry</th><th>{_axis(commits)}</th><th>at the last commit</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<h2>Changes</h2>
{"".join(details)}
</body></html>
"""
