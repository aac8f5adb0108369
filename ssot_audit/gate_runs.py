"""The spine's own gate scripts in a run: which gates the tree lists, which of them a script may judge
here, and what each script said (`--ssot-run-spine-gates`).

Without the option nothing from the checked repository runs, and every gate ssot-audit does not
re-implement says so. With it, the scripts the run asks for run side by side, contained (spine_gates.py),
the first time one is asked for. Whether a script needs the network or a host is read from the script,
never from how it failed: such a gate belongs to the live half, and no spine script ever reaches a host.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest

from . import catalogue as catalogue_mod
from . import spine_gates
from .checks.gates import advise
from .findings import Finding
from .gate_registry import Gate, GateList, gate_list
from .gate_sources import DRIFT_GATE, sections
from .repo import Repo
from .report.results import NOT_APPLICABLE
from .script_needs import ScriptNeeds
from .tree import Tree

OPTION = "--ssot-run-spine-gates"
NOT_ALLOWED = f"the spine's own scripts may not run here (pass {OPTION} to run them, contained)"
IN_HISTORY = "a history never runs the spine's scripts"


def listed(repo: Repo) -> GateList:
    """The tree's gate list, read once per tree."""
    known = _LISTS.get(repo.tree)
    if known is None:
        known = _LISTS[repo.tree] = gate_list(repo)
    return known


def needs(repo: Repo, gate: Gate) -> spine_gates.Needs:
    """What the gate's script needs, read from its text (and the helpers it sources): every listed gate's
    at the first ask for a tree, remembered by content (script_needs.py)."""
    known = _NEEDS.get(repo.tree)
    if known is None:
        git = repo.root / ".git"
        scripts = {g.id: _script(repo, g) for g in listed(repo).active}
        known = _NEEDS[repo.tree] = _SCRIPT_NEEDS.of_tree(scripts, repo.tree.text, git if git.is_dir() else None)
    if gate.id not in known:
        known.update(_SCRIPT_NEEDS.of_tree({gate.id: _script(repo, gate)}, repo.tree.text, None))
    return known[gate.id]


def _script(repo: Repo, gate: Gate) -> tuple[str, str]:
    text = _inline(repo, gate) if gate.inline else repo.tree.text(gate.script) if gate.script else None
    return text or "", gate.script or ""


_LISTS: WeakKeyDictionary[Tree, GateList] = WeakKeyDictionary()
_NEEDS: WeakKeyDictionary[Tree, dict[str, spine_gates.Needs]] = WeakKeyDictionary()
_SCRIPT_NEEDS = ScriptNeeds()


def catalogue_of(repo: Repo | None) -> catalogue_mod.Catalogue:
    """The catalogue as reports show it for this tree: every gate the spine lists is an entry, named by the
    spine (the bundled catalogue where the tree lists none)."""
    bundled = catalogue_mod.load()
    gates = listed(repo) if repo is not None else None
    if gates is None or not gates.gates:
        return bundled
    return bundled.with_gates({g.id: g.metadata for g in gates.gates}, {g.id for g in gates.retired},
                              script_tests(repo))  # fmt: skip


def script_tests(repo: Repo) -> dict[str, str]:
    """gate -> the test of its script (catalogue.SCRIPT_TESTS): on the hosts' side when it needs a host."""
    return {g.id: _test_of(needs(repo, g)) for g in listed(repo).active}


def _test_of(need: spine_gates.Needs) -> str:
    live = [name for name, marker in catalogue_mod.SCRIPT_TESTS.items() if marker == "live"]
    static = [name for name, marker in catalogue_mod.SCRIPT_TESTS.items() if marker == "static"]
    return (live if need.network else static)[0]


@dataclass
class GateRuns:
    """The run's scripts. `allowed`: the user passed the option; `why_not`: why no script runs otherwise."""

    repo: Repo | None
    allowed: bool = False
    why_not: str = NOT_ALLOWED
    workbench_root: Path | None = None
    clock: datetime | None = None
    timeout: float = 60
    planned: list[str] = field(default_factory=list)
    runs: dict[str, spine_gates.ScriptRun] = field(default_factory=dict)
    containment: str = ""
    seconds: float = 0.0

    def plan(self, gates: list[str]) -> None:
        """The gates this process will ask for: run together, side by side, at the first ask."""
        self.planned = [g for g in dict.fromkeys(gates) if g not in self.runs and self._not_here(g) is None]

    def _run(self, gate: str) -> spine_gates.ScriptRun:
        if gate not in self.runs:
            wanted = [g for g in dict.fromkeys([*self.planned, gate]) if g not in self.runs]
            gates = listed(self.repo)
            requests = [spine_gates.ScriptRequest(g, gates.get(g).script, _inline(self.repo, gates.get(g)))
                        for g in wanted]  # fmt: skip
            with spine_gates.Runner(self.repo.root, self.workbench_root, self.clock, self.timeout) as runner:
                self.runs.update(runner.run(requests))
                self.containment, self.seconds = runner.containment, self.seconds + runner.seconds
            self.planned = []
        return self.runs[gate]

    def _not_here(self, gate: str) -> str | None:
        """Why the script of `gate` does not run in this run, or None when it does."""
        if not self.allowed:
            return f"not judged by the spine's script: {self.why_not}"
        need = needs(self.repo, listed(self.repo).get(gate))
        if need.network:
            return f"not judged: needs the network or a host ({need.network}); no spine script reaches one"
        if need.macos and sys.platform != "darwin":
            return f"{NOT_APPLICABLE} the spine's script runs only on macOS ({need.macos})"
        # What ssot-audit knows of a gate it re-implements says what else its script reads: a workstation's
        # home (a contained run has a scratch one), or the workbench (the run may have none).
        markers = catalogue_mod.load().stand_in("gate", gate).markers
        if "local" in markers:
            return ("not judged by the spine's script here: it reads the operator's workstation, and a "
                    "contained run has a scratch home (ssot-audit judges it under -m local)")  # fmt: skip
        if "crossrepo" in markers and self.workbench_root is None:
            return "not judged by the spine's script: it reads the workbench, and this run has none (--workbench-root)"
        return None

    def findings(self, gate: str) -> list[Finding]:
        """What the spine's script of `gate` found; skips (pytest's skip) with why it was not judged."""
        skip = self._not_here(gate)
        if skip is not None:
            pytest.skip(skip)
        listing = listed(self.repo).get(gate)
        run = self._run(gate)
        if run.verdict == "WARN":  # the spine's meaning: a warning, never a failure
            advise(f"the spine's own {gate} warns: {run.output.strip()}")
        if run.verdict in ("PASS", "WARN"):
            return []
        if run.verdict != "FAIL":
            pytest.skip(f"not judged: the spine's script did not run to a verdict ({run.verdict}: {run.reason})")
        return [
            Finding(
                f"agentic-spine/{listing.script}", None, f"the spine's own {gate} fails",
                expected=f"{listing.script} passes (run contained, on a snapshot of the tree)",
                found=run.output.strip() or "no output; non-zero exit status",
                fix=listing.fix or f"see {listing.script}",
            )
        ]  # fmt: skip


def _inline(repo: Repo, gate: Gate) -> str | None:
    if not gate.inline:
        return None
    return sections(repo.tree.text(DRIFT_GATE) or "")[1].get(gate.id)
