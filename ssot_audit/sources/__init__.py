"""Loaders that keep locations: every value a check reads can be traced to a line.

A loader returns a `Document` or raises `SourceError`; nothing here knows about
pytest or about what the files mean.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..tree import read_regular

JsonPath = tuple  # keys and indexes from the document root


class SourceError(Exception):
    """A file that cannot be read as what it claims to be."""

    def __init__(self, file: str, message: str, line: int | None = None):
        super().__init__(message)
        self.file = file
        self.line = line
        self.message = message

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class SourceMissing(SourceError):
    """The file does not exist (as opposed to existing but being unreadable)."""


@dataclass
class Document:
    """Parsed content of one file plus where each value came from."""

    file: str  # display name: "<repo>/<relative path>"
    data: Any
    lines: Mapping[JsonPath, int] = field(default_factory=dict)
    text: str = ""
    # (line, message) for each repeated mapping key: readers disagree on which value wins, so
    # the file's own test fails on it; checks still read the value PyYAML keeps (the last).
    repeated_keys: list[tuple[int, str]] = field(default_factory=list)
    # (key, the text of each item) when a long top-level list was parsed item by item (yaml_items.py):
    # the schema check then validates each item once per text, too.
    items: tuple[str, tuple[str, ...]] | None = None
    # Schema violations inside the file's records (schema.py: lists and maps marked `x-records`), each
    # its own finding: the data holds the records with only unknown values, and leaves out the others.
    record_violations: tuple = ()

    def line(self, *path) -> int | None:
        """Line of the value at `path`, or of its nearest located ancestor."""
        path = tuple(path)
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())


def read_error(exc: OSError, file: str) -> SourceError:
    """The SourceError for a file that could not be read."""
    if isinstance(exc, FileNotFoundError):
        return SourceMissing(file, "file is missing")
    if isinstance(exc, IsADirectoryError):
        return SourceError(file, "is a directory, expected a file")
    return SourceError(file, f"cannot be read: {exc.strerror}")


def decode(raw: bytes, file: str) -> str:
    """A file's bytes as UTF-8 text, or a SourceError saying why they are not usable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise SourceError(file, f"is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", line) from None
    if not text.strip():
        raise SourceError(file, "is empty")
    return text


def read_text(path: Path, file: str, raw: bytes | None = None) -> str:
    """Read a UTF-8 file (or decode bytes already read), turning every way that can fail into a SourceError.
    Only a regular file under the size cap is read (tree.read_regular)."""
    if raw is None:
        try:
            raw = read_regular(path, file)
        except OSError as exc:
            raise read_error(exc, file) from None
    return decode(raw, file)
