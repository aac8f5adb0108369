"""A large YAML file whose bulk is one top-level list, parsed item by item, each item once per text.

operational.gaps.yaml is the spine's largest binding (over a megabyte, 1,400+ gaps) and the one
most often changed: a gap is registered or closed in half the commits of a busy week. Parsing it
whole costs most of a second; a history judges it at every one of those commits, though each
commit changes one or two items. So the list is cut at its items (lines `<indent>- ` at the list's
own indentation), each item parsed alone and kept by its text, and the rest of the file parsed
with the items blanked out (their lines kept, so every line number holds).

The result equals a whole parse or is not used: any document this cannot cut cleanly (directives,
several documents, an alias or anchor across items, an item that does not parse alone) gives
None, and the caller parses it whole, with the whole parse's error messages.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Callable

import yaml

from . import SourceError

_ITEM = re.compile(r"^( *)-(?: |$)")
_TOP_KEY = re.compile(r"^([^\s#:'\"-][^:#]*):\s*(?:#.*)?$")
SMALLEST = 128 * 1024  # characters: a smaller file parses whole in a few milliseconds
FEWEST = 16  # items: fewer, and cutting saves nothing
_CACHE_ITEMS = 50_000

Parsed = tuple  # (data, lines: {path: line}, repeated: [(line, message)]), lines relative to the text's first line
Loaded = tuple  # Parsed, and (the list's key, each item's text)


class _Lru(OrderedDict):
    def get_or(self, key: str, make: Callable[[], object]):
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = self[key] = make()
        if len(self) > _CACHE_ITEMS:
            self.popitem(last=False)
        return value


_ITEMS = _Lru()


def cut(text: str) -> tuple[str, int, int, list[tuple[int, str]]] | None:
    """(the list's key, its first and past-the-end line indexes, [(first line index, item text), ...]): None when the file
    is not one long top-level list under a key, with nothing that a cut could change."""
    if len(text) < SMALLEST or "\n%" in f"\n{text}" or re.search(r"^(?:---|\.\.\.)(?:\s|$)", text, re.M):
        return None
    lines = text.split("\n")
    best = None
    for index, line in enumerate(lines):
        key = _TOP_KEY.match(line)
        if key is None:
            continue
        items = _items_after(lines, index + 1)
        if items and (best is None or len(items[2]) > len(best[3])):
            best = (key[1].strip(), *items)
    if best is None or len(best[3]) < FEWEST:
        return None
    return best


def _items_after(lines: list[str], start: int) -> tuple[int, int, list[tuple[int, str]]] | None:
    """The block list that starts after a top-level key: its items, each from its `-` line to the next."""
    first = next((i for i in range(start, len(lines)) if _significant(lines[i])), None)
    match = _ITEM.match(lines[first]) if first is not None else None
    if match is None:
        return None
    indent = match[1]
    starts, end = [], len(lines)
    for i in range(first, len(lines)):
        line = lines[i]
        if not _significant(line):
            continue
        if _ITEM.match(line) and line.startswith(indent) and not line[len(indent)].isspace():
            starts.append(i)
        elif len(line) - len(line.lstrip(" ")) <= len(indent) and not line.startswith(f"{indent}-"):
            end = i  # back at the key's level (or a shallower list item): the list ended
            break
    bounds = [*starts, end]
    # each item with the line break that ends it in the file (a block scalar's final break depends on it)
    return first, end, [(bounds[k], "\n".join(lines[bounds[k] : bounds[k + 1]]) + ("\n" if bounds[k + 1] < len(lines) else ""))
                        for k in range(len(starts))]  # fmt: skip


def _significant(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")


def load(text: str, walk, model, limit: int) -> Loaded | None:
    """(data, lines, repeated, (key, item texts)): data, lines and repeated keys as a whole parse gives them, or None (parse it whole). `walk` and `model`
    are the whole-file loader's node walk and data conversion, `limit` its bound on values."""
    found = cut(text)
    if found is None:
        return None
    key, first, end, items = found
    lines = text.split("\n")
    blanked = "\n".join(lines[:first] + [""] * (end - first) + lines[end:])
    try:
        head = _parse(blanked, walk, model)
        parts = [_ITEMS.get_or(item_text, lambda t=item_text: _parse(t, walk, model)) for _, item_text in items]
    except (yaml.YAMLError, SourceError):  # the whole parse says what is wrong, where
        return None
    if head is None:
        return None
    data, line_of, repeated = head
    if not isinstance(data, dict) or data.get(key) is not None or any(p is None for p in parts):
        return None
    values, all_lines, all_repeated = [], dict(line_of), list(repeated)
    for index, ((offset, _), (item_data, item_lines, item_repeated)) in enumerate(zip(items, parts, strict=True)):
        if not isinstance(item_data, list) or len(item_data) != 1:
            return None
        values.append(item_data[0])
        for path, line in item_lines.items():
            if path:
                all_lines[(key, index, *path[1:])] = line + offset
        all_repeated += [(line + offset, message) for line, message in item_repeated]
    if len(all_lines) > limit:  # the whole parse refuses it, saying so
        return None
    data[key] = values
    return data, all_lines, sorted(set(all_repeated)), (key, tuple(t for _, t in items))


def _parse(text: str, walk, model) -> Parsed | None:
    loader = yaml.CSafeLoader(text) if hasattr(yaml, "CSafeLoader") else yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        found_lines, repeated = walk(node)
        return model(loader.construct_document(node)), found_lines, repeated
    finally:
        loader.dispose()
