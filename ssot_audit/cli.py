"""`ssot-audit`: the packaged suite against the checkout you are in, with pytest's own arguments.

    cd ~/code/agentic-spine && ssot-audit -m static
    cd ~/code/workbench && ssot-audit -m crossrepo     # spine from SPINE_ROOT or ~/code/agentic-spine

Inside a spine checkout it audits that checkout, whatever SPINE_ROOT says (a hook
checks the commit being made, not another tree); inside a workbench checkout, likewise
--workbench-root. The other repo still comes from its option, variable or default.
Reports go under the checkout's .git/ssot-audit/ unless --ssot-report-dir says
otherwise: the suite never writes into the tree it checks. There, by default, only
closeout.md and results.json: the HTML report and junit.xml when asked for (--html,
--junitxml, or --ssot-report-dir, which writes the whole set).

The hook runs on every commit, so pytest plugins the run cannot use are not loaded
(`-p no:...`): xdist without -n/--dist, testinfra when -m selects no live tests and
no host option is given, pytest-html and JUnit unless asked for.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from . import __version__, inprocess
from .gitobjects import GitError, git_dir, toplevel
from .suite import checkout_roots, suite_dir


def current_repo(cwd: Path) -> Path:
    return toplevel(cwd) or cwd


def defaults(args: list[str], cwd: Path) -> list[str]:
    out = checkout_roots(cwd, args)
    try:
        reports = git_dir(cwd) / "ssot-audit"
    except GitError:
        reports = None
    if "--ssot-report-dir" not in " ".join(args) and reports:
        out += ["--ssot-report-dir", str(reports)]
    return out + unneeded_plugins(args)


# Each plugin the hook can do without, and the arguments that ask for it (an option, or `--opt=value`).
_OPTIONAL_PLUGINS = {
    ("xdist", "xdist.looponfail"): ("-n", "--numprocesses", "--maxprocesses", "--max-worker-restart", "--dist",
                                    "--loadscope-reorder", "--no-loadscope-reorder", "--tx", "--px", "-d",
                                    "--rsyncdir", "--rsyncignore", "--testrunuid", "--maxschedchunk",
                                    "-f", "--looponfail"),
    ("html", "html_fixtures", "metadata"): ("--html", "--self-contained-html", "--css", "--metadata",
                                             "--metadata-from-json", "--metadata-from-json-file",
                                             "--ssot-report-dir"),
    ("junitxml",): ("--junitxml", "--junit-xml", "--junit-prefix", "--ssot-report-dir"),
    ("pytest11.testinfra",): ("--connection", "--hosts", "--ssh-config", "--ssh-extra-args", "--ssh-identity-file",
                              "--sudo", "--sudo-user", "--ansible-inventory", "--force-ansible", "--nagios"),
}  # fmt: skip


def _asks_for(args: list[str], options: tuple[str, ...]) -> bool:
    # "-n4" is -n 4; a long option may carry its value after "="
    return any(
        arg == o or arg.startswith(f"{o}=") or (len(o) == 2 and arg.startswith(o)) for arg in args for o in options
    )


def _may_select_live(args: list[str]) -> bool:
    """Whether the -m expressions (all of them: pytest takes the last) can select live tests."""
    exprs = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "-m"] + [
        a[2:] for a in args if a[:2] == "-m" and a[2:]
    ]
    return not exprs or any({"live", "not"} & set(re.findall(r"\w+", expr)) for expr in exprs)


def unneeded_plugins(args: list[str]) -> list[str]:
    """`-p no:NAME` for every installed plugin this run cannot use (pytest ignores names it does not know)."""
    if _asks_for(args, ("-h", "--help", "--fixtures", "--fixtures-per-test")):
        return []  # listing options or fixtures: every plugin's
    off = []
    for names, options in _OPTIONAL_PLUGINS.items():
        needed = _asks_for(args, options) or ("pytest11.testinfra" in names and _may_select_live(args))
        off += [] if needed else [part for name in names for part in ("-p", f"no:{name}")]
    return off


USAGE = """usage: ssot-audit [options] [pytest options]

