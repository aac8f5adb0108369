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
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from weakref import WeakKeyDictionary

from .gate_decisions import decision_text
from .gate_sources import VERIFY, GateSource, gate_source, tree_gate_ids
from .repo import Repo
from .report.results import NOT_APPLICABLE
from .sources.structured import bundled_yaml
from .tree import Tree

ABSENT = "the spine carries no source for this gate; judged by the newest version ssot-audit encodes"


def fingerprint(text: str, helpers_from: str = "") -> str:
    """sha256 (first 16 hex digits) of what the script decides with, all whitespace removed."""
    code = "".join(decision_text(text, helpers_from).split())
    return hashlib.sha256(code.encode()).hexdigest()[:16]


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
        listed = tree_gate_ids(repo.tree)
        absent = listed.absent(gate) if listed else None
        names = [node.name for node in repo.tree.children(VERIFY)] if repo.tree.is_dir(VERIFY) else []
        known[gate] = _resolved(gate, None if absent else gate_source(gate, repo.tree.text, names), absent)
    return known[gate]


_KNOWN: WeakKeyDictionary[Tree, dict[str, Knowledge]] = WeakKeyDictionary()


@lru_cache(maxsize=1024)  # by the source's text, not the repo: one tree per commit in a history
def _resolved(gate: str, source: GateSource | None, absent: str | None) -> Knowledge:
    return resolve(gate, source, absent=absent)


def absent(repo: Repo, gate: str) -> str | None:
    """Why the tree does not run `gate` (its list leaves it out, or retires it); None when it does."""
    return knowledge(repo, gate).absent


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
