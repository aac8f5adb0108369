"""What leaves a run: every report is redacted at one point, and the report dir is written as a set.

Loaded by ssot_audit.plugin (its `pytest_plugins`).

* Redaction: the console, JUnit, the HTML report, closeout.md and results.json are all
  built from pytest's TestReports (and CollectReports). `scrub` rewrites each report as it
  is made, outermost of every makereport hook, so whatever any output later reads from it
  (the failure text, skip and xfail reasons, captured output, user properties) is redacted.
* The report dir (report/reportdir.py) of a pytest run: opened at configure, so a run that stops
  on a usage error (bad option, missing root, bad --hosts) leaves the last reports untouched;
  pytest-html and junitxml write into its staging dir. SIGTERM is turned into the
  KeyboardInterrupt that SIGINT is, and a run so stopped says INTERRUPTED in every output.
"""

from __future__ import annotations

import signal
from html import escape
from pathlib import Path

import pytest
from _pytest.junitxml import xml_key

from .estate import UsageError
from .redact import redact
from .report.reportdir import INTERRUPTED, ReportDir, terminate


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


REPORT_DIR = pytest.StashKey[ReportDir]()
_PREVIOUS_SIGTERM = pytest.StashKey[object]()


def report_dir(config: pytest.Config) -> ReportDir | None:
    return config.stash.get(REPORT_DIR, None)


@pytest.hookimpl(tryfirst=True)  # before pytest-html and junitxml read their paths
def pytest_configure(config: pytest.Config) -> None:
    option = config.getoption("ssot_report_dir")
    if not option or hasattr(config, "workerinput"):
        return
    try:
        reports = ReportDir(Path(option))
    except UsageError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[REPORT_DIR] = reports
    if hasattr(config.option, "htmlpath") and not config.option.htmlpath:
        config.option.htmlpath = str(reports.path("ssot-report.html"))
        config.option.self_contained_html = True
    if hasattr(config.option, "xmlpath") and not config.option.xmlpath:  # not when junitxml is off (-p no:)
        config.option.xmlpath = str(reports.path("junit.xml"))
    config.stash[_PREVIOUS_SIGTERM] = signal.signal(signal.SIGTERM, terminate)


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
