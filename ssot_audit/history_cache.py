"""What a history judged, kept under the spine's .git/ssot-audit/, so that a nightly re-run over the same window
judges only its new commits.

A commit's verdicts depend on its tree and its paired workbench commit (both named by sha), the selection,
the waivers file given with --waivers, and the suite itself: the cache is keyed by all of them, the suite by
a hash of its own files, so a new version of ssot-audit starts afresh. It holds the last history document
of each key; a run whose commits begin with the cached ones (same shas, same workbench pairing) takes their
changes from it and judges the rest.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from . import kept
from .suite import suite_dir

FILE = "history-cache.json"


@cache
def _suite_fingerprint() -> str:
    """The suite's own files (its code, catalogue, schemas and tests), hashed: a changed suite judges anew."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for root in (package, suite_dir()):
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".py", ".yaml", ".json", ".ini")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def key(markers: str, keywords: str, workbench: Path | None, waivers: str | None, mint_modules: Path | None) -> str:
    waivers_text = Path(waivers).read_bytes() if waivers and Path(waivers).is_file() else b""
    parts = [_suite_fingerprint(), markers, keywords, str(workbench), str(mint_modules),
             hashlib.sha256(waivers_text).hexdigest() if waivers else ""]  # fmt: skip
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def load(git: Path, key_: str) -> dict | None:
    """The last history document of this key, or None (no cache, another key, or a file that cannot be read)."""
    kept_ = kept.read(git / "ssot-audit" / FILE)
    return kept_.get("document") if isinstance(kept_, dict) and kept_.get("key") == key_ else None


def save(git: Path, key_: str, document: dict) -> None:
    """Replace the cache with this document."""
    kept.keep(git / "ssot-audit" / FILE, {"key": key_, "document": document})


def reusable(cached: dict | None, commits: list[dict]) -> int:
    """How many of `commits` (sha and paired workbench commit) the cached document judged, from the first on."""
    if cached is None:
        return 0
    count = 0
    for old, new in zip(cached["commits"], commits, strict=False):
        if (old["sha"], old["workbench"]) != (new["sha"], new["workbench"]):
            break
        count += 1
    return count
