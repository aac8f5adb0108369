"""The HTML report renders in a real browser: the summary and a failing row, as a person sees them."""

import os
import shutil
import subprocess

import pytest

from selftest.suite import DRIFTED, run_suite_raw

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
