"""What a bash gate decides with: its script without what it only prints.

A gate's verdict comes from its conditions, patterns, paths, globs, yq/jq expressions, exclusion lists
and exit codes; its messages (echo, printf and the script's own pass/fail/warn/log helpers) and its
comments only report it. `decision_text` keeps the first and drops the second, so a new message,
TRIAGE line or comment leaves a gate's version (gate_versions.fingerprint) as it was, while a changed
pattern or exclusion changes it.

What counts as printing, and is dropped:
- an `echo` or `printf` (not `printf -v`) whose output reaches the terminal: not piped, not written
  to a file, not inside `$(...)`, `<(...)` or backquotes, not inside a block, loop or function whose
  output is piped, written to a file or captured (what those print is data);
- the arguments of a call to a helper: a function of the script (or, for a drift-gate.sh section,
  of drift-gate.sh's preamble) whose body only prints, sets variables, shifts, returns or exits, and
  calls other helpers or functions that only test (`is_gate_in_scope`). The call itself stays: a
  `fail` sets FAIL=1 or exits where a `warn` does not.

Bash is read as far as this needs: quotes, `$(...)`, `${...}`, backquotes, here-documents,
comments, redirections, pipes, lists and compound commands.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

_SPACE = re.compile(r"(?:[ \t]+|\\\n)+")
# A word with no substitution in it, the bulk of a script, matched whole: plain characters, single quotes,
# double quotes without `$(`/backquotes, `$name`, `${name...}` without nesting, escapes.
_PART = r"""(?:[^\s;&|()<>'"`$\\]|'[^']*'|"(?:[^"\\$`]|\\[\s\S]|\$(?:\w+|[#?@*!$0-9-]|\{[^{}'"`$\\]*\}))*"|\$(?:\w+|[#?@*!$0-9-]|\{[^{}'"`$\\]*\})|\\[^\n])"""
_TOKEN = re.compile(  # one token and the blanks before it
    rf"""[ \t]*(?:(?P<continuation>\\\n)|(?P<nl>\n)|(?P<comment>\#[^\n]*)|(?P<nested>\(\(|[<>]\()"""
    rf"""|(?P<heredoc>\d*<<(?!<)-?[ \t]*(?:'[^'\n]*'|"[^"\n]*"|\\?[^\s;&|()<>]+))"""
    rf"""|(?P<redir>\d*(?:<<<|&>>|&>|>>|>&|<&|>\||<>|>|<))|(?P<op>&&|\|\||;;&?|;&|\|&|[;&|()])"""
    rf"""|(?P<word>(?!\#){_PART}(?:{_PART}|\#)*))"""
)
_WORD_GOES_ON = frozenset("'\"`$\\")  # after a whole-matched word: a part the fast match could not take
_PLAIN = re.compile(r"[^\s;&|()<>'\"`$\\]+")
_HEREDOC = re.compile(r"\d*<<(?!<)(-?)[ \t]*(?:'([^'\n]*)'|\"([^\"\n]*)\"|\\?([^\s;&|()<>]+))")
_NESTED = re.compile(r"[()'\"`\\#$\n<]")
_IN_DQUOTE = re.compile(r'[\\"$`]')
_IN_BRACES = re.compile(r"[{}'\"\\$`]")
_COMMENT_AFTER = frozenset(" \t\n;&|(")
_QUIET = frozenset({"/dev/null", "/dev/stderr", "/dev/stdout", "/dev/tty", "&1", "&2", "&-"})
_OPENERS = {"if": "fi", "while": "done", "until": "done", "for": "done", "select": "done", "case": "esac", "{": "}"}
_CLOSERS = frozenset({"fi", "done", "esac", "}"})
_KEYWORDS = frozenset({"then", "else", "elif", "do", "!", "time", "in"})
_ASSIGNMENT = re.compile(r"[A-Za-z_]\w*(\[[^\]]*\])?\+?=")
# What a helper may do besides printing: nothing the gate's verdict reads except variables and its exit.
_BENIGN = frozenset({"local", "declare", "typeset", "export", "readonly", "shift", "return", "exit", "true", ":",
                     "let", "[[", "[", "test"})  # fmt: skip


