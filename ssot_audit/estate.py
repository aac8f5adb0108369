"""What an audit judges: the checkouts and where each came from, the clock, and the waivers in force.

Every path builds one `Estate`: a run from the checkouts on disk (the pytest plugin, the in-process
run), or one commit of a history from git objects. The suite's tests take their fixtures from it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from . import waivers as waivers_mod
from .gate_runs import GateRuns
from .repo import Repo
from .spine import Spine
from .timestamps import parse_utc
from .tree import Tree
from .workbench import Workbench

# What the suite's tests may take from the estate, by argument name.
FIXTURES = ("spine", "workbench", "mint_modules", "home", "audit_now", "waivers_file", "spine_gate_runs")


class UsageError(Exception):
    """A run that cannot start as asked (exit 4): the message says what to change."""


@dataclass(frozen=True)
class Root:
    """A checkout's place, and where that came from, so an error tells the user what to change."""

    path: Path
    flag: str
    env: str
    how: str  # "given" | "env" | "default"

    @classmethod
    def resolve(cls, given: str | None, flag: str, env: str, default: str) -> Root:
        how = "given" if given else "env" if os.environ.get(env) else "default"
        return cls(Path(given or os.environ.get(env) or default).expanduser().resolve(), flag, env, how)

    @property
    def source(self) -> str:
        if self.how == "given":
            return f"given with {self.flag}"
        if self.how == "env":
            return f"from ${self.env}; pass {self.flag} to override"
        return f"the default; pass {self.flag} or set {self.env}"


@dataclass(frozen=True)
class Roots:
    spine: Root
    workbench: Root
    mint_modules: Root
    home: Root

    @classmethod
    def resolve(cls, options) -> Roots:
        """`options`: the run's option values by dest (pytest's or the in-process parser's)."""
        return cls(
            Root.resolve(options.spine_root, "--spine-root", "SPINE_ROOT", "~/code/agentic-spine"),
            Root.resolve(options.workbench_root, "--workbench-root", "WORKBENCH_ROOT", "~/code/workbench"),
            Root.resolve(options.mint_modules_root, "--mint-modules-root", "MINT_MODULES_ROOT", "~/code/mint-modules"),
            Root.resolve(options.home, "--home", "HOME", "~"),
        )

    def spine_usable(self) -> bool:
        return (self.spine.path / "ops" / "bindings").is_dir()

    def check(self, needed: set[str]) -> None:
        """One usage error, before anything runs, when a selected test needs a checkout that is not there."""
        if needed & {"spine", "workbench"} and not self.spine_usable():
            raise UsageError(f"agentic-spine root {self.spine.path} ({self.spine.source}) is not a spine checkout "
                             "(no ops/bindings/)")  # fmt: skip
        if "workbench" in needed and not self.workbench.path.is_dir():
            raise UsageError(f"workbench root {self.workbench.path} ({self.workbench.source}) does not exist")


def judged_at(text: str | None) -> datetime:
    """`--now`, or the current time: a dated estate (like the bundled ones) is judged at its own date."""
    if not text:
        return datetime.now(timezone.utc)
    when = parse_utc(text)
    if when is None:
        raise UsageError(f"--now {text!r} is not an ISO 8601 time (e.g. 2026-02-08T20:00:00Z)")
    return when


@dataclass
class Estate:
    spine: Spine | None  # None: no spine here (not a checkout, or a commit without one)
    workbench: Workbench | None  # None without a workbench or without a spine to read it against
    mint_modules: Repo | None
    home: Path | None
    now: datetime
    waivers: waivers_mod.Waivers
    spine_gate_runs: GateRuns = field(default_factory=lambda: GateRuns(None))

    @classmethod
    def of_checkouts(cls, roots: Roots, now: datetime, waivers: waivers_mod.Waivers,
                     trees: dict[Path, Tree] | None = None) -> Estate:  # fmt: skip
        """`trees`: a checkout judged as a commit sees it (the commit being made), by its root."""
        trees = trees or {}
        spine_root, workbench_root = roots.spine.path, roots.workbench.path
        spine = Spine(Repo("agentic-spine", spine_root, trees.get(spine_root))) if roots.spine_usable() else None
        workbench = (Workbench(Repo("workbench", workbench_root, trees.get(workbench_root)), spine)
                     if spine and workbench_root.is_dir() else None)  # fmt: skip
        mint = roots.mint_modules.path
        return cls(spine, workbench, Repo("mint-modules", mint) if mint.is_dir() else None, roots.home.path, now,
                   waivers)  # fmt: skip

    def fixture(self, name: str):
        if name == "audit_now":
            return self.now
        if name == "waivers_file":
            return self.waivers.file
        return getattr(self, name)

    def lacks(self, fixtures: set[str]) -> str | None:
        """Why a test that takes these fixtures has nothing to run on here (a commit without a spine)."""
        if fixtures & {"spine", "workbench"} and self.spine is None:
            return "no agentic-spine tree here"
        if "workbench" in fixtures and self.workbench is None:
            return "no workbench tree here"
        return None
