"""Accepted exceptions: a catalogue ID that may fail until a date, owned by a loop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import catalogue
from .catalogue import Catalogue
from .findings import Finding
from .options import WAIVERS_DEFAULT as DEFAULT
from .repo import SourceError
from .schema import validate
from .sources.structured import load_yaml


@dataclass(frozen=True)
class Waiver:
    kind: str
    id: str
    reason: str
    owner_loop: str
    expires: date
    line: int | None

    @property
    def label(self) -> str:
        return f"{self.kind} {self.id}"

    def expired(self, today: date) -> bool:
        return self.expires < today

    def describe(self) -> str:
        return f"waived until {self.expires.isoformat()} by {self.owner_loop}: {self.reason}"


class WaiverError(Exception):
    """A waivers file that cannot be trusted: no waiver applies, and the waivers test fails saying why."""


def load(path: Path, catalogue: Catalogue, raw: bytes | None = None) -> list[Waiver]:
    """`raw`: the file's bytes, when they come from elsewhere than `path` (a commit's tree)."""
    try:
        doc = load_yaml(path, str(path), raw)
        if doc.repeated_keys:  # which of two entries is the waiver? neither is trusted
            line, message = doc.repeated_keys[0]
            raise SourceError(str(path), message, line)
        validate(doc, "waivers.schema.json")
    except SourceError as error:
        raise WaiverError(str(error)) from None
    waivers = []
    for index, entry in enumerate(doc.data.get("waivers") or []):
        kind = "disconnect" if "disconnect" in entry else "gate"
        waiver = Waiver(kind, str(entry[kind]), entry["reason"], entry["owner_loop"],
                        date.fromisoformat(entry["expires"]), doc.line("waivers", index))  # fmt: skip
        entry = catalogue.get(kind, waiver.id)
        if entry is None or entry.cls == "never-assigned":
            why = "never assigned" if entry else "not in the catalogue"
            raise WaiverError(f"{path}:{waiver.line}: waiver for unknown {waiver.label} ({why})")
        waivers.append(waiver)
    return waivers


def covering(waivers: list[Waiver], ids: list[tuple[str, str]]) -> list[Waiver]:
    """Waivers that cover a test: every catalogue ID it carries must be waived."""
    found = [next((w for w in waivers if (w.kind, w.id) == pair), None) for pair in ids]
    return [w for w in found if w] if ids and all(found) else []


def unusable(path: Path, error: WaiverError) -> Finding:
    """The waivers test's one failure for a file that cannot be used."""
    return Finding(
        str(path), None, "the waivers file cannot be used, so nothing is waived",
        "waivers of known IDs, each with reason, owner_loop and expires (schemas/waivers.schema.json)",
        str(error), "correct the waivers file; until then every waived ID is judged as it is",
    )  # fmt: skip


@dataclass(frozen=True)
class Waivers:
    """The run's waivers: those in force, or the one failure of a file that cannot be used."""

    waivers: tuple[Waiver, ...] = ()
    unusable: Finding | None = None  # the waivers test's one failure when the file cannot be used
    named: str = "none"  # what the reports name as the waivers
    file: str = DEFAULT  # what the waivers test's findings name

    def active(self, today: date) -> list[Waiver]:
        return [w for w in self.waivers if not w.expired(today)]


def find(given: str | None, spine_root: Path, raw: bytes | None = None) -> Waivers:
    """The run's waivers: `given` (--waivers), else the spine's own file when it has one (`raw`: its bytes,
    when they come from a commit's tree)."""
    path = Path(given) if given else spine_root / DEFAULT
    file = given or DEFAULT
    if not given and raw is None and not _is_file(path):
        return Waivers(file=file)
    try:
        waivers = load(path, catalogue.load(), raw)
    except WaiverError as error:  # nothing is waived, and every check still runs
        return Waivers((), unusable(path, error), given or "none", file)
    return Waivers(tuple(waivers), None, given or (str(path) if waivers else "none"), file)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:  # an unreadable ops/bindings/: its own source tests fail, naming the files
        return False