class _Lexer:
    """Top-level tokens of a script; whatever nests ($(...), quotes, ${...}) stays inside one word."""

    def __init__(self, text: str):
        self.text = text
        self.dropped: list[tuple[int, int]] = []  # comments and line continuations
        self.heredocs: list[tuple[str, bool]] = []  # delimiters whose bodies start after the next newline

    def tokens(self) -> list[tuple[str, int, int]]:
        """(kind, start, end): kind word, op, redir (followed by its target), target or nl."""
        text, out, i = self.text, [], 0
        while i < len(text):
            match = _TOKEN.match(text, i)
            if match is None:  # a word that starts with a substitution or a quote holding one: read part by part
                i = _SPACE.match(text, i).end() if text[i] in " \t" else i
                if i < len(text):
                    end = max(self._word(i), i + 1)
                    out.append(("word", i, end))
                    i = end
                continue
            kind, i = match.lastgroup, match.end()
            start = match.start(kind)
            if kind == "continuation":
                self.dropped.append((start, i))
            elif kind == "nl":
                out.append(("nl", start, i))
                if self.heredocs:
                    i = self._bodies(i)
            elif kind == "comment":
                self.dropped.append((start, i))
            elif kind == "nested":
                i = self._nested(i)
                out.append(("word", start, i))
            elif kind == "heredoc":
                self._heredoc(start)
                out += [("redir", start, i), ("target", i, i)]
            elif kind == "redir":
                out.append(("redir", start, i))
                if space := _SPACE.match(text, i):
                    i = space.end()
                target = i
                i = self._word(i)
                out.append(("target", target, i))
            elif kind == "op":
                out.append(("op", start, i))
            else:  # a word matched whole, unless a part the fast match cannot take follows
                if i < len(text) and text[i] in _WORD_GOES_ON:
                    i = self._word(start)
                out.append(("word", start, i))
        return out

    def _continuations(self, start: int, end: int) -> None:
        """A backslash-newline joins lines: how a command is wrapped is layout."""
        at = self.text.find("\\\n", start, end)
        while at >= 0:
            self.dropped.append((at, at + 2))
            at = self.text.find("\\\n", at + 2, end)

    def _comment(self, i: int) -> int:
        end = self.text.find("\n", i)
        end = len(self.text) if end < 0 else end
        self.dropped.append((i, end))
        return end

    def _heredoc(self, i: int) -> int:
        match = _HEREDOC.match(self.text, i)
        if not match:
            return -1
        self.heredocs.append((next(g for g in match.groups()[1:] if g is not None), bool(match[1])))
        return match.end()

    def _bodies(self, i: int) -> int:
        """From just after a newline: past the bodies of the here-documents opened on its line."""
        text = self.text
        for delimiter, tabs in self.heredocs:
            while i < len(text):
                end = text.find("\n", i)
                end = len(text) if end < 0 else end
                line, i = text[i:end], end + 1
                if (line.lstrip("\t") if tabs else line) == delimiter:
                    break
        self.heredocs = []
        return min(i, len(text))

    def _word(self, i: int) -> int:
        text, n, start = self.text, len(self.text), i
        while i < n:
            if match := _PLAIN.match(text, i):
                i = match.end()
                continue
            c = text[i]
            if c == "'":
                end = text.find("'", i + 1)
                i = n if end < 0 else end + 1
            elif c == '"':
                i = self._dquoted(i + 1)
            elif c == "`":
                i = self._backquoted(i + 1)
            elif c == "\\" and not text.startswith("\\\n", i):
                i += 2
            elif c == "$":
                i = self._dollar(i)
            elif c in "<>" and i == start and text.startswith("(", i + 1):
                i = self._nested(i + 2)
            else:
                break
        return min(i, n)

    def _nested(self, i: int) -> int:
        """From just inside `$(`, `<(` or `((`: the index after the matching `)`."""
        text, depth, previous = self.text, 0, "("
        while match := _NESTED.search(text, i):
            j = match.start()
            c, before, previous = text[j], (text[j - 1] if j > i else previous), ""
            if c == "(":
                depth, i = depth + 1, j + 1
            elif c == ")":
                if depth == 0:
                    return j + 1
                depth, i = depth - 1, j + 1
            elif c == "'":
                end = text.find("'", j + 1)
                i = len(text) if end < 0 else end + 1
            elif c == '"':
                i = self._dquoted(j + 1)
            elif c == "`":
                i = self._backquoted(j + 1)
            elif c == "\\":
                self._continuations(j, j + 2)
                i = j + 2
            elif c == "#":
                i = self._comment(j) if before in _COMMENT_AFTER else j + 1
            elif c == "$":
                i = self._dollar(j)
            elif c == "\n":
                i, previous = self._bodies(j + 1), "\n"
            elif text.startswith("<<<", j):
                i = j + 3
            else:
                end = self._heredoc(j) if text.startswith("<<", j) else -1
                i = end if end > 0 else j + 1
        return len(text)

    def _dollar(self, j: int) -> int:
        text = self.text
        following = text[j + 1 : j + 2]
        if following == "(":
            return self._nested(j + 2)
        if following == "{":
            return self._braced(j + 2)
        if following == "'":
            k = j + 2
            while k < len(text) and text[k] != "'":
                k += 2 if text[k] == "\\" else 1
            return k + 1
        return j + 1

    def _dquoted(self, i: int) -> int:
        text = self.text
        while match := _IN_DQUOTE.search(text, i):
            j = match.start()
            c = text[j]
            if c == '"':
                return j + 1
            if c == "\\":
                self._continuations(j, j + 2)
            i = j + 2 if c == "\\" else self._backquoted(j + 1) if c == "`" else self._dollar(j)
        return len(text)

    def _braced(self, i: int) -> int:
        text, depth = self.text, 0
        while match := _IN_BRACES.search(text, i):
            j = match.start()
            c = text[j]
            if c == "}":
                if depth == 0:
                    return j + 1
                depth, i = depth - 1, j + 1
            elif c == "{":
                depth, i = depth + 1, j + 1
            elif c == "'":
                end = text.find("'", j + 1)
                i = len(text) if end < 0 else end + 1
            elif c == '"':
                i = self._dquoted(j + 1)
            else:
                i = j + 2 if c == "\\" else self._backquoted(j + 1) if c == "`" else self._dollar(j)
        return len(text)

    def _backquoted(self, i: int) -> int:
        text = self.text
        while i < len(text) and text[i] != "`":
            i += 2 if text[i] == "\\" else 1
        return i + 1


