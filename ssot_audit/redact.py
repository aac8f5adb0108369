"""Make text from checked repos and hosts safe to show: no secret values, no control characters.

Findings quote input files, skip reasons quote errors, and every report shows them.
`redact` is applied where the suite hands text to an output (see ssot_audit/outputs.py);
it is idempotent, so text that passes through it twice is unchanged the second time.

Two sources of rules. Provider token shapes (AWS, Azure, Discord, GitHub, GitLab, Mailchimp,
PyPI, SendGrid, Slack, Square, Stripe, Telegram, Twilio, Artifactory) are detect-secrets' plugin
patterns, so new formats arrive with the library; only its regexes are used (and cached, see
provider_patterns). Its scanners are not: they flag candidates by entropy and keyword, every word
of prose, with no span to mask. The suite's own rules mask what names a secret (`DB_PASS=`,
`--password`, `mysql -p`, `sshpass -p`, `curl -u user:pw`, a URL's userinfo, a secret's YAML block
scalar) and the shapes detect-secrets lacks (JWTs, Infisical, Google, Mailgun, Slack app tokens,
webhook URLs). No pattern scans more than a bounded stretch from where it starts, so redaction is
linear in the text.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
import re
import sys
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache, partial
from pathlib import Path

from . import kept

try:
    from re import _parser as _sre  # Python 3.11+
except ImportError:  # pragma: no cover - Python 3.10
    import sre_parse as _sre

MASK = "<redacted>"

# A private key, BEGIN to END (or to the end of the text when the quote is cut short).
_KEY_BLOCK = re.compile(
    r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z)", re.S
)
# `${VAR}` / `${VAR:?msg}` references are how compose files name secrets without holding them. One line and 256
# characters at most: a `${` not closed there is text (searching further from every `${` was quadratic).
_REFERENCE = re.compile(r"(\$\{[^}\n]{0,256}\}|\$[A-Z_][A-Z0-9_]*)")
# ... but the default a reference gives (`${DB_PASSWORD:-changeme}`) is a value, unless another reference.
_DEFAULT = re.compile(r"(\$\{(\w+):?[-=+])(?!\$)[^}]+")

# A word that names a secret, inside a longer name too (AWS_SECRET_ACCESS_KEY, DB_PASS, admin password).
_SECRET_WORD = (
    r"(?:token|secret|passw(?:or)?d|passphrase|passwd|pwd|api[_-]?key|private[_-]?key|access[_-]?key"
    r"|account[_-]?key|credentials?|(?<![a-z])pass(?![a-z]))"
)
_SECRET_NAME = re.compile(_SECRET_WORD, re.I)
_SECRET_WORDS = ("token", "secret", "pass", "pwd", "api", "private", "access", "account", "credential")
# A plural names a topic, not a value: `Secrets & Passwords: Host ...` is a heading, `tokens: [a, b]` a list.
_NOT_PLURAL = r"(?<!words)(?<!crets)(?<!okens)(?<!tials)(?<![_-]keys)"
# The rest of a name after its secret word (`_ACCESS_KEY`): bounded, so each place a secret word starts costs a
# bounded scan however long the run of name characters (unbounded, a long run made redaction quadratic).
_REST = r"[\w.-]{0,64}"
# Quoted (spaces and all; a quote cut short, to the end of the line), or one word; an empty one holds nothing
_VALUE = r"(?:\"[^\"\n]+\"?|'[^'\n]+'?|[^\s\"',;}]+)"
# `=` and the assignments of Go, make, PHP, Perl and Ruby (`:=`, `::=`, `?=`, `.=`, `=>`); a `:` needs a space or
# a quote after it, as in YAML and JSON, so `secrets.yaml:12:` (a file and its line) is not taken for one.
_ASSIGN = r"[ \t]*(?:(?::{1,3}|[?.+])?=>?|:(?=[\s\"']))"
# A YAML block scalar's indicator (`|`, `>-`, `|2`): its value is on the lines below, see redact_lines.
_BLOCK = r"[|>][-+1-9]{0,2}[ \t]*(?:#.*)?\r?$"


@dataclass(frozen=True)
class _Rule:
    # Where in a text its secrets are: (start, end) spans, in order, not overlapping.
    spans: Callable[[str], list[tuple[int, int]]]
    # Words without one of which the rule finds nothing (case-folded, but as written where the rule's pattern heeds
    # case): most text names none of them, and a substring search is far cheaper than a pattern. Empty: always runs.
    needs: frozenset[str] = frozenset()
    shortest: int = 0  # the shortest text it can find something in


def _mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    pieces, done = [], 0
    for start, end in spans:
        if end > done:
            pieces += [text[done : max(start, done)], MASK]
            done = end
    return "".join(pieces) + text[done:]


def _pattern(regex: str, needs: Iterable[str] = (), flags: int = re.I) -> _Rule:
    """What a regex matches, or its group `v` (the value, where the match takes in its name too)."""
    plain = re.compile(regex, flags & ~re.I)
    group = "v" if "v" in plain.groupindex else 0
    shortest = 0 if needs else _width(plain)  # what the words do not rule out, a short text may
    return _Rule(partial(_spans, plain, group, bool(flags & re.I)), frozenset(needs), shortest)


def _spans(plain: re.Pattern, group: str | int, blind: bool, text: str) -> list[tuple[int, int]]:
    if blind:
        if not text.isascii():
            return [match.span(group) for match in re.compile(plain.pattern, plain.flags | re.I).finditer(text)]
        text = text.lower()  # the same length, and a plain search is several times faster than a case-blind one
    return [match.span(group) for match in plain.finditer(text)]


def _width(pattern: re.Pattern) -> int:
    return _sre.parse(pattern.pattern, pattern.flags).getwidth()[0]


# `-u user:password` to curl (or --user, --proxy-user, -U): the password after the user's colon, unless it is an
# expansion or a placeholder (`$2`, `$(cat pw)`, `{{ .pw }}`, `<password>`, `[PASSWORD]`).
_CURL_USER = (
    r"(?<![^ \t])(?:-u|-U|--user|--proxy-user)(?:=|[ \t]*)(?:([\"'])[^\"'\n:]*:|[^\s\"':]*:)"
    r"(?![$<\[{])(?P<v>(?(1)[^\"'\n]+|[^\s\"']+))"
)


def _short(letter: str, spaced: bool) -> str:
    """A one-letter flag and its value, `-pVALUE`, or `-p VALUE` where the client reads that as the password."""
    gap = "[ \t]*" if spaced else ""
    return rf"(?<![^ \t])-{letter}{gap}(?![\s-])(?P<v>{_VALUE})"


# Clients that take a password in a short flag, and the flag. mysql reads `-p VALUE` as "ask, and use database VALUE".
_CLIENTS = [
    ("curl", r"\bcurl\b", _CURL_USER),
    ("mysql", r"\bmysql\w*\b", _short("p", spaced=False)),
    ("mariadb", r"\bmariadb[\w-]*\b", _short("p", spaced=False)),
    ("sshpass", r"\bsshpass\b", _short("p", spaced=True)),
    ("mongo", r"\bmongo\w*\b", _short("p", spaced=True)),
    ("redis-cli", r"\bredis-cli\b", _short("a", spaced=True)),
    ("ldap", r"\bldap\w+\b", _short("w", spaced=True)),
    ("sqlcmd", r"\bsqlcmd\b", _short("P", spaced=True)),
    ("bcp", r"\bbcp\b", _short("P", spaced=True)),
    ("mosquitto", r"\bmosquitto_\w+\b", _short("P", spaced=True)),
    (
        "login",
        r"\b(?:docker|podman|nerdctl|buildah|skopeo|oras|helm[ \t]+registry)[ \t]+login\b",
        _short("p", spaced=True),
    ),
]


def _client_flags(text: str) -> list[tuple[int, int]]:
    """Each client's password flags on a line, after where the client is named."""
    folded, spans = _folded(text), []
    for word, command, flag in _CLIENTS:
        named = re.search(command, text, re.I) if word in folded else None  # compiled once, by re, when first asked
        if named is not None:
            spans += [match.span("v") for match in re.compile(flag).finditer(text, named.end())]
    return sorted(spans)


