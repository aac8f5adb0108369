"""What leaves a run: every report is redacted at one point, and the report dir is written as a set.

Loaded by ssot_audit.plugin (its `pytest_plugins`).

* Redaction: the console, JUnit, the HTML report, closeout.md and results.json are all
  built from pytest's TestReports (and CollectReports). `scrub` rewrites each report as it
  is made, outermost of every makereport hook, so whatever any output later reads from it
  (the failure text, skip and xfail reasons, captured output, user properties) is redacted.
* The report dir: one run at a time (an flock), every file written to a staging dir and
  moved into place with rename(2) at the end, once all of them are written: a writer that
  fails leaves the last set whole, and members of an older set that this run did not write
  are removed as the new set lands. A run that stops on a usage error (bad option, missing
  root, bad --hosts) leaves the last reports untouched. SIGTERM is turned into the
  KeyboardInterrupt that SIGINT is, and a run so stopped says INTERRUPTED in every output.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import pytest
from _pytest.junitxml import xml_key

from .redact import neutralise, redact
from .tree import kind

INTERRUPTED = "INTERRUPTED: the run was stopped before it finished; what it did not reach counts as not run."


def scrub(report) -> None:
    """Redact everything an output can read from a test or collection report, in place."""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple):  # a skip: (path, line, "Skipped: reason")
        report.longrepr = (*longrepr[:2], redact(longrepr[2]))
    elif longrepr is not None:
        text = str(longrepr)
        if redact(text) != text:  # the structured repr is kept unless it carries something to hide
            report.longrepr = redact(text)
    if isinstance(getattr(report, "wasxfail", None), str):
        report.wasxfail = redact(report.wasxfail)
    report.sections = [(header, redact(content)) for header, content in report.sections]
    if hasattr(report, "user_properties"):
        report.user_properties = [(k, redact(v) if isinstance(v, str) else v) for k, v in report.user_properties]


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: sees the report after every other hook made it
def pytest_runtest_makereport(item, call):
    report = yield
    scrub(report)
    return report


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_make_collect_report(collector):
    report = yield
    scrub(report)
    return report


# The files each kind of run writes as one set: a run's reports, and a history's. A set lands whole: a member
# the new run did not write (an HTML report of an earlier run, and this one without pytest-html) is removed as
# it lands, so nothing older stands beside the new files as if it were of the same run.
SETS = (frozenset({"closeout.md", "results.json", "ssot-report.html", "junit.xml"}),
        frozenset({"history.json", "history.html"}))  # fmt: skip
# In a staging dir: its set is complete and being moved into place; it lists the members to remove after.
_COMMITTING = ".committing"


class ReportDir:
    """The report dir of this run: locked, written through a staging dir, committed at the end as one set.

    Nothing moves until every file of the set is staged; a writer that fails (or a run stopped while
    writing) leaves the last set as it was. A run killed while moving the set into place leaves its
    staging dir marked complete, and the next run finishes the move before it starts its own.
    """

    def __init__(self, final: Path):
        self.final = final
        self._lock = _open_dir(final)  # the dir itself: no lock file left behind
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self._lock)
            busy = isinstance(exc, BlockingIOError)
            raise _unusable(final, "in use by another ssot-audit run" if busy else exc.strerror) from None
        try:
            _recover(final)
            self.staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=final))
        except OSError as exc:
            os.close(self._lock)
            raise _unusable(final, f"cannot be written: {exc.strerror}") from None
        self.exitstatus: int | None = None  # set when the session finishes; None: it never started
        self.failed = False  # a writer of the set failed: the set is not committed
        self.started = _utc_now()

    @property
    def interrupted(self) -> bool:
        return self.exitstatus == pytest.ExitCode.INTERRUPTED

    def path(self, name: str) -> Path:
        return self.staging / name

    def write_markdown(self, name: str, text: str) -> None:
        if self.interrupted:
            text = f"**{INTERRUPTED}**\n\n{text}"
        self.path(name).write_text(inert_markdown(text), encoding="utf-8")

    def write_html(self, name: str, page: str) -> None:
        """A page whose texts are escaped and redacted where it is made (report/history_html.py)."""
        self.path(name).write_text(page, encoding="utf-8", errors="backslashreplace")  # a path in no encoding

    def write_json(self, name: str, document: dict) -> None:
        status = {"status": "INTERRUPTED" if self.interrupted else "complete", "started": self.started,
                  "finished": _utc_now()}  # fmt: skip
        document = {**document, "run": {**status, **document.get("run", {})}}
        # compact: indented JSON goes through json's pure-Python encoder (0.6 s against 0.2 s for a 100x tree's)
        self.path(name).write_text(json.dumps(redacted(document), separators=(",", ":")) + "\n", encoding="utf-8")

    def close(self) -> None:
        """Move the staged set into place, unless the run never got going or a writer failed (then the old
        set stays)."""
        try:
            if self.exitstatus not in (None, pytest.ExitCode.USAGE_ERROR) and not self.failed:
                written = {p.name for p in self.staging.iterdir()}
                stale = sorted(name for members in SETS if members & written for name in members - written)
                marker = self.staging / f"{_COMMITTING}.part"
                marker.write_text("".join(f"{name}\n" for name in stale))
                os.replace(marker, self.staging / _COMMITTING)  # whole or absent
                _move_into_place(self.staging, self.final)
            # (not when the move failed half way: the marked staging dir is the next run's to finish)
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            os.close(self._lock)


def _move_into_place(staging: Path, final: Path) -> None:
    """The second half of a commit: the staged files renamed over the old ones, then the stale ones removed.
    Repeatable: a run that died half way through is finished by the next one."""
    stale = (staging / _COMMITTING).read_text().split()
    for staged in sorted(staging.iterdir()):
        if not staged.name.startswith(_COMMITTING):
            os.replace(staged, final / staged.name)
    for name in stale:
        (final / name).unlink(missing_ok=True)


def _recover(final: Path) -> None:
    """Staging dirs left by runs that died (this run holds the lock, so no live run owns one): a set
    marked complete is moved into place; any other was never complete, and goes."""
    for left in sorted(final.glob(".staging-*")):
        if (left / _COMMITTING).is_file():
            _move_into_place(left, final)
        shutil.rmtree(left, ignore_errors=True)


def _unusable(final: Path, why: str) -> pytest.UsageError:
    return pytest.UsageError(f"--ssot-report-dir {neutralise(str(final))}: {why}")


def _open_dir(final: Path) -> int:
    """The report dir, made if need be and opened; a usage error naming whatever stands in its way."""
    for part in [*reversed(final.parents), final]:
        what = _what_is(part)
        if what is None:
            break  # from here on, nothing: mkdir makes it
        if what != "a directory":
            shown = "" if part == final else f"{neutralise(str(part))} "
            raise _unusable(final, f"{shown}is {what}, not a directory")
    try:
        final.mkdir(parents=True, exist_ok=True)
        return os.open(final, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise _unusable(final, f"cannot be made or opened: {exc.strerror}") from None


def _what_is(path: Path) -> str | None:
    """What a path is, as a report dir sees it (through symlinks); None when there is nothing to see."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return f"a dangling symlink (to {neutralise(os.readlink(path))})"
        return None
    except OSError as exc:  # (anything else, such as no search permission, mkdir names)
        return "a symlink loop" if exc.errno == errno.ELOOP else None
    return kind(info.st_mode)


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# The only markup closeout.md keeps: folding a long list. Whole lines, no attributes, no `<` inside.
_FOLD = re.compile(r"</?details>|<summary>[^<]*</summary>")


