"""Keep secret-looking values out of every report: findings quote input files."""

from __future__ import annotations

import re

MASK = "<redacted>"

# `${VAR}` / `${VAR:?msg}` references are how compose files name secrets without holding them.
_REFERENCE = re.compile(r"(\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*)")
# A key that ends in a secret word, then `=` or `:`, then a literal value.
_ASSIGNED = re.compile(
    r"(?i)(?P<key>[\w.-]*(?:token|secret|passw(?:or)?d|passphrase|api[_-]?key|private[_-]?key)"
    r"[\"']?\s*[=:]\s*[\"']?)(?P<value>[^\s\"',;}]{4,})"
)
_SHAPES = re.compile(
    r"\beyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}"  # JWT
    r"|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abpr]-[\w-]{10,}"
    r"|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|hvs\.[\w-]{20,}|st\.[\w-]{20,}|tskey-[\w-]{16,})"
    r"|-----BEGIN [A-Z ]*PRIVATE KEY-----"
)


def _literal(text: str) -> str:
    text = _ASSIGNED.sub(lambda m: m["key"] + MASK, text)
    return _SHAPES.sub(MASK, text)


def redact(text: str) -> str:
    parts = _REFERENCE.split(text)  # odd indexes are ${...} references: kept as written
    return "".join(part if index % 2 else _literal(part) for index, part in enumerate(parts))
