"""What keeps pytest's own reporting cheap per failure on a large tree (loaded by ssot_audit.plugin).

* pytest 9 prints each failure's teardown sections by scanning every passed setup and teardown
  report for that failure's node ID: failures x reports. On a large tree (thousands of failing
  parameters among tens of thousands of reports) that scan was most of the run. Here the same
  lookup is answered from an index built in one pass, with the same reports in the same order.
* A failure raised with pytrace=False (every finding: plugin.Drift) is shown as its message
  alone, yet pytest still filters its traceback, some thirty frames of hook wrappers, resolving
  each frame's path. It is raised on from the outermost wrapper instead, so that traceback is a
  few frames long; the report is the same. Not under --fulltrace or --pdb, which show the frames.
"""

from __future__ import annotations

import pytest


class TeardownIndex:
    """TerminalReporter._get_teardown_reports, from one pass over its reports (redone if more arrive)."""

    def __init__(self, reporter):
        self.reporter = reporter
        self.indexed = -1
        self.by_node: dict[str, list] = {}

    def __call__(self, node_id: str) -> list:
        count = len(self.reporter.stats.get("", ()))
        if count != self.indexed:
            self.by_node = {}
            for report in self.reporter.getreports(""):
                if report.when == "teardown":
                    self.by_node.setdefault(report.id, []).append(report)
            self.indexed = count
        return list(self.by_node.get(node_id, ()))


@pytest.hookimpl(trylast=True)  # after the terminal reporter is registered
def pytest_configure(config: pytest.Config) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and callable(getattr(reporter, "_get_teardown_reports", None)):
        reporter._get_teardown_reports = TeardownIndex(reporter)


@pytest.hookimpl(wrapper=True, tryfirst=True)  # outermost: the traceback starts here
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except pytest.fail.Exception as exc:
        if exc.pytrace or item.config.getoption("fulltrace") or item.config.getoption("usepdb"):
            raise
        raise exc.with_traceback(None)  # noqa: B904 - the same exception, its own cause and context kept