def _started(literal: str) -> str:
    """A literal that starts a word: checked after it is read, so the regex engine can still skip ahead to it."""
    return rf"{literal}(?<!\w{literal})"


# Shapes that are secrets whatever they are called, where detect-secrets has no plugin (or a narrower one)
_SHAPES = (
    _started("eyJ") + r"[\w-]{16,}={0,2}(?:\.[\w-]*)*",  # JWTs, and one-segment base64-JSON tokens (cloudflared)
    _started(r"st\.") + r"[\w-]{4,}(?:\.[\w-]+)+",  # Infisical service tokens, every segment
    r"gh[pousr]_[A-Za-z0-9]{20,}", r"github_pat_\w{20,}", r"glpat-[\w-]{20,}", r"xox[abeprs](?:\.xox[a-z])?-[\w-]{10,}",
    r"xapp-[\w-]{10,}", _started("sk-") + r"[A-Za-z0-9_-]{20,}", r"(?<!\w)[rs]k_(?:live|test|prod)_[A-Za-z0-9]{16,}",
    r"AIza[\w-]{35}", _started("key-") + r"[0-9a-zA-Z]{32}", r"hv[sbr]\.[\w-]{20,}", r"tskey-[\w-]{16,}",
    r"https://(?:hooks\.slack\.com/(?:services|workflows|triggers)|(?:\w+\.)?discord(?:app)?\.com/api/webhooks)/[\w/-]+",
)  # fmt: skip

