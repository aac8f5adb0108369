"""OpenSSH client config: what `ssh <alias>` would resolve, and where each alias is written.

paramiko's SSHConfig does the resolving (wildcards, first-match-wins, `Host *`
defaults); this module only adds the line of each `Host` stanza.
"""

from __future__ import annotations

import re
from pathlib import Path

from . import Document, SourceError, read_text

_HOST = re.compile(r"^\s*Host\s+(?P<patterns>.+?)\s*$", re.IGNORECASE)


def load_ssh_config(path: Path, file: str, raw: bytes | None = None) -> Document:
    """Data: one entry per concrete alias: {alias, hostname, user, line}."""
    import paramiko  # here, not at the top: ~0.15 s that the static runs (the pre-commit hook) never need

    text = read_text(path, file, raw)
    try:
        config = paramiko.SSHConfig.from_text(text)
    except Exception as exc:  # paramiko raises bare ConfigParseError/ValueError/...
        raise SourceError(file, f"is not a valid ssh_config: {exc}") from None
    entries, lines = [], {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        match = _HOST.match(line)
        if not match:
            continue
        for alias in match["patterns"].split():
            if any(ch in alias for ch in "*?!"):
                continue  # patterns are defaults, not hosts
            resolved = config.lookup(alias)
            lines[(len(entries),)] = number
            entries.append(
                {
                    "alias": alias,
                    "hostname": resolved.get("hostname", alias),
                    "user": resolved.get("user"),
                    "line": number,
                }
            )
    return Document(file, entries, lines, text)
