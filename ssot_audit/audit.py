"""One audit run: the estate it judges, its cases, their results, the entry statuses, the verdict, the reports.

The pytest plugin and the in-process run each make one `Audit` from the same options and give it the
same cases in the same order; what they tell the user (statuses, findings, reports, exit status) is
decided here. The history judges commit after commit with the grid and the runner directly (judge.py).
"""

from __future__ import annotations

import os
from pathlib import Path

from . import __version__, gate_runs
from . import catalogue as catalogue_mod
from . import grid as grid_mod
from . import run as run_mod
from . import waivers as waivers_mod
from .baseline import Baseline, BaselineError
from .estate import Estate, Roots, UsageError, judged_at
from .gate_registry import GateList
from .gate_runs import GateRuns
from .gitobjects import GitError, toplevel
from .gittree import commit_tree
from .pytest_rules import Selection, in_node_id
from .redact import redact
from .report import closeout, terminal
from .report import environment as environment_mod
from .report import gates as gates_report
from .report.environment import commit
from .report.results import EntryStatus, Results, TestResult
from .suite import Spec


class Audit:
    """`options`: the option values by dest (see options.py), with `markexpr` and `keyword` (-m, -k);
    `command`: how the run was started, for the run record; `hosts`: what --hosts named, or "none"."""

    def __init__(self, options, command: list[str], hosts: str = "none", here: Path | None = None):
        self.options = options
        self.command = command
        self.hosts = hosts
        self.roots = Roots.resolve(options)
        self.now = judged_at(options.now)
        self.selection = Selection(options.markexpr or "", options.keyword or "")
        self.baseline = _baseline(options.ssot_baseline)
        waivers = waivers_mod.find(options.waivers, self.roots.spine.path)
        self.judged, self._closers, trees = _commit_trees(options.ssot_judge, self.roots, here or Path.cwd())
        self.estate = Estate.of_checkouts(self.roots, self.now, waivers, trees)
        self.estate.spine_gate_runs = self._scripts()
        self.results = Results(self.selection.why_deselected)
        self._cases: dict[tuple[Spec, str | None], list[grid_mod.Case]] = {}
        self._commits: dict[Path, str] = {}

    def _scripts(self) -> GateRuns:
        """The spine's own gate scripts of this run: contained, at the audit's clock, only when allowed."""
        options = self.options
        repo = self.estate.spine.repo if self.estate.spine else None
        workbench = self.roots.workbench.path if self.roots.workbench.path.is_dir() else None
        scripts = GateRuns(repo, bool(options.ssot_run_spine_gates), workbench_root=workbench,
                           clock=self.now if options.now else None, timeout=options.ssot_spine_gate_timeout)  # fmt: skip
        if scripts.allowed and self._closers:  # the scripts copy the checkout's files, not the commit judged
            scripts.allowed, scripts.why_not = (
                False,
                (
                    f"the spine's own scripts run on a checkout's files, not on "
                    f"{self.judged}: run them outside a hook (--ssot-judge worktree)"
                ),
            )
        return scripts

    # --- the cases and their runs -------------------------------------------------------------
    def cases(self, spec: Spec, host: str | None = None) -> list[grid_mod.Case]:
        key = (spec, host)
        if key not in self._cases:
            self._cases[key] = grid_mod.cases(spec, self.estate, host)
        return self._cases[key]

    def fixture(self, name: str):
        return self.estate.fixture(name)

    def run(self, case: grid_mod.Case, fixtures: dict, nodeid: str | None = None) -> run_mod.Ran:
        return run_mod.run(case, fixtures, nodeid, self.baseline)

    def plan_scripts(self, cases) -> None:
        """The spine gate scripts the selected cases will ask for: run together, side by side, at the first ask."""
        self.estate.spine_gate_runs.plan([
            c.values["spine_gate"] for c in cases if c is not None and isinstance(c.values.get("spine_gate"), str)
            and self.selection.selects(c.nodeid, c.spec.function, c.spec.marks, in_node_id(c.id))
        ])  # fmt: skip

    def judge(self, spec: Spec) -> list[TestResult]:
        """The selected cases of `spec`, run without a pytest session (the in-process run)."""
        return run_mod.judge(spec, self.cases(spec), self.estate, self.selection, self.baseline)

    def record(self, result: TestResult) -> None:
        self.results.tests.append(result)

    def deselected(self, test: str) -> None:
        self.results.deselected.setdefault(test, self.selection.why_deselected)

    # --- what the run says ---------------------------------------------------------------------
    def gate_list(self) -> GateList | None:
        spine = self.estate.spine
        return gate_runs.listed(spine.repo) if spine is not None else None

    def catalogue(self) -> catalogue_mod.Catalogue:
        """The catalogue as reports show it: every gate the spine lists is an entry, named by the spine."""
        if not hasattr(self, "_catalogue"):
            self._catalogue = gate_runs.catalogue_of(self.estate.spine.repo if self.estate.spine else None)
        return self._catalogue

    def gate_coverage(self) -> dict | None:
        scripts = self.estate.spine_gate_runs
        seconds = {gate: run.seconds for gate, run in scripts.runs.items()}
        return gates_report.coverage(self.gate_list(), self.statuses(), seconds, scripts.seconds, scripts.containment,
                                     scripts.allowed)  # fmt: skip

    def statuses(self) -> list[EntryStatus]:
        """Each catalogue entry's status (with, for a failure, since when, when asked)."""
        statuses = self.results.entries(self.catalogue())
        since = self._failing_since()
        for status in statuses if since is not None else ():
            if status.status == "failed":
                status.since = since if isinstance(since, str) else since.get((status.entry.kind, status.entry.id)) or (
                    "failing since: no commit since --ssot-failing-since fails it (uncommitted changes, or a live half)"
                )  # fmt: skip
        return statuses

    def _failing_since(self) -> dict | str | None:
        if not hasattr(self, "_since"):
            self._since = None
            if self.options.ssot_failing_since:
                from . import history  # a history's machinery, loaded only when asked for

                self._since = history.failing_since_by_entry(
                    self.roots.spine.path, self.roots.workbench.path, self.options.ssot_failing_since,
                    self.selection.markexpr,
                )  # fmt: skip
        return self._since

    def against(self) -> dict | None:
        return self.results.against(self.baseline) if self.baseline is not None else None

    def claims_anything(self) -> bool:
        return any(t.claims for t in self.results.tests)

    def _commit(self, root: Path) -> str:
        """A checkout's commit, asked of git once per run, however many outputs show it."""
        if root not in self._commits:
            self._commits[root] = commit(root)
        return self._commits[root]

    def environment(self) -> dict[str, str]:
        spine, workbench = self.roots.spine.path, self.roots.workbench.path
        return environment_mod.environment(f"{spine} @ {self._commit(spine)}",
                                           f"{workbench} @ {self._commit(workbench)}", self.hosts,
                                           self.estate.waivers.named, self.gate_coverage())  # fmt: skip

    def run_record(self) -> dict:
        return environment_mod.run_record(self.now, bool(self.options.now), self.selection.markexpr,
                                          self.selection.keyword, self.command, self.hosts,
                                          self.estate.waivers.named, self.judged)  # fmt: skip

    def write(self, reports) -> None:
        """closeout.md and results.json into the report dir (ssot_audit/report/reportdir.py)."""
        catalogue, statuses, beyond = self.catalogue(), self.statuses(), self.results.beyond()
        environment, run = self.environment(), self.run_record()
        cover = self.gate_coverage()
        reports.write_markdown("closeout.md", closeout.closeout_markdown(catalogue.loop, statuses, beyond,
                                                                         environment, run, cover))  # fmt: skip
        reports.write_json("results.json", closeout.results_document(catalogue.loop, __version__, statuses, beyond,
                                                                     environment, run, cover, self.against()))  # fmt: skip

    def summary(self, out, cwd: Path) -> None:
        """The terminal's summary but the verdict, through any object with pytest's TerminalReporter
        `section` and `write_line`."""
        shown = terminal.shown_from(cwd, {self.roots.spine.path: "agentic-spine/",
                                          self.roots.workbench.path: "workbench/"})  # fmt: skip
        terminal.write_summary(out, self.catalogue().loop, self.statuses(), self.results.beyond(), self.against(),
                               shown)  # fmt: skip
        cover = self.gate_coverage()
        if cover is not None:  # one line: why each gate was not judged is in the reports
            out.write_line(f"gates: {redact(gates_report.statement(cover))}")

    def close(self) -> None:
        """What the run held open: a commit's blob reader."""
        for closer in self._closers:
            closer.close()

    def verdict(self) -> str | None:
        """The one line nobody may miss; None for a run of no catalogue test (nothing to say of the loop)."""
        return closeout.verdict(self.statuses(), len(self.results.beyond())) if self.claims_anything() else None

    def closing_lines(self) -> list[str]:
        """The terminal's last lines: the loop's verdict on what was judged, then, against a baseline, the
        word on this commit (a hook fails on what is new, and says so last)."""
        verdict = self.verdict()
        lines = [f"{verdict.removesuffix('.')} (judged: {self.judged})."] if verdict else []
        against = self.against()
        if against is not None:
            new, known = len(against["new"]), against["known"]
            lines.append(f"{new} new finding(s) fail this commit ({known} known)" if new
                         else f"no new finding: nothing fails this commit ({known} known)")  # fmt: skip
        return lines

    def exit_status(self) -> int:
        """pytest's: 1 when a test failed or errored (drift found), 0 otherwise."""
        return 1 if any(t.outcome in ("failed", "error") for t in self.results.tests) else 0


