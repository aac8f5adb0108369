"""JSON Schema validation of loaded documents, reported by file, line and JSON path."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import jsonschema

from .sources import Document, SourceError


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


def validate(doc: Document, schema_name: str) -> None:
    """Raise SchemaViolation listing every violation, in document order."""
    errors = sorted(_errors(doc, schema_name), key=lambda e: list(map(str, e[0])))
    if not errors:
        return
    violations = []
    for path, message in errors:
        violations.append((doc.line(*path), f"{json_path(path)}: {message}"))
    violations.sort(key=lambda v: v[0] or 0)
    raise SchemaViolation(doc.file, violations)


def _errors(doc: Document, schema_name: str) -> list[tuple[tuple, str]]:
    """(JSON path, message) of every violation. A list read item by item (Document.items) is validated
    the same way: the items' schema on each item, once per item text, and the schema without it on the rest."""
    schema = validator(schema_name)
    items_schema = _items_schema(schema_name, doc.items[0]) if doc.items else None
    if items_schema is None:
        return [(tuple(e.absolute_path), e.message) for e in schema.iter_errors(doc.data)]
    key, texts = doc.items
    found = [(tuple(e.absolute_path), e.message) for e in _without_items(schema_name, key).iter_errors(doc.data)]
    for index, (item, text) in enumerate(zip(doc.data[key], texts, strict=True)):
        memo = (schema_name, key, text)
        if memo not in _ITEM_ERRORS:
            _ITEM_ERRORS[memo] = [(tuple(e.absolute_path), e.message) for e in schema.descend(item, items_schema)]
            if len(_ITEM_ERRORS) > 50_000:
                _ITEM_ERRORS.pop(next(iter(_ITEM_ERRORS)))
        found += [((key, index, *path), message) for path, message in _ITEM_ERRORS[memo]]
    return found


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