_OWN_RULES = [
    # scheme://user:password@host; the user may be empty, the password may hold `/` and `@` (up to the last `@`)
    _pattern(r"\b[a-z][a-z0-9+.-]{0,30}://[^\s:/@]{0,256}:(?P<v>[^\s\"'<>`]{1,256})@", ["://"]),
    # Authorization: Bearer|Basic|token <value>, and a bare `Bearer <value>`
    _pattern(
        r"\b(?:proxy-)?authorization[\"']?[ \t]*[:=][ \t]*[\"']?(?:bearer|basic|token|digest)?[ \t]*"
        r"(?P<v>[^\s\"',;}]+)",
        ["authorization"],
    ),  # fmt: skip
    _pattern(r"\bbearer[ \t]+(?P<v>[a-z0-9._~+/=-]{8,})", ["bearer"]),
    # --password X, --token=X, -p X for a flag named after a secret
    _pattern(rf"(?<![\w-])--?[\w-]{{0,64}}?{_SECRET_WORD}[\w-]{{0,64}}(?:=|[ \t]+)(?!-)(?P<v>{_VALUE})", _SECRET_WORDS),
    _Rule(_client_flags, frozenset({" -", "\t-"}), shortest=4),
    # NAME=value, name: value, "name": "value", name := value where the name holds a secret word. A block
    # scalar's indicator is not the value (the lines below are).
    _pattern(
        rf"{_SECRET_WORD}{_REST}{_NOT_PLURAL}[\"']?{_ASSIGN}[ \t]*(?![ \t]|$)(?!{_BLOCK})"
        rf"(?P<v>{_VALUE})",
        _SECRET_WORDS,
        re.I | re.M,
    ),  # fmt: skip
    # name:value, the value glued to the colon. Not a file and its line (`secrets.yaml:12:`: a name with a dot, or
    # a path's), an image and its version (`sealed-secrets-controller:v0.24`), nor markdown (`**Password:**`).
    _pattern(
        rf"(?<![\w./-])[\w-]{{0,64}}?{_SECRET_WORD}[\w-]{{0,64}}{_NOT_PLURAL}:(?=[^\s\"'*_`])"
        rf"(?!\d+:|v?\d+(?:\.\d+)+(?![^\s\"',;}}]))(?P<v>{_VALUE})",
        _SECRET_WORDS,
    ),  # fmt: skip
]

