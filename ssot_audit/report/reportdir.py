"""The report dir: one run at a time (an flock), every file written to a staging dir and moved into
place with rename(2) at the end, so a reader sees the last complete set or the new one, never half of
either. A run that stops on a usage error leaves the last reports untouched; a run that was stopped
says INTERRUPTED in every file. Every text is redacted on its way in.
"""

from __future__ import annotations

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
from ..redact import redact, redact_lines

INTERRUPTED = "INTERRUPTED: the run was stopped before it finished; what it did not reach counts as not run."
# pytest's exit statuses, which every path gives (README: exit statuses)
EXIT_INTERRUPTED, EXIT_INTERNAL, EXIT_USAGE = 2, 3, 4


def terminate(signum, frame):
    """SIGTERM as the KeyboardInterrupt that SIGINT is: a run stopped either way says INTERRUPTED."""
    raise KeyboardInterrupt(f"signal {signal.Signals(signum).name}")


class ReportDir:
    """The report dir of this run: locked, written through a staging dir, committed at the end."""

    def __init__(self, final: Path):
        self.final = final
        try:
            final.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(final, os.O_RDONLY | os.O_DIRECTORY)  # the dir itself: no lock file left behind
        except OSError as exc:
            raise UsageError(f"--ssot-report-dir {final}: {exc.strerror}") from None
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self.staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=final))
        except OSError as exc:
            os.close(self._lock)
            busy = isinstance(exc, BlockingIOError)
            raise UsageError(
                f"--ssot-report-dir {final}: " + ("in use by another ssot-audit run" if busy else exc.strerror)
            ) from None
        self.exitstatus: int | None = None  # set when the session finishes; None: it never started
        self.started = _utc_now()

    @property
    def interrupted(self) -> bool:
        return self.exitstatus == EXIT_INTERRUPTED

    def path(self, name: str) -> Path:
        return self.staging / name

    def write_markdown(self, name: str, text: str) -> None:
        if self.interrupted:
            text = f"**{INTERRUPTED}**\n\n{text}"
        self.path(name).write_text(inert_markdown(text))

    def write_html(self, name: str, page: str) -> None:
        """A page whose texts are escaped and redacted where it is made (report/history_html.py)."""
        self.path(name).write_text(page, errors="backslashreplace")  # a path git stores in no encoding

    def write_json(self, name: str, document: dict) -> None:
        status = {"status": "INTERRUPTED" if self.interrupted else "complete", "started": self.started,
                  "finished": _utc_now()}  # fmt: skip
        document = {**document, "run": {**status, **document.get("run", {})}}
        # compact: indented JSON goes through json's pure-Python encoder (0.6 s against 0.2 s for a 100x tree's)
        self.path(name).write_text(json.dumps(redacted(document), separators=(",", ":")) + "\n")

    def close(self) -> None:
        """Move the staged files into place, unless the run never got going or the suite itself broke (then
        the old set stays)."""
        try:
            if self.exitstatus not in (None, EXIT_INTERNAL, EXIT_USAGE):
                for staged in sorted(self.staging.iterdir()):
                    os.replace(staged, self.final / staged.name)
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)
            os.close(self._lock)


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
