"""Times as the spine writes them (ISO 8601, often with `Z`), read as aware UTC."""

from __future__ import annotations

from datetime import datetime, timezone


def parse_utc(value) -> datetime | None:
    """An ISO 8601 date or time as aware UTC (a naive one is taken as UTC); None when it is not one."""
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
