"""Make text from checked repos and hosts safe to show: no secret values, no control characters.

Findings quote input files, skip reasons quote errors, and every report shows them.
`redact` is applied where the suite hands text to an output (see ssot_audit/outputs.py);
it is idempotent, so text that passes through it twice is unchanged the second time.

Own patterns rather than a detector library: detect-secrets' plugins find candidate
secrets in a diff, line by line, by entropy and keywords; they flag every word of
ordinary prose, miss `mysql -p...` and multi-line key bodies, give no span to mask,
and importing them costs ~0.2 s (requests included) on every pre-commit run.
"""

from __future__ import annotations

import re
from functools import lru_cache

MASK = "<redacted>"

# `${VAR}` / `${VAR:?msg}` references are how compose files name secrets without holding them.
_REFERENCE = re.compile(r"(\$\{[^}]*\}|\$[A-Z_][A-Z0-9_]*)")

# A private key, BEGIN to END (or to the end of the text when the quote is cut short).
_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)", re.S
)
# A word that names a secret, inside a longer name too (AWS_SECRET_ACCESS_KEY, DB_PASS, admin password).
_SECRET_WORD = (
    r"(?:token|secret|passw(?:or)?d|passphrase|passwd|pwd|api[_-]?key|private[_-]?key|access[_-]?key"
    r"|credentials?|(?<![a-z])pass(?![a-z]))"
)
# A plural names a topic, not a value: `Secrets & Passwords: Host ...` is a heading, `tokens: [a, b]` a list.
_NOT_PLURAL = r"(?<!words)(?<!crets)(?<!okens)(?<!tials)(?<![_-]keys)"
_VALUE = r"(?:\"[^\"\n]*\"|'[^'\n]*'|[^\s\"',;}]+)"  # quoted (spaces and all), or one word
_RULES: list[tuple[re.Pattern, str]] = [
    # scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^\s:/@]+):[^\s@/]+@"), rf"\1:{MASK}@"),
    # Authorization: Bearer|Basic|token <value>, and a bare `Bearer <value>`
    (
        re.compile(
            r"(?i)\b((?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:bearer|basic|token|digest)?[ \t]*)"
            r"[^\s\"',;}]+"
        ),
        rf"\1{MASK}",
    ),  # fmt: skip
    (re.compile(r"(?i)\b(bearer[ \t]+)[A-Za-z0-9._~+/=-]{8,}"), rf"\1{MASK}"),
    # --password X, --token=X, -p X for a flag named after a secret
    (re.compile(rf"(?i)(?<![\w-])(--?[\w-]*{_SECRET_WORD}[\w-]*)(=|[ \t]+)(?!-){_VALUE}"), rf"\1\2{MASK}"),
    # mysql -pVALUE (the password glued to the flag)
    (
        re.compile(r"(?i)\b((?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n]*?[ \t]-p)(?=\S)[^\s\"']+"),
        rf"\1{MASK}",
    ),  # fmt: skip
    # NAME=value, name: value, "name": "value" where the name holds a secret word; a `:` needs a space or
    # quote after it, as in YAML and JSON, so `secrets.yaml:12:` (a file and its line) is not taken for one.
    # A name starts where a run of name characters does (the lookbehind): the same matches, found without
    # retrying from every character inside each word (which made this rule most of a report's cost).
    (
        re.compile(
            rf"(?i)(?<![\w.-])([\w.-]*{_SECRET_WORD}[\w.-]*{_NOT_PLURAL}[\"']?(?:[ \t]*=|[ \t]*:(?=[\s\"']))[ \t]*)(?![ \t]|$){_VALUE}",
            re.M,
        ),
        rf"\1{MASK}",
    ),  # fmt: skip
    # Shapes that are secrets whatever they are called
    (
        re.compile(
            r"\beyJ[\w-]{16,}={0,2}(?:\.[\w-]*)*"  # JWTs, and one-segment base64-JSON tokens (cloudflared)
            r"|\bst\.[\w-]{4,}(?:\.[\w-]+)+"  # Infisical service tokens, every segment
            r"|\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|xox[abpr]-[\w-]{10,}"
            r"|sk-[A-Za-z0-9_-]{20,}|AKIA[0-9A-Z]{16}|hvs\.[\w-]{20,}|tskey-[\w-]{16,})"
        ),
        MASK,
    ),  # fmt: skip
    # A line of base64 as long as a key body's: mixed case and digits, 48+ characters
    (
        re.compile(
            r"(?<![\w+/])(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[0-9])"
            r"[A-Za-z0-9+/]{48,}={0,2}"
        ),
        MASK,
    ),  # fmt: skip
]

