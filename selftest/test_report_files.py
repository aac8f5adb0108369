"""The report dir as files: one run at a time, written as a set, untouched by a usage error, marked when interrupted."""

import errno
import fcntl
import html
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from selftest.suite import ALIGNED, IN_PROCESS, REPO, copy_estate, run_suite_raw, suite_args
from selftest.test_bad_input import WITHOUT_DAC
from ssot_audit import inprocess
from ssot_audit.outputs import ReportDir
from ssot_audit.report import closeout

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


# --- text no encoding can write: shown escaped in every output --------------------------------------


def _unwritable_text(estate: Path) -> None:
    """A top-level directory whose name is not UTF-8 (gates D1 and D17 name it), and a lone surrogate in a
    workbench JSON value that D3's comparison quotes raw."""
    weird = os.fsencode(estate / "agentic-spine") + b"/caf\xe9"
    os.mkdir(weird)
    Path(os.fsdecode(weird + b"/notes.md")).write_text("notes\n")
    monitoring = estate / "workbench/infra/data/monitoring_inventory.json"
    monitoring.write_text(monitoring.read_text().replace("http://100.92.91.128:8088/", "http://\\ud800x\\udce9:8088/"))


def _in_process(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*IN_PROCESS, *args], cwd=cwd, capture_output=True, text=True, errors="backslashreplace",
                          timeout=300)  # fmt: skip


@pytest.mark.parametrize("runner", ["pytest", "in-process"])
def test_names_and_values_no_encoding_can_write_reach_every_output_escaped(runner, pytester, tmp_path):
    """They crashed the closeout.md writer (UnicodeEncodeError): an empty closeout.md beside the last run's
    results.json. Now every output holds them escaped, as valid UTF-8, and the set is the new run's."""
    estate = copy_estate(tmp_path)
    _unwritable_text(estate)
    reports = tmp_path / "reports"
    _previous_set(reports)
    if runner == "pytest":
        result = run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports))
        code, terminal = result.ret, result.stdout.str() + result.stderr.str()
        written = OUTPUTS
    else:
        done = _in_process(tmp_path, "-m", "static or crossrepo", "--now", "2026-02-08T12:00:00Z", "--spine-root",
                           str(estate / "agentic-spine"), "--workbench-root", str(estate / "workbench"),
                           "--mint-modules-root", str(estate / "mint-modules"), "--ssot-report-dir", str(reports))  # fmt: skip
        code, terminal = done.returncode, done.stdout + done.stderr
        assert "in-process" in terminal
        written = ("closeout.md", "results.json")  # the rest of the last set is removed as this one lands
    assert code == 1 and "INTERNALERROR" not in terminal and "Traceback" not in terminal, terminal[-3000:]
    assert sorted(p.name for p in reports.iterdir()) == sorted(written)
    assert "caf\\xe9/: unexpected top-level directory" in terminal
    texts = {name: (reports / name).read_bytes().decode("utf-8") for name in written}  # strict: valid UTF-8
    # each as a reader sees it: JSON decoded (escapes, never a lone surrogate), the XML parsed, the HTML unescaped
    texts["results.json"] = json.dumps(json.loads(texts["results.json"]), ensure_ascii=False)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in texts["results.json"])
    if "junit.xml" in texts:
        texts["junit.xml"] = "".join(ET.fromstring(texts["junit.xml"]).itertext()) + texts["junit.xml"]
    for name, text in texts.items():
        shown = html.unescape(text).replace("\\\\", "\\")  # (JSON doubles each backslash)
        assert "the last complete run" not in shown
        assert "caf\\xe9" in shown and "\\ud800x\\xe9" in shown, name


# --- the set: written whole or not at all; nothing of an older set left beside a newer one -------------


