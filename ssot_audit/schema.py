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
    errors = sorted(validator(schema_name).iter_errors(doc.data), key=lambda e: list(map(str, e.absolute_path)))
    if not errors:
        return
    violations = []
    for error in errors:
        path = tuple(error.absolute_path)
        violations.append((doc.line(*path), f"{json_path(path)}: {error.message}"))
    violations.sort(key=lambda v: v[0] or 0)
    raise SchemaViolation(doc.file, violations)
