"""The pytest glue: options, markers, parametrization from the sources of truth, reporting.

Registered through the `pytest11` entry point so it loads at start-up, before
any conftest: pytest-html's header hook fires at session start and must see ours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest

from . import __version__, gate_plugin
from . import catalogue as catalogue_mod
from . import items as items_mod
from . import params as params_mod
from . import waivers as waivers_mod
from .baseline import Baseline, BaselineError
from .findings import Finding, render_all
from .params import Missing
from .repo import Repo, SourceUnavailable
from .report import closeout, html, terminal
from .report import environment as environment_mod
from .report.environment import commit
from .report.results import Results
from .selectors import Facets, facets, merge
from .spine import Spine
from .timestamps import parse_utc
from .workbench import Workbench

try:  # pytest-metadata comes with pytest-html; the audit still runs without it
    from pytest_metadata.plugin import metadata_key
except ImportError:  # pragma: no cover
    metadata_key = None

# --- live checks and outputs ----------------------------------------------------
# The glue for tests/live (hosts over SSH: --hosts guard, reachability once per
# host, probes, runs_on roles, --max-scrub-age-days, --now) is a plugin module of
# its own, loaded with this one; so is ssot_audit.outputs (the redaction choke
# point, and the report dir: lock, staging, atomic writes, INTERRUPTED); and ssot_audit.scale
# (pytest's failure summary kept linear in the number of tests).
pytest_plugins = ["ssot_audit.live", "ssot_audit.outputs", "ssot_audit.scale"]
# -------------------------------------------------------------------------------

SCOPE_MARKERS = {
    "static": "reads only the agentic-spine checkout (fast; pre-commit)",
    "crossrepo": "compares the spine with the workbench checkout",
    "live": "asks hosts, read-only, over SSH (needs --hosts)",
    "local": "reads the operator's workstation ($HOME, launchd, crontab)",
}
ID_MARKERS = {
    "disconnect": "disconnect(ID, ...): the loop document's disconnects this test covers (A1-F1)",
    "gate": "gate(ID, ...): the spine drift gates this test re-implements (D1-D47)",
    "about": "about(facets): what a parametrized item is, for the catalogue's selectors (set by the plugin)",
}


class Drift(pytest.fail.Exception):
    """A failed check: its findings are the whole message, without a traceback."""

    # As pytest does for its own outcomes: reports then say "Drift: ...", not a module path.
    __module__ = "builtins"

    def __init__(self, findings: list[Finding]):
        super().__init__(render_all(findings), pytrace=False)
        self.findings = findings


def expect(findings: list[Finding]) -> None:
    """Fail the test with the findings, if there are any."""
    if findings:
        raise Drift(findings)


@dataclass
class Estate:
    spine_root: Path
    workbench_root: Path

    def __post_init__(self):
        self.spine = Spine(Repo("agentic-spine", self.spine_root))
        self.workbench = Workbench(Repo("workbench", self.workbench_root), self.spine)

    def usable_spine(self) -> Spine | None:
        return self.spine if (self.spine_root / "ops" / "bindings").is_dir() else None

    def usable_workbench(self) -> Workbench | None:
        return self.workbench if self.workbench_root.is_dir() and self.usable_spine() else None


ESTATE = pytest.StashKey[Estate]()
WAIVERS = pytest.StashKey[list]()
WAIVERS_UNUSABLE = pytest.StashKey[Finding]()
WAIVERS_GIVEN = pytest.StashKey[str]()  # what the reports name as the waivers
RESULTS = pytest.StashKey[Results]()
GATE_KNOWLEDGE = pytest.StashKey["gate_plugin.GateKnowledge"]()
BASELINE = pytest.StashKey["Baseline | None"]()


def resolve_root(option: str | None, env: str, default: str) -> Path:
    return Path(option or os.environ.get(env) or default).expanduser().resolve()


def _root_source(config: pytest.Config, option: str, env: str) -> str:
    return root_source(config.getoption(option), option, env)


def root_source(given: str | None, option: str, env: str) -> str:
    """Where a root came from, so the message tells the user what to change."""
    flag = "--" + option.replace("_", "-")
    if given:
        return f"given with {flag}"
    if os.environ.get(env):
        return f"from ${env}; pass {flag} to override"
    return f"the default; pass {flag} or set {env}"


CLOCK = pytest.StashKey[datetime]()


def audit_clock(config: pytest.Config) -> datetime:
    """`--now`, or the current time: a dated estate (like the bundled ones) is judged at its own date.
    Read once, so every check and the reports name the same instant."""
    if CLOCK in config.stash:
        return config.stash[CLOCK]
    text = config.getoption("now")
    when = parse_utc(text) if text else datetime.now(timezone.utc)
    if when is None:
        raise pytest.UsageError(f"--now {text!r} is not an ISO 8601 time (e.g. 2026-02-08T20:00:00Z)")
    config.stash[CLOCK] = when
    return when


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ssot-audit", "sources of truth")
    group.addoption("--spine-root", help="agentic-spine checkout (default: $SPINE_ROOT, then ~/code/agentic-spine)")
    group.addoption("--workbench-root", help="workbench checkout (default: $WORKBENCH_ROOT, then ~/code/workbench)")
    group.addoption(
        "--mint-modules-root",
        help="mint-modules checkout, for gate D26 (default: $MINT_MODULES_ROOT, then ~/code/mint-modules)",
    )
    group.addoption("--home", help="the operator's home that -m local gates read (default: $HOME)")
    group.addoption(
        "--now",
        help="the clock that expiries and backup/scrub ages are measured against, ISO 8601 "
        "(e.g. 2026-02-08T20:00:00Z); default: the current time",
    )
    group.addoption("--waivers", help=f"waivers file (default: <spine-root>/{waivers_mod.DEFAULT}, when present)")
    group.addoption(
        "--ssot-baseline",
        metavar="RESULTS_JSON",
        help="results.json of an earlier run: its findings are known drift and do not fail; "
        "new findings fail and are named, fixed ones are reported as resolved",
    )
    group.addoption(
        "--ssot-failing-since",
        metavar="DATE",
        help="say since when each failing entry fails: judge the spine's commits since DATE (as `ssot-audit "
        "history` does) and name the commit that started each failure",
    )
    group.addoption(
        "--ssot-report-dir",
        help="write closeout.md and results.json here, and ssot-report.html and junit.xml unless --html/--junitxml",
    )


@pytest.hookimpl(tryfirst=True)  # before pytest-html and junitxml read their paths
def pytest_configure(config: pytest.Config) -> None:
    for name, text in {**SCOPE_MARKERS, **ID_MARKERS}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    estate = Estate(
        resolve_root(config.getoption("spine_root"), "SPINE_ROOT", "~/code/agentic-spine"),
        resolve_root(config.getoption("workbench_root"), "WORKBENCH_ROOT", "~/code/workbench"),
    )
    config.stash[ESTATE] = estate
    audit_clock(config)  # a bad --now is a usage error before anything runs
    config.stash[WAIVERS] = _load_waivers(config, estate)
    config.stash[BASELINE] = _load_baseline(config)
    config.stash[RESULTS] = Results()
    config.stash[RESULTS].selection = config.option.markexpr
    config.pluginmanager.register(Recorder(config.stash[RESULTS]), "ssot-audit-results")
    config.stash[GATE_KNOWLEDGE] = gate_plugin.GateKnowledge(config, estate)
    config.pluginmanager.register(config.stash[GATE_KNOWLEDGE], "ssot-audit-gates")
    if config.pluginmanager.hasplugin("html"):
        config.pluginmanager.register(HtmlReport(config), "ssot-audit-html")


def _load_waivers(config: pytest.Config, estate: Estate) -> list[waivers_mod.Waiver]:
    waivers, unusable, given = waivers_mod.find(config.getoption("waivers"), estate.spine_root)
    if unusable is not None:  # one failure of the waivers test (below)
        config.stash[WAIVERS_UNUSABLE] = unusable
    config.stash[WAIVERS_GIVEN] = given
    return waivers


COMMITS = pytest.StashKey[dict]()


def _commit(config: pytest.Config, root: Path) -> str:
    """A checkout's commit, asked of git (four commands) once per session, however many outputs show it."""
    known = config.stash.setdefault(COMMITS, {})
    if root not in known:
        known[root] = commit(root)
    return known[root]


