"""Which version of each spine gate the checked tree carries, and what that version enforces.

A gate's source is the script its section of `surfaces/verify/drift-gate.sh` dispatches to
(`surfaces/verify/d33-extraction-pause-lock.sh`, `cloudflare-drift-gate.sh`, ...), or the section
itself for the gates written inline there (D1-D12 at first). Its fingerprint is a hash of what it decides
with (gate_decisions.decision_text): without comments, whitespace and what it only prints, so a new
TRIAGE header, a reworded message or re-indentation is the same version.

`gate_versions.yaml` lists, per gate, the versions ssot-audit implements (oldest first) with their
fingerprints and the settings that changed in each (exclusion lists, accepted modes). A tree whose
gate source has an unknown fingerprint is stale knowledge: that gate's tests are skipped as not proven.
A tree whose gate list (its gate registry, or before that drift-gate.sh's sections) leaves a gate out
does not run that gate: its tests are not applicable there. A tree with neither a list nor the gate's
source (a data-only extract, the bundled estates) is judged by the newest encoded version; `ABSENT` is
the one place that says so.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple
from weakref import WeakKeyDictionary

from .checks.gates.scan import strip_comment
from .gate_decisions import decision_text
from .repo import Repo
from .sources.structured import bundled_yaml
from .tree import Tree

VERIFY = "surfaces/verify"
DRIFT_GATE = f"{VERIFY}/drift-gate.sh"
REGISTRY = "ops/bindings/gate.registry.yaml"
ABSENT = "the spine carries no source for this gate; judged by the newest version ssot-audit encodes"
NOT_APPLICABLE = "not applicable here:"  # report.results.NOT_APPLICABLE: how the engine tells it from "not proven"
_HEADER = re.compile(r"^#\s*(D\d+)\b")
_SCRIPT = re.compile(r"surfaces/verify/([\w.-]+\.sh)")
_ENTRY = re.compile(r"^[ \t]*-[ \t]+(?:\{[ \t]*)?id:[ \t]*['\"]?(D\d+)\b", re.MULTILINE)
_RETIRED = re.compile(r"\bretired:[ \t]*true\b")


class GateSource(NamedTuple):
    path: str  # the script, or "drift-gate.sh (section Dn)"
    text: str
    helpers_from: str = ""  # the text that defines the helpers it calls: drift-gate.sh's preamble, for a section


def fingerprint(text: str, helpers_from: str = "") -> str:
    """sha256 (first 16 hex digits) of what the script decides with, all whitespace removed."""
    code = "".join(decision_text(text, helpers_from).split())
    return hashlib.sha256(code.encode()).hexdigest()[:16]


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


class GateList(NamedTuple):
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


def registry_gates(text: str | None) -> tuple[frozenset[str], frozenset[str]]:
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


def gate_list(runs_sections: frozenset[str], registry: tuple[frozenset[str], frozenset[str]]) -> GateList | None:
    """The tree's gate list from drift-gate.sh's section IDs and its registry's (active, retired) IDs; None
    when it has neither (a data-only extract, a stub drift-gate.sh)."""
    active, retired = registry
    if not (runs_sections or active or retired):
        return None
    return GateList(runs_sections | active, retired)


@dataclass(frozen=True)
class Knowledge:
    """What ssot-audit knows of one gate in one tree."""

    gate: str
    source: str | None  # the script (or drift-gate.sh section) found, None when absent
    version: int | None  # index into the gate's encoded versions; None when the fingerprint is unknown
    settings: dict
    absent: str | None = None  # why the tree does not run the gate at all (GateList.absent)

    @property
    def stale(self) -> str | None:
        """Why this gate's tests are not run here: the tree does not have the gate (not applicable), or carries
        a version ssot-audit has not encoded (not proven). None when they run."""
        if self.absent:
            return self.absent
        if self.source is None or self.version is not None:
            return None
        return f"not proven: the spine's {self.gate} changed since ssot-audit encoded it ({self.source})"


@cache
def versions() -> dict[str, list[dict]]:
    text = resources.files("ssot_audit").joinpath("gate_versions.yaml").read_text("utf-8")
    return bundled_yaml(text)


def resolve(
    gate: str, source: GateSource | None, table: dict[str, list[dict]] | None = None, absent: str | None = None
) -> Knowledge:
    """The encoded version the source matches, with its settings (each version's changes applied over
    the previous ones). No source: the newest version. Unknown fingerprint: version None, newest settings."""
    encoded = (table if table is not None else versions()).get(gate) or []
    merged, settings = [], {}
    for each in encoded:
        settings = {**settings, **(each.get("settings") or {})}
        merged.append(settings)
    newest = merged[-1] if merged else {}
    if source is None:
        return Knowledge(gate, None, len(encoded) - 1 if encoded else None, newest, absent)
    mark = fingerprint(source.text, source.helpers_from)
    index = next((i for i, v in enumerate(encoded) if mark in v["fingerprints"]), None)
    return Knowledge(gate, source.path, index, merged[index] if index is not None else newest, absent)


def knowledge(repo: Repo, gate: str) -> Knowledge:
    # Asked for every test item and check of a gate: worked out once per tree (one checkout or one commit,
    # which cannot change under it), not once per item, each time listing surfaces/verify/ and its sections.
    known = _KNOWN.setdefault(repo.tree, {})
    if gate not in known:
        listed = tree_gates(repo.tree)
        absent = listed.absent(gate) if listed else None
        names = [node.name for node in repo.tree.children(VERIFY)] if repo.tree.is_dir(VERIFY) else []
        known[gate] = _resolved(gate, None if absent else gate_source(gate, repo.tree.text, names), absent)
    return known[gate]


def tree_gates(tree: Tree) -> GateList | None:
    """The tree's gate list (see gate_list); each file read once per content, also across a history's commits."""
    runs_sections = tree.derived(DRIFT_GATE, ("gate sections",), lambda text: frozenset(sections(text or "")[1]))
    return gate_list(runs_sections, tree.derived(REGISTRY, ("registry gates",), registry_gates))


_KNOWN: WeakKeyDictionary[Tree, dict[str, Knowledge]] = WeakKeyDictionary()


@lru_cache(maxsize=1024)  # by the source's text, not the repo: one tree per commit in a history
def _resolved(gate: str, source: GateSource | None, absent: str | None) -> Knowledge:
    return resolve(gate, source, absent=absent)


def settings(repo: Repo, gate: str) -> dict:
    """What the gate's version in this tree enforces (the newest encoded, when it carries none or an unknown one)."""
    return knowledge(repo, gate).settings


def stale(repo: Repo, ids: list[tuple[str, str]]) -> str | None:
    """Why a test item answering only for gates is not run: none of its gates is both in the tree and a version
    ssot-audit has encoded. Not proven first, so the reason reads "not applicable" only when all its gates are
    absent. None when it runs (a test that also proves a disconnect always runs)."""
    gates = [id_ for kind, id_ in ids if kind == "gate"]
    if not gates or len(gates) != len(ids):
        return None
    reasons = [knowledge(repo, g).stale for g in gates]
    if not all(reasons):
        return None
    return "; ".join(sorted(reasons, key=lambda reason: reason.startswith(NOT_APPLICABLE)))
