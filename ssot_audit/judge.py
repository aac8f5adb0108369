"""The suite's static and cross-repo tests, run without a pytest session: for judging many commits in one process.

A pytest session costs about a second before any check runs; a history of two thousand commits
cannot pay that per commit. This runs the same test functions, parametrized by the same logic
(params.py), selected by pytest's own -m/-k matching, skipped and waived by the plugin's rules,
and gives the TestResults a normal run's reports give (report/results.py folds both into entry
statuses). What each test function read of the trees (gittree.Deps) decides whether a later
commit must run it again: one whose changes touch none of it cannot change what it found.
Live and local tests have no history: hosts and workstations keep none in git.
"""

from __future__ import annotations

import importlib.util
import inspect
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import pytest
from _pytest.mark import KeywordMatcher, MarkMatcher
from _pytest.mark.expression import Expression

from . import catalogue as catalogue_mod
from . import gate_versions, items
from . import params as params_mod
from . import waivers as waivers_mod
from .gittree import Deps
from .plugin import Drift
from .repo import SourceUnavailable
from .report.results import NOT_APPLICABLE, TestResult

HISTORY_DIRS = ("static", "crossrepo")  # and the suite's top-level tests (the waivers test)


@dataclass(frozen=True)
class SuiteTest:
    nodeid: str  # as an ssot-audit run names it: relative to the suite directory
    function: Callable
    argnames: tuple[str, ...]
    marks: tuple  # pytest Marks: the module's, then the function's
    explicit: tuple[tuple[str, tuple[tuple[object, str], ...]], ...]  # parametrize marks: (argname, ((value, id), ...))

    @property
    def name(self) -> str:
        return self.function.__name__

    @property
    def item_arg(self) -> str | None:
        return next((a for a in self.argnames if a in items.ITEMS), None)

    @property
    def clocked(self) -> bool:
        """Judged against the clock: it runs at every commit, whatever changed."""
        return "audit_now" in self.argnames or "waiver" in self.argnames


def _marks(obj) -> list:
    found = getattr(obj, "pytestmark", [])
    return [getattr(m, "mark", m) for m in (found if isinstance(found, list) else [found])]


def _id(value: object, argname: str, index: int) -> str:
    """pytest's ID for a plain parameter value."""
    if isinstance(value, str):
        return value.encode("unicode_escape").decode("ascii") if not value.isascii() else value
    if value is None or isinstance(value, (bool, int, float)):
        return str(value)
    return f"{argname}{index}"