def _load_baseline(config: pytest.Config) -> Baseline | None:
    given = config.getoption("ssot_baseline")
    if not given:
        return None
    try:
        return Baseline.load(Path(given))
    except BaselineError as error:
        raise pytest.UsageError(f"--ssot-baseline: {error}") from None


def _waivers_given(config: pytest.Config) -> str:
    return config.stash[WAIVERS_GIVEN]


def _environment(config: pytest.Config) -> dict[str, str]:
    estate = config.stash[ESTATE]
    return environment_mod.environment(
        f"{estate.spine_root} @ {_commit(config, estate.spine_root)}",
        f"{estate.workbench_root} @ {_commit(config, estate.workbench_root)}",
        getattr(config.option, "hosts", None) or "none", _waivers_given(config),
        config.stash[GATE_KNOWLEDGE].coverage(),
    )  # fmt: skip


# --- the run record: how this run judged (results.json "run", closeout.md, the HTML) ---
def _run_record(config: pytest.Config) -> dict:
    return environment_mod.run_record(
        audit_clock(config), bool(config.getoption("now")), config.option.markexpr or "",
        config.option.keyword or "", ["pytest", *(str(a) for a in config.invocation_params.args)],
        getattr(config.option, "hosts", None) or "none", _waivers_given(config),
    )  # fmt: skip