@dataclass
class _Block:
    """A compound command: a group, subshell, if, loop or case, or a function's body."""

    closer: str
    parent: _Block | None
    function: str | None = None
    captured: bool = False  # its output is piped or written to a file

    def outward(self):
        block = self
        while block:
            yield block
            block = block.parent


@dataclass
class _Command:
    start: int
    end: int
    block: _Block | None
    words: list[tuple[int, int]] = field(default_factory=list)
    redirections: list[tuple[str, str, int, int]] = field(default_factory=list)  # operator, target, span
    piped: bool = False
    separator: int | None = None  # the end of a `;` or `&` right after it


class _Script:
    """A script's simple commands, each in the compound commands around it, and its functions."""

    def __init__(self, text: str):
        self.text = text
        lexer = _Lexer(text)
        self.tokens = lexer.tokens()
        self.dropped = lexer.dropped
        self.commands: list[_Command] = []
        self.functions: dict[str, _Block] = {}
        self._parse()

    def name(self, command: _Command) -> str:
        return self.text[slice(*command.words[0])] if command.words else ""

    def prints(self, command: _Command) -> bool:
        """An echo or printf whose output is not written to a file."""
        name = self.name(command)
        if name not in ("echo", "printf"):
            return False
        if name == "printf" and len(command.words) > 1 and self.text[slice(*command.words[1])] == "-v":
            return False
        return not any(_to_file(op, target) for op, target, _, _ in command.redirections)

    def _value(self, index: int) -> str:
        _, start, end = self.tokens[index]
        return self.text[start:end]

    def _close(self, block: _Block, after: int) -> None:
        tokens, index = self.tokens, after
        while index < len(tokens) and tokens[index][0] in ("redir", "target"):
            if tokens[index][0] == "redir" and index + 1 < len(tokens):
                op, target = self._value(index), self._value(index + 1)
                block.captured |= _to_file(op, "&" + target if op.endswith("&") else target)
            index += 1
        if index < len(tokens) and tokens[index][0] == "op" and self._value(index) in ("|", "|&"):
            block.captured = True

    def _parse(self) -> None:
        tokens, block, command, function, index = self.tokens, None, None, None, 0
        while index < len(tokens):
            kind, start, end = tokens[index]
            value = self.text[start:end]
            if kind == "word" and command is None:
                if value in _OPENERS:
                    block = _Block(_OPENERS[value], block, function if value == "{" else None)
                    if block.function:
                        self.functions[block.function] = block
                    function = None
                    if value in ("for", "select", "case"):  # its words up to `do`/`in` are no command
                        command = _Command(start, end, block, [(start, end)])
                        self.commands.append(command)
                elif value in _CLOSERS:
                    if block is not None:
                        self._close(block, index + 1)
                        block = block.parent
                elif value == "function" and index + 1 < len(tokens):
                    function, index = self._value(index + 1), index + 1
                elif index + 2 < len(tokens) and tokens[index + 1][0] == "op" and self._value(index + 1) == "(" \
                        and self._value(index + 2) == ")":  # fmt: skip
                    function, index = value, index + 2
                elif value not in _KEYWORDS:
                    command = _Command(start, end, block, [(start, end)])
                    self.commands.append(command)
            elif kind == "word":
                command.words.append((start, end))
                command.end = end
            elif kind == "redir":
                target = tokens[index + 1] if index + 1 < len(tokens) else ("target", end, end)
                if command is None:
                    command = _Command(start, end, block)
                    self.commands.append(command)
                aim = self.text[target[1] : target[2]]
                command.redirections.append((value, "&" + aim if value.endswith("&") else aim, start, target[2]))
                command.end, index = max(end, target[2]), index + 1
            elif kind == "op" and value == "(" and command is None:
                block = _Block(")", block, function)
                if function:
                    self.functions[function] = block
                function = None
            else:  # an operator or a newline ends the command; `)` may end a subshell too
                if command is not None and value in ("|", "|&"):
                    command.piped = True
                elif command is not None and value in (";", "&"):
                    command.separator = end
                if value == ")" and block is not None and block.closer == ")":
                    self._close(block, index + 1)
                    block = block.parent
                command = None
            index += 1