Runs the ssot-audit suite against the checkout you are in: inside a spine checkout that checkout is
--spine-root, inside a workbench checkout it is --workbench-root.

  ssot-audit -m static                     the spine's own files (the pre-commit hook)
  ssot-audit -m "static or crossrepo"      and the workbench against the spine
  ssot-audit -m live --hosts=ssh://pve ...  the hosts, read-only over SSH (nightly)
  ssot-audit --ssot-baseline .git/ssot-audit/results.json -m static
                                           fail only on drift that is new since that run
  ssot-audit history --since 2026-02-07    when each entry's status changed, commit by commit
                                           (ssot-audit history --help)

Markers: static, crossrepo, live, local. Reports: closeout.md, results.json, ssot-report.html and
junit.xml under the checkout's .git/ssot-audit/ (or --ssot-report-dir). Exit status: 0 no drift,
1 drift found, 4 usage error. ssot-audit --version prints the suite's version.
"""


class _Options:
    """Stands in for pytest's parser to read what our plugins add: (group description, names, attrs)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, tuple[str, ...], dict]] = []

    def getgroup(self, name: str, description: str = ""):
        rows = self.rows

        class Group:
            def addoption(self, *names: str, **attrs) -> None:
                rows.append((description or name, names, attrs))

        return Group()


def usage() -> str:
    """Our own options, read from the plugins that define them, before pytest's hundreds."""
    from . import live, plugin

    options = _Options()
    for module in (plugin, live):
        module.pytest_addoption(options)
    lines, heading = [USAGE.rstrip()], None
    for description, names, attrs in options.rows:
        if description != heading:
            lines += ["", f"{description}:"]
            heading = description
        value = "" if attrs.get("action") == "store_true" else f" {attrs.get('metavar') or 'VALUE'}"
        lines += [f"  {', '.join(names)}{value}", f"      {attrs.get('help', '')}"]
    lines += ["", "pytest's own options (-k, -x, --tb, -n, --html, ...) work too: ssot-audit --help-pytest lists them."]
    return "\n".join(lines)


HISTORY_USAGE = """ssot-audit history [--since DATE] [--until DATE] [REVISION-RANGE ...] [-m MARKEXPR] [-k EXPR]
                          [--workbench-root DIR] [--ssot-report-dir DIR]"""
HISTORY_ABOUT = """Judges every first-parent commit of the range (default: HEAD's history) of the spine checkout you
are in, each at its own commit date, from git objects (nothing is checked out or written to the
repository). Writes history.json and history.html to the report dir: for each catalogue entry and
each finding beyond the catalogue, the commits where its status changed. With --workbench-root (a
workbench git checkout), each spine commit is paired with the workbench commit current at its date.
Selection: -m static by default, "static or crossrepo" with a workbench. Live and local tests
have no history. DATE and REVISION-RANGE are as git log takes them."""


# Each option of `ssot-audit history`: (names, metavar, help).
HISTORY_OPTIONS = [
    (("--since",), "DATE", "judge only commits after DATE, as git log --since reads it"),
    (("--until",), "DATE", "judge only commits up to DATE, as git log --until reads it"),
    (("--spine-root",), "DIR", "the spine git checkout (default: the checkout you are in)"),
    (("--workbench-root",), "DIR", "a workbench git checkout: each spine commit is paired with the workbench "
                                   "commit current at its date, so the cross-repo entries get a history"),
    (("--mint-modules-root",), "DIR", "the mint-modules checkout gates D25 and D26 read (default: "
                                      "MINT_MODULES_ROOT, then ~/code/mint-modules)"),
    (("--waivers",), "FILE", "waivers to apply at every commit, instead of the spine's own "
                             "ops/bindings/ssot-audit.waivers.yaml of each commit"),
    (("--ssot-report-dir",), "DIR", "where history.json and history.html go (default: the checkout's "
                                    ".git/ssot-audit/)"),
    (("-m",), "MARKEXPR", 'select tests by marker, as pytest -m (default: static; "static or crossrepo" with '
                          "--workbench-root)"),
    (("-k",), "EXPR", "select tests by keyword, as pytest -k"),
]  # fmt: skip


class _HistoryUsage(Exception):
    """A command line `ssot-audit history` cannot run: a usage error, exit status 4 as for the suite."""


