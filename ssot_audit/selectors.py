"""Which catalogue entry a checked thing belongs to, decided by what the thing is.

A parametrized item (a plan layer, a gap, a VM, a file, a host) has *facets*:
`{"layer": {"3"}, "vmid": {"205"}, "loop": {"LOOP-OBSERVABILITY-DEPLOY"}}`.
A catalogue entry names what it is about with a *selector*: alternatives, each a
mapping of facet -> accepted values (shell-style patterns). An alternative holds
when every facet it names is present and shares a value with it.

Selection happens twice. At collection, an item is *claimed* by an entry when no
facet the item already has rules the entry out (a live item knows only its host;
the pool or VM comes with the finding). At report time, a finding is *about* an
entry when the item's facets plus the finding's own satisfy an alternative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase

Facets = Mapping[str, frozenset[str]]


def facets(**values: object) -> dict[str, frozenset[str]]:
    """Facets from keyword values: a scalar, or a collection of them.

    None leaves the facet out (unknown here: a finding may bring it); an empty
    collection records that the thing has none (a plan layer that holds no VM).
    """
    out = {}
    for name, value in values.items():
        if value is None:
            continue
        items = value if isinstance(value, (set, frozenset, list, tuple)) else [value]
        out[name] = frozenset(str(v) for v in items if v is not None)
    return out


def merge(*parts: Facets) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for part in parts:
        for name, values in part.items():
            out[name] = out.get(name, frozenset()) | values
    return out


def _accepts(patterns: tuple[str, ...], values: Iterable[str]) -> bool:
    return any(fnmatchcase(v, p) for v in values for p in patterns)


@dataclass(frozen=True)
class Selector:
    """Alternatives of facet -> patterns; no alternatives selects everything a test checks."""

    alternatives: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...] = ()

    @classmethod
    def parse(cls, spec) -> Selector:
        """`[]` (everything), a mapping, or a list of mappings; a value is a pattern or a list of them.

        A list of plain strings names parameter IDs (`id`), for the gates whose items are opaque.
        """
        if spec in (None, [], {}):
            return cls()
        if isinstance(spec, list) and all(isinstance(s, str) for s in spec):
            spec = {"id": spec}
        specs = spec if isinstance(spec, list) else [spec]
        return cls(
            tuple(
                tuple(sorted((name, tuple(map(str, v if isinstance(v, list) else [v]))) for name, v in alt.items()))
                for alt in specs
            )
        )

    @property
    def everything(self) -> bool:
        return not self.alternatives

    def claims(self, item: Facets) -> bool:
        """Could findings on this item be about the entry? Facets the item lacks are left to its findings."""
        return self.everything or any(
            all(name not in item or _accepts(patterns, item[name]) for name, patterns in alt)
            for alt in self.alternatives
        )

    def selects(self, subject: Facets) -> bool:
        """Is this thing (an item, or a finding with its item's facets) one the entry is about?"""
        return self.everything or any(
            all(name in subject and _accepts(patterns, subject[name]) for name, patterns in alt)
            for alt in self.alternatives
        )

    def describe(self) -> str:
        """What a reader is told the entry expects to find, e.g. `vmid 205 or loop LOOP-OBS*`."""
        if self.everything:
            return "anything"
        return " or ".join(
            " and ".join(f"{name} {'/'.join(patterns)}" for name, patterns in alt) for alt in self.alternatives
        )

    def literals(self, name: str) -> list[str]:
        """The plain values (no patterns) this selector names for a facet, in catalogue order."""
        out = [p for alt in self.alternatives for n, ps in alt if n == name for p in ps]
        return [p for p in dict.fromkeys(out) if not any(ch in p for ch in "*?[")]
