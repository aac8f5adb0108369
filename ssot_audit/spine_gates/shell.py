"""Which commands a bash script runs, read from its text: a small lexer for the shapes the spine's gates use.

It is not a bash parser. It knows enough of bash's grammar to tell a command from an argument, a string,
a comment, a case pattern, a heredoc or a function's body: `yq '.ssh.targets[]'` runs yq, not ssh, and
`case $kind in ssh)` runs nothing. Command substitutions (`$(...)`, backticks, `<(...)`, also inside
strings and `${x:-$(...)}`) are read as commands; so are the code strings of `bash -c`, `eval` and `trap`,
and the commands of `find -exec`, `xargs`, `env`, `timeout` and `command`. What it cannot see: a command
whose name is computed (`"$tool" ...`), the body of an unquoted heredoc fed to a shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_META = set(" \t\n;&|<>()")
ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=")
_FD = re.compile(r"\d+(?=[<>])")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.:-]*$")
# reserved words after which the next word is again a command
_LEADING = {"do", "while", "until", "!", "time"}
MAX_DEPTH = 50  # nested substitutions and code strings read; deeper ones are skipped
_CLOSING = {"fi", "done", "esac", "}"}
_OPERATORS = (";;&", ";;", ";&", "&&", "||", "|&", "&>>", "<<<", "<<-", "<<", "<&", "<>", "<(", ">(",
              ">>", ">&", ">|", "&>", ";", "&", "|", "(", ")", "<", ">")  # fmt: skip
_REDIRECTS = {"<<", "<<-", "&>>", "<<<", "<&", "<>", ">>", ">&", ">|", "&>", "<", ">"}
_BREAKS = {";", "&", "&&", "||", "|", "|&", "\n"}
_CASE_BREAKS = {";;", ";&", ";;&"}


@dataclass
class Command:
    """A simple command as written: its words (quotes removed, expansions kept as text)."""

    line: int  # of the command's first word
    words: list[str]
    owner: str | None  # the function whose body holds it, None at the top level
    data: list[str] = field(default_factory=list)  # heredoc bodies and here-strings fed to it
    # the conditions it runs under: of each `if` (or `elif`) whose then-branch holds it, and the left
    # side of `cond && command`, as text
    conditions: tuple[str, ...] = ()


@dataclass
class Script:
    commands: list[Command]
    functions: set[str]  # names the script defines
    lines: list[str]  # the text's lines, for quoting


def parse(text: str) -> Script:
    lexer = _Lexer(text, 1, None)
    lexer.run()
    return Script(lexer.commands, lexer.functions, text.splitlines())


class _Lexer:
    def __init__(self, text: str, line: int, owner: str | None, depth: int = 0):
        self.s = text
        self.depth = depth
        self.i = 0
        self.line = line
        self.commands: list[Command] = []
        self.functions: set[str] = set()
        self.owners: list[tuple[str, int]] = [(owner, 0)] if owner else []
        self.braces = 0
        self.pending_def: str | None = None
        self.heredocs: list[tuple[str, bool, list[str]]] = []  # delimiter, strip tabs, where the body goes
        self.ifs: list[tuple[str, list[str]]] = []  # per open `if`: "cond", "then" or "else", its condition

    def run(self) -> None:
        self._list(None)

    # -- the token level ------------------------------------------------------------------------

    def _peek(self, k: int = 0) -> str:
        return self.s[self.i + k] if self.i + k < len(self.s) else ""

    def _blank(self) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in " \t":
                self.i += 1
            elif c == "\\" and self._peek(1) == "\n":
                self.i += 2
                self.line += 1
            elif c == "#":
                while self.i < len(self.s) and self.s[self.i] != "\n":
                    self.i += 1
            else:
                return

    def _token(self) -> tuple[str, str, int] | None:
        """("op", text, line) or ("word", text, line); None at the end."""
        self._blank()
        if self.i >= len(self.s):
            return None
        line = self.line
        c = self.s[self.i]
        if c == "\n":
            self.i += 1
            self.line += 1
            self._heredoc_bodies()
            return ("op", "\n", line)
        if c == "(" and self._peek(1) == "(":
            self.i += 2
            self._skip_parens(2)
            return ("word", "((…))", line)
        fd = _FD.match(self.s, self.i)
        if fd:
            self.i = fd.end()  # `2>&1`: the fd number belongs to the redirection
        if self.s[self.i] in "<>;&|()":
            for op in _OPERATORS:
                if self.s.startswith(op, self.i):
                    self.i += len(op)
                    return ("op", op, line)
        return ("word", self._word(), line)

    def _word(self) -> str:
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c in _META:
                if c == "(" and out and (out[-1] in "@?*+!" or ASSIGNMENT.match("".join(out))):
                    self.i += 1
                    self._words_until_paren()  # an extglob or an array: words, not commands
                    out.append("(…)")
                    continue
                break
            if c == "\\":
                if self._peek(1) == "\n":
                    self.line += 1
                else:
                    out.append(self._peek(1))
                self.i += 2
            elif c == "'":
                out.append(self._single())
            elif c == '"':
                out.append(self._double())
            elif c == "$":
                out.append(self._dollar())
            elif c == "`":
                out.append(self._backtick())
            else:
                out.append(c)
                self.i += 1
        return "".join(out)

    def _single(self) -> str:
        end = self.s.find("'", self.i + 1)
        end = len(self.s) if end < 0 else end
        text = self.s[self.i + 1 : end]
        self.line += text.count("\n")
        self.i = end + 1
        return text

    def _double(self) -> str:
        self.i += 1
        out: list[str] = []
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == '"':
                self.i += 1
                break
            if c == "\\":
                nxt = self._peek(1)
                if nxt == "\n":
                    self.line += 1
                else:
                    out.append(nxt if nxt in '$`"\\' else c + nxt)
                self.i += 2
            elif c == "$":
                out.append(self._dollar())
            elif c == "`":
                out.append(self._backtick())
            else:
                if c == "\n":
                    self.line += 1
                out.append(c)
                self.i += 1
        return "".join(out)

    def _dollar(self) -> str:
        if self.s.startswith("$((", self.i):
            self.i += 3
            self._skip_parens(2)
            return "$((…))"
        if self.s.startswith("$(", self.i):
            self.i += 2
            self._nested(")")
            return "$(…)"
        if self.s.startswith("${", self.i):
            start = self.i
            self.i += 2
            self._param()
            return self.s[start : self.i]
        if self.s.startswith("$'", self.i):
            self.i += 1
            end = self.i + 1
            while end < len(self.s) and self.s[end] != "'":
                end += 2 if self.s[end] == "\\" else 1
            text = self.s[self.i + 1 : end]
            self.line += text.count("\n")
            self.i = end + 1
            return text
        self.i += 1
        return "$"

    def _param(self) -> None:
        """Past the `}` that closes a `${`, reading the command substitutions of its default values."""
        if self.depth >= MAX_DEPTH:
            end = self.s.find("}", self.i)
            self.i = len(self.s) if end < 0 else end + 1
            return
        self.depth += 1
        self._param_body()
        self.depth -= 1

    def _param_body(self) -> None:
        while self.i < len(self.s):
            c = self.s[self.i]
            if c == "}":
                self.i += 1
                return
            if c == "\\":
                self.i += 2
            elif c == "'":
                self._single()
            elif c == '"':
                self._double()
            elif c == "$":
                self._dollar()
            elif c == "`":
                self._backtick()
            else:
                if c == "\n":
                    self.line += 1
                self.i += 1

    def _backtick(self) -> str:
        end = self.i + 1
        while end < len(self.s) and self.s[end] != "`":
            end += 2 if self.s[end] == "\\" else 1
        inner = self._sub(self.s[self.i + 1 : end].replace("\\`", "`"), self.line)
        self.line += self.s[self.i : end].count("\n")
        self.i = end + 1
        self.commands.extend(inner.commands)
        return "`…`"

    def _skip_parens(self, depth: int) -> None:
        while self.i < len(self.s) and depth:
            c = self.s[self.i]
            depth += (c == "(") - (c == ")")
            self.line += c == "\n"
            self.i += 1

    def _words_until_paren(self) -> None:
        if self.depth >= MAX_DEPTH:
            self._skip_parens(1)
            return
        self.depth += 1
        while (token := self._token()) is not None and token[1] != ")":
            pass
        self.depth -= 1

    def _heredoc_bodies(self) -> None:
        pending, self.heredocs = self.heredocs, []
        for delimiter, strip, into in pending:
            body: list[str] = []
            while self.i < len(self.s):
                end = self.s.find("\n", self.i)
                end = len(self.s) if end < 0 else end
                raw = self.s[self.i : end]
                self.i = min(end + 1, len(self.s))
                self.line += 1
                if (raw.lstrip("\t") if strip else raw) == delimiter:
                    break
                body.append(raw)
            into.append("\n".join(body))

    def _nested(self, stop: str) -> None:
        """A command substitution's commands; past MAX_DEPTH levels only skipped, so no input recurses deeper."""
        if self.depth >= MAX_DEPTH:
            self._skip_parens(1)
            return
        self.depth += 1
        self._list(stop)
        self.depth -= 1

    def _sub(self, text: str, line: int) -> _Lexer:
        inner = _Lexer(text, line, self.owners[-1][0] if self.owners else None, self.depth + 1)
        if inner.depth >= MAX_DEPTH:
            return inner
        inner.run()
        self.functions |= inner.functions
        return inner

    # -- the grammar level ----------------------------------------------------------------------

    def _list(self, stop: str | None) -> None:
        """Commands until `stop` (")" closing a substitution) at this level, or the end."""
        words: list[str] = []
        first_line = self.line
        data: list[str] = []
        parens = 0
        cases: list[str] = []  # per open case: "subject", "in", "pattern" or "body"
        testing = False  # inside [[ ... ]]
        heading = False  # after for/select: words until ; or newline
        redirect: str | None = None  # the operator whose target is the next word
        said: list[str] = []  # the words since the last operator, tests included
        after_and: str | None = None  # the left side of a `&&` before this command

        def emit() -> None:
            nonlocal words, data
            if words:
                owner = self.owners[-1][0] if self.owners else None
                conditions = tuple(" ".join(cond) for state, cond in self.ifs if state == "then")
                conditions += (after_and,) if after_and else ()
                self.commands.append(Command(first_line, words, owner, data, conditions))
                self._expand(self.commands[-1])
            words, data = [], []

        while (token := self._token()) is not None:
            kind, text, line = token
            if kind == "word":
                said.append(text)
                if self.ifs and self.ifs[-1][0] == "cond":
                    self.ifs[-1][1].append(text)
            if redirect is not None:
                if kind == "word":
                    if redirect in ("<<", "<<-"):
                        self.heredocs.append((text, redirect == "<<-", data))
                    elif redirect == "<<<":
                        data.append(text)
                    redirect = None
                    continue
                redirect = None
            if testing:
                testing = not (kind == "word" and text == "]]")
                continue
            if kind == "op" and text in _REDIRECTS:
                redirect = text
                continue
            if kind == "op" and text in ("<(", ">("):
                self._nested(")")
                continue
            if cases and cases[-1] in ("subject", "in", "pattern"):
                state = cases[-1]
                if kind == "word" and state == "subject":
                    cases[-1] = "in"
                elif kind == "word" and state == "in" and text == "in":
                    cases[-1] = "pattern"
                elif state == "pattern" and kind == "word" and text == "esac":
                    cases.pop()
                elif state == "pattern" and kind == "op" and text == ")":
                    cases[-1] = "body"
                continue
            if heading:
                heading = not (kind == "op" and text in (";", "\n"))
                continue
            if kind == "op":
                if text == ")" and parens == 0 and stop == ")":
                    emit()
                    return
                if text == "(" and not words:
                    parens += 1
                    continue
                if text == "(" and len(words) == 1 and _NAME.match(words[0]):
                    self._define(words[0])  # name() { ...; }
                    words = []
                    continue
                if text == ")":
                    parens = max(parens - 1, 0)
                emit()
                after_and = " ".join(said) if text == "&&" else None
                said = []
                if text in _CASE_BREAKS and cases:
                    cases[-1] = "pattern"
                first_line = self.line
                continue
            if not words:
                first_line = line
                if text in _LEADING:
                    continue
                if text in ("if", "elif"):
                    if text == "elif" and self.ifs:
                        self.ifs.pop()
                    self.ifs.append(("cond", []))
                    continue
                if text in ("then", "else") and self.ifs:
                    self.ifs[-1] = (text, self.ifs[-1][1])
                    continue
                if text == "fi" and self.ifs:
                    self.ifs.pop()
                    continue
                if text == "{":
                    self.braces += 1
                    if self.pending_def:
                        self.owners.append((self.pending_def, self.braces))
                        self.pending_def = None
                    continue
                if text == "}":
                    if self.owners and self.owners[-1][1] == self.braces:
                        self.owners.pop()
                    self.braces = max(self.braces - 1, 0)
                    continue
                if text == "[[":
                    testing = True
                    continue
                if text in ("for", "select"):
                    heading = True
                    continue
                if text == "case":
                    cases.append("subject")
                    continue
                if text == "esac" and cases:
                    cases.pop()
                    continue
                if text in _CLOSING:
                    continue
                if text == "function":
                    name = self._token()
                    if name and name[0] == "word":
                        self._define(name[1])
                    continue
            words.append(text)
        emit()

    def _define(self, name: str) -> None:
        self.functions.add(name)
        self.pending_def = name
        self._blank()
        for parens in ("()", ")"):
            if self.s.startswith(parens, self.i):
                self.i += len(parens)
                break

    def _expand(self, command: Command) -> None:
        """The code strings a command runs: `bash -c CODE`, `eval CODE`, `trap CODE SIGNAL`."""
        words = command.words
        i = 0
        while i < len(words) and ASSIGNMENT.match(words[i]):
            i += 1
        if i >= len(words):
            return
        name, rest = words[i], words[i + 1 :]
        code = None
        if name in ("bash", "sh", "dash", "zsh") and "-c" in rest[:-1]:
            code = rest[rest.index("-c") + 1]
        elif name == "eval":
            code = " ".join(rest)
        elif name == "trap" and rest and not rest[0].startswith("-"):
            code = rest[0]
        if code:
            inner = self._sub(code, command.line)
            self.commands.extend(inner.commands)
