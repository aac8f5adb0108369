"""The report dir as files: one run at a time, written as a set, untouched by a usage error, marked when interrupted."""

import fcntl
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from selftest.suite import ALIGNED, REPO, run_suite_raw, suite_args

OUTPUTS = ("closeout.md", "junit.xml", "results.json", "ssot-report.html")


def _previous_set(reports: Path) -> dict[str, str]:
    reports.mkdir()
    for name in OUTPUTS:
        (reports / name).write_text(f"the last complete run's {name}\n")
    return {p.name: p.read_text() for p in reports.iterdir()}


@pytest.mark.parametrize(
    "args",
    [("--spine-root", "/nonexistent"), ("--now", "yesterday"), ("-m", "static and nosuchmarker"),
     ("--hosts", "bogus://x")],
    ids=["missing-root", "bad-now", "unknown-marker", "bad-hosts"],
)  # fmt: skip
def test_usage_error_leaves_the_last_reports(args, pytester, tmp_path):
    reports = tmp_path / "reports"
    before = _previous_set(reports)
    result = run_suite_raw(pytester, ALIGNED, "--ssot-report-dir", str(reports), *args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()[-2000:]
    assert {p.name: p.read_text() for p in reports.iterdir()} == before


def test_a_second_run_into_a_busy_report_dir_is_refused(pytester, tmp_path):
    reports = tmp_path / "reports"
    before = _previous_set(reports)
    holder = os.open(reports, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(holder, fcntl.LOCK_EX)  # as a running audit holds it
        result = run_suite_raw(pytester, ALIGNED, "--ssot-report-dir", str(reports))
    finally:
        os.close(holder)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*in use by another ssot-audit run*"])
    assert {p.name: p.read_text() for p in reports.iterdir()} == before


# Loaded into the audit run with -p: one test that says it has started, then waits to be stopped.
STALL = """
import os, time
def pytest_runtest_call(item):
    if item.name == os.environ["STALL_AT"]:
        open(os.environ["STALL_READY"], "w").close()
        time.sleep(120)
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupted_run_says_so_in_every_output(signum, tmp_path):
    reports, ready = tmp_path / "reports", tmp_path / "ready"
    _previous_set(reports)
    (tmp_path / "stall_plugin.py").write_text(STALL)
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "STALL_READY": str(ready),
           "STALL_AT": "test_spine_source_is_readable[ops/bindings/ssh.targets.yaml]"}  # fmt: skip
    args = suite_args(ALIGNED, "static", ("--ssot-report-dir", str(reports), "-p", "stall_plugin", "-p", "no:xdist"))
    run = subprocess.Popen([sys.executable, "-m", "pytest", *args], cwd=REPO, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.1)
        assert ready.exists(), "the run never reached the stalled test"
        run.send_signal(signum)
        output = run.communicate(timeout=60)[0]
    finally:
        run.kill()
    assert run.returncode == pytest.ExitCode.INTERRUPTED, output[-2000:]
    assert "INTERRUPTED" in output
    assert (reports / "closeout.md").read_text().startswith("**INTERRUPTED")
    assert json.loads((reports / "results.json").read_text())["run"]["status"] == "INTERRUPTED"
    props = {p.get("name"): p.get("value") for p in ET.parse(reports / "junit.xml").getroot().iter("property")}
    assert props["ssot-audit-run"] == "INTERRUPTED"
    assert "INTERRUPTED: the run was stopped" in (reports / "ssot-report.html").read_text()
    assert sorted(p.name for p in reports.iterdir()) == sorted(OUTPUTS)  # no staging dir left behind


def test_complete_run_replaces_the_set(pytester, tmp_path):
    reports = tmp_path / "reports"
    _previous_set(reports)
    run_suite_raw(pytester, ALIGNED, "--ssot-report-dir", str(reports), "-k", "source_is_readable")
    assert sorted(p.name for p in reports.iterdir()) == sorted(OUTPUTS)
    assert json.loads((reports / "results.json").read_text())["run"]["status"] == "complete"
    assert "the last complete run" not in (reports / "junit.xml").read_text()