def _commit_trees(what: str | None, roots: Roots, here: Path) -> tuple[str, list, dict]:
    """What the run judges of the checkout it runs in (the spine's or the workbench's): (how the verdict says
    it, what to close at the end, that checkout's tree by its root). Under pre-commit the default is the
    commit being made: its index, or the commit a pre-push pushes."""
    if what is None and os.environ.get("PRE_COMMIT") == "1":
        what = os.environ.get("PRE_COMMIT_TO_REF") or "staged"
    if what in (None, "worktree"):
        return "the checkout as it is", [], {}
    top = toplevel(here)
    root = next((r.path for r in (roots.spine, roots.workbench) if top is not None and r.path == top), None)
    if root is None:
        raise UsageError(f"--ssot-judge {what}: {here} is in no checkout the run judges (spine or workbench)")
    try:
        tree, blobs = commit_tree(root, what)
    except GitError as error:
        raise UsageError(f"--ssot-judge {what}: {error}") from None
    said = "the commit being made (staged)" if what == "staged" else f"commit {what}"
    return f"{said} of {root.name}", [blobs], {root: tree}


def _baseline(given: str | None) -> Baseline | None:
    if not given:
        return None
    try:
        return Baseline.load(Path(given))
    except BaselineError as error:
        raise UsageError(f"--ssot-baseline: {error}") from None
