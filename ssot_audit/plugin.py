"""The pytest adapter: the suite's options, its parametrization from the engine's grid, each call run
through the engine, and the engine's reports at the end.

Registered through the `pytest11` entry point so it loads at start-up, before any conftest:
pytest-html's header hook fires at session start and must see ours. The live checks' glue (hosts
over SSH) is ssot_audit.live; what leaves the run (redaction, the report dir) ssot_audit.outputs;
pytest's failure summary kept linear in the number of tests ssot_audit.scale.
"""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path

import pytest

from . import catalogue as catalogue_mod
from .audit import Audit
from .estate import UsageError
from .grid import Case
from .options import GROUP, OPTIONS
from .report import closeout, html
from .report.results import headline, location
from .run import Ran
from .suite import MARKERS, Spec, checkout_roots, suite_dir

pytest_plugins = ["ssot_audit.live", "ssot_audit.outputs", "ssot_audit.scale"]

AUDIT = pytest.StashKey[Audit]()
CASE = pytest.StashKey[Case]()
RAN = pytest.StashKey[tuple[str, Ran]]()  # the phase the engine ran the item in, and what came of it


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """`pytest -m static` in a spine checkout (or `pytest -m crossrepo` in a workbench) is the audit of that
    checkout: with no test paths given, the suite is what runs. Anywhere else pytest is left as it is."""
    if early_config.known_args_namespace.file_or_dir:
        return
    roots = checkout_roots(Path(early_config.invocation_params.dir), args)
    if roots:
        args += [*roots, str(suite_dir())]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup(*GROUP)
    for option in OPTIONS:
        option.add_to(group)


@pytest.hookimpl(tryfirst=True)  # before pytest-html and junitxml read their paths
def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    command = ["pytest", *(str(a) for a in config.invocation_params.args)]
    try:
        config.stash[AUDIT] = Audit(
            config.option, command, getattr(config.option, "hosts", None) or "none", Path(config.invocation_params.dir)
        )
    except UsageError as error:
        raise pytest.UsageError(str(error)) from None
    config.pluginmanager.register(Recorder(config.stash[AUDIT]), "ssot-audit-results")
    if not suite_dir().is_relative_to(config.invocation_params.dir):
        # The packaged suite, run from a checkout: pytest would name each test by a path from the checkout up
        # into site-packages; its node ID (static/test_gaps.py::...) says what it is.
        config.cwd_relative_nodeid = lambda nodeid: nodeid
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(HtmlReport(config), "ssot-audit-html")


def audit_of(config: pytest.Config) -> Audit:
    return config.stash[AUDIT]


_SPECS: dict[tuple, Spec] = {}


def _spec(function, module, nodeid: str) -> Spec:
    """One Spec per test function, however many items pytest makes of it."""
    key = (function, nodeid)
    if key not in _SPECS:
        _SPECS[key] = Spec.of(function, module, nodeid)
    return _SPECS[key]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    spec = _spec(metafunc.function, metafunc.module, metafunc.definition.nodeid)
    if spec.item_args:
        cases = audit_of(metafunc.config).cases(spec)
        # Each item argument receives the case; the engine hands the test the case's own values.
        metafunc.parametrize(spec.item_args, [pytest.param(*[c] * len(spec.item_args), id=c.id) for c in cases])


def nodeid_of(item: pytest.Item, case: Case) -> str:
    """The item's node ID as the engine names it (relative to the suite), with pytest's own parameter part."""
    return case.spec.nodeid + item.nodeid[len(item.nodeid.partition("[")[0]) :]


