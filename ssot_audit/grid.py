"""The grid: every case of a test function, read from the sources of truth, and what the catalogue makes of each.

A test's item arguments (`gap_id`, `ssh_target`, ...; items.py) are read from the estate; their product is
the test's cases. Each case has the ID pytest is given, the values its arguments receive, its facets (what
it is), the catalogue entries that claim it, and why it does not run (nothing to check, a gate version the
suite does not know) or is waived. The pytest plugin parametrizes with these cases; the in-process run and
the history run them directly. Nothing else decides a case.
"""

from __future__ import annotations

import itertools
import os
import platform
import sys
import traceback
from dataclasses import dataclass, field

from . import catalogue as catalogue_mod
from . import gate_versions
from . import items as items_mod
from . import waivers as waivers_mod
from .estate import Estate
from .findings import Finding
from .pytest_rules import in_node_id
from .redact import redact
from .selectors import Facets, facets, merge
from .suite import Spec


@dataclass(frozen=True)
class Missing:
    """The parameter that stands for a thing a catalogue entry is about and its source no longer has."""

    finding: Finding

    def __str__(self) -> str:
        return "missing"


@dataclass(frozen=True)
class Unreadable:
    """The parameter of a test whose items could not be read at all: the reader broke on input it did not
    foresee. The case is an error, and every other test still runs."""

    error: str

    def __str__(self) -> str:
        return "unreadable"


@dataclass(frozen=True)
class Param:
    value: object
    facets: Facets
    id: str
    entry: tuple[str, str] | None = None  # the one entry a stand-in answers for (a missing thing, a waiver)
    skip: str | None = None  # why there is nothing to check (the only parameter then)


@dataclass(frozen=True, eq=False)
class Case:
    spec: Spec
    id: str = ""  # the ID pytest is given; "" for a test the engine does not parametrize
    values: dict = field(default_factory=dict)  # item argument -> the value the test receives
    facets: Facets = field(default_factory=dict)
    claims: tuple = ()  # the catalogue entries that answer for this case
    skip: str | None = None
    waived: str | None = None  # why a current waiver covers every ID it carries

    @property
    def nodeid(self) -> str:
        return f"{self.spec.nodeid}[{in_node_id(self.id)}]" if self.id else self.spec.nodeid

    @property
    def claim_ids(self) -> list[tuple[str, str]]:
        return [(e.kind, e.id) for e in self.claims]


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


def _waiver_params(estate: Estate) -> list[Param]:
    waivers = estate.waivers
    if waivers.unusable is not None:
        return [Param(Missing(waivers.unusable), {}, "waivers-file")]
    params = [Param(w, {}, f"{w.kind}-{w.id}", (w.kind, w.id)) for w in waivers.waivers]
    return params or [Param(None, {}, "none", skip="no waivers file: nothing is waived")]


def parameters(test: str, argname: str, estate: Estate) -> list[Param]:
    """The parameters of `test` over the items `argname` names, read from the sources of truth, with a
    stand-in (`Missing`) for each thing a catalogue entry is about that the source no longer has."""
    if argname == items_mod.WAIVER:
        return _waiver_params(estate)
    source = items_mod.ITEMS[argname]
    try:
        found, unavailable = items_mod.read(argname, estate.spine, estate.workbench)
    except Exception as exc:  # noqa: BLE001 - a reader's defect is this test's error, not the run's end
        error = f"the {argname} items could not be read: {traceback.format_exception_only(exc)[-1].strip()}"
        return [Param(Unreadable(error), {}, "unreadable")]
    params, seen = [], set()
    for item in found:
        if item.value not in seen:  # an item listed twice is one item (its source's own tests report the repeat)
            seen.add(item.value)
            entry = (source.own_entry, item.value) if source.own_entry else None
            params.append(Param(item.value, item.facets, item.value, entry))
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


