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
from collections.abc import Callable, Mapping

import yaml

from . import SourceError

# Searched in "\n" + text: each pattern starts with the line break before a line, a literal the regex
# engine finds fast (a `^` in MULTILINE mode is tried at every character of a megabyte).
_TOP_KEY = re.compile(r"\n([^\s#:'\"-][^:#\n]*):[ \t]*(?:#[^\n]*)?(?=\n|$)")
_SIGNIFICANT = re.compile(r"\n[ \t]*[^\s#]")
_ITEM = re.compile(r"\n( *)-(?: |\n|$)")
_DOCUMENT_MARK = re.compile(r"\n(?:---|\.\.\.|%)")
# An anchor ties what it marks to its aliases, and one name defined twice is an error of the whole
# document that no single item shows: a file with anchors (or anything like one) is parsed whole.
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]", re.M)
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
    """(the list's key, where the list starts and ends in the text, [(its first line index, item text), ...]):
    None when the file is not one long top-level list under a key, with nothing that a cut could change."""
    lined = "\n" + text
    if len(text) < SMALLEST or _DOCUMENT_MARK.search(lined) or _ANCHOR.search(text):
        return None
    best = None
    for key in _TOP_KEY.finditer(lined):
        found = _items_after(lined, key.end())
        if found and (best is None or len(found[2]) > len(best[3])):
            best = (key[1].strip(), *found)
    if best is None or len(best[3]) < FEWEST:
        return None
    return best


def _items_after(lined: str, start: int) -> tuple[int, int, list[tuple[int, str]]] | None:
    """The block list that starts after a top-level key: its items, each from its `-` line to the next, with the
    line break that ends it (a block scalar's last break depends on it). A comment or blank line between items
    goes with the item before it: it changes no data. Positions are in `text`, one less than in `lined`."""
    first = _SIGNIFICANT.search(lined, start)
    item = _ITEM.match(lined, first.start()) if first else None
    if item is None:
        return None
    width = len(item[1])
    # the list ends at the first significant line no deeper than its items that is not one of them
    ending = re.compile(rf"\n(?! {{{width}}}-(?: |\n|$)) {{0,{width}}}[^\s#]").search(lined, item.start())
    end = ending.start() if ending else len(lined)
    starts = [m.start() for m in re.compile(rf"\n {{{width}}}-(?: |\n|$)").finditer(lined, item.start(), end)]
    items, line = [], lined.count("\n", 0, starts[0] + 1) - 1
    for index, at in enumerate(starts):
        stop = starts[index + 1] if index + 1 < len(starts) else end
        items.append((line, lined[at + 1 : stop + 1]))
        line += lined.count("\n", at + 1, stop + 1)
    return item.start(), end, items


def load(text: str, walk, model, limit: int) -> Loaded | None:
    """(data, lines, repeated, (key, item texts)): data, lines and repeated keys as a whole parse gives them, or
    None (parse it whole). `walk` and `model` are the whole loader's node walk and data conversion, `limit` its
    bound on values."""
    found = cut(text)
    if found is None:
        return None
    key, first, end, items = found
    blanked = text[:first] + "\n" * text.count("\n", first, end) + text[end:]  # every other line where it was
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
    values, all_repeated = [], list(repeated)
    for (offset, _), (item_data, _, item_repeated) in zip(items, parts, strict=True):
        if not isinstance(item_data, list) or len(item_data) != 1:
            return None
        values.append(item_data[0])
        all_repeated += [(line + offset, first + offset, name) for line, first, name in item_repeated]
    lines = Lines(line_of, key, [(offset, part[1]) for (offset, _), part in zip(items, parts, strict=True)])
    if len(lines) > limit:  # the whole parse refuses it, saying so
        return None
    data[key] = values
    return data, lines, sorted(set(all_repeated)), (key, tuple(t for _, t in items))


class Lines(Mapping):
    """The line of every key and item, as a whole parse's walk maps them, read from each item's own map
    (shared by every version of the file that has the item) without copying them into one."""

    def __init__(self, head: dict, key: str, items: list[tuple[int, dict]]):
        self._head, self._key, self._items = head, key, items

    def __getitem__(self, path: tuple) -> int:
        if len(path) >= 2 and path[0] == self._key and type(path[1]) is int and 0 <= path[1] < len(self._items):
            offset, lines = self._items[path[1]]
            return lines[(0, *path[2:])] + offset
        return self._head[path]

    def __iter__(self):
        yield from self._head
        for index, (_, lines) in enumerate(self._items):
            yield from ((self._key, index, *path[1:]) for path in lines if path)

    def __len__(self) -> int:
        return len(self._head) + sum(len(lines) - 1 for _, lines in self._items)


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
