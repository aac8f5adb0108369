"""The catalogue: every disconnect and gate the suite knows, loaded and validated once."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import yaml

from .schema import validate
from .sources import Document

KINDS = ("disconnect", "gate")


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
    covered_by: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str | None = None

    @property
    def label(self) -> str:
        """What reports print: the kind always goes with the ID."""
        return f"{self.kind} {self.id}"


class Catalogue:
    def __init__(self, data: dict):
        self.loop = data["loop"]
        self.entries: dict[tuple[str, str], Entry] = {}
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
                    covered_by={t: tuple(map(str, items)) for t, items in spec.get("covered_by", {}).items()},
                    note=spec.get("note"),
                )

    def get(self, kind: str, id_: str) -> Entry | None:
        return self.entries.get((kind, id_))

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for (k, _), e in self.entries.items() if k == kind]

    def owners(self, kind: str, test_name: str, item: str) -> list[str]:
        """IDs whose `covered_by` lists this parameter of this test."""
        return [e.id for e in self.of_kind(kind) if item in e.covered_by.get(test_name, ())]


@cache
def load() -> Catalogue:
    text = resources.files("ssot_audit").joinpath("catalogue.yaml").read_text("utf-8")
    doc = Document("ssot_audit/catalogue.yaml", yaml.safe_load(text))
    validate(doc, "catalogue.schema.json")
    return Catalogue(doc.data)
