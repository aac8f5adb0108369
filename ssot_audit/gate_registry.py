"""The spine's gates as the checked tree lists them: the registry (ops/bindings/gate.registry.yaml, from
2026-02-13) or, before it, the `# D<n>` sections of surfaces/verify/drift-gate.sh.

Every gate on the list is a catalogue entry of the run (kind `gate`): the registry is the authority on
each one's name, category, class, severity and fix hint, and says which are retired. A tree with neither
(a data-only extract, the bundled estates) lists nothing, and the catalogue's own gates stand.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from . import catalogue
from .gate_sources import DRIFT_GATE, VERIFY, gate_source, tree_gate_ids
from .repo import Repo, Source, SourceError, SourceMissing

REGISTRY = Source("ops/bindings/gate.registry.yaml", "gate.registry.schema.json", required=False)


@dataclass(frozen=True)
class Gate:
    id: str
    name: str | None = None
    category: str | None = None
    cls: str | None = None
    severity: str | None = None
    fix: str | None = None
    script: str | None = None  # the check script, relative to the spine root
    inline: bool = False  # its check is a section of drift-gate.sh, not a script of its own
    retired: bool = False

    @property
    def metadata(self) -> dict[str, str | None]:
        return {"name": self.name, "category": self.category, "class": self.cls, "severity": self.severity,
                "fix": self.fix}  # fmt: skip


@dataclass(frozen=True)
class GateList:
    source: str  # the file the list comes from, or why the tree has none
    gates: tuple[Gate, ...] = ()

    @property
    def active(self) -> list[Gate]:
        return [g for g in self.gates if not g.retired]

    @property
    def retired(self) -> list[Gate]:
        return [g for g in self.gates if g.retired]

    def get(self, gate: str) -> Gate | None:
        return next((g for g in self.gates if g.id == gate), None)


def _order(gate: str) -> int:
    return int(gate[1:])


def _from_registry(repo: Repo, data: dict) -> GateList:
    gates = []
    for spec in data["gates"]:
        gates.append(Gate(str(spec["id"]), spec.get("name"), spec.get("category"), spec.get("gate_class"),
                          spec.get("severity"), spec.get("fix_hint"), spec.get("check_script"),
                          bool(spec.get("inline")), spec.get("retired") is True))  # fmt: skip
    return GateList(repo.display(REGISTRY.rel), tuple(sorted(gates, key=lambda g: _order(g.id))))


def _from_sections(repo: Repo, gates: frozenset[str]) -> list[Gate]:
    """Gates drift-gate.sh runs that the registry does not describe (all of them, before it existed): named
    by the catalogue where ssot-audit re-implements them, their script the one their section dispatches to."""
    names = [node.name for node in repo.tree.children(VERIFY)] if repo.tree.is_dir(VERIFY) else []
    ours = {e.id: e for e in catalogue.load().of_kind("gate")}
    out = []
    for gate in gates:
        source = gate_source(gate, repo.tree.text, names)
        script = source.path if source and not source.path.startswith(f"{DRIFT_GATE} ") else DRIFT_GATE
        entry = ours.get(gate)
        out.append(Gate(gate, entry.title if entry else None, entry.category if entry else None,
                        entry.cls if entry else None, entry.severity if entry else None, None, script,
                        script == DRIFT_GATE))  # fmt: skip
    return out


def gate_list(repo: Repo) -> GateList:
    """Every gate the tree runs or retires (gate_sources.tree_gate_ids: its registry's and drift-gate.sh's), each
    as the registry describes it where it can be read."""
    ids = tree_gate_ids(repo.tree)
    loaded = repo.try_load(REGISTRY)
    described = _from_registry(repo, loaded.data) if not isinstance(loaded, SourceError) else GateList("")
    if isinstance(loaded, SourceMissing):
        source = f"{repo.display(DRIFT_GATE)} (no gate registry yet)"
    elif isinstance(loaded, SourceError):
        source = f"gate registry unreadable: {loaded.message}; its gates by their IDs"
    else:
        source = described.source
    if ids is None:
        missing = isinstance(loaded, SourceMissing)
        return GateList("no gate registry and no gate sections in drift-gate.sh" if missing else source)
    known = {g.id for g in described.gates}
    unlisted = frozenset((ids.runs | ids.retired) - known)
    gates = [*described.gates, *_from_sections(repo, unlisted)]
    gates = [g if g.id not in ids.retired else replace(g, retired=True) for g in gates]
    return GateList(source, tuple(sorted(gates, key=lambda g: _order(g.id))))
