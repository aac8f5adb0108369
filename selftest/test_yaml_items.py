"""A long top-level YAML list parsed item by item gives exactly what a whole parse gives, or is parsed whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from ssot_audit.schema import SchemaViolation, validate
from ssot_audit.sources import SourceError, structured, yaml_items

HEAD = '# Operational gaps\n\nversion: 1\nupdated: "2026-02-08T12:00:00Z"\ngaps:\n'


def gap(n: int, status: str = "fixed", indent: str = "  ", notes: str = "|") -> str:
    body = (f"{indent}- id: GAP-OP-{n:03d}\n{indent}  type: stale-ssot\n{indent}  severity: low\n"
            f"{indent}  status: {status}\n{indent}  doc: null\n{indent}  notes: {notes}\n"
            f"{indent}    line one of {n}\n{indent}    line two\n")  # fmt: skip
    return body


SHAPES = {
    "indented-items": HEAD + "".join(gap(n) for n in range(1, 9)),
    "column-0-items": HEAD + "".join(gap(n, indent="") for n in range(1, 9)),
    "comments-and-blanks-between": HEAD + "".join(f"  # --- {n} ---\n\n" + gap(n) for n in range(1, 9)),
    "keep-chomping-last": HEAD + "".join(gap(n, notes="|+") for n in range(1, 9)) + "\n\n",
    "strip-chomping-no-final-newline": HEAD + "".join(gap(n, notes="|-") for n in range(1, 9)).rstrip("\n"),
    "keys-after-the-list": HEAD + "".join(gap(n) for n in range(1, 9)) + "owner: ops\nreview:\n  every: week\n",
    "nested-lists-in-items": HEAD + "".join(gap(n) + "    links:\n    - a\n    - b\n" for n in range(1, 9)),
    "repeated-key-in-an-item": HEAD + gap(1) + "    severity: high\n" + "".join(gap(n) for n in range(2, 9)),
}


def whole(text: str, monkeypatch) -> object:
    with monkeypatch.context() as m:
        m.setattr(yaml_items, "SMALLEST", 10**12)
        return _load(text)


def _load(text: str):
    try:
        return structured.load_yaml(Path("gaps.yaml"), "gaps.yaml", text.encode())
    except SourceError as error:
        return str(error)


@pytest.fixture
def small(monkeypatch):
    """Cut even these small files."""
    monkeypatch.setattr(yaml_items, "SMALLEST", 0)
    monkeypatch.setattr(yaml_items, "FEWEST", 2)


@pytest.mark.parametrize("shape", SHAPES)
def test_item_by_item_equals_a_whole_parse(shape, small, monkeypatch):
    text = SHAPES[shape]
    assert yaml_items.cut(text) is not None, "this shape must be cut"
    expected, found = whole(text, monkeypatch), _load(text)
    assert found.data == expected.data
    assert dict(found.lines) == dict(expected.lines)
    assert found.repeated_keys == expected.repeated_keys


@pytest.mark.parametrize(
    "text",
    [
        HEAD
        + "".join(gap(n) for n in range(1, 9))
        .replace("type: stale-ssot", "type: &t stale-ssot", 1)
        .replace("type: stale-ssot", "type: *t"),  # an anchor in one item, aliases in others
        HEAD + "".join(gap(n) for n in range(1, 9)).replace("    line two\n", "    line two\n  bad: [\n", 1),
        HEAD + "".join(gap(n) + "    a: &x 1\n    b: *x\n" for n in range(1, 9)),  # one anchor name in every item
        "---\n" + HEAD + "".join(gap(n) for n in range(1, 9)),
        "%YAML 1.2\n---\n" + HEAD + "".join(gap(n) for n in range(1, 9)),
    ],
    ids=["alias-across-items", "malformed-item", "anchor-in-every-item", "document-marker", "directive"],
)
def test_what_cannot_be_cut_cleanly_is_parsed_whole(text, small, monkeypatch):
    expected, found = whole(text, monkeypatch), _load(text)
    if isinstance(expected, str):  # the whole parse's error, word for word
        assert found == expected
    else:
        assert (found.data, dict(found.lines)) == (expected.data, dict(expected.lines))


def test_schema_check_item_by_item_names_the_same_violations(small, monkeypatch):
    text = HEAD + "".join(gap(n, status="bogus" if n in (3, 6) else "fixed") for n in range(1, 9))
    text = text.replace("    severity: low\n", "", 1)

    def violations(document) -> str:
        with pytest.raises(SchemaViolation) as error:
            validate(document, "operational.gaps.schema.json")
        return str(error.value)

    by_items = _load(text)
    assert by_items.items is not None
    assert violations(by_items) == violations(whole(text, monkeypatch))
    assert "line 6: $.gaps[0]: 'severity' is a required property" in violations(by_items)