def _to_file(op: str, target: str) -> bool:
    """Whether a redirection writes standard output somewhere other than the terminal."""
    return ">" in op and not op.startswith("2") and target not in _QUIET


def _helpers(script: _Script, data: set[str], known: frozenset[str] = frozenset()) -> frozenset[str]:
    """The script's functions that only print (with what they may also do: see the module's docstring);
    `data`: its functions whose output is captured, `known`: helpers defined elsewhere."""
    bodies: dict[str, list[_Command]] = {name: [] for name in script.functions if name not in data}
    for command in script.commands:
        for block in command.block.outward() if command.block else ():
            if block.function in bodies:
                bodies[block.function].append(command)
    helpers, tests = set(known), set()
    changed = True
    while changed:
        changed = False
        for name, body in bodies.items():
            if name in helpers or name in tests:
                continue
            kinds = set()
            for command in body:
                first = script.name(command)
                if script.prints(command) or first in helpers:
                    kinds.add("prints")
                elif first in _BENIGN or first in tests or first.startswith("((") or _ASSIGNMENT.match(first):
                    kinds.add("benign")
                else:
                    kinds.add("other")
            if "other" not in kinds:
                (helpers if "prints" in kinds else tests).add(name)
                changed = True
    return frozenset(helpers)


def _captured(script: _Script) -> set[str]:
    """The functions whose output is captured or piped: what they print is data."""
    piped = {script.name(c) for c in script.commands if c.piped}
    return {name for name in script.functions
            if name in piped or re.search(rf"(?:\$\(|`|<\()\s*{re.escape(name)}\b", script.text)}  # fmt: skip


@lru_cache(maxsize=8)  # one drift-gate.sh preamble serves each of its sections
def helpers_of(text: str) -> frozenset[str]:
    """The print-only helpers a script defines (for a drift-gate.sh section: those of its preamble)."""
    script = _Script(text)
    return _helpers(script, _captured(script))


def decision_text(text: str, helpers_from: str = "") -> str:
    """The script without comments, printing commands and helpers' messages, one line per line of code,
    whitespace runs made one space. `helpers_from`: the text defining helpers it calls (drift-gate.sh's
    preamble, for one of its sections)."""
    script = _Script(text)
    data = _captured(script)
    helpers = _helpers(script, data, helpers_of(helpers_from) if helpers_from else frozenset())
    cut = list(script.dropped)
    for command in script.commands:
        blocks = list(command.block.outward()) if command.block else []
        if command.piped or any(b.captured or b.function in data for b in blocks):
            continue
        if script.prints(command):
            cut.append((command.start, command.separator or command.end))
        elif script.name(command) in helpers:
            cut += command.words[1:] + [(start, end) for _, _, start, end in command.redirections]
    kept, last = [], 0
    for start, end in sorted(cut):
        if start >= last:
            kept.append(text[last:start])
        last = max(last, end)
    kept.append(text[last:])
    lines = (" ".join(line.split()) for line in "".join(kept).splitlines())
    return "\n".join(line for line in lines if line.strip(" ;"))