# A line of base64 as long as a key body's: mixed case and digits, 48+ characters (asked first: most runs are
# shorter). Last: a provider's token is masked whole by its own rule first.
_KEY_BODY = _pattern(
    r"(?<![\w+/])(?=[A-Za-z0-9+/]{48})(?=[A-Za-z0-9+/]*[a-z])(?=[A-Za-z0-9+/]*[A-Z])(?=[A-Za-z0-9+/]*[0-9])"
    r"[A-Za-z0-9+/]{48,}={0,2}",
    flags=0,
)

# detect-secrets' plugins that are token shapes, each pattern linear in the text (selftest/test_speed.py). Left
# out: keyword and entropy scans (not patterns); JWT, npm and OpenAI, superlinear on runs of `eyJ`, `//`, `sk-`
# (the rules above mask those); basic auth and private keys (the rules above mask more); IBM Cloud, IBM COS,
# SoftLayer and Cloudant, whose `name = value` patterns backtrack cubically on a run of spaces (a key and 4,000
# spaces: six minutes), where the NAME rule above masks the same assignments; public IPs, which are no secret.
PLUGINS = (
    "artifactory", "aws", "azure_storage_key", "discord", "github_token", "gitlab_token", "mailchimp", "pypi_token",
    "sendgrid", "slack", "square_oauth", "stripe", "telegram_token", "twilio",
)  # fmt: skip


def provider_patterns() -> list[tuple[str, int]]:
    """The adopted detect-secrets plugins' patterns, as (regex, flags).

    Importing the plugins costs ~0.1 s (requests and detect-secrets' scanners come with them), which the pre-commit
    hook would pay on every commit; so their patterns are kept in the user's cache, under a key made of the
    installed plugin files' sizes and times: another detect-secrets version is read afresh.
    """
    try:
        cache = _cache_file()
    except RuntimeError:  # no home directory to keep a cache in
        return _imported_patterns()
    try:
        return [(str(regex), int(flags)) for regex, flags in kept.read(cache)]
    except (ValueError, TypeError):
        patterns = _imported_patterns()
    kept.keep(cache, patterns)
    return patterns


def _cache_file() -> Path:
    plugins = Path(importlib.util.find_spec("detect_secrets").origin).parent / "plugins"
    stamps = [(name, (plugins / f"{name}.py").stat()) for name in (*PLUGINS, "base")]
    key = repr([str(plugins), sys.version_info[:2], *((n, s.st_size, s.st_mtime_ns) for n, s in stamps)])
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "ssot-audit" / f"detect-secrets-{hashlib.sha256(key.encode()).hexdigest()[:16]}.json"


def _imported_patterns() -> list[tuple[str, int]]:
    shown = warnings.showwarning
    modules = [importlib.import_module(f"detect_secrets.plugins.{name}") for name in PLUGINS]
    warnings.showwarning = shown  # detect-secrets routes every Python warning to logging when imported
    base = importlib.import_module("detect_secrets.plugins.base").RegexBasedDetector
    return [
        (pattern.pattern, int(pattern.flags))
        for module in modules
        for plugin in vars(module).values()
        if isinstance(plugin, type) and issubclass(plugin, base) and plugin.__module__ == module.__name__
        for pattern in plugin.denylist
    ]


def factors(parsed, ignore_case: bool) -> frozenset[str]:
    """Strings one of which every match of a parsed pattern contains (case-folded if it ignores case); empty
    where none is known.

    Of the pattern's runs of literal characters, its groups', required repeats' and (where every branch
    has some) alternations', the set whose shortest string is longest: the best filter.
    """
    best: frozenset[str] = frozenset()
    run = ""
    for op, arg in [*parsed, (None, None)]:
        if op is _sre.LITERAL:
            run += chr(arg).casefold() if ignore_case else chr(arg)
            continue
        found = {frozenset({run})} if run else set()
        if op is _sre.SUBPATTERN:
            found.add(factors(arg[-1], ignore_case))
        elif op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT) and arg[0] >= 1:
            found.add(factors(arg[2], ignore_case))
        elif op is _sre.BRANCH:
            branches = [factors(branch, ignore_case) for branch in arg[1]]
            found.add(frozenset().union(*branches) if all(branches) else frozenset())
            leads = [_lead(branch, ignore_case) for branch in arg[1]]  # `(?:AKIA|ASIA)` parses as `A(?:KIA|SIA)`
            if run and all(leads):
                found.add(frozenset(run + lead for lead in leads))
        run = ""
        best = max([best, *found], key=_shortest)
    return best


