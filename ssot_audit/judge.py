"""Judging commit after commit: the engine's grid and runner, re-running only what a commit can change.

A history of two thousand commits cannot pay a pytest session per commit, nor re-run every test at
each. What each test function read of the trees (gittree.Deps) decides whether a later commit must run
it again: one whose changes touch none of it cannot change what it found. Functions judged against the
clock run at every commit, and all of them run again when the waivers in force change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from . import grid
from . import run as run_mod
from .estate import Estate
from .gittree import Deps
from .pytest_rules import Selection
from .report.results import TestResult
from .suite import Spec


@dataclass
class Run:
    """A test function's last run: its cases' results, and what it read."""

    results: list[TestResult]
    spine: Deps = field(default_factory=Deps)
    workbench: Deps = field(default_factory=Deps)


def clocked(spec: Spec) -> bool:
    """Judged against the clock: it runs at every commit, whatever changed."""
    return "audit_now" in spec.argnames or "waiver" in spec.argnames


class Judge:
    """`specs`: the suite's test functions a history judges; `selection`: the history's -m and -k."""

    def __init__(self, specs: list[Spec], selection: Selection):
        self.selection = selection
        self.specs = [s for s in specs if selection.selects_function(s.marks)]
        self.runs: dict[str, Run] = {}
        self.reruns = 0  # test functions run, over all commits (the benchmark's measure of incrementality)
        self.changed = True  # whether the last commit's results differ from the one before
        self._waivers = None

    def judge(self, views: Callable[[Deps, Deps], Estate], deltas: tuple, waivers_key) -> list[TestResult]:
        """Every selected case's result at this commit. `views(spine_deps, workbench_deps)` builds the commit's
        estate over fresh trees recording into those deps; `deltas` are the commit's changes to each
        repository (None: everything may have changed); `waivers_key` says which waivers are in force."""
        spine_delta, workbench_delta = deltas
        everything = waivers_key != self._waivers
        self.changed = everything
        self._waivers = waivers_key
        results: list[TestResult] = []
        for spec in self.specs:
            last = self.runs.get(spec.nodeid)
            if (last is None or everything or clocked(spec) or spine_delta is None or last.spine.touched(spine_delta)
                    or (workbench_delta is not None and last.workbench.touched(workbench_delta))):  # fmt: skip
                run = Run([])
                estate = views(run.spine, run.workbench)
                run.results = run_mod.judge(spec, grid.cases(spec, estate), estate, self.selection)
                self.changed |= last is None or run.results != last.results
                self.runs[spec.nodeid] = last = run
                self.reruns += 1
            results += last.results
        return results
