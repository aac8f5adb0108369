"""The spine's gate registry (ops/bindings/gate.registry.yaml, from 2026-02-13): gate metadata and coverage.

Where the registry exists it is the authority on each gate's name, category, class, severity and fix
hint; where it does not (older trees), the catalogue's own metadata stands. Coverage says how many of
the spine's active gates ssot-audit re-implements; the rest are the spine's own `spine.verify`'s job.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import catalogue
from .repo import Repo, Source, SourceError, SourceMissing

REGISTRY = Source("ops/bindings/gate.registry.yaml", "gate.registry.schema.json", required=False)
FIELDS = {"name": "name", "category": "category", "class": "gate_class", "severity": "severity", "fix": "fix_hint"}


@dataclass(frozen=True)
class Coverage:
    source: str  # the registry file, or why the catalogue stands in for it
    implemented: list[str]  # active gates ssot-audit re-implements
    uncovered: list[str]  # active gates only spine.verify checks
    retired: list[str]  # retired in the registry (re-implemented or not)
    metadata: dict[str, dict[str, str]]  # per re-implemented gate: name, category, class, severity, fix

    @property
    def statement(self) -> str:
        active = len(self.implemented) + len(self.uncovered)
        if not active:
            return f"{self.source}; ssot-audit re-implements {len(self.metadata)} gates"
        text = (
            f"{len(self.implemented)} of {active} active gates re-implemented; the rest are checked by the "
            f"spine's own spine.verify ({self.source})"
        )
        if self.retired:
            text += f"; retired: {', '.join(self.retired)}"
        return text


def _order(gate: str) -> int:
    return int(gate[1:])


def coverage(repo: Repo) -> Coverage:
    ours = {e.id: e for e in catalogue.load().of_kind("gate") if e.cls != "never-assigned"}
    loaded = repo.try_load(REGISTRY)
    if isinstance(loaded, SourceError):
        why = "no gate registry" if isinstance(loaded, SourceMissing) else f"gate registry unreadable: {loaded.message}"
        metadata = {g: {"name": e.title, "category": e.category, "class": e.cls, "severity": e.severity}
                    for g, e in ours.items()}  # fmt: skip
        return Coverage(f"{why}; catalogue metadata stands", [], [], [], metadata)
    gates = {str(g["id"]): g for g in loaded.data["gates"]}
    retired = sorted((g for g, spec in gates.items() if spec.get("retired") is True), key=_order)
    active = [g for g in sorted(gates, key=_order) if g not in retired]
    metadata = {
        g: {key: gates[g].get(field) for key, field in FIELDS.items()} for g in sorted(ours, key=_order) if g in gates
    }
    return Coverage(
        repo.display(REGISTRY.rel),
        [g for g in active if g in ours],
        [g for g in active if g not in ours],
        retired,
        metadata,
    )
