"""The HTML report renders in a real browser: the summary and a failing row, as a person sees them, at 1280 px."""

import json
import os
import re
import shutil
import subprocess
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from selftest.suite import ALIGNED, DRIFTED, REPO, copy_estate, run_suite_raw
from ssot_audit.report import html as report_html
from ssot_audit.report.closeout import severity_rank
from ssot_audit.report.results import STATUSES

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed here when missing (the check's own set-up; needs root and apt)."""
    found = shutil.which("chromium")
    if not found and os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], capture_output=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], capture_output=True, env=env)
        found = shutil.which("chromium")
    if not found:
        pytest.skip("no chromium, and it could not be installed (needs root and Debian's apt)")
    return found


def test_summary_and_failing_row_render(chromium, pytester, tmp_path):
    reports = tmp_path / "reports"
    run_suite_raw(pytester, DRIFTED, "--ssot-report-dir", str(reports))
    dom = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom",
         (reports / "ssot-report.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert 'id="ssot-summary"' in dom and "NOT READY TO CLOSE: 22 catalogue entries fail;" in dom
    # rows exist only once the page's script has rendered them from its JSON blob
    assert '<td class="col-catalogue">disconnect C2</td>' in dom
    assert "GAP-OP-018 (high) is open" in dom and "expected: status: fixed" in dom


def _handlers(dom: str) -> list[tuple[str, str]]:
    """(element, attribute) of every on* handler in a DOM dump that carries the payload's code."""
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.extend((tag, name) for name, value in attrs if name.startswith("on") and "REPO-DATA" in (value or ""))

    Parser().feed(dom)
    return found


# Runs only if the page lets markup from repo data through: the text itself never spells the marker.
PAYLOAD = "<img src=x onerror=document.title='PWNED'+'BY-REPO-DATA'>"


def test_repo_data_reaches_the_page_inert(chromium, pytester, tmp_path):
    # the payload as a top-level directory (a gate's parameter, so a test ID and a row) and as the
    # directory the checkouts live in (the Environment table), both from data a repo controls
    estate = copy_estate(tmp_path / PAYLOAD.replace("/", "_"), DRIFTED)
    (estate / "agentic-spine" / PAYLOAD).mkdir()
    reports = tmp_path / "reports"
    run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports), "-k", "root_dir or test_spine_source")
    dom = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000", "--dump-dom",
         (reports / "ssot-report.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert "<title" in dom, "chromium rendered nothing"
    assert "PWNEDBY-REPO-DATA" not in dom, "a handler from repo data ran in the report"
    assert not _handlers(dom), "repo data became an element with a handler"
    # the rows did render, the ID shown as text
    assert "&lt;img src=x onerror=document.title='PWNED'+'BY-REPO-DATA'&gt;" in dom


# --- the page at a glance: width, contrast, anchors, order, as Chromium lays it out -----------------

PROBE = REPO / "selftest" / "data" / "report" / "probe.js"


def measure(chromium: str, page: Path, tmp_path: Path) -> dict:
    """Lay out a copy of the report at 1280 px with the probe script appended, and read its answers."""
    probed = tmp_path / "probed.html"
    probed.write_text(page.read_text().replace("</body>", f"<script>{PROBE.read_text()}</script></body>"))
    dom = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,900",
         "--virtual-time-budget=3000", "--dump-dom", probed.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    found = re.search(r'<pre id="ssot-probe">(.*?)</pre>', dom, re.S)
    assert found, "the probe did not run: " + dom[-500:]
    return json.loads(unescape(found.group(1)))


def rank(cell: str) -> int:
    return severity_rank(cell.split(",")[0].strip() or None)


@pytest.mark.parametrize("estate", [DRIFTED, ALIGNED], ids=["drifted", "aligned"])
def test_report_reads_at_a_glance_at_1280(estate, chromium, pytester, tmp_path):
    reports = tmp_path / "reports"
    run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports))
    document = json.loads((reports / "results.json").read_text())
    seen = measure(chromium, reports / "ssot-report.html", tmp_path)
    assert seen["innerWidth"] == 1280 and seen["scrollWidth"] <= 1280, "the page scrolls sideways at 1280 px"
    assert seen["verdict"] == document["verdict"]
    worst = seen["contrast"][0]
    assert worst[0] >= 4.5, f"text at {worst[0]}:1 ({worst[1]}: {worst[2]!r})"
    # the audit's identity and how it judged come first; the interpreter is one row, last
    assert seen["environment"][:7] == ["Loop", "agentic-spine", "workbench", "Hosts", "Judged at", "Selection",
                                       "Command line"]  # fmt: skip
    assert seen["environment"][-1] == "Python, platform, packages" and "Plugins" not in seen["environment"]
    # worst first, and within a status by severity's meaning
    statuses = [status for _, _, status in seen["rows"]]
    assert statuses == sorted(statuses, key=STATUSES.index)
    for status in set(statuses):
        ranks = [rank(severity) for label, severity, s in seen["rows"] if s == status and label.startswith("disc")]
        assert ranks == sorted(ranks), (status, ranks)
    # pytest-html's own Severity column, clicked: by meaning, not by the alphabet
    assert seen["sorted"] and [rank(c) for c in seen["sorted"]] == sorted(rank(c) for c in seen["sorted"])
    # every in-page link lands; each failing entry's lands on every one of its findings, with the fix
    assert all(text is not None for text in seen["sections"].values()), seen["sections"].keys()
    for entry in document["entries"]:
        if entry["findings"]:
            section = seen["sections"][f"#ssot-{entry['kind']}-{entry['id']}"]
            for finding in entry["findings"]:
                assert finding["message"] in section and finding["fix"] in section, (entry["id"], finding)
    if document["beyond"]:
        assert all(f["fix"] in seen["sections"]["#ssot-beyond"] for f in document["beyond"])


# --- contrast, computed from the CSS the report ships -------------------------------------------------


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_pairs(css: str) -> list[tuple[str, str, str]]:
    """(rule, text colour, background) for all text the CSS can put on a background: a rule that sets
    both is one pair; a colour set alone may land on any background set alone, or on the white page."""
    rules = [(sel.strip(), dict(re.findall(r"(color|background):\s*(#[0-9a-f]{6})", body)))
             for sel, body in re.findall(r"([^{}]+)\{([^}]*)\}", css)]  # fmt: skip
    pairs = [(sel, p["color"], p["background"]) for sel, p in rules if len(p) == 2]
    colours = [(sel, p["color"]) for sel, p in rules if list(p) == ["color"]]
    grounds = ["#ffffff"] + [p["background"] for _, p in rules if list(p) == ["background"]]
    return pairs + [(sel, colour, ground) for sel, colour in colours for ground in grounds]


def test_shipped_css_text_has_at_least_4_5_to_1():
    css = report_html.STYLE.lower()
    pairs = text_pairs(css)
    assert len(pairs) > 20  # the rows' backgrounds and every text colour were read
    low = [(sel, fg, bg, round(contrast(fg, bg), 2)) for sel, fg, bg in pairs if contrast(fg, bg) < 4.5]
    assert not low
    # the measure fails what it must: pytest-html's own grey text, and a light row under white text
    assert contrast("#999999", "#ffffff") < 4.5
    assert text_pairs(css + ".x { background: #7f7f7f; }") and any(
        contrast(fg, bg) < 4.5 for _, fg, bg in text_pairs(css + ".x { background: #7f7f7f; }")
    )
