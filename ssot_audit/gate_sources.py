"""A tree's gate sources and the IDs of the gates it runs, read without running or parsing anything.

A gate's source is the script its section of `surfaces/verify/drift-gate.sh` dispatches to
(`surfaces/verify/d33-extraction-pause-lock.sh`, `cloudflare-drift-gate.sh`, ...), or the section itself for
the gates written inline there. The gates a tree runs are its registry's active entries (from 2026-02-13) and
drift-gate.sh's sections together: read by their IDs alone, with no YAML parse, since a history asks at every
commit (gate_registry.py reads the registry whole, for what the reports say of each gate).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from .checks.gates.scan import strip_comment
from .report.results import NOT_APPLICABLE
from .tree import Tree

VERIFY = "surfaces/verify"
DRIFT_GATE = f"{VERIFY}/drift-gate.sh"
REGISTRY = "ops/bindings/gate.registry.yaml"
_HEADER = re.compile(r"^#\s*(D\d+)\b")
_SCRIPT = re.compile(r"surfaces/verify/([\w.-]+\.sh)")
_ENTRY = re.compile(r"^[ \t]*-[ \t]+(?:\{[ \t]*)?id:[ \t]*['\"]?(D\d+)\b", re.MULTILINE)
_RETIRED = re.compile(r"\bretired:[ \t]*true\b")


class GateSource(NamedTuple):
    path: str  # the script, or "drift-gate.sh (section Dn)"
    text: str
    helpers_from: str = ""  # the text that defines the helpers it calls: drift-gate.sh's preamble, for a section


@lru_cache(maxsize=4)  # every gate's source is looked up in the same drift-gate.sh
def sections(script: str) -> tuple[str, dict[str, str]]:
    """drift-gate.sh's preamble (before the first gate) and its block for each gate: from its `# D<N>`
    header line to the next one."""
    preamble: list[str] = []
    blocks: dict[str, list[str]] = {}
    current = None
    for line in script.splitlines():
        match = _HEADER.match(line)
        if match:
            current = match[1]
            blocks.setdefault(current, [])
        (blocks[current] if current else preamble).append(line)
    return "\n".join(preamble), {gate: "\n".join(lines) for gate, lines in blocks.items()}


def gate_source(gate: str, read: Callable[[str], str | None], names: list[str]) -> GateSource | None:
    """The gate's source in a tree; `read` gives a file's text, `names` the files in surfaces/verify/.
    None when the tree carries neither a section nor a script for the gate."""
    preamble, blocks = sections(read(DRIFT_GATE) or "")
    block = blocks.get(gate)
    own = re.compile(rf"{gate.lower()}-[\w.-]+\.sh$")
    if block is not None:
        code = "\n".join(strip_comment(line) for line in block.splitlines())
        scripts = [s for s in _SCRIPT.findall(code) if s in names]
        script = next((s for s in scripts if own.match(s)), scripts[0] if scripts else None)
        if script is None:
            return GateSource(f"{DRIFT_GATE} (section {gate})", block, preamble)
        return GateSource(f"{VERIFY}/{script}", read(f"{VERIFY}/{script}") or "")
    script = next((n for n in sorted(names) if own.match(n)), None)
    return GateSource(f"{VERIFY}/{script}", read(f"{VERIFY}/{script}") or "") if script else None


class GateIds(NamedTuple):
    """The gates a tree runs: its registry's (from 2026-02-13) and drift-gate.sh's sections together."""

    runs: frozenset[str]
    retired: frozenset[str]  # retired in the registry: no longer run, whatever drift-gate.sh still says

    def absent(self, gate: str) -> str | None:
        """Why the tree does not run the gate (the reason a test of it is not applicable), or None."""
        if gate in self.retired:
            return f"{NOT_APPLICABLE} {gate} is retired in this spine"
        if gate not in self.runs:
            return f"{NOT_APPLICABLE} {gate} is not in this spine yet"
        return None


def registry_ids(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
    """(active, retired) gate IDs of a gate registry's text: its `- id: D<n>` entries, read without a YAML
    parse (a 180 KB file at 2026-03-05; the gates only need its IDs and retired flags)."""
    if not text:
        return frozenset(), frozenset()
    starts = list(_ENTRY.finditer(text))
    active, retired = set(), set()
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(text)
        (retired if _RETIRED.search(text, match.end(), end) else active).add(match[1])
    return frozenset(active), frozenset(retired)


def gate_ids(runs_sections: frozenset[str], registry: tuple[frozenset[str], frozenset[str]]) -> GateIds | None:
    """The tree's gate list from drift-gate.sh's section IDs and its registry's (active, retired) IDs; None
    when it has neither (a data-only extract, a stub drift-gate.sh)."""
    active, retired = registry
    if not (runs_sections or active or retired):
        return None
    return GateIds(runs_sections | active, retired)


def tree_gate_ids(tree: Tree) -> GateIds | None:
    """The tree's gate IDs (see gate_ids); each file read once per content, also across a history's commits."""
    runs_sections = tree.derived(DRIFT_GATE, ("gate sections",), lambda text: frozenset(sections(text or "")[1]))
    return gate_ids(runs_sections, tree.derived(REGISTRY, ("registry gates",), registry_ids))
