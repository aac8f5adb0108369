"""A test's parameters and what the catalogue makes of each: one logic for the plugin and the history runner.

`parameters` turns the items a source of truth lists into a test's parameters, adding a stand-in
(`Missing`) for each thing a catalogue entry is about that the source no longer has. `claimed` says
which entries an item answers for; `attribute` which of them each of its findings is about.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import catalogue as catalogue_mod
from . import items as items_mod
from .findings import Finding
from .selectors import Facets, facets, merge
from .spine import Spine
from .workbench import Workbench


@dataclass(frozen=True)
class Missing:
    """The parameter that stands for a thing a catalogue entry is about and its source no longer has."""

    finding: Finding

    def __str__(self) -> str:
        return "missing"


@dataclass(frozen=True)
class Param:
    value: object
    facets: Facets
    id: str
    entry: tuple[str, str] | None = None  # the one entry a stand-in for a missing thing answers for
    skip: str | None = None  # why there is nothing to check (the only parameter then)


def _missing(entry: catalogue_mod.Entry, test: str, source: items_mod.ItemSource, found: list) -> Missing:
    selector = entry.covered_by[test]
    listed = ", ".join(i.value for i in found[:8]) + (", ..." if len(found) > 8 else "")
    return Missing(
        Finding(
            source.origin or "the sources",
            None,
            f"nothing that {entry.label} is about ({selector.describe()})",
            expected=f"an item with {selector.describe()}, which {test} checks for {entry.label}",
            found=f"only: {listed}" if found else "no items at all",
            fix="restore it in the source (a plan, registry or inventory that drops a thing it must name is "
            "drift), or correct the catalogue's selector if the loop document's identity changed",
        )
    )


def parameters(test: str, argname: str, spine: Spine | None, workbench: Workbench | None) -> list[Param]:
    """The parameters of `test` over the items `argname` names, read from the sources of truth."""
    source = items_mod.ITEMS[argname]
    found, unavailable = items_mod.read(argname, spine, workbench)
    params = [Param(item.value, item.facets, item.value) for item in found]
    entries = [e for e in catalogue_mod.load().entries.values() if test in e.covered_by]
    for entry in [] if unavailable else entries:
        selector = entry.covered_by[test]
        if selector.everything or any(selector.claims(item.facets) for item in found):
            continue
        if source.absent == "check":  # the check itself judges what it means that the thing is gone
            for value in selector.literals(source.facet):
                params.append(Param(value, facets(**{source.facet: value, "id": value}), value))
        else:
            first = {name: frozenset(patterns) for name, patterns in selector.alternatives[0]}
            missing = _missing(entry, test, source, found)
            params.append(Param(missing, first, f"missing-{entry.id}", (entry.kind, entry.id)))
    if not params:  # make emptiness visible: one skipped parameter that says why
        empty = source.empty or f"the sources list no {argname.replace('_', ' ')}"
        params = [Param(None, {}, "none", skip=unavailable or f"nothing to check: {empty}")]
    return params


def claimed(test: str, item_facets: Facets, entry: tuple[str, str] | None, waived: tuple[str, str] | None):
    """The catalogue entries a test item answers for: a waiver's own test for the ID it waives, a stand-in
    for a missing thing for the entry that expected it, any other item for the entries whose selectors claim it."""
    catalogue = catalogue_mod.load()
    if waived is not None:
        return [catalogue.get(*waived)]
    if entry is not None:
        return [catalogue.get(*entry)]
    return catalogue.claims(test, item_facets)


def attribute(test: str, entries: list, item_facets: Facets, findings: list[Finding]) -> list[dict]:
    """Each finding as a dict, with the entries (of those that claimed the item) it is about."""
    catalogue = catalogue_mod.load()
    out = []
    for finding in findings:
        about = catalogue.about(test, entries, merge(item_facets, finding.about))
        out.append({**finding.as_dict(), "entries": [[e.kind, e.id] for e in about]})
    return out