def claimed(test: str, item_facets: Facets, entry: tuple[str, str] | None) -> tuple:
    """The catalogue entries a case answers for: a stand-in's own entry (a missing thing, a waiver), any
    other case's: the entries whose selectors claim its facets."""
    catalogue = catalogue_mod.load()
    if entry is not None:
        return (catalogue.stand_in(*entry),)
    return tuple(catalogue.claims(test, item_facets))


def attribute(test: str, entries, item_facets: Facets, findings: list[Finding]) -> list[dict]:
    """Each finding as a dict, with the entries (of those that claimed the case) it is about."""
    catalogue = catalogue_mod.load()
    out = []
    for finding in findings:
        about = catalogue.about(test, list(entries), merge(item_facets, finding.about))
        out.append({**finding.as_dict(), "entries": [[e.kind, e.id] for e in about]})
    return out


def marked_skip(spec: Spec) -> str | None:
    """Why the function's own `skip`/`skipif` marks skip it, read as pytest reads them (a string condition
    is evaluated with the module's globals and os, sys and platform)."""
    for mark in spec.marks:
        if mark.name == "skip":
            return mark.kwargs.get("reason", mark.args[0] if mark.args else "unconditional skip")
        if mark.name == "skipif":
            conditions = mark.args or (mark.kwargs["condition"],)
            scope = {"os": os, "sys": sys, "platform": platform, **spec.function.__globals__}
            if any(eval(c, scope) if isinstance(c, str) else c for c in conditions):  # noqa: S307 - the suite's own code
                return mark.kwargs.get("reason", "")
    return None


def _unique(raw: str, taken: set[str]) -> str:
    """An ID whose node-ID form no earlier case has: pytest refuses duplicates (strict_parametrization_ids)."""
    candidate, counter = raw, 0
    while in_node_id(candidate) in taken:
        candidate, counter = f"{raw}{'_' if raw[-1:].isdigit() else ''}{counter}", counter + 1
    taken.add(in_node_id(candidate))
    return candidate


def cases(spec: Spec, estate: Estate, host: str | None = None) -> list[Case]:
    """Every case of `spec` in `estate`; `host`: the host a live test runs on (it is part of what it checks)."""
    lacking = estate.lacks(set(spec.argnames))
    marked = marked_skip(spec)
    axes = [[Param(None, {}, "none", skip=lacking)] if lacking else parameters(spec.name, arg, estate)
            for arg in spec.item_args]  # fmt: skip
    active = estate.waivers.active(estate.now.date()) if items_mod.WAIVER not in spec.argnames else []
    stale: dict[tuple, str | None] = {}
    out, taken = [], set()
    for combo in itertools.product(*axes):
        raw = _unique(redact("-".join(p.id for p in combo)), taken) if combo else ""
        case_facets = merge(*(p.facets for p in combo), facets(host=host) if host else {})
        entry = next((p.entry for p in combo if p.entry), None)
        claims = claimed(spec.name, case_facets, entry)
        if any(isinstance(p.value, Unreadable) for p in combo):  # what it would have checked is unknown: all of it
            claims = tuple(e for e in catalogue_mod.load().entries.values() if spec.name in e.covered_by)
        ids = tuple((e.kind, e.id) for e in claims)
        mine = estate.spine is not None and spec.name not in catalogue_mod.SCRIPT_TESTS
        if ids not in stale:  # (the spine's own script is its own version: never stale)
            stale[ids] = gate_versions.stale(estate.spine.repo, list(ids)) if mine else None
        if mine and not stale[ids]:  # a case that runs answers for none of the gates this tree does not run
            claims = tuple(e for e in claims if e.kind != "gate" or not gate_versions.absent(estate.spine.repo, e.id))
        covering = waivers_mod.covering(active, list(ids))
        out.append(Case(
            spec, raw, {arg: p.value for arg, p in zip(spec.item_args, combo, strict=True)}, case_facets, claims,
            skip=marked or lacking or next((p.skip for p in combo if p.skip), None) or stale[ids],
            waived="; ".join(w.describe() for w in covering) or None,
        ))  # fmt: skip
    return out
