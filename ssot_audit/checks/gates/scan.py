"""Line scans and presence checks shared by the gates.

The bash gates grep whole files and then try to drop comment lines with
`grep -v '^\\s*#'` on output that starts with `path:line:`, a filter that can
never match. Here a scan may look at code only: each line with its comment
removed, so a commented-out command is not a hit and a trailing comment cannot
hide one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ...findings import Finding
from ...repo import Repo, Source, SourceMissing

_WORD_BREAK = set(" \t;&|(")


@dataclass(frozen=True)
class Rule:
    """One forbidden pattern: what a hit means and how to fix it."""

    name: str
    pattern: re.Pattern[str]
    says: str
    fix: str
    # A hit on a line that also matches this is allowed (the gates' own exemptions, e.g. LogLevel).
    allowed: re.Pattern[str] | None = None
    # The pattern over a whole file, where it can say "no line has a hit" in one search (see whole_file).
    whole: re.Pattern[str] | None = None


def rule(name: str, regex: str, says: str, fix: str, *, ignore_case: bool = False, allowed: str | None = None) -> Rule:
    flags = re.IGNORECASE if ignore_case else 0
    pattern = re.compile(regex, flags)
    return Rule(name, pattern, says, fix, re.compile(allowed) if allowed else None, whole_file(pattern))


# What can tell a line's end from the rest of a file: an unescaped `$`, a look-around (but see below), \A,
# \Z, an atomic group or a possessive repeat (which may not give back what it took across a newline).
_LINE_BOUND = re.compile(r"(?<!\\)(?:\\\\)*\$|\(\?[=!<>]|\\[AZz]|[*+?}]\+")
# A negative look-around at one character, like `(?![\w.-])`: where it looks past the line or its code, it
# sees the end of the text, and in the file a newline or (after code) a comment's `#`: the same to it if its
# character class takes neither.
_ONE_CHAR_NOT = re.compile(r"\(\?<?!(\[(?:\\.|[^\]\\])+\]|\\[wWdDsS]|[^\\()|?*+{}\[\]$^.])\)")


def whole_file(pattern: re.Pattern[str]) -> re.Pattern[str] | None:
    """The pattern as one multi-line search of a file, or None where that could miss a line's hit.

    Without the constructs above, a match in a line, or in a line's code (a prefix of it that ends
    where a comment starts, at a word break), is a match at the same place in the file's text with
    `^` matching at each line start: so no match in the file means no hit in any of its lines.
    """
    source = pattern.pattern
    for look in _ONE_CHAR_NOT.finditer(source):
        if re.compile(look[1], pattern.flags).match("\n") or re.compile(look[1], pattern.flags).match("#"):
            return None
    if _LINE_BOUND.search(_ONE_CHAR_NOT.sub("", source)):
        return None
    return re.compile(source, pattern.flags | re.MULTILINE)


# Line breaks other than \n that str.splitlines() also splits at (`^` under re.MULTILINE knows only \n).
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def strip_comment(line: str) -> str:
    """The line without its shell/YAML comment: a `#` that starts a word outside quotes.

    `$#`, `${#x}`, `a#b` and quoted `#` are not comments. Quotes are tracked
    within the line only; a string spanning lines is read line by line.
    """
    if "#" not in line:  # most lines: nothing to strip, and no need to walk them
        return line
    quote = None
    index = 0
    while index < len(line):
        char = line[index]
        if quote:
            if char == "\\" and quote == '"':
                index += 1
            elif char == quote:
                quote = None
        elif char == "\\":
            index += 1
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1] in _WORD_BREAK):
            return line[:index]
        index += 1
    return line


def numbered(text: str | None, *, code_only: bool) -> list[tuple[int, str]]:
    """(line number, text) pairs; with code_only, comments removed and blank results dropped."""
    if not text:
        return []
    pairs = enumerate(text.splitlines(), start=1)
    if not code_only:
        return list(pairs)
    # (strip_comment's own first test, inlined: this runs for every line of every scanned file)
    return [(n, code) for n, line in pairs if (code := strip_comment(line) if "#" in line else line).strip()]


# Each distinct rule list as a small number: the key of a scan's hits per file (Tree.derived), hashed per file.
_RULESETS: dict[tuple[Rule, ...], int] = {}


def scan(repo: Repo, rels: list[str], rules: list[Rule], *, code_only: bool) -> list[Finding]:
    """A finding for every line of every file that a rule forbids."""
    findings = []
    where = "code (comments ignored)" if code_only else "line"
    # A hit: the pattern matches and `allowed` does not (looked up once here: this runs per line and rule).
    searches = [(each, each.pattern.search, each.allowed.search if each.allowed else None) for each in rules]

    def hits(text: str | None) -> list[tuple[int, str, Rule]]:
        if not text:
            return []
        whole = "\n".join(text.splitlines()) if _OTHER_BREAKS.search(text) else text
        # Most files have no hit at all: one search of the whole text each says so, without splitting
        # the file into lines, stripping their comments and matching every rule against every line.
        maybe = [s for s in searches if s[0].whole is None or s[0].whole.search(whole)]
        if not maybe:
            return []
        return [(number, line, each) for number, line in numbered(text, code_only=code_only)
                for each, search, allowed in maybe if search(line) and not (allowed and allowed(line))]  # fmt: skip

    key = ("scan", code_only, _RULESETS.setdefault(tuple(rules), len(_RULESETS)))
    for rel in rels:
        for number, line, each in repo.tree.derived(rel, key, hits):
            findings.append(
                Finding(
                    repo.display(rel), number, f"{each.says} ({each.name})",
                    expected=f"no {where} matching /{each.pattern.pattern}/",
                    found=line.strip()[:200],
                    fix=each.fix,
                )
            )  # fmt: skip
    return findings


def require_file(repo: Repo, rel: str, why: str, *, executable: bool = False) -> list[Finding]:
    """A file the gate needs: present (and executable, if asked)."""
    tree = repo.tree
    want = "an executable file" if executable else "a file"
    if not tree.is_file(rel):
        found = "a directory" if tree.is_dir(rel) else "nothing"
        return [Finding(repo.display(rel), None, f"{rel} is missing ({why})", f"{want} at {rel}", found,
                        f"restore {rel}")]  # fmt: skip
    if executable and not tree.is_executable(rel):
        mode = oct(tree.node(rel).mode & 0o777)
        return [Finding(repo.display(rel), None, f"{rel} is not executable ({why})", want,
                        f"mode {mode}", f"chmod +x {rel} (and `git update-index --chmod=+x {rel}`)")]  # fmt: skip
    return []


def forbid_dir(repo: Repo, rel: str, why: str, fix: str) -> list[Finding]:
    if not repo.tree.is_dir(rel):
        return []
    return [Finding(repo.display(rel), None, f"{rel}/ exists ({why})", f"no {rel}/ directory", f"{rel}/", fix)]


def missing_binding(repo: Repo, source: Source, why: str) -> list[Finding] | None:
    """The finding for an absent binding, or None when it is there (if unreadable, loading it skips the check)."""
    if isinstance(repo.try_load(source), SourceMissing):
        return require_file(repo, source.rel, why)
    return None


@lru_cache(maxsize=65536)  # asked of every file of a scope, by several gates, at every commit of a history
def visible(rel: str) -> bool:
    """ripgrep's default: hidden files and directories are not searched."""
    return not any(part.startswith(".") for part in rel.split("/"))
