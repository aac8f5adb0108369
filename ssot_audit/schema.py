"""JSON Schema validation of loaded documents, reported by file, line and JSON path."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import jsonschema

from .sources import Document, SourceError

# On a list or map of a schema: its entries are records of their own (gaps, backup targets, ssh targets), so a
# violation inside one is that record's finding and the others are still read (`checked`).
RECORDS = "x-records"
_SCALARS = (str, int, float, bool, type(None))


class SchemaViolation(SourceError):
    """A document that parses but does not have the shape its readers rely on."""

    def __init__(self, file: str, violations: list[tuple[int | None, str]]):
        self.violations = violations
        first_line = violations[0][0]
        listing = "; ".join(f"line {ln}: {msg}" if ln else msg for ln, msg in violations)
        super().__init__(file, f"does not match its schema: {listing}", first_line)


def bundled(schema_name: str) -> dict:
    return json.loads(resources.files("ssot_audit.schemas").joinpath(schema_name).read_text("utf-8"))


@cache
def validator(schema_name: str) -> jsonschema.protocols.Validator:
    # The bundled schemas are checked against their metaschema by the self-tests, not at every start.
    schema = bundled(schema_name)
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def json_path(path) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@dataclass(frozen=True)
class RecordViolation:
    """A violation inside one record of a file: that record's finding, not the file's."""

    record: tuple  # the record's path as written: ("gaps", 12), ("services", "pihole")
    line: int | None
    path: str  # of the offending value: "$.gaps[12].status"
    problem: str  # "'pending' is not one of [...]"
    value: Any  # the record as written, for a reader that looks a left-out record up by its id
    known: tuple | None  # the values the schema knows, where the violation is an unknown one
    kept: bool  # every violation of the record is an unknown value: the checks still read it


def validate(doc: Document, schema_name: str) -> None:
    """Raise SchemaViolation listing every violation, in document order."""
    errors = _errors(doc, schema_name)
    if errors:
        raise _violation(doc, errors)


def checked(doc: Document, schema_name: str) -> Document:
    """The document as the checks may read it, or SchemaViolation when the file's own shape is wrong.

    A violation inside a record (`x-records`) is that record's: a record that only holds values the schema does
    not know (a gap whose status is `pending`) is kept, for its readers to take as no value they know; any other
    is left out of the data. Either way `record_violations` lists it, and every other record is read."""
    errors = _errors(doc, schema_name)
    if not errors:
        return doc
    containers = _record_containers(schema_name)
    by_record: dict[tuple, list] = {}
    for error in errors:
        path = error[0]
        container = next((c for c in containers if len(path) > len(c) and path[: len(c)] == c), None)
        if container is None:
            raise _violation(doc, errors)
        by_record.setdefault(path[: len(container) + 1], []).append(error)
    violations, refused = [], set()
    for record, found in by_record.items():
        kept = all(known is not None for _, _, known in found)
        if not kept:
            refused.add(record)
        value = _at(doc.data, record)
        violations += [RecordViolation(record, doc.line(*path), json_path(path), message, value, known, kept)
                       for path, message, known in found]  # fmt: skip
    violations.sort(key=lambda v: (v.line or 0, v.path, v.problem))
    if not refused:
        return replace(doc, record_violations=tuple(violations))
    data, renumbered = _without(doc.data, refused)
    lines = _Renumbered(doc.lines, renumbered) if renumbered else doc.lines
    return replace(doc, data=data, lines=lines, items=None, record_violations=tuple(violations))


def _violation(doc: Document, errors: list) -> SchemaViolation:
    violations = sorted(((doc.line(*path), f"{json_path(path)}: {message}") for path, message, _ in
                         sorted(errors, key=lambda e: list(map(str, e[0])))), key=lambda v: v[0] or 0)  # fmt: skip
    return SchemaViolation(doc.file, violations)


def _known(error: jsonschema.ValidationError) -> tuple | None:
    """The values the schema knows, when all that is wrong is that the value is none of them."""
    if not isinstance(error.instance, _SCALARS):
        return None
    if error.validator == "enum":
        return tuple(error.validator_value)
    if error.validator == "const":
        return (error.validator_value,)
    return None


def _errors(doc: Document, schema_name: str) -> list[tuple[tuple, str, tuple | None]]:
    """(JSON path, message, known values) of every violation. A list read item by item (Document.items) is
    validated the same way: the items' schema on each item, once per item text, and the schema without it on the
    rest."""
    schema = validator(schema_name)
    items_schema = _items_schema(schema_name, doc.items[0]) if doc.items else None
    if items_schema is None:
        return [(tuple(e.absolute_path), e.message, _known(e)) for e in schema.iter_errors(doc.data)]
    key, texts = doc.items
    found = [(tuple(e.absolute_path), e.message, _known(e))
             for e in _without_items(schema_name, key).iter_errors(doc.data)]  # fmt: skip
    for index, (item, text) in enumerate(zip(doc.data[key], texts, strict=True)):
        memo = (schema_name, key, text)
        if memo not in _ITEM_ERRORS:
            _ITEM_ERRORS[memo] = [(tuple(e.absolute_path), e.message, _known(e))
                                  for e in schema.descend(item, items_schema)]  # fmt: skip
            if len(_ITEM_ERRORS) > 50_000:
                _ITEM_ERRORS.pop(next(iter(_ITEM_ERRORS)))
        found += [((key, index, *path), message, known) for path, message, known in _ITEM_ERRORS[memo]]
    return found


@cache
def _record_containers(schema_name: str) -> tuple[tuple, ...]:
    """Paths of the lists and maps whose entries are records, longest first (one may hold another)."""
    found, stack = [], [((), bundled(schema_name))]
    while stack:
        path, node = stack.pop()
        if node.get(RECORDS):
            found.append(path)
        stack.extend((path + (key,), sub) for key, sub in (node.get("properties") or {}).items())
    return tuple(sorted(found, key=len, reverse=True))


def _at(data, path: tuple):
    for part in path:
        data = data[part]
    return data


def _without(data, refused: set[tuple]) -> tuple[Any, dict[tuple, list[int]]]:
    """The data without the refused records (copied along their paths only), and for each list that lost some,
    the old index of each record it keeps."""
    renumbered: dict[tuple, list[int]] = {}
    for container in sorted({r[:-1] for r in refused}, key=len, reverse=True):
        gone = {r[-1] for r in refused if r[:-1] == container}
        holder = _at(data, container)
        if isinstance(holder, list):
            kept = [i for i in range(len(holder)) if i not in gone]
            renumbered[container] = kept
            holder = [holder[i] for i in kept]
        else:
            holder = {k: v for k, v in holder.items() if k not in gone}
        data = _put(data, container, holder)
    return data, renumbered


def _put(data, path: tuple, value):
    if not path:
        return value
    head = list(data) if isinstance(data, list) else dict(data)
    head[path[0]] = _put(data[path[0]], path[1:], value)
    return head


class _Renumbered(Mapping):
    """A document's lines, with the records of each list renumbered as the checks see them (some left out)."""

    def __init__(self, lines: Mapping, renumbered: dict[tuple, list[int]]):
        self._lines, self._renumbered = lines, renumbered

    def _old(self, path: tuple) -> tuple:
        for container, kept in self._renumbered.items():
            size = len(container)
            if len(path) > size and path[:size] == container and type(path[size]) is int:
                if not 0 <= path[size] < len(kept):
                    raise KeyError(path)
                return (*container, kept[path[size]], *path[size + 1 :])
        return path

    def __getitem__(self, path: tuple) -> int:
        return self._lines[self._old(tuple(path))]

    def __iter__(self):
        new = {c: {old: i for i, old in enumerate(kept)} for c, kept in self._renumbered.items()}
        for path in self._lines:
            container = next((c for c in new if len(path) > len(c) and path[: len(c)] == c), None)
            if container is None:
                yield path
            elif path[len(container)] in new[container]:
                yield (*container, new[container][path[len(container)]], *path[len(container) + 1 :])

    def __len__(self) -> int:
        return sum(1 for _ in self)


_ITEM_ERRORS: dict[tuple[str, str, str], list] = {}


@cache
def _items_schema(schema_name: str, key: str) -> dict | None:
    return ((bundled(schema_name).get("properties") or {}).get(key) or {}).get("items")


@cache
def _without_items(schema_name: str, key: str) -> jsonschema.protocols.Validator:
    schema = bundled(schema_name)
    schema = {**schema, "properties": {**schema["properties"], key: {
        k: v for k, v in schema["properties"][key].items() if k != "items"}}}  # fmt: skip
    cls = jsonschema.validators.validator_for(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)
