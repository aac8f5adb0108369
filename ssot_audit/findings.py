"""What a check reports: one drift, located in a file, with the fix; and how a test says it found some."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from .redact import redact
from .selectors import Facets


@dataclass(frozen=True)
class Finding:
    """One disagreement between a source of truth and what it should say.

    `file` is shown as given (repo-relative, prefixed with the repo name), so a
    reader can open it; `line` is 1-based and None where no line applies
    (a missing file, a host fact).
    """

    file: str
    line: int | None
    summary: str
    expected: str
    found: str
    fix: str
    detail: str = ""
    about: Facets = field(default_factory=dict, compare=False, hash=False)

    @property
    def location(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file

    def headline(self) -> str:
        return redact(f"{self.location}: {self.summary}")

    def render(self) -> str:
        lines = [
            self.headline(),
            f"  expected: {self.expected}",
            f"  found:    {self.found}",
            f"  fix:      {self.fix}",
        ]
        if self.detail:
            lines += ["  diff:"] + [f"    {d}" for d in self.detail.splitlines()]
        return redact("\n".join(lines))

    def as_dict(self) -> dict:
        """The finding as results.json records it (redacted)."""
        out = {
            "file": self.file,
            "line": self.line,
            "message": self.summary,
            "expected": self.expected,
            "found": self.found,
            "fix": self.fix,
        }
        if self.detail:
            out["diff"] = self.detail
        return {k: redact(v) if isinstance(v, str) else v for k, v in out.items()}


def render_all(findings: list[Finding]) -> str:
    return "\n\n".join(f.render() for f in findings)


class Drift(pytest.fail.Exception):
    """A failed check: its findings are the whole message, without a traceback.

    A pytest failure, so a test that raises it reads as failed wherever it runs; the engine
    (ssot_audit/run.py) takes the findings from it whichever path called the test."""

    # As pytest does for its own outcomes: reports then say "Drift: ...", not a module path.
    __module__ = "builtins"

    def __init__(self, findings: list[Finding]):
        super().__init__(render_all(findings), pytrace=False)
        self.findings = findings


def expect(findings: list[Finding]) -> None:
    """Fail the test with the findings, if there are any."""
    if findings:
        raise Drift(findings)