def inert_markdown(text: str) -> str:
    """Redacted line by line (no pattern may join two table rows), and no raw HTML but the fold:
    `\\<` renders as `<`."""
    lines = (redact(line) for line in text.split("\n"))
    return "\n".join(line if _FOLD.fullmatch(line) else line.replace("<", "\\<") for line in lines)


def redacted(value):
    """A JSON document with every string redacted, keys too."""
    if isinstance(value, dict):
        return {redact(str(k)): redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return redact(value) if isinstance(value, str) else value


REPORT_DIR = pytest.StashKey[ReportDir]()
_PREVIOUS_SIGTERM = pytest.StashKey[object]()


def report_dir(config: pytest.Config) -> ReportDir | None:
    return config.stash.get(REPORT_DIR, None)


def _terminate(signum, frame):
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


@pytest.hookimpl(tryfirst=True)  # before pytest-html and junitxml read their paths
def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("ssot_report_dir")
    if not option or hasattr(config, "workerinput"):
        return
    reports = ReportDir(Path(option))
    config.stash[REPORT_DIR] = reports
    if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
        config.option.htmlpath = str(reports.path("ssot-report.html"))
        config.option.self_contained_html = True
    if hasattr(config.option, "xmlpath") and not config.option.xmlpath:  # not when junitxml is off (-p no:)
        config.option.xmlpath = str(reports.path("junit.xml"))
    config.stash[_PREVIOUS_SIGTERM] = signal.signal(signal.SIGTERM, _terminate)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # around the writers of every report, ours and the plugins'
def pytest_sessionfinish(session: pytest.Session, exitstatus: int):
    reports = report_dir(session.config)
    if reports is None:
        return (yield)
    reports.exitstatus = exitstatus
    xml = session.config.stash.get(xml_key, None)
    if xml is not None:
        xml.add_global_property("ssot-audit-run", "INTERRUPTED" if reports.interrupted else "complete")
    try:
        return (yield)
    except BaseException:  # a writer failed, or the run was stopped while writing: no half-written set lands
        reports.failed = True
        raise


def _announce_final_paths(config: pytest.Config, reports: ReportDir) -> None:
    """pytest-html's and junitxml's terminal lines name the file a reader opens: where it lands, not the stage."""
    staging, final = reports.staging.resolve(), reports.final.resolve()
    html = next((p for p in config.pluginmanager.get_plugins() if hasattr(p, "_report_path")), None)
    if html is not None and Path(html._report_path).resolve().parent == staging:
        html._report_path = final / Path(html._report_path).name
    xml = config.stash.get(xml_key, None)
    if xml is not None and Path(xml.logfile).resolve().parent == staging:
        xml.logfile = str(final / Path(xml.logfile).name)


@pytest.hookimpl(optionalhook=True)
def pytest_html_results_summary(prefix: list[str], summary, postfix, session) -> None:
    reports = report_dir(session.config)
    if reports is not None and reports.interrupted:
        prefix.insert(0, f'<p class="ssot-verdict ssot-not-ready"><strong>{escape(INTERRUPTED)}</strong></p>')


@pytest.hookimpl(tryfirst=True)  # before pytest-html's and junitxml's lines (both written by now)
def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    reports = report_dir(config)
    if reports is not None:
        _announce_final_paths(config, reports)
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        terminalreporter.write_line(INTERRUPTED, red=True, bold=True)


@pytest.hookimpl(trylast=True)  # after junitxml and pytest-html wrote into the staging dir
def pytest_unconfigure(config: pytest.Config) -> None:
    reports = config.stash.get(REPORT_DIR, None)
    if reports is None:
        return
    signal.signal(signal.SIGTERM, config.stash[_PREVIOUS_SIGTERM])
    reports.close()
    del config.stash[REPORT_DIR]