def _history_parser():
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str):  # argparse would exit 2; the suite's usage errors exit 4
            raise _HistoryUsage(message)

    parser = Parser(prog="ssot-audit history", usage=HISTORY_USAGE, description=HISTORY_ABOUT)
    parser.add_argument("revisions", nargs="*", metavar="REVISION-RANGE",
                        help="the commits to judge, as git log takes them (default: HEAD)")  # fmt: skip
    for names, metavar, text in HISTORY_OPTIONS:
        parser.add_argument(*names, dest=names[0].lstrip("-").replace("-", "_"), metavar=metavar, help=text)
    parser.add_argument("--version", action="version", version=f"ssot-audit {__version__}",
                        help="print ssot-audit's version and exit")  # fmt: skip
    return parser


def history_main(args: list[str]) -> int:
    from . import gitobjects, history
    from .estate import Root, UsageError
    from .pytest_rules import Selection
    from .report import history_html
    from .report.reportdir import ReportDir

    parser = _history_parser()
    try:
        options = parser.parse_args(args)
    except _HistoryUsage as error:
        print(f"{parser.format_usage().rstrip()}\nssot-audit history: error: {error}", file=sys.stderr)
        return 4
    except SystemExit as done:  # --help and --version print, then exit 0
        return int(done.code or 0)
    spine_root = Path(options.spine_root).resolve() if options.spine_root else current_repo(Path.cwd())
    try:
        spine = history.Side("agentic-spine", spine_root, gitobjects.git_dir(spine_root))
        workbench = None
        if options.workbench_root:
            root = Path(options.workbench_root).resolve()
            workbench = history.Side("workbench", root, gitobjects.git_dir(root))
        markers = options.m or ("static or crossrepo" if workbench else "static")
        selection = Selection(markers, options.k or "")
        mint = Root.resolve(options.mint_modules_root, "--mint-modules-root", "MINT_MODULES_ROOT",
                            "~/code/mint-modules").path  # fmt: skip
        from .repo import Repo

        # absolute, not resolved: a dangling link there is the report dir's usage error, not a dir made for it
        where = Path(options.ssot_report_dir).absolute() if options.ssot_report_dir else spine.git / "ssot-audit"
        reports = ReportDir(where)  # locked first: a run that cannot write its reports does not start
    except (gitobjects.GitError, UsageError) as error:
        print(f"ssot-audit history: {error}", file=sys.stderr)
        return 4
    try:
        document = history.run(spine, workbench, options.revisions, options.since, options.until, selection,
                               suite_dir(), Repo("mint-modules", mint) if mint.is_dir() else None, options.waivers)  # fmt: skip
    except (gitobjects.GitError, history.HistoryError) as error:
        reports.close()  # the reports there stay as they were
        print(f"ssot-audit history: {error}", file=sys.stderr)
        return 4
    except KeyboardInterrupt:
        reports.close()
        print("ssot-audit history: interrupted; the reports there stay as they were", file=sys.stderr)
        return 2
    reports.exitstatus = 0
    try:
        reports.write_json("history.json", document)
        reports.write_html("history.html", history_html.render(document))
    except BaseException:  # no half-written set lands
        reports.failed = True
        raise
    finally:
        reports.close()
    print(history.summary(document, reports.final))
    return 0


def main(argv: list[str] | None = None) -> int:
    # Whatever the locale: a path or value no encoding can write is shown escaped, never a crash.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["history"]:
        return history_main(args[1:])
    if "--version" in args:  # pytest's --version would print pytest's
        print(f"ssot-audit {__version__}")
        return 0
    if "-h" in args or "--help" in args:
        print(usage())
        return 0
    args = ["--help" if a == "--help-pytest" else a for a in args]
    given = [*defaults(args, Path.cwd()), *args]
    if inprocess.eligible(args):  # the hook's run: file checks only, nothing asked of pytest itself
        return inprocess.main(given, ["ssot-audit"])
    suite = suite_dir()
    return int(pytest.main([str(suite), "-c", str(suite / "pytest.ini"), "--rootdir", str(suite), *given]))


if __name__ == "__main__":
    sys.exit(main())