def case_of(item: pytest.Item) -> Case | None:
    """The engine's case of a test item; None for a test that is not the suite's (a plain pytest test)."""
    if CASE not in item.stash:
        if not isinstance(item, pytest.Function):
            return None
        params = getattr(getattr(item, "callspec", None), "params", {})
        case = next((v for v in params.values() if isinstance(v, Case)), None)
        if case is None:
            host = params.get("_testinfra_host")  # a live test: the host is part of what it checks
            spec = _spec(item.function, item.module, item.nodeid.partition("[")[0])
            case = audit_of(item.config).cases(spec, host.backend.get_hostname() if host else None)[0]
        item.stash[CASE] = case
    return item.stash[CASE]


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: only the selected tests need roots
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    audit = audit_of(config)
    try:
        audit.roots.check({name for item in items for name in getattr(item, "fixturenames", ())})
    except UsageError as error:
        raise pytest.UsageError(str(error)) from None
    audit.plan_scripts(case_of(item) for item in items)
    for item in items:
        case = case_of(item)
        if case is None:
            continue
        # The markers say what the catalogue says of this item: its own IDs, not its function's whole family.
        item.own_markers[:] = [m for m in item.own_markers if m.name not in catalogue_mod.KINDS]
        for kind in catalogue_mod.KINDS:
            own = [id_ for k, id_ in case.claim_ids if k == kind]
            if own:
                item.add_marker(getattr(pytest.mark, kind)(*own))
        item.user_properties += case.claim_ids
        if case.claims:
            item.user_properties.append(("severity", ",".join(sorted({e.severity or "" for e in case.claims}))))
        callspec = getattr(item, "callspec", None)
        if callspec:  # what was checked: the item from the sources, or the host
            item.user_properties.append(("target", callspec.id))
        if case.skip:  # skipped before any fixture is set up; the engine says what the skip means (makereport)
            item.add_marker(pytest.mark.skip(reason=case.skip))


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    case = case_of(pyfuncitem)
    if case is None:
        return None
    fixtures = {a: pyfuncitem.funcargs[a] for a in case.spec.argnames if a not in case.spec.item_args}
    ran = audit_of(pyfuncitem.config).run(case, fixtures, nodeid_of(pyfuncitem, case))
    pyfuncitem.stash[RAN] = ("call", ran)
    for advisory in ran.advisories:  # into pytest's warnings summary, as the gates' WARN lines
        warnings.warn(advisory, stacklevel=1)
    result = ran.result
    if result.outcome == "passed":
        return True
    if result.outcome in ("waived", "known"):
        pytest.xfail(result.reason)
    if result.outcome in ("skipped", "n/a") and not isinstance(ran.raised, pytest.skip.Exception):
        pytest.skip(result.reason)  # a source its check needs is broken, a command a host lacks
    if ran.raised is not None:
        raise ran.raised
    pytest.fail(result.reason, pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    case = case_of(item)
    if case is None:
        return report
    report.ssot = {"claims": case.claim_ids, "nodeid": nodeid_of(item, case)}
    if case.skip and call.when == "setup":
        item.stash[RAN] = ("setup", audit_of(item.config).run(case, {}, nodeid_of(item, case)))
    when, ran = item.stash.get(RAN, (None, None))
    if when == call.when:
        result = ran.result
        report.ssot["result"] = dataclasses.asdict(result)
        if result.findings:
            # On a finding, the IDs are the entries it is about (none: drift beyond the catalogue), and the
            # file the drift is in says more than the parameter that found it.
            about = list(dict.fromkeys(tuple(e) for f in result.findings for e in f["entries"]))
            report.user_properties = [
                (k, v) for k, v in report.user_properties if k not in ("target", *catalogue_mod.KINDS)
            ] + [*about, *(("finding", headline(f)) for f in result.findings), ("target", location(result.findings[0]))]
    return report


def _estate_fixture(name: str, doc: str):
    """A session fixture for what the estate gives the suite's tests (ssot_audit/estate.py), as every path gives it."""

    def fixture(pytestconfig: pytest.Config):
        return audit_of(pytestconfig).fixture(name)

    fixture.__doc__ = doc
    return pytest.fixture(scope="session", name=name)(fixture)


spine = _estate_fixture("spine", "The agentic-spine checkout, read through its typed view.")
workbench = _estate_fixture("workbench", "The workbench checkout, read against the spine.")
mint_modules = _estate_fixture("mint_modules", "The mint-modules checkout, or None when absent (its tests skip).")
home = _estate_fixture("home", "The operator's home that -m local gates read (--home, default $HOME).")
audit_now = _estate_fixture("audit_now", "The clock every date is judged against: --now, or the current time.")
waivers_file = _estate_fixture("waivers_file", "The waivers file the waivers test's findings name.")
spine_gate_runs = _estate_fixture("spine_gate_runs", "The spine's own gate scripts of this run (gate_runs.py).")


class Recorder:
    """Collects every report (on the xdist controller too) for the per-entry statuses."""

    def __init__(self, audit: Audit):
        self.audit = audit

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.audit.results.add(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.audit.deselected(getattr(item, "originalname", item.name))


@pytest.hookimpl(tryfirst=True)  # pytest-html writes its report in sessionfinish too; ours first
def pytest_sessionfinish(session: pytest.Session) -> None:
    from .outputs import report_dir  # imported by pytest_plugins: importing it earlier would skip its rewrite

    reports = report_dir(session.config)
    if reports is not None:
        audit_of(session.config).write(reports)


class HtmlReport:
    """pytest-html 4 hooks, registered at configure so the header hook sees them."""

    def __init__(self, config: pytest.Config):
        self.config = config

    @property
    def audit(self) -> Audit:
        return audit_of(self.config)

    @pytest.hookimpl(tryfirst=True)  # before pytest-html writes the page
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """The Environment table: what was audited, when judged and how selected, first; the interpreter folded.
        pytest-metadata fills its stash in its configure, and with xdist each worker's copy is merged back
        into it as the worker stops: so it is arranged here, at the end, on the controller."""
        # pytest-metadata comes with pytest-html; imported here, after it loaded as the plugin it is.
        from pytest_metadata.plugin import metadata_key

        if metadata_key not in self.config.stash or hasattr(self.config, "workerinput"):
            return
        run, environment = self.audit.run_record(), self.audit.environment()
        ours = {k: environment[k] for k in ("Loop", "agentic-spine", "workbench", "Hosts") if k in environment}
        ours |= {"Judged at": f"{run['judged_at']} ({run['clock']})", "Selection": closeout.selection(run),
                 "Command line": run["command"]}  # fmt: skip
        ours |= environment
        metadata = self.config.stash[metadata_key]
        rows = html.environment_rows(metadata, ours)
        metadata.clear()  # the same dict pytest-html holds: reordered in place
        metadata.update(rows)

    def pytest_html_report_title(self, report) -> None:
        report.title = f"ssot-audit: {catalogue_mod.load().loop}"

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        for offset, cell in enumerate(html.header_cells()):
            cells.insert(html.INSERT_AT + offset, cell)

    def pytest_html_results_table_row(self, report, cells: list[str]) -> None:
        html.inert_test_id(cells)
        props = getattr(report, "user_properties", [])
        for offset, cell in enumerate(html.row_cells(self.audit.catalogue(), props)):
            cells.insert(html.INSERT_AT + offset, cell)

    def pytest_html_results_summary(self, prefix: list[str], summary, postfix, session) -> None:
        audit = self.audit
        prefix.extend(html.summary_block(audit.catalogue().loop, audit.statuses(), audit.results.beyond(),
                                         audit.run_record()))  # fmt: skip


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    audit_of(config).summary(terminalreporter, Path(config.invocation_params.dir))


@pytest.hookimpl(trylast=True)  # after pytest's own tally: the verdict is the run's last line
def pytest_unconfigure(config: pytest.Config) -> None:
    if AUDIT not in config.stash:
        return
    audit = audit_of(config)
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and not hasattr(config, "workerinput"):
        for line in audit.closing_lines():
            reporter.write_line(line, bold=True)
    audit.close()