# Terminal escapes, other C0/C1 controls and bidi overrides: shown as escapes, never acted on. And surrogates,
# which no encoding can write: a name that is not UTF-8 (Python keeps its bytes as U+DC80-U+DCFF) and a JSON
# string's lone "\ud800" are shown as what they are, where writing them would fail.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


# Words (case-folded) without which a rule cannot match: most text names none of them, and a
# substring search is far cheaper than the patterns. Rules not listed always run.
_SECRET_WORDS = ("token", "secret", "pass", "pwd", "api", "private", "access", "credential")
_NEEDS: dict[re.Pattern, tuple[str, ...]] = {
    _RULES[0][0]: ("://",),
    _RULES[1][0]: ("authorization",),
    _RULES[2][0]: ("bearer",),
    _RULES[3][0]: _SECRET_WORDS,
    _RULES[4][0]: ("mysql", "mariadb"),
    _RULES[5][0]: _SECRET_WORDS,
}


def _folded(text: str) -> str:
    """The text as (?i) compares it: case-folded, with the dotless and the dotted capital i as i."""
    return text.casefold().replace("\u0131", "i").replace("i\u0307", "i")


def _literal(text: str) -> str:
    folded = _folded(text)
    for pattern, replacement in _RULES:
        needs = _NEEDS.get(pattern)
        if needs is not None and not any(word in folded for word in needs):
            continue
        changed = pattern.sub(replacement, text)
        if changed != text:
            text, folded = changed, _folded(changed)
    return text


def neutralise(text: str) -> str:
    """Control characters as visible escapes (`\\x1b`), so no output can move a cursor or hide text; a byte
    that is not UTF-8 as `\\xe9`, a lone surrogate as `\\ud800`, so every output can be written."""
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    char = match[0]
    if "\udc80" <= char <= "\udcff":  # a byte of a name that is not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


@lru_cache(maxsize=8192)  # every report passes its properties through here; most repeat (IDs, severities)
def redact(text: str) -> str:
    """Secret values masked and control characters neutralised; `${VAR}` references kept as written."""
    if "\n" in text and _line_local(text):
        # Line by line, each line cached: a finding's expected/found/fix lines recur across the files and
        # reports that quote them, where the texts as a whole (each with its own file and line) do not.
        return "\n".join(map(_redact_line, text.split("\n")))
    return _redact(text)


def _line_local(text: str) -> bool:
    """Whether every match of every pattern lies within one line, so redacting line by line changes nothing.

    Only a key block (BEGIN to END) and an unclosed `${` can span lines: every other pattern stops at a
    newline, and its look-arounds and anchors see a newline as they see the edge of the text.
    """
    return "-----BEGIN" not in text and ("${" not in text or all("\n" not in m[0] for m in _REFERENCE.finditer(text)))


def _redact(text: str) -> str:
    text = _KEY_BLOCK.sub(MASK, text)
    parts = _REFERENCE.split(text)  # odd indexes are ${...} references: kept as written
    return neutralise("".join(part if index % 2 else _literal(part) for index, part in enumerate(parts)))


_redact_line = lru_cache(maxsize=65536)(_redact)
