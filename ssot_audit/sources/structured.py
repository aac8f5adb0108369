"""YAML and JSON documents with a line for every key and item."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import yaml

from . import Document, SourceError, read_text, yaml_items

try:  # libyaml is several times faster; the pure loader gives the same nodes
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


# A source of truth is a few levels deep and a few thousand values long. Past these bounds
# a file is hostile or broken (an alias bomb expands to billions of values, deep nesting
# exhausts the stack), and it is refused before anything recursive walks it.
MAX_DEPTH = 64
MAX_VALUES = 200_000


def _walk(root: yaml.Node, file: str) -> tuple[dict, list[tuple[int, str]]]:
    """The line of every key and item, and the repeated keys; refuses a graph too deep or too large.

    Iterative, and walks aliases as the constructed data will hold them (expanded), so it is
    bounded by what it counts: a recursive alias is endless depth, an alias bomb endless size.
    """
    lines: dict = {}
    repeated: list[tuple[int, int, str]] = []
    stack: list[tuple[yaml.Node, tuple, int]] = [(root, (), root.start_mark.line + 1)]
    visits = 0
    while stack:
        node, path, line = stack.pop()
        lines[path] = line
        visits += 1
        if len(path) > MAX_DEPTH:
            raise SourceError(file, f"nests deeper than {MAX_DEPTH} levels: refused unread", line)
        if visits > MAX_VALUES:
            raise SourceError(file, f"expands (through its aliases) to over {MAX_VALUES} values: refused", line)
        if isinstance(node, yaml.MappingNode):
            repeated += _repeated_keys(node)
            # reversed: popped in document order, so a repeated key's line is its last, whose value is kept
            stack.extend((value, path + (key.value,), key.start_mark.line + 1)
                         for key, value in reversed(node.value) if isinstance(key, yaml.ScalarNode))  # fmt: skip
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(
                (item, path + (index,), item.start_mark.line + 1)
                for index, item in reversed(list(enumerate(node.value)))
            )
    return lines, sorted(set(repeated))


def _repeated_keys(node: yaml.MappingNode) -> list[tuple[int, int, str]]:
    """(line, line of the first, key) of each key a mapping repeats."""
    # YAML requires unique keys; PyYAML keeps the last value and yq v4 does not complain, so
    # the spine's scripts and this suite could read different values from one file.
    seen: dict[tuple, int] = {}
    found = []
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.value == "<<":
            continue
        line = key.start_mark.line + 1
        first = seen.setdefault((key.tag, key.value), line)
        if first != line:
            found.append((line, first, key.value))
    return found


def repeat_messages(repeated: list[tuple[int, int, str]]) -> list[tuple[int, str]]:
    return [(line, f"key {key!r} repeats the one at line {first} in the same mapping") for line, first, key in repeated]


def _data_depth(value) -> int:
    """How deeply a parsed JSON value nests, found without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return deepest


def _compose(text: str) -> yaml.Node | None:
    loader = _Loader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def _json_model(value):
    """YAML timestamps as ISO strings: the data model JSON Schema (and JSON files) use."""
    if isinstance(value, dict):
        return {k: _json_model(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_model(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def bundled_yaml(text: str):
    """The data of a YAML file the suite ships (the catalogue, the gate versions): libyaml's speed, no lines."""
    return yaml.load(text, Loader=_Loader)


def load_yaml(path: Path, file: str, raw: bytes | None = None) -> Document:
    text = read_text(path, file, raw)
    by_items = yaml_items.load(text, lambda node: _walk(node, file), _json_model, MAX_VALUES)
    if by_items is not None:
        data, lines, repeated, items = by_items
        return Document(file, data, lines, text, repeat_messages(repeated), items)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            lines, repeated = _walk(node, file) if node is not None else ({}, [])
            data = _json_model(loader.construct_document(node)) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(file, f"is not valid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise SourceError(file, f"is not valid YAML: {exc}") from None
    return Document(file, data, lines, text, repeat_messages(repeated))


def load_json(path: Path, file: str, raw: bytes | None = None) -> Document:
    text = read_text(path, file, raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(file, f"is not valid JSON: {exc.msg}", exc.lineno) from None
    except RecursionError:
        raise SourceError(file, f"nests deeper than {MAX_DEPTH} levels: refused unread") from None
    if _data_depth(data) > MAX_DEPTH:
        raise SourceError(file, f"nests deeper than {MAX_DEPTH} levels: refused unread")
    # JSON is (almost always) YAML too: the YAML composer gives us the lines
    # json does not. Where it disagrees we keep the data and lose only lines.
    try:
        node = _compose(text)
    except yaml.YAMLError:
        node = None
    # (json.loads keeps the last of repeated keys silently too)
    lines, repeated = _walk(node, file) if node is not None else ({}, [])
    return Document(file, data, lines, text, repeat_messages(repeated))
