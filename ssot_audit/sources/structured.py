"""YAML and JSON documents with a line for every key and item."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path

import yaml

from . import Document, SourceError, read_text

try:  # libyaml is several times faster; the pure loader gives the same nodes
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader


def _line_map(node: yaml.Node, path: tuple, out: dict) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                sub = path + (key.value,)
                _line_map(value, sub, out)
                out[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _line_map(item, path + (index,), out)


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


def load_yaml(path: Path, file: str, raw: bytes | None = None) -> Document:
    text = read_text(path, file, raw)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = _json_model(loader.construct_document(node)) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        raise SourceError(file, f"is not valid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise SourceError(file, f"is not valid YAML: {exc}") from None
    lines: dict = {}
    if node is not None:
        _line_map(node, (), lines)
    return Document(file, data, lines, text)


def load_json(path: Path, file: str, raw: bytes | None = None) -> Document:
    text = read_text(path, file, raw)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SourceError(file, f"is not valid JSON: {exc.msg}", exc.lineno) from None
    lines: dict = {}
    # JSON is (almost always) YAML too: the YAML composer gives us the lines
    # json does not. Where it disagrees we keep the data and lose only lines.
    try:
        node = _compose(text)
        if node is not None:
            _line_map(node, (), lines)
    except yaml.YAMLError:
        pass
    return Document(file, data, lines, text)
