"""Markdown as the spine writes it: headed sections, pipe tables, `**Key:** value` fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from . import Document, read_text

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
# "- **Host:** pve", "> **Status:** open", "**Owner**: @ronny", "- Host: pve", "Host: pve", "__VM__: 204"
_FIELD = re.compile(
    r"^\s*(?:[-*+>]\s+|>\s*)*(?P<mark>\*\*|__)?(?P<key>[A-Za-z][\w /&()-]{0,40}?)"
    r"(?:(?P=mark):|:(?P=mark)|(?(mark)(?!)|:))\s*(?P<value>\S.*?)\s*$"
)
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass
class Row:
    line: int
    cells: dict[str, str]

    def get(self, column: str) -> str:
        """Cell by column name, case-insensitively."""
        for name, value in self.cells.items():
            if name.lower() == column.lower():
                return value
        return ""


@dataclass
class Table:
    line: int
    header: list[str]
    rows: list[Row]

    def has_columns(self, *names: str) -> bool:
        lowered = {h.lower() for h in self.header}
        return all(n.lower() in lowered for n in names)


@dataclass
class Section:
    title: str
    level: int
    line: int
    lines: list[tuple[int, str]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def fields(self) -> dict[str, tuple[int, str]]:
        """`Key: value` lines outside tables and code, first occurrence wins."""
        found: dict[str, tuple[int, str]] = {}
        for number, text in self.lines:
            if text.lstrip().startswith("|"):
                continue
            match = _FIELD.match(text)
            if match:
                found.setdefault(match["key"].strip().lower(), (number, match["value"].strip("* ")))
        return found


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _is_rule(line: str) -> bool:
    return bool(re.fullmatch(r"\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?", line.strip()))


def parse(text: str) -> list[Section]:
    """Sections in order; text before the first heading is a level-0 section."""
    sections = [Section("", 0, 1)]
    in_code = False
    table: Table | None = None  # the table whose rows we are reading
    raw = text.splitlines()
    for index, line in enumerate(raw):
        number = index + 1
        if _FENCE.match(line):
            in_code, table = not in_code, None
            continue
        if in_code:
            continue
        heading = _HEADING.match(line)
        if heading:
            sections.append(Section(heading[2], len(heading[1]), number))
            table = None
            continue
        current = sections[-1]
        current.lines.append((number, line))
        is_pipe = line.lstrip().startswith("|")
        following = raw[index + 1] if index + 1 < len(raw) else ""
        if is_pipe and table is None and _is_rule(following):
            table = Table(number, _cells(line), [])
            current.tables.append(table)
        elif is_pipe and table is not None:
            if not _is_rule(line):
                table.rows.append(
                    Row(number, dict(zip(table.header, _cells(line), strict=False)))
                )  # short rows: missing cells are empty)
        else:
            table = None
    return sections


def load_markdown(path: Path, file: str, raw: bytes | None = None) -> Document:
    text = read_text(path, file, raw)
    return Document(file, parse(text), {}, text)
