"""Can each source of truth be read as what it claims to be? (before any check uses it)"""

from __future__ import annotations

from pathlib import PurePosixPath

from ..findings import Finding
from ..repo import Repo, Source, SourceError
from ..schema import RecordViolation, SchemaViolation
from ..spine import SOURCES
from ..workbench import Workbench
from .gates.sources import GATE_SOURCES
from .ssot_docs import SSOT_GLOB

# Every spine file with a declared schema or presence rule: the disconnect checks' and the gates'.
SPINE_SOURCES = SOURCES + GATE_SOURCES


def spine_files(repo: Repo) -> list[str]:
    return _with_refused(repo, [s.rel for s in SPINE_SOURCES] + repo.glob(SSOT_GLOB))


def workbench_files(workbench: Workbench) -> list[str]:
    return _with_refused(workbench.repo, [s.rel for s in workbench.sources()])


def _with_refused(repo: Repo, rels: list[str]) -> list[str]:
    """The files a repo's source tests check: its sources, and every file the tree refuses to read (over the
    size cap, a symlink loop), so each of those is one finding naming it, whoever else would have read it."""
    listed = set(rels)
    return rels + [rel for rel in repo.tree.refused() if rel not in listed]


def declared(rel: str) -> Source:
    """The declared Source for `rel` (schema, runtime, required), or a plain one."""
    return next((s for s in SPINE_SOURCES if s.rel == rel), Source(rel))


def check_repeated_keys(repo: Repo, source: Source) -> list[Finding]:
    """No mapping repeats a key: YAML forbids it, and the spine's scripts and the suite might read different values.

    A test of its own, not part of readability: the spine's yq reads such a file without a word, so a
    gate that reads it is no more wrong than the original; the repeat is drift beyond the catalogue.
    """
    result = repo.try_load(source)
    if isinstance(result, SourceError):
        return []  # unreadable: check_source says so
    return [
        Finding(result.file, line, "a mapping repeats a key", "each key once per mapping (YAML requires it)",
                message, "merge the two entries into one; PyYAML and yq both keep the last value silently")
        for line, message in result.repeated_keys
    ]  # fmt: skip


def check_source(repo: Repo, source: Source) -> list[Finding]:
    result = repo.try_load(source)
    if not isinstance(result, SourceError):
        return [_record_finding(result.file, source, v) for v in result.record_violations]
    if isinstance(result, SchemaViolation):
        return [
            Finding(result.file, line, "value does not match the schema", f"the shape in schemas/{source.schema}",
                    message, "correct the value; every check reading this file skips until then")
            for line, message in result.violations
        ]  # fmt: skip
    return [
        Finding(result.file, result.line, result.message, f"a readable {_kind(source.rel)}file", result.message,
                "restore or repair the file; every check reading it skips until then")
    ]  # fmt: skip


def _kind(rel: str) -> str:
    suffix = PurePosixPath(rel).suffix
    return f"{suffix[1:].upper()} " if suffix else ""


def _record_finding(file: str, source: Source, violation: RecordViolation) -> Finding:
    """One record's violation: every other record of the file is still checked."""
    if violation.kept:
        return Finding(file, violation.line, f"{violation.path}: a value ssot-audit does not know",
                       f"one of {', '.join(map(str, violation.known))} (schemas/{source.schema})",
                       f"{violation.problem}: the record is still checked, its checks reading the value as none "
                       "they know",
                       "use a known value, or teach ssot-audit the new one: its schema and the checks that read it")  # fmt: skip
    return Finding(file, violation.line, f"{violation.path}: the record does not match the schema and is left out",
                   f"the shape in schemas/{source.schema}", violation.problem,
                   "correct the record; the checks skip it until then, and read every other record")  # fmt: skip
