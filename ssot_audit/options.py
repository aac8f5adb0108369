"""The suite's own options, declared once: the pytest plugin registers them, the in-process run parses them,
and `ssot-audit --help` lists them (with the live options, which ssot_audit/live.py declares)."""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Option:
    flag: str
    help: str
    metavar: str | None = None
    attrs: dict = field(default_factory=dict)

    @property
    def flag_only(self) -> bool:
        return self.attrs.get("action") == "store_true"

    @property
    def dest(self) -> str:
        return self.flag.removeprefix("--").replace("-", "_")

    def add_to(self, group) -> None:
        """`group`: a pytest option group or an argparse parser (both take argparse's arguments)."""
        metavar = {"metavar": self.metavar} if self.metavar else {}
        add = getattr(group, "addoption", None) or group.add_argument
        add(self.flag, dest=self.dest, help=self.help, **metavar, **self.attrs)


def positive(kind: type):
    """An option type: a `kind` number above zero (a zero or negative limit would pass or fail everything)."""

    def parse(text: str):
        value = kind(text)  # ValueError: argparse says "invalid int value"
        if not (math.isfinite(value) and value > 0):
            raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
        return value

    parse.__name__ = kind.__name__
    return parse


GROUP = ("ssot-audit", "sources of truth")
WAIVERS_DEFAULT = "ops/bindings/ssot-audit.waivers.yaml"

OPTIONS = (
    Option("--spine-root", "agentic-spine checkout (default: $SPINE_ROOT, then ~/code/agentic-spine)", "DIR"),
    Option("--workbench-root", "workbench checkout (default: $WORKBENCH_ROOT, then ~/code/workbench)", "DIR"),
    Option("--mint-modules-root",
           "mint-modules checkout, for gate D26 (default: $MINT_MODULES_ROOT, then ~/code/mint-modules)", "DIR"),
    Option("--home", "the operator's home that -m local gates read (default: $HOME)", "DIR"),
    Option("--now", "the clock that expiries and backup/scrub ages are measured against, ISO 8601 "
           "(e.g. 2026-02-08T20:00:00Z); default: the current time", "TIME"),
    Option("--waivers", f"waivers file (default: <spine-root>/{WAIVERS_DEFAULT}, when present)", "FILE"),
    Option("--ssot-baseline", "results.json of an earlier run: its findings are known drift and do not fail; "
           "new findings fail and are named, fixed ones are reported as resolved", "RESULTS_JSON"),
    Option("--ssot-failing-since", "say since when each failing entry fails: judge the spine's commits since DATE "
           "(as `ssot-audit history` does) and name the commit that started each failure", "DATE"),
    Option("--ssot-report-dir", "write the report set here: ssot-report.html, junit.xml, closeout.md and "
           "results.json", "DIR"),
    Option("--ssot-judge", "what of the checkout ssot-audit runs in is judged: `worktree`, the files as they are "
           "(the default); `staged`, the commit being made (tracked files as staged, no untracked file: the default "
           "under pre-commit); or a revision's tree (pre-push)", "WHAT"),
    Option("--ssot-run-spine-gates", "run the spine's own gate scripts too: on a snapshot of the tree, with a "
           "scratch HOME, no network and a time limit; a gate ssot-audit re-implements is judged by both, and "
           "compared", attrs={"action": "store_true"}),
    Option("--ssot-spine-gate-timeout", "seconds one spine gate script may run (default: 60)", "SECONDS",
           attrs={"type": positive(float), "default": 60.0}),
)  # fmt: skip
