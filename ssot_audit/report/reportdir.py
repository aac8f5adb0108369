"""The report dir: one run at a time (an flock), every file written to a staging dir and moved into
place with rename(2) at the end, so a reader sees the last complete set or the new one, never half of
either. A run that stops on a usage error leaves the last reports untouched; a run that was stopped
says INTERRUPTED in every file. Every text is redacted on its way in.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import re
import shutil
import signal
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from ..estate import UsageError
from ..redact import neutralise, redact, redact_lines
from ..tree import kind

INTERRUPTED = "INTERRUPTED: the run was stopped before it finished; what it did not reach counts as not run."
# pytest's exit statuses, which every path gives (README: exit statuses)
EXIT_INTERRUPTED, EXIT_INTERNAL, EXIT_USAGE = 2, 3, 4


def terminate(signum, frame):
    """SIGTERM as the KeyboardInterrupt that SIGINT is: a run stopped either way says INTERRUPTED."""
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


# The files each kind of run writes as one set: a run's reports, and a history's. A set lands whole: a member
# the new run did not write (an HTML report of an earlier run, and this one without pytest-html) is removed as
# it lands, so nothing older stands beside the new files as if it were of the same run.
SETS = (frozenset({"closeout.md", "results.json", "ssot-report.html", "junit.xml"}),
        frozenset({"history.json", "history.html"}))  # fmt: skip
# In a staging dir: its set is complete and being moved into place; it lists the members to remove after.
_COMMITTING = ".committing"


class ReportDir:
    """The report dir of this run: locked, written through a staging dir, committed at the end as one set.

    Nothing moves until every file of the set is staged; a writer that fails (or a run stopped while
    writing) leaves the last set as it was. A run killed while moving the set into place leaves its
    staging dir marked complete, and the next run finishes the move before it starts its own.
    """

    def __init__(self, final: Path):
        self.final = final
        self._lock = _open_dir(final)  # the dir itself: no lock file left behind
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self._lock)
            busy = isinstance(exc, BlockingIOError)
            raise _unusable(final, "in use by another ssot-audit run" if busy else exc.strerror) from None
        try:
            _recover(final)
            self.staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=final))
        except OSError as exc:
            os.close(self._lock)
            raise _unusable(final, f"cannot be written: {exc.strerror}") from None
        self.exitstatus: int | None = None  # set when the session finishes; None: it never started
        self.failed = False  # a writer of the set failed: the set is not committed
        self.started = _utc_now()

    @property
    def interrupted(self) -> bool:
        return self.exitstatus == EXIT_INTERRUPTED

    def path(self, name: str) -> Path:
        return self.staging / name

    def write_markdown(self, name: str, text: str) -> None:
        if self.interrupted:
            text = f"**{INTERRUPTED}**\n\n{text}"
        self.path(name).write_text(inert_markdown(text), encoding="utf-8")

    def write_html(self, name: str, page: str) -> None:
        """A page whose texts are escaped and redacted where it is made (report/history_html.py)."""
        self.path(name).write_text(page, encoding="utf-8", errors="backslashreplace")  # a path in no encoding

    def write_json(self, name: str, document: dict) -> None:
        status = {"status": "INTERRUPTED" if self.interrupted else "complete", "started": self.started,
                  "finished": _utc_now()}  # fmt: skip
        document = {**document, "run": {**status, **document.get("run", {})}}
        # compact: indented JSON goes through json's pure-Python encoder (0.6 s against 0.2 s for a 100x tree's)
        self.path(name).write_text(json.dumps(redacted(document), separators=(",", ":")) + "\n", encoding="utf-8")

    def close(self) -> None:
        """Move the staged set into place, unless the run never got going or a writer failed (then the old
        set stays)."""
        try:
            if self.exitstatus not in (None, EXIT_INTERNAL, EXIT_USAGE) and not self.failed:
                written = {p.name for p in self.staging.iterdir()}
                stale = sorted(name for members in SETS if members & written for name in members - written)
                marker = self.staging / f"{_COMMITTING}.part"
                marker.write_text("".join(f"{name}\n" for name in stale))
                os.replace(marker, self.staging / _COMMITTING)  # whole or absent
                _move_into_place(self.staging, self.final)
            # (not when the move failed half way: the marked staging dir is the next run's to finish)
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            os.close(self._lock)


def _move_into_place(staging: Path, final: Path) -> None:
    """The second half of a commit: the staged files renamed over the old ones, then the stale ones removed.
    Repeatable: a run that died half way through is finished by the next one."""
    stale = (staging / _COMMITTING).read_text().split()
    for staged in sorted(staging.iterdir()):
        if not staged.name.startswith(_COMMITTING):
            os.replace(staged, final / staged.name)
    for name in stale:
        (final / name).unlink(missing_ok=True)


def _recover(final: Path) -> None:
    """Staging dirs left by runs that died (this run holds the lock, so no live run owns one): a set
    marked complete is moved into place; any other was never complete, and goes."""
    for left in sorted(final.glob(".staging-*")):
        if (left / _COMMITTING).is_file():
            _move_into_place(left, final)
        shutil.rmtree(left, ignore_errors=True)


def _unusable(final: Path, why: str) -> UsageError:
    return UsageError(f"--ssot-report-dir {neutralise(str(final))}: {why}")


def _open_dir(final: Path) -> int:
    """The report dir, made if need be and opened; a usage error naming whatever stands in its way."""
    for part in [*reversed(final.parents), final]:
        what = _what_is(part)
        if what is None:
            break  # from here on, nothing: mkdir makes it
        if what != "a directory":
            shown = "" if part == final else f"{neutralise(str(part))} "
            raise _unusable(final, f"{shown}is {what}, not a directory")
    try:
        final.mkdir(parents=True, exist_ok=True)
        return os.open(final, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise _unusable(final, f"cannot be made or opened: {exc.strerror}") from None


def _what_is(path: Path) -> str | None:
    """What a path is, as a report dir sees it (through symlinks); None when there is nothing to see."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            return f"a dangling symlink (to {neutralise(os.readlink(path))})"
        return None
    except OSError as exc:  # (anything else, such as no search permission, mkdir names)
        return "a symlink loop" if exc.errno == errno.ELOOP else None
    return kind(info.st_mode)


def _utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


# The only markup closeout.md keeps: folding a long list. Whole lines, no attributes, no `<` inside.
_FOLD = re.compile(r"</?details>|<summary>[^<]*</summary>")


def inert_markdown(text: str) -> str:
    """Redacted line by line (no pattern may join two table rows, but a secret's block scalar is followed across
    its lines), and no raw HTML but the fold: `\\<` renders as `<`."""
    lines = redact_lines(text.split("\n"))
    return "\n".join(line if _FOLD.fullmatch(line) else line.replace("<", "\\<") for line in lines)


def redacted(value):
    """A JSON document with every string redacted, keys too."""
    if isinstance(value, dict):
        return {redact(str(k)): redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return redact(value) if isinstance(value, str) else value
