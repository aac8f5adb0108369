"""Known drift: the findings of an earlier run (its results.json), so a hook fails only on what is new.

A finding is known when an earlier run found the same thing with the same test:
the same test item, file and message. Lines are left out: an edit above a known
drift moves it without making it new.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from .schema import validator

Key = tuple[str, str, str]


def key(test: str, finding: dict) -> Key:
    """`test` is a node ID; only its last part counts, so an installed and an editable suite agree."""
    return (test.rpartition("::")[2], finding["file"], finding["message"])


class BaselineError(Exception):
    pass


@dataclass(frozen=True)
class Baseline:
    path: str
    findings: dict[Key, dict]

    @classmethod
    def load(cls, path: Path) -> Baseline:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            raise BaselineError(f"{path}: cannot be read as JSON ({exc})") from None
        errors = sorted(validator("results.schema.json").iter_errors(document), key=lambda e: list(e.path))
        if errors:
            raise BaselineError(f"{path}: not a results.json of ssot-audit ({errors[0].message})")
        found = [f for e in document["entries"] for f in e["findings"]] + document["beyond"]
        return cls(str(path), {key(f["test"], f): f for f in found})

    def knows(self, test: str, finding: dict) -> bool:
        return key(test, finding) in self.findings

    def resolved(self, ran: set[str], found: set[Key]) -> list[dict]:
        """Known findings of tests that ran again and no longer found them."""
        return [f for k, f in self.findings.items() if k[0] in ran and k not in found]