def _lead(parsed, ignore_case: bool) -> str:
    """The literal characters a parsed pattern starts with."""
    lead = ""
    for op, arg in parsed:
        if op is not _sre.LITERAL:
            break
        lead += chr(arg).casefold() if ignore_case else chr(arg)
    return lead


def _shortest(strings: frozenset[str]) -> int:
    return min(map(len, strings), default=0)


def _led(parsed) -> bool:
    """Whether every match starts with a literal character (what lets the regex engine skip ahead)."""
    op, arg = parsed[0]
    if op is _sre.SUBPATTERN:
        return _led(arg[-1])
    if op is _sre.BRANCH:
        return all(map(_led, arg[1]))
    return op is _sre.LITERAL


def _tokens(pattern: re.Pattern, text: str) -> list[tuple[int, int]]:
    """Each match widened to its whole token (a plugin's pattern may stop short of a longer key), without the
    separators some patterns take in (`=AKC...` or a trailing space)."""
    spans = []
    for match in pattern.finditer(text):
        start, end = match.span()
        start += len(text[start:end]) - len(text[start:end].lstrip(" \t\"'=:"))
        end -= len(text[start:end]) - len(text[start:end].rstrip(" \t\"'"))
        spans.append((start, _TOKEN_TAIL.match(text, end).end()))
    return spans


_TOKEN_TAIL = re.compile(r"[\w+/=-]*")


def _shape_rules(shapes: list[tuple[str, int]]) -> list[_Rule]:
    """Token shapes as rules: one alternation of those a literal starts and that heed case, which the regex engine
    skips ahead through; each of the others behind the strings every match of it holds (when it has such)."""
    parsed = [(regex, flags, _sre.parse(regex, flags)) for regex, flags in shapes]
    led = {regex: tree.getwidth()[0] for regex, flags, tree in parsed if not flags & re.I and _led(tree)}
    combined = re.compile("|".join(f"(?:{regex})" for regex in led))
    rules = [_Rule(partial(_tokens, combined), shortest=min(led.values()))]
    for regex, flags, tree in parsed:
        if regex not in led:
            words = factors(tree, ignore_case=bool(flags & re.I))
            needs = words if _shortest(words) >= 2 else frozenset()
            rules.append(_Rule(partial(_tokens, re.compile(regex, flags)), needs, tree.getwidth()[0]))
    return rules


@lru_cache(maxsize=1)
def _rules() -> tuple[list[_Rule], tuple[str, ...], tuple[str, ...]]:
    """Every rule in order; the words they need that are case-folded, and those as written."""
    rules = [*_OWN_RULES, *_shape_rules([(shape, 0) for shape in _SHAPES] + provider_patterns()), _KEY_BODY]
    words = {word for rule in rules for word in rule.needs}
    return rules, tuple(sorted(w for w in words if w == _folded(w))), tuple(sorted(w for w in words if w != _folded(w)))


def _folded(text: str) -> str:
    """The text as (?i) compares it: case-folded, with the dotless and the dotted capital i as i."""
    return text.casefold().replace("\u0131", "i").replace("i\u0307", "i")


def _literal(text: str) -> str:
    done = -1  # the last rule that masked something: the text changed, and so may the rules that apply
    while True:
        for index, rule in _applicable(_present(text)):
            if index > done and len(text) >= rule.shortest and (spans := rule.spans(text)):
                text, done = _mask(text, spans), index
                break
        else:
            return text


def _present(text: str) -> frozenset[str]:
    _, folded_words, exact_words = _rules()
    folded = _folded(text)
    return frozenset([word for word in folded_words if word in folded] + [word for word in exact_words if word in text])