# ---------------------------------------------------------------------------------------


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "waiver" in metafunc.fixturenames:
        unusable = metafunc.config.stash.get(WAIVERS_UNUSABLE, None)
        if unusable is not None:
            metafunc.parametrize("waiver", [pytest.param(Missing(unusable), id="waivers-file")])
            return
        waivers = metafunc.config.stash[WAIVERS]
        params = [pytest.param(w, id=f"{w.kind}-{w.id}", marks=getattr(pytest.mark, w.kind)(w.id)) for w in waivers]
        reason = "no waivers file: nothing is waived"
        metafunc.parametrize("waiver", params or [pytest.param(None, id="none", marks=pytest.mark.skip(reason=reason))])
        return
    names = [n for n in metafunc.fixturenames if n in items_mod.ITEMS]
    if not names:
        return
    (argname,) = names  # one item kind per test: one invariant over one set of things
    estate = metafunc.config.stash[ESTATE]
    found = params_mod.parameters(metafunc.function.__name__, argname, estate.usable_spine(), estate.usable_workbench())
    metafunc.parametrize(argname, [_param(p) for p in found])


def _param(param: params_mod.Param):
    if param.skip:
        return pytest.param(None, id=param.id, marks=pytest.mark.skip(reason=param.skip))
    only = {"entry": param.entry} if param.entry else {}
    return pytest.param(param.value, id=param.id, marks=[pytest.mark.about(dict(param.facets), **only)])


IDENTITY = pytest.StashKey[tuple[Facets, list]]()


def identity(item: pytest.Item) -> tuple[Facets, list[catalogue_mod.Entry]]:
    """What a test item checks (its facets) and the catalogue entries that claim it."""
    if IDENTITY not in item.stash:
        about = item.get_closest_marker("about")
        item_facets: Facets = dict(about.args[0]) if about else {}
        host = getattr(getattr(item, "callspec", None), "params", {}).get("_testinfra_host")
        if host is not None:  # a live test: the host is what it checks
            item_facets = merge(item_facets, facets(host=host.backend.get_hostname()))
        test = getattr(item, "originalname", item.name)
        waiver = getattr(getattr(item, "callspec", None), "params", {}).get("waiver")
        waived = (waiver.kind, waiver.id) if isinstance(waiver, waivers_mod.Waiver) else None
        entry = about.kwargs.get("entry") if about else None
        item.stash[IDENTITY] = (item_facets, params_mod.claimed(test, item_facets, entry, waived))
    return item.stash[IDENTITY]


def catalogue_ids(item: pytest.Item) -> list[tuple[str, str]]:
    """(kind, id) of the entries that claim a test item."""
    return [(e.kind, e.id) for e in identity(item)[1]]


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: only the selected tests need roots
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    estate = config.stash[ESTATE]
    needed = {name for item in items for name in getattr(item, "fixturenames", ()) if name in ("spine", "workbench")}
    if needed and estate.usable_spine() is None:
        raise pytest.UsageError(
            f"agentic-spine root {estate.spine_root} ({_root_source(config, 'spine_root', 'SPINE_ROOT')}) "
            "is not a spine checkout (no ops/bindings/)"
        )
    if "workbench" in needed and estate.usable_workbench() is None:
        raise pytest.UsageError(
            f"workbench root {estate.workbench_root} "
            f"({_root_source(config, 'workbench_root', 'WORKBENCH_ROOT')}) does not exist"
        )
    waivers = [w for w in config.stash[WAIVERS] if not w.expired(audit_clock(config).date())]
    for item in items:
        _, claimed = identity(item)
        ids = [(e.kind, e.id) for e in claimed]
        # The markers say what the catalogue says of this item: its own IDs, not its function's whole family.
        item.own_markers[:] = [m for m in item.own_markers if m.name not in catalogue_mod.KINDS]
        for kind in catalogue_mod.KINDS:
            own = [id_ for k, id_ in ids if k == kind]
            if own:
                item.add_marker(getattr(pytest.mark, kind)(*own))
        for kind, id_ in ids:
            item.user_properties.append((kind, id_))
        if claimed:
            item.user_properties.append(("severity", ",".join(sorted({e.severity or e.cls or "" for e in claimed}))))
        callspec = getattr(item, "callspec", None)
        if callspec:  # what was checked: the item from the sources, or the host
            item.user_properties.append(("target", callspec.id))
        covering = waivers_mod.covering(waivers, ids)
        if covering and "waiver" not in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xfail(reason="; ".join(w.describe() for w in covering), strict=False))