def collect(suite: Path) -> list[SuiteTest]:
    """The test functions a history judges, in the order pytest collects them."""
    tests = []
    paths = sorted(suite.glob("test_*.py")) + sorted(p for d in HISTORY_DIRS for p in (suite / d).glob("test_*.py"))
    for path in sorted(paths, key=lambda p: p.relative_to(suite).as_posix()):
        rel = path.relative_to(suite).as_posix()
        spec = importlib.util.spec_from_file_location(f"ssot_audit_history.{rel[:-3].replace('/', '.')}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, function in vars(module).items():
            if not (name.startswith("test_") and inspect.isfunction(function)):
                continue
            marks = _marks(module) + _marks(function)
            explicit = tuple(
                (m.args[0], tuple((v, _id(v, m.args[0], i)) for i, v in enumerate(m.args[1])))
                for m in marks
                if m.name == "parametrize"
            )
            argnames = tuple(inspect.signature(function).parameters)
            tests.append(SuiteTest(f"{rel}::{name}", function, argnames, tuple(marks), explicit))
    return tests


@lru_cache(maxsize=8)
def _compiled(expression: str) -> Expression:
    return Expression.compile(expression)


@dataclass(frozen=True)
class Selection:
    """-m and -k, as pytest reads them."""

    markexpr: str = ""
    keyword: str = ""

    def __post_init__(self):
        for text, flag in ((self.markexpr, "-m"), (self.keyword, "-k")):
            if text:
                try:
                    Expression.compile(text)
                except SyntaxError as exc:  # pytest's ParseError is one
                    raise ValueError(f"{flag} {text!r}: {exc}") from None

    def selects(self, test: SuiteTest, nodeid: str) -> bool:
        if self.markexpr and not _compiled(self.markexpr).evaluate(MarkMatcher.from_markers(test.marks)):
            return False
        if self.keyword:
            parts = nodeid.split("::")[0].split("/")
            names = {*parts, nodeid.rpartition("::")[2], *(m.name for m in test.marks)}
            if not _compiled(self.keyword).evaluate(KeywordMatcher(frozenset(names))):
                return False
        return True

    @property
    def why_deselected(self) -> str:
        return f"deselected by -m {self.markexpr!r}" if self.markexpr else "deselected"


@dataclass
class Run:
    """A test function's last run: its items' results before waivers, and what it read."""

    results: list[TestResult]
    spine: Deps = field(default_factory=Deps)
    workbench: Deps = field(default_factory=Deps)


class _Config:
    """The one thing a test asks of pytest's config: where the waivers came from."""

    def __init__(self, waivers: str | None):
        self._waivers = waivers

    def getoption(self, name: str):
        return self._waivers if name == "waivers" else None


@dataclass
class Estate:
    """One commit's view for the tests: the spine (and workbench) over that commit's trees."""

    spine: object  # Spine, or None when the tree is not a spine checkout
    workbench: object  # Workbench, or None
    now: datetime
    waivers: list
    waivers_unusable: object | None  # the Finding when the waivers file cannot be used
    waivers_option: str | None
    mint_modules: object | None


def _outcome(function: Callable, kwargs: dict) -> tuple[str, list, str]:
    """(passed | failed | skipped | error, findings, reason) of one call, as the plugin's hooks would report it."""
    try:
        function(**kwargs)
    except Drift as drift:
        return "failed", drift.findings, ""
    except SourceUnavailable as exc:
        return "skipped", [], f"needs {exc.error.location}: {exc.error.message}"
    except pytest.skip.Exception as exc:
        return "n/a" if str(exc.msg).startswith(NOT_APPLICABLE) else "skipped", [], str(exc.msg)
    except pytest.fail.Exception as exc:
        return "error", [], (str(exc.msg).strip() or "failed").splitlines()[-1]
    except Exception as exc:  # noqa: BLE001  (any other error is the check's failure to run, as in pytest)
        last = traceback.format_exception_only(exc)[-1].strip()
        return "error", [], last
    return "passed", [], ""


def run_test(test: SuiteTest, estate: Estate) -> list[TestResult]:
    """Every item of one test function at one commit."""
    fixtures = {"spine": estate.spine, "workbench": estate.workbench, "audit_now": estate.now,
                "mint_modules": estate.mint_modules, "pytestconfig": _Config(estate.waivers_option)}  # fmt: skip
    if test.item_arg:
        grid = [(p.id, {test.item_arg: p}) for p in params_mod.parameters(test.name, test.item_arg, estate.spine,
                                                                            estate.workbench)]  # fmt: skip
    elif "waiver" in test.argnames:
        grid = _waiver_grid(estate)
    else:
        grid = [("", {})]
    for argname, values in test.explicit:
        grid = [
            (f"{gid}-{vid}" if gid else vid, {**given, argname: value}) for gid, given in grid for value, vid in values
        ]
    results, stale_for = [], {}
    for gid, given in grid:
        param = given.get(test.item_arg) if test.item_arg else None
        waiver = given.get("waiver")
        item_facets = param.facets if param else {}
        waived = (waiver.kind, waiver.id) if isinstance(waiver, waivers_mod.Waiver) else None
        claimed = params_mod.claimed(test.name, item_facets, param.entry if param else None, waived)
        claims = [(e.kind, e.id) for e in claimed]
        if tuple(claims) not in stale_for:
            stale_for[tuple(claims)] = gate_versions.stale(estate.spine.repo, claims)
        skip = (param.skip if param else None) or given.get("_skip") or stale_for[tuple(claims)]
        findings, reason = [], skip or ""
        if skip:
            outcome = "n/a" if skip.startswith(NOT_APPLICABLE) else "skipped"
        else:
            values = {k: (v.value if isinstance(v, params_mod.Param) else v) for k, v in given.items()}
            missing = [v.finding for v in values.values() if isinstance(v, params_mod.Missing)]
            if missing:
                outcome, findings = "failed", missing
            else:
                kwargs = {a: values[a] if a in values else fixtures[a] for a in test.argnames}
                outcome, findings, reason = _outcome(test.function, kwargs)
        if findings:
            findings = params_mod.attribute(test.name, claimed, item_facets, findings)
        results.append(TestResult(f"{test.nodeid}[{gid}]" if gid else test.nodeid, test.name, outcome, claims,
                                  findings, reason))  # fmt: skip
    return results


def _waiver_grid(estate: Estate) -> list[tuple[str, dict]]:
    if estate.waivers_unusable is not None:
        return [("waivers-file", {"waiver": params_mod.Missing(estate.waivers_unusable)})]
    if not estate.waivers:
        return [("none", {"waiver": None, "_skip": "no waivers file: nothing is waived"})]
    return [(f"{w.kind}-{w.id}", {"waiver": w}) for w in estate.waivers]


def waived(results: list[TestResult], estate: Estate) -> list[TestResult]:
    """Results as the run reports them: an item whose IDs are all waived (and not expired) is xfail, so
    its failure is `waived`, its pass still a pass (the plugin's non-strict xfail)."""
    active = [w for w in estate.waivers if not w.expired(estate.now.date())]
    if not active:
        return results
    out = []
    for result in results:
        covering = waivers_mod.covering(active, result.claims)
        if covering and not result.test == "test_waiver_is_current" and result.outcome in ("failed", "error"):
            reason = "; ".join(w.describe() for w in covering)
            result = TestResult(result.nodeid, result.test, "waived", result.claims, result.findings, reason)
        out.append(result)
    return out


class Judge:
    """Judges commit after commit, re-running only the test functions a commit's changes can affect."""

    def __init__(self, tests: list[SuiteTest], selection: Selection, mint_modules, waivers_option: str | None):
        self.tests = tests
        self.selection = selection
        self.mint_modules = mint_modules
        self.waivers_option = waivers_option
        self.runs: dict[str, Run] = {}
        self.reruns = 0  # test functions run, over all commits (the benchmark's measure of incrementality)
        self.changed = True  # whether the last commit's results differ from the one before
        self._waivers = None
        self._selected: dict[str, bool] = {}

    def judge(self, views: Callable[[Deps, Deps], Estate], deltas: tuple) -> list[TestResult]:
        """Every selected test item's result at this commit. `views(spine_deps, workbench_deps)` builds the
        commit's estate over fresh trees recording into those deps; `deltas` are the commit's changes to
        each repository (None: everything may have changed)."""
        spine_delta, workbench_delta = deltas
        results: list[TestResult] = []
        estate = None
        self.changed = False
        for test in self.tests:
            last = self.runs.get(test.nodeid)
            if (last is None or test.clocked or spine_delta is None or last.spine.touched(spine_delta)
                    or (workbench_delta is not None and last.workbench.touched(workbench_delta))):  # fmt: skip
                run = Run([])
                estate = views(run.spine, run.workbench)
                run.results = self._run(test, estate)
                self.changed |= last is None or run.results != last.results
                self.runs[test.nodeid] = last = run
                self.reruns += 1
            results += last.results
        if estate is None:  # nothing re-ran: the waivers still come from this commit
            estate = views(Deps(), Deps())
        waivers = (estate.waivers, estate.waivers_unusable, estate.now.date() if estate.waivers else None)
        self.changed |= waivers != self._waivers
        self._waivers = waivers
        return waived(results, estate)

    def _run(self, test: SuiteTest, estate: Estate) -> list[TestResult]:
        if estate.spine is None or ("workbench" in test.argnames and estate.workbench is None and not test.item_arg):
            repo = "agentic-spine" if estate.spine is None else "workbench"
            return [TestResult(test.nodeid, test.name, "skipped", [], [], f"no {repo} tree at this commit")]
        return run_test(test, estate)

    def selected(self, results: list[TestResult]) -> tuple[list[TestResult], dict[str, str]]:
        """(the results of selected items, the functions deselected and why), as pytest's -m/-k would split them."""
        by_id = {t.nodeid: t for t in self.tests}
        # The live and local tests are not collected here; a normal run collects and deselects them
        # (a history's or a hook's selection never includes them).
        collected = {t.name for t in self.tests}
        deselected = {name: self.selection.why_deselected for entry in catalogue_mod.load().entries.values()
                      for name in entry.covered_by if name not in collected}  # fmt: skip
        kept = []
        for result in results:
            test = by_id[result.nodeid.partition("[")[0]]
            if result.nodeid not in self._selected:
                self._selected[result.nodeid] = self.selection.selects(test, result.nodeid)
            if self._selected[result.nodeid]:
                kept.append(result)
            else:
                deselected.setdefault(test.name, self.selection.why_deselected)
        return kept, deselected