def test_a_writer_that_fails_leaves_the_last_set_whole(pytester, tmp_path, monkeypatch):
    """closeout.md is staged when results.json's writer fails: nothing of this run lands."""
    reports = tmp_path / "reports"
    before = _previous_set(reports)

    def full_disk(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(closeout, "results_document", full_disk)
    run_suite_raw(pytester, ALIGNED, "--ssot-report-dir", str(reports), "-k", "source_is_readable")
    assert {p.name: p.read_text() for p in reports.iterdir()} == before


def test_a_run_that_writes_part_of_the_set_removes_the_rest(tmp_path):
    """The in-process hook writes closeout.md and results.json: an HTML report and junit.xml of an earlier
    pytest run would stand beside them as if they were this run's."""
    reports = tmp_path / "reports"
    _previous_set(reports)
    done = _in_process(tmp_path, "-m", "static", "--now", "2026-02-08T12:00:00Z", "--spine-root",
                       str(ALIGNED / "agentic-spine"), "--ssot-report-dir", str(reports))  # fmt: skip
    assert "in-process" in done.stdout, done.stdout + done.stderr
    assert sorted(p.name for p in reports.iterdir()) == ["closeout.md", "results.json"]
    assert json.loads((reports / "results.json").read_text())["run"]["status"] == "complete"


def _staged(reports: Path, name: str, files: dict[str, str], committing: list[str] | None) -> None:
    staging = reports / name
    staging.mkdir()
    for file, text in files.items():
        (staging / file).write_text(text)
    if committing is not None:
        (staging / ".committing").write_text("".join(f"{n}\n" for n in committing))


def test_sets_are_kept_apart_and_a_dead_runs_commit_is_finished(tmp_path):
    """A history's set and a run's share the report dir without touching each other. A run killed while
    moving its set into place left it marked complete: the next run finishes the move; a run killed before
    then left a set never complete: the next run drops it."""
    reports = tmp_path / "reports"
    _previous_set(reports)
    for name in ("history.json", "history.html"):
        (reports / name).write_text(f"the last history's {name}\n")
    _staged(reports, ".staging-killed-while-moving", {"closeout.md": "new\n", "results.json": "new\n"},
            ["junit.xml", "ssot-report.html"])  # fmt: skip
    _staged(reports, ".staging-killed-while-writing", {"closeout.md": "half\n"}, None)
    history = ReportDir(reports)
    history.write_json("history.json", {"commits": []})
    history.write_html("history.html", "<p>new history</p>")
    history.exitstatus = 0
    history.close()
    found = {p.name: p.read_text() for p in reports.iterdir()}
    assert sorted(found) == ["closeout.md", "history.html", "history.json", "results.json"]
    assert found["closeout.md"] == found["results.json"] == "new\n"
    assert found["history.html"] == "<p>new history</p>"


# --- a report dir that is no directory: a usage error naming it, before anything runs ------------------


@pytest.mark.parametrize(
    "make, where, says",
    [
        (lambda d: (d / "reports").symlink_to(d / "nowhere"), "reports", "is a dangling symlink (to {d}/nowhere)"),
        (lambda d: (d / "reports").symlink_to("reports"), "reports", "is a symlink loop"),
        (lambda d: (d / "reports").write_text("a file\n"), "reports", "is a regular file, not a directory"),
        (lambda d: os.mkfifo(d / "reports"), "reports", "is a FIFO, not a directory"),
        (lambda d: (d / "file").write_text("x\n"), "file/reports", "{d}/file is a regular file, not a directory"),
    ],
    ids=["dangling-symlink", "symlink-loop", "file", "fifo", "file-on-the-way"],
)
def test_a_report_dir_that_is_no_directory_is_a_usage_error_naming_it(make, where, says, pytester, tmp_path):
    """A dangling link gave only "File exists"; whatever stands where the report dir must be, the run stops
    before it starts (exit 4), naming the path and what is there."""
    make(tmp_path)
    target = tmp_path / where
    result = run_suite_raw(pytester, ALIGNED, "--ssot-report-dir", str(target), "-k", "source_is_readable")
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()[-2000:]
    result.stderr.fnmatch_lines([f"*--ssot-report-dir {target}: {says.format(d=tmp_path)}*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_a_dangling_report_dir_is_the_same_usage_error_for_the_in_process_hook(tmp_path, capsys):
    target = tmp_path / "reports"
    target.symlink_to(tmp_path / "nowhere")
    args = ["-m", "static", "--now", "2026-02-08T12:00:00Z", "--spine-root", str(ALIGNED / "agentic-spine"),
            "--ssot-report-dir", str(target)]  # fmt: skip
    assert inprocess.main(args, ["ssot-audit"]) == 4
    assert f"--ssot-report-dir {target}: is a dangling symlink (to {tmp_path}/nowhere)" in capsys.readouterr().err


def test_an_unwritable_report_dir_is_a_usage_error_naming_it(tmp_path):
    """As a process the kernel refuses (root without CAP_DAC_OVERRIDE, see test_bad_input)."""
    reports = tmp_path / "reports"
    reports.mkdir()
    command = [sys.executable, "-m", "pytest", *suite_args(ALIGNED, "static", ("--ssot-report-dir", str(reports),
               "-p", "no:xdist", "-k", "source_is_readable"))]  # fmt: skip
    if os.geteuid() == 0:
        if not shutil.which("setpriv"):
            pytest.skip("needs setpriv (util-linux) to run without the capabilities that let root write anywhere")
        command = [*WITHOUT_DAC, *command]
    reports.chmod(0o555)
    try:
        run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=tmp_path)
    finally:
        reports.chmod(0o755)
    assert run.returncode == pytest.ExitCode.USAGE_ERROR, run.stdout[-2000:] + run.stderr[-2000:]
    assert f"--ssot-report-dir {reports}: cannot be written: Permission denied" in run.stderr
