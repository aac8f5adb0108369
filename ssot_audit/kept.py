"""What a run keeps for the next one (a history's verdicts, what gate scripts need, detect-secrets' patterns):
JSON files that only save time, so one that cannot be read or written is as good as none."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def read(path: Path) -> Any | None:
    """The JSON kept at `path`, or None when there is none or it cannot be read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def keep(path: Path, value: Any) -> bool:
    """Write `value` whole, then rename it into place, so a reader never sees half of it; False when it could
    not be written (a read-only home or .git): the next run only does the work again."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        staged = path.with_name(f".{path.name}.{os.getpid()}")
        staged.write_text(json.dumps(value, separators=(",", ":")), encoding="utf-8")
        os.replace(staged, path)
    except OSError:
        return False
    return True
