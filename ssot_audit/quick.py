"""The pre-commit hook's run: the static and cross-repo tests judged in this process, without a pytest session.

A hook runs on every commit, and a pytest session costs more before the first check than all the
checks of a spine together (its start, and about 1 ms per test in its hooks). For a run that selects
only file checks and asks for nothing only pytest gives (other plugins' options, tracebacks, -x,
verbose lists), `ssot-audit` judges with the engine of `ssot-audit history` (judge.py: the same test
functions, parameters, skips, waivers and selection), folds the results with the same code, and
writes the same closeout.md, results.json and terminal summary. Any other run is pytest's.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from . import __version__, gate_registry, judge
from . import catalogue as catalogue_mod
from . import waivers as waivers_mod
from .baseline import Baseline, BaselineError
from .plugin import resolve_root, root_source
from .redact import redact
from .repo import Repo
from .report import closeout, terminal
from .report import environment as environment_mod
from .report.results import Results
from .spine import Spine
from .timestamps import parse_utc
from .workbench import Workbench

FILE_MARKERS = {"static", "crossrepo"}
# The options this run takes (with a value, or a flag); anything else is pytest's to run.
_VALUED = ("-m", "-k", "--now", "--spine-root", "--workbench-root", "--mint-modules-root", "--waivers",
           "--ssot-baseline", "--ssot-report-dir", "--tb", "-r", "-p")  # fmt: skip
_FLAGS = ("-q", "--quiet", "--no-header", "-qq")


def eligible(args: list[str]) -> bool:
    """Whether `args` (after ssot-audit's defaults) ask only for what this run gives: file checks selected
    by -m from static and crossrepo, no option of pytest's beyond quiet output, no other plugin enabled."""
    markexpr, i = None, 0
    while i < len(args):
        arg, name = args[i], args[i].split("=", 1)[0]
        if arg in _FLAGS or re.fullmatch(r"-r\w+|--tb=\w+", arg):
            i += 1
            continue
        if name not in _VALUED:
            return False
        value = arg.split("=", 1)[1] if "=" in arg else (args[i + 1] if i + 1 < len(args) else None)
        if value is None or (name == "-p" and not value.startswith("no:")):
            return False
        markexpr = value if name == "-m" else markexpr
        i += 1 if "=" in arg else 2
    words = set(re.findall(r"\w+", markexpr or ""))
    return bool(words & FILE_MARKERS) and words <= FILE_MARKERS | {"or", "and"}


class _Terminal:
    """pytest's section/write_line, for the shared summary (report/terminal.py)."""

    def section(self, title: str) -> None:
        print(f" {title} ".center(80, "="))

    def write_line(self, text: str, bold: bool = False) -> None:
        print(f"\x1b[1m{text}\x1b[0m" if bold and sys.stdout.isatty() else text)


class UsageError(Exception):
    """The same usage errors the pytest run gives (exit 4)."""


def main(args: list[str], program: list[str]) -> int:
    started = time.perf_counter()
    parser = argparse.ArgumentParser(add_help=False)
    for name in _VALUED:
        parser.add_argument(name, action="append" if name == "-p" else "store")
    for flag in _FLAGS:
        parser.add_argument(flag, action="store_true")
    options, _ = parser.parse_known_args([a for a in args if not re.fullmatch(r"-r\w+|--tb=\w+", a)])
    try:
        return _run(options, args, program, started)
    except (UsageError, pytest.UsageError) as error:
        print(f"ERROR: {error}", file=sys.stderr)
        return 4


def _run(options, args: list[str], program: list[str], started: float) -> int:
    from .cli import suite_dir

    spine_root = resolve_root(options.spine_root, "SPINE_ROOT", "~/code/agentic-spine")
    workbench_root = resolve_root(options.workbench_root, "WORKBENCH_ROOT", "~/code/workbench")
    now = parse_utc(options.now) if options.now else datetime.now(timezone.utc)
    if now is None:
        raise UsageError(f"--now {options.now!r} is not an ISO 8601 time (e.g. 2026-02-08T20:00:00Z)")
    selection = judge.Selection(options.m, options.k or "")
    tests = judge.collect(suite_dir())
    chosen = [t for t in tests if selection.selects(t, t.nodeid)]
    if not (spine_root / "ops" / "bindings").is_dir() and chosen:
        source = root_source(options.spine_root, "spine_root", "SPINE_ROOT")
        raise UsageError(f"agentic-spine root {spine_root} ({source}) is not a spine checkout (no ops/bindings/)")
    if any("workbench" in t.argnames for t in chosen) and not workbench_root.is_dir():
        source = root_source(options.workbench_root, "workbench_root", "WORKBENCH_ROOT")
        raise UsageError(f"workbench root {workbench_root} ({source}) does not exist")
    baseline = None
    if options.ssot_baseline:
        try:
            baseline = Baseline.load(Path(options.ssot_baseline))
        except BaselineError as error:
            raise UsageError(f"--ssot-baseline: {error}") from None
    spine = Spine(Repo("agentic-spine", spine_root))
    waivers, unusable, waivers_given = waivers_mod.find(options.waivers, spine_root)
    mint = resolve_root(options.mint_modules_root, "MINT_MODULES_ROOT", "~/code/mint-modules")
    estate = judge.Estate(spine, Workbench(Repo("workbench", workbench_root), spine) if workbench_root.is_dir()
                          else None, now, waivers, unusable, options.waivers,
                          Repo("mint-modules", mint) if mint.is_dir() else None)  # fmt: skip
    engine = judge.Judge(tests, selection, estate.mint_modules, options.waivers)
    results = Results()
    results.tests, results.deselected = engine.selected(engine.judge(lambda *_: estate, (None, None)))
    results.selection = options.m
    if baseline is not None:
        results.tests = [_against(t, baseline) for t in results.tests]
    coverage = gate_registry.coverage(spine.repo)
    catalogue = catalogue_mod.load()
    catalogue = catalogue.with_gate_metadata(coverage.metadata) if coverage else catalogue
    statuses, beyond = results.entries(catalogue), results.beyond()
    against = results.against(baseline) if baseline else None
    code = 1 if any(t.outcome in ("failed", "error") for t in results.tests) else 0
    _report(options, spine_root, workbench_root, now, program, args, waivers_given, coverage, catalogue,
            statuses, beyond, against, code)  # fmt: skip
    _summary(results, statuses, beyond, against, catalogue, coverage, spine_root, workbench_root, started)
    return code


def _against(test, baseline: Baseline):
    """A test's findings marked known or new; a failure all of whose findings are known does not fail."""
    for finding in test.findings:
        finding["known"] = baseline.knows(test.nodeid, finding)
    if test.outcome == "failed" and test.findings and all(f["known"] for f in test.findings):
        test.outcome, test.reason = "known", f"known drift: in the baseline {baseline.path}"
    return test


def _report(options, spine_root, workbench_root, now, program, args, waivers_given, coverage, catalogue,
            statuses, beyond, against, code) -> None:  # fmt: skip
    if not options.ssot_report_dir:
        return
    from .outputs import ReportDir
    from .report.environment import commit

    reports = ReportDir(Path(options.ssot_report_dir))
    environment = environment_mod.environment(f"{spine_root} @ {commit(spine_root)}",
                                              f"{workbench_root} @ {commit(workbench_root)}", "none",
                                              waivers_given, coverage)  # fmt: skip
    run = environment_mod.run_record(now, bool(options.now), options.m, options.k or "", [*program, *args],
                                     "none", waivers_given)  # fmt: skip
    reports.write_markdown(
        "closeout.md", closeout.closeout_markdown(catalogue.loop, statuses, beyond, environment, run)
    )
    reports.write_json("results.json", closeout.results_document(catalogue.loop, __version__, statuses, beyond,
                                                                 environment, run, coverage, against))  # fmt: skip
    reports.exitstatus = code
    reports.close()


def _summary(results, statuses, beyond, against, catalogue, coverage, spine_root, workbench_root, started) -> None:
    out = _Terminal()
    counts: dict[str, int] = {}
    for test in results.tests:
        counts[test.outcome] = counts.get(test.outcome, 0) + 1
    shown = terminal.shown_from(Path.cwd(), {spine_root: "agentic-spine/", workbench_root: "workbench/"})
    terminal.write_summary(out, catalogue.loop, statuses, beyond, against, shown, verdict=False)
    if coverage is not None:
        out.write_line(f"gate coverage: {redact(coverage.statement)}")
        if coverage.uncovered:
            out.write_line(f"gates only spine.verify checks: {redact(', '.join(coverage.uncovered))}")
    tally = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
    out.section(f"{tally} in {time.perf_counter() - started:.2f}s (ssot-audit, in-process)")
    if any(t.claims for t in results.tests):
        out.write_line(closeout.verdict(statuses), bold=True)
