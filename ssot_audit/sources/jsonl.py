"""JSON Lines ledgers: one record per line, each keeping its line number."""

from __future__ import annotations

import json
from pathlib import Path

from . import Document, SourceError, read_text


def load_jsonl(path: Path, file: str, raw: bytes | None = None) -> Document:
    """Records as a list; `lines[(i,)]` is the file line of record i.

    One malformed line makes the whole ledger unusable: a reducer that skipped
    it could report a loop open that a close row on that line had closed.
    """
    text = read_text(path, file, raw)
    records, lines = [], {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise SourceError(file, f"line is not valid JSON: {exc.msg}", number) from None
        if not isinstance(record, dict):
            raise SourceError(file, f"line holds a {type(record).__name__}, expected an object", number)
        lines[(len(records),)] = number
        records.append(record)
    return Document(file, records, lines, text)