@pytest.fixture(scope="session")
def spine(pytestconfig: pytest.Config) -> Spine:
    return pytestconfig.stash[ESTATE].spine


@pytest.fixture(scope="session")
def workbench(pytestconfig: pytest.Config) -> Workbench:
    return pytestconfig.stash[ESTATE].workbench


@pytest.fixture(scope="session")
def audit_now(pytestconfig: pytest.Config) -> datetime:
    return audit_clock(pytestconfig)


@pytest.fixture(scope="session")
def mint_modules(pytestconfig: pytest.Config) -> Repo | None:
    """The mint-modules checkout, or None when it is absent (the tests that need it skip)."""
    root = resolve_root(pytestconfig.getoption("mint_modules_root"), "MINT_MODULES_ROOT", "~/code/mint-modules")
    return Repo("mint-modules", root) if root.is_dir() else None


@pytest.fixture(scope="session")
def home(pytestconfig: pytest.Config) -> Path:
    return resolve_root(pytestconfig.getoption("home"), "HOME", "~")


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem: pytest.Function):
    """A missing thing fails as what it is, without running a check on a thing that is not there."""
    params = getattr(getattr(pyfuncitem, "callspec", None), "params", {})
    missing = [v for v in params.values() if isinstance(v, Missing)]
    if missing:
        raise Drift([m.finding for m in missing])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except SourceUnavailable as exc:
        pytest.skip(f"needs {exc.error.location}: {exc.error.message}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    item_facets, claimed = identity(item)
    ssot = {"claims": [[e.kind, e.id] for e in claimed], "drift": False, "findings": []}
    if call.when == "call" and call.excinfo and isinstance(call.excinfo.value, Drift):
        test = getattr(item, "originalname", item.name)
        findings = call.excinfo.value.findings
        ssot["findings"] = params_mod.attribute(test, claimed, item_facets, findings)
        about_ids = []
        for finding, attributed in zip(findings, ssot["findings"], strict=True):
            about_ids += [tuple(e) for e in attributed["entries"] if tuple(e) not in about_ids]
            report.user_properties.append(("finding", finding.headline()))
        ssot["drift"] = True
        baseline = item.config.stash[BASELINE]
        if baseline is not None:
            for finding in ssot["findings"]:
                finding["known"] = baseline.knows(report.nodeid, finding)
            if report.failed and all(f["known"] for f in ssot["findings"]):
                # known drift is still drift (the closeout says so); it just does not fail this run
                report.outcome, report.wasxfail = "skipped", f"known drift: in the baseline {baseline.path}"
                ssot["known"] = True
        # On a failure, the IDs are the entries its findings are about (none: drift beyond the catalogue),
        # and the file the drift is in says more than the parameter that found it.
        report.user_properties = [
            (k, v) for k, v in report.user_properties if k not in ("target", *catalogue_mod.KINDS)
        ] + [*about_ids, ("target", call.excinfo.value.findings[0].location)]
    report.ssot = ssot
    return report


def entry_statuses(config: pytest.Config) -> list:
    """Each catalogue entry's status in this run (with, for a failure, since when, when asked)."""
    statuses = config.stash[RESULTS].entries(reported_catalogue(config))
    since = _failing_since(config)
    for status in statuses if since is not None else ():
        if status.status == "failed":
            status.since = (
                since
                if isinstance(since, str)
                else since.get((status.entry.kind, status.entry.id))
                or (
                    "failing since: no commit since --ssot-failing-since fails it (uncommitted changes, or a live half)"
                )
            )
    return statuses


FAILING_SINCE = pytest.StashKey["dict | str | None"]()


def _failing_since(config: pytest.Config) -> dict | str | None:
    """(kind, id) -> "failing since <sha> <date>" from the spine's history, judged once per run (or why
    there is no history to tell)."""
    if FAILING_SINCE not in config.stash:
        given = config.getoption("ssot_failing_since")
        config.stash[FAILING_SINCE] = None
        if given and not hasattr(config, "workerinput"):
            from . import history  # a history's machinery, loaded only when asked for

            estate = config.stash[ESTATE]
            config.stash[FAILING_SINCE] = history.failing_since_by_entry(
                estate.spine_root, estate.workbench_root, given, config.option.markexpr or ""
            )
    return config.stash[FAILING_SINCE]


def reported_catalogue(config: pytest.Config) -> catalogue_mod.Catalogue:
    """The catalogue as reports show it: the spine's gate registry, where it has one, names its gates."""
    coverage = config.stash[GATE_KNOWLEDGE].coverage()
    return catalogue_mod.load().with_gate_metadata(coverage.metadata) if coverage else catalogue_mod.load()


class Recorder:
    """Collects every report (on the xdist controller too) for the per-entry statuses."""

    def __init__(self, results: Results):
        self.results = results

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.results.add(report)

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        config = items[0].config if items else None
        why = f"deselected by -m {config.option.markexpr!r}" if config and config.option.markexpr else "deselected"
        for item in items:
            self.results.deselected.setdefault(getattr(item, "originalname", item.name), why)


@pytest.hookimpl(tryfirst=True)  # pytest-html writes its report in sessionfinish too; ours first
def pytest_sessionfinish(session: pytest.Session) -> None:
    config = session.config
    from .outputs import report_dir  # imported by pytest_plugins: importing it earlier would skip its rewrite

    reports = report_dir(config)
    if reports is None:
        return
    catalogue = reported_catalogue(config)
    results = config.stash[RESULTS]
    statuses, beyond = entry_statuses(config), results.beyond()
    environment, run = _environment(config), _run_record(config)
    coverage = config.stash[GATE_KNOWLEDGE].coverage()
    baseline = config.stash[BASELINE]
    reports.write_markdown(
        "closeout.md", closeout.closeout_markdown(catalogue.loop, statuses, beyond, environment, run)
    )
    reports.write_json(
        "results.json",
        closeout.results_document(
            catalogue.loop,
            __version__,
            statuses,
            beyond,
            environment,
            run,
            coverage,
            results.against(baseline) if baseline else None,
        ),  # fmt: skip
    )


class HtmlReport:
    """pytest-html 4 hooks, registered at configure so the header hook sees them."""

    def __init__(self, config: pytest.Config):
        self.config = config

    @pytest.hookimpl(tryfirst=True)  # before pytest-html writes the page
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        """The Environment table: what was audited, when judged and how selected, first; the interpreter folded.
        pytest-metadata fills its stash in its configure, and with xdist each worker's copy is merged back
        into it as the worker stops: so it is arranged here, at the end, on the controller."""
        if metadata_key is None or metadata_key not in self.config.stash or hasattr(self.config, "workerinput"):
            return
        run, environment = _run_record(self.config), _environment(self.config)
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
        for offset, cell in enumerate(html.row_cells(reported_catalogue(self.config), props)):
            cells.insert(html.INSERT_AT + offset, cell)

    def pytest_html_results_summary(self, prefix: list[str], summary, postfix, session) -> None:
        catalogue = reported_catalogue(self.config)
        results = self.config.stash[RESULTS]
        run = _run_record(self.config)
        prefix.extend(html.summary_block(catalogue.loop, entry_statuses(self.config), results.beyond(), run))


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    results = config.stash[RESULTS]
    estate = config.stash[ESTATE]
    baseline = config.stash[BASELINE]
    shown = terminal.shown_from(config.invocation_params.dir,
                                {estate.spine_root: "agentic-spine/", estate.workbench_root: "workbench/"})  # fmt: skip
    terminal.write_summary(
        terminalreporter, reported_catalogue(config).loop, entry_statuses(config), results.beyond(),
        results.against(baseline) if baseline is not None else None, shown,
        verdict=any(t.claims for t in results.tests) and not hasattr(config, "workerinput"),
    )  # fmt: skip