@lru_cache(maxsize=256)  # few sets of words occur: most texts hold none
def _applicable(present: frozenset[str]) -> list[tuple[int, _Rule]]:
    """The rules, with their places in the order, that need nothing or some of the words present."""
    return [(index, rule) for index, rule in enumerate(_rules()[0]) if not rule.needs or rule.needs & present]


def _reference(reference: str) -> str:
    """A reference kept as written, but for the default it gives a secret."""
    default = _DEFAULT.match(reference)
    return f"{default[1]}{MASK}}}" if default and _SECRET_NAME.search(default[2]) else reference


# Terminal escapes, other C0/C1 controls and bidi overrides: shown as escapes, never acted on. And surrogates,
# which no encoding can write: a name that is not UTF-8 (Python keeps its bytes as U+DC80-U+DCFF) and a JSON
# string's lone "\ud800" are shown as what they are, where writing them would fail.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def neutralise(text: str) -> str:
    """Control characters as visible escapes (`\\x1b`), so no output can move a cursor or hide text; a byte
    that is not UTF-8 as `\\xe9`, a lone surrogate as `\\ud800`, so every output can be written."""
    if text.isprintable():  # each character the pattern takes is unprintable: most text has none
        return text
    return _CONTROL.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    char = match[0]
    if "\udc80" <= char <= "\udcff":  # a byte of a name that is not UTF-8 (os.fsdecode's surrogateescape)
        return f"\\x{ord(char) - 0xDC00:02x}"
    return char.encode("unicode_escape").decode("ascii")


@lru_cache(maxsize=8192)  # every report passes its properties through here; most repeat (IDs, severities)
def redact(text: str) -> str:
    """Secret values masked and control characters neutralised; `${VAR}` references kept as written."""
    if "\n" not in text:
        return _redact_line(text)
    if "-----BEGIN" in text:  # the one pattern that spans lines
        text = _KEY_BLOCK.sub(MASK, text)
    return "\n".join(redact_lines(text.split("\n")))


def redact_lines(lines: Iterable[str]) -> Iterator[str]:
    """Each line redacted (and cached: a finding's lines recur across the files and reports that quote them),
    and the lines of a secret's YAML block scalar masked whole.

    After `password: >-` (or `|`), the value is the lines below indented deeper than the key, which nothing
    in them tells from prose. Whoever redacts a text line by line goes through here (closeout.md does).
    """
    depth = None  # the key's indentation, inside a secret's block scalar
    for line in lines:
        if depth is not None and _inside(line, depth):
            yield _masked(line)
            continue
        depth = _block_depth(line)
        yield _redact_line(line)


_BLOCK_KEY = re.compile(rf"(?i){_SECRET_WORD}{_REST}{_NOT_PLURAL}[\"']?[ \t]*:[ \t]+{_BLOCK}")
_INDENT = re.compile(r"[ \t]*(?:-[ \t]+)*")  # a sequence item's `- ` indents its key


def _block_depth(line: str) -> int | None:
    """Where a line opens a block scalar whose key names a secret: the key's indentation."""
    if ("|" in line or ">" in line) and _BLOCK_KEY.search(line):
        return _INDENT.match(line).end()
    return None


def _inside(line: str, depth: int) -> bool:
    content = line.lstrip(" \t")
    return not content or len(line) - len(content) > depth


def _masked(line: str) -> str:
    content = line.lstrip(" \t")
    return line[: len(line) - len(content)] + MASK if content else line


def _redact(text: str) -> str:
    """The rules over a text as one: what redacting it line by line gives, where no block scalar is involved."""
    if "-----BEGIN" in text:
        text = _KEY_BLOCK.sub(MASK, text)
    if "$" not in text:
        return neutralise(_literal(text))
    parts = _REFERENCE.split(text)  # odd indexes are ${...} references: kept as written
    return neutralise("".join(_reference(part) if index % 2 else _literal(part) for index, part in enumerate(parts)))


_redact_line = lru_cache(maxsize=65536)(_redact)
