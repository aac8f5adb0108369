"""The HTML report renders in a real browser: the summary and a failing row, as a person sees them."""

import os
import shutil
import subprocess
from html.parser import HTMLParser

import pytest

from selftest.suite import DRIFTED, copy_estate, run_suite_raw

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
    assert 'id="ssot-summary"' in dom and "NOT READY TO CLOSE: 22 catalogue entries fail." in dom
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
