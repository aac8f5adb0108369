"""The catalogue: every disconnect and gate the suite knows, loaded and validated once."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import cache
from importlib import resources

from .selectors import Facets, Selector
from .sources import Document
from .sources.structured import bundled_yaml

KINDS = ("disconnect", "gate")
# The tests that run the spine's own gate scripts (--ssot-run-spine-gates): a gate's file-only script, and
# one that needs the network or a host (never run: ssot-audit lets no spine script reach a host).
SCRIPT_TESTS = {"test_spine_gate_passes": "static", "test_spine_gate_on_hosts": "live"}


@dataclass(frozen=True)
class Entry:
    kind: str  # "disconnect" | "gate"
    id: str
    title: str | None
    severity: str | None = None
    category: str | None = None
    phase: str | None = None
    cls: str | None = None
    markers: tuple[str, ...] = ()
    covered_by: dict[str, Selector] = field(default_factory=dict)  # test function -> what it checks of this entry
    note: str | None = None
    fix: str | None = None  # the spine gate registry's fix hint
    retired: bool = False  # a gate the spine's registry retired: listed, never judged

    @property
    def label(self) -> str:
        """What reports print: the kind always goes with the ID."""
        return f"{self.kind} {self.id}"


class Catalogue:
    def __init__(self, data: dict):
        self.loop = data["loop"]
        self.entries: dict[tuple[str, str], Entry] = {}
        self._claims: dict[tuple, list[Entry]] = {}
        for kind, section in (("disconnect", "disconnects"), ("gate", "gates")):
            for id_, spec in data[section].items():
                self.entries[(kind, id_)] = Entry(
                    kind=kind,
                    id=id_,
                    title=spec.get("title"),
                    severity=spec.get("severity"),
                    category=spec.get("category"),
                    phase=spec.get("phase"),
                    cls=spec.get("class"),
                    markers=tuple(spec.get("markers", ())),
                    covered_by={t: Selector.parse(sel) for t, sel in spec.get("covered_by", {}).items()},
                    note=spec.get("note"),
                )

    def with_gates(self, metadata: dict[str, dict[str, str | None]], retired: set[str] = frozenset(),
                   script_test: dict[str, str] | None = None) -> Catalogue:  # fmt: skip
        """This catalogue with the spine's own list of its gates: every listed gate is an entry, with the
        registry's word on its name, category, class, severity and fix. A gate ssot-audit does not
        re-implement is defined by the test of its script (`script_test`: gate -> SCRIPT_TESTS name)."""
        overlay = copy.copy(self)
        overlay.entries = dict(self.entries)
        overlay._claims = {}
        for gate, meta in metadata.items():
            given = {"title": meta.get("name"), "category": meta.get("category"), "cls": meta.get("class"),
                     "severity": meta.get("severity"), "fix": meta.get("fix")}  # fmt: skip
            entry = self.entries.get(("gate", gate)) or self.stand_in("gate", gate)
            if not entry.covered_by and (script_test or {}).get(gate):
                entry = replace(entry, covered_by={script_test[gate]: Selector.parse([])})
            given = {k: v for k, v in given.items() if v}
            overlay.entries[("gate", gate)] = replace(entry, retired=gate in retired, **given)
        return overlay

    def stand_in(self, kind: str, id_: str) -> Entry:
        """An entry this catalogue does not carry (a gate of the spine's registry): the tests that answer
        for it by its ID find it here, and the reports name it from the registry."""
        return self.entries.get((kind, id_)) or Entry(kind, id_, None)

    def get(self, kind: str, id_: str) -> Entry | None:
        return self.entries.get((kind, id_))

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for (k, _), e in self.entries.items() if k == kind]

    def claims(self, test_name: str, item: Facets) -> list[Entry]:
        """Entries that a test's item may report on (see selectors.py)."""
        key = (test_name, frozenset(item.items()))
        if key not in self._claims:  # the same items come back at every commit of a history
            self._claims[key] = [
                e for e in self.entries.values() if test_name in e.covered_by and e.covered_by[test_name].claims(item)
            ]
        return list(self._claims[key])

    def about(self, test_name: str, claimed: list[Entry], subject: Facets) -> list[Entry]:
        """Of the entries that claimed an item, those a finding with these facets is about.

        An entry that claimed a test it has no selector for (a waiver's own test) takes all its findings.
        """
        return [e for e in claimed if test_name not in e.covered_by or e.covered_by[test_name].selects(subject)]


def bundled() -> Document:
    text = resources.files("ssot_audit").joinpath("catalogue.yaml").read_text("utf-8")
    return Document("ssot_audit/catalogue.yaml", bundled_yaml(text))


@cache
def load() -> Catalogue:
    # Shipped with the suite: the self-tests validate it against catalogue.schema.json, not every start.
    return Catalogue(bundled().data)
