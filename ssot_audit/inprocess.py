"""The hook's run: the file checks judged in this process, through the engine, without a pytest session.

A hook runs on every commit, and a pytest session costs more before its first check than all of a
spine's checks together (its start, and about 1 ms per test in its hooks). A run that selects only
file checks and asks nothing of pytest itself (`eligible`) is judged here, by the same `Audit` the
pytest plugin makes, with the same cases, runner, fold, reports and exit statuses; only the terminal
lines are this module's. Any other run is pytest's.
"""

from __future__ import annotations

import argparse
import re
import signal
import sys
import time
import traceback
from pathlib import Path

from .audit import Audit
from .estate import UsageError
from .options import OPTIONS
from .report.reportdir import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_USAGE, INTERRUPTED, ReportDir, terminate
from .suite import collect, suite_dir

FILE_MARKERS = {"static", "crossrepo"}
_SELECTION = ("-m", "-k")
_QUIET = ("-q", "--quiet", "--no-header", "-qq")
_OUTPUT = re.compile(r"-r\w+|--tb=\w+")  # pytest's summary and traceback styles: no effect on what is judged
# What the hook path takes besides its selection: pytest's quiet flags, and `-p no:NAME` (plugins left out).
_PYTEST_VALUED = ("--tb", "-r", "-p")
EXIT_NOTHING_SELECTED = 5


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    parser.add_argument("-m", dest="markexpr", default="")
    parser.add_argument("-k", dest="keyword", default="")
    for option in OPTIONS:
        option.add_to(parser)
    for name in _PYTEST_VALUED:
        parser.add_argument(name, action="append")
    for flag in _QUIET:
        parser.add_argument(flag, action="store_true")
    return parser


def eligible(args: list[str]) -> bool:
    """Whether the user's `args` ask only for what this run gives: file checks selected by -m from static and
    crossrepo, no option of pytest's beyond quiet output, and no report that only pytest writes (the
    HTML report and junit.xml: --html, --junitxml, or a report dir of the user's, which holds the whole set)."""
    valued = {*_SELECTION, *(o.flag for o in OPTIONS if o.flag != "--ssot-report-dir" and not o.flag_only),
              *_PYTEST_VALUED}  # fmt: skip
    flags = {*_QUIET, *(o.flag for o in OPTIONS if o.flag_only)}
    markexpr, i = None, 0
    while i < len(args):
        arg, name = args[i], args[i].split("=", 1)[0]
        if arg in flags or _OUTPUT.fullmatch(arg):
            i += 1
            continue
        if name not in valued:
            return False
        value = arg.split("=", 1)[1] if "=" in arg else (args[i + 1] if i + 1 < len(args) else None)
        if value is None or (name == "-p" and not value.startswith("no:")):
            return False
        markexpr = value if name == "-m" else markexpr
        i += 1 if "=" in arg else 2
    words = set(re.findall(r"\w+", markexpr or ""))
    return bool(words & FILE_MARKERS) and words <= FILE_MARKERS | {"or", "and"}


class _Terminal:
    """pytest's TerminalReporter `section` and `write_line`, for the summary the engine writes."""

    def section(self, title: str) -> None:
        print(f" {title} ".center(80, "="))

    def write_line(self, text: str, bold: bool = False, red: bool = False) -> None:
        print(f"\x1b[1m{text}\x1b[0m" if (bold or red) and sys.stdout.isatty() else text)


def main(args: list[str], program: list[str]) -> int:
    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        return _main(args, program)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _main(args: list[str], program: list[str]) -> int:
    started = time.perf_counter()
    options, _ = _parser().parse_known_args([a for a in args if not _OUTPUT.fullmatch(a)])
    reports = None
    try:
        audit = Audit(options, [*program, *args])
        # Opened before anything is judged, as pytest's run does: a busy or unusable dir stops the run.
        reports = ReportDir(Path(options.ssot_report_dir)) if options.ssot_report_dir else None
        status = _judge(audit)
    except UsageError as error:
        if reports is not None:
            reports.exitstatus = EXIT_USAGE
            reports.close()  # the last reports stay as they were
        print(f"ERROR: {error}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:  # before any case ran: nothing to report, the last reports stay
        if reports is not None:
            reports.close()
        print(INTERRUPTED, file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception:  # noqa: BLE001 - the engine's own defect: said as pytest says it, the old reports kept
        if reports is not None:
            reports.exitstatus = EXIT_INTERNAL
            reports.close()
        sys.stderr.write("".join(f"INTERNALERROR> {line}\n" for line in traceback.format_exc().splitlines()))
        return EXIT_INTERNAL
    try:
        if reports is not None:
            reports.exitstatus = status
            try:
                audit.write(reports)
            except BaseException:  # no half-written set lands
                reports.failed = True
                raise
            finally:
                reports.close()
        _summary(audit, status, time.perf_counter() - started)
    finally:
        audit.close()
    return status


def _judge(audit: Audit) -> int:
    """Every selected case run and recorded; pytest's exit status for what came of them."""
    chosen = [s for s in collect(suite_dir()) if audit.selection.selects_function(s.marks)]
    audit.roots.check({a for s in chosen for a in s.argnames})
    try:
        audit.plan_scripts(c for s in chosen for c in audit.cases(s))
        for spec in chosen:
            for result in audit.judge(spec):
                audit.record(result)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    if not audit.results.tests:
        return EXIT_NOTHING_SELECTED
    return audit.exit_status()


def _summary(audit: Audit, status: int, seconds: float) -> None:
    out = _Terminal()
    audit.summary(out, Path.cwd())
    counts: dict[str, int] = {}
    for test in audit.results.tests:
        counts[test.outcome] = counts.get(test.outcome, 0) + 1
    tally = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "no tests ran"
    out.section(f"{tally} in {seconds:.2f}s (ssot-audit, in-process)")
    if status == EXIT_INTERRUPTED:
        out.write_line(INTERRUPTED, red=True)
    for line in audit.closing_lines():
        out.write_line(line, bold=True)
