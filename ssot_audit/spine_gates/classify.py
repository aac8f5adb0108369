"""What a gate script needs, read from its text: the network or a host, macOS, external tools.

Decided from the script, never from how it failed: a gate that would reach a host is not run at all,
so a sandbox without a network can never turn "could not reach pve" into a verdict. The commands come
from `shell.py`'s lexer. A function's commands count only when something the script runs calls it, so
a helper file sourced for one function does not lend the script the needs of all the others. Sourced
spine files (`source`, `.`) are read from the tree through `read`, and what they source in turn.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from .shell import ASSIGNMENT, Command, Script, parse


@dataclass(frozen=True)
class Needs:
    network: str | None  # why it needs the network or a host ("line 12: ssh ..."), else None
    macos: str | None  # why it runs only on macOS, else None
    tools: tuple[str, ...]  # external commands beyond a POSIX shell and coreutils, sorted


# bash's builtins and keywords, GNU coreutils, and the POSIX utilities every system has
BASE = frozenset(
    """
    . : [ [[ ]] alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs
    disown echo enable eval exec exit export false fc fg getopts hash help history jobs kill let local logout
    mapfile popd printf pushd pwd read readarray readonly return set shift shopt source suspend test times trap
    true type typeset ulimit umask unalias unset wait
    arch b2sum base32 base64 basename basenc cat chcon chgrp chmod chown chroot cksum comm cp csplit cut date dd
    df dir dircolors dirname du env expand expr factor fmt fold groups head hostid id install join link ln
    logname ls md5sum mkdir mkfifo mknod mktemp mv nice nl nohup nproc numfmt od paste pathchk pinky pr printenv
    ptx readlink realpath rm rmdir runcon seq sha1sum sha224sum sha256sum sha384sum sha512sum shred shuf sleep
    sort split stat stdbuf stty sum sync tac tail tee timeout touch tr truncate tsort tty uname unexpand uniq
    unlink users vdir wc who whoami yes
    awk sed grep egrep fgrep find xargs diff cmp sh bash
    """.split()
)
# commands that reach another machine, or a daemon that does (tailscaled answers over a local socket,
# which a network namespace does not close)
NETWORK = frozenset(
    """
    ssh scp sftp sshpass ssh-keyscan mosh curl wget http https xh nc ncat netcat socat telnet ping ping6
    traceroute mtr dig nslookup host drill whois tailscale gh glab tea ansible ansible-playbook ansible-inventory
    infisical vault op bw aws gcloud az kubectl cloudflared wrangler docker docker-compose podman
    """.split()
)
GIT_NETWORK = frozenset({"fetch", "pull", "push", "ls-remote", "clone", "remote update", "submodule update"})
MACOS = frozenset(
    """
    launchctl security defaults sw_vers osascript pbcopy pbpaste pmset scutil diskutil plutil PlistBuddy
    mdfind mdls ditto xcrun xcode-select networksetup systemsetup tmutil caffeinate softwareupdate
    """.split()
)
_PREFIXES = frozenset({"sudo", "nohup", "exec", "builtin", "setsid", "nice", "ionice", "stdbuf", "time"})
_XARGS_ARG = frozenset({"-I", "-i", "-n", "-P", "-d", "-L", "-l", "-s", "-E", "-e", "-a"})
_PYTHON = re.compile(r"^python[0-9.]*$")
_PYTHON_NETWORK = re.compile(
    r"\burllib\.request\b|\burlopen\(|\brequests\.(get|post|put|patch|delete|head|Session)\b|\bhttp\.client\b"
    r"|\bhttpx\b|\bsocket\.(socket|create_connection)\b|\bparamiko\b"
    r"|\[\s*[\"'](ssh|scp|sftp|rsync|curl|wget|tailscale|nc)[\"']\s*,"  # subprocess.run(["ssh", ...])
    r"|\b(subprocess\.\w+|os\.system|os\.popen)\(\s*f?[\"'](ssh|scp|curl|wget|tailscale|nc)\b"
)
_DEV_TCP = re.compile(r"/dev/(tcp|udp)/")
_RSYNC_REMOTE = re.compile(r"^(rsync://|-e$|--rsh|[^-/:][^/:]*:)")  # host:path, host::module, over ssh
# a test of the OS that ends the script unless it is macOS: `[[ "$(uname)" != "Darwin" ]] && exit 0`,
# `[[ $OSTYPE == darwin* ]] || { echo SKIP; exit 0; }`
_UNAME = r"(?:\$\(\s*uname(?:\s+-s)?\s*\)|`uname(?:\s+-s)?`|\$\{?OSTYPE\}?)"
_DARWIN_GUARD = re.compile(
    rf'{_UNAME}"?\s*!=\s*"?[Dd]arwin\*?"?\s*\]\]?\s*(?:;\s*then|&&)(?:[^\n]*\n){{0,3}}?[^\n]*\bexit\b'
    rf'|{_UNAME}"?\s*==?\s*"?[Dd]arwin\*?"?\s*\]\]?\s*\|\|(?:[^\n]*\n){{0,2}}?[^\n]*\bexit\b'
)
READ_LIMIT = 1 << 20  # a sourced file larger than this is not read
SOURCED_FILES = 16  # files sourced, directly or by what they source, that are read at most


def needs(script: str, read: Callable[[str], str | None] | None = None, path: str = "") -> Needs:
    """What `script` needs. `read(rel)` gives the text of a file of the tree by its path relative to the
    root (None when absent or refused); `path` is the script's own path there, for `$(dirname "$0")`."""
    main = parse(script)
    every: list[tuple[str, Script]] = [("", main)]
    texts = {"": script}
    paths = {"": path}
    for where, s in every:  # grows as sourced files are found: breadth first, each file once
        if read is None or len(every) > SOURCED_FILES:
            break
        for command in s.commands:
            for name, args in _invocations(command):
                if name in (".", "source") and args:
                    rel = _resolve(args[0], texts[where], paths[where], read)
                    text = read(rel) if rel and rel not in texts and rel != path else None
                    if text is not None and len(text) <= READ_LIMIT:
                        texts[rel], paths[rel] = text, rel
                        every.append((rel, parse(text)))
    defined = set().union(*(s.functions for _, s in every))

    network = macos = None
    tools: set[str] = set()
    for where, s, command, conditions in _active(every, defined):
        for name, args in _invocations(command):
            if name not in defined:
                network = network or _network(name, args, command, s, where)
                base = posixpath.basename(name)
                if macos is None and base in MACOS and not _guarded(base, conditions, _MACOS_TEST):
                    macos = _quote(s, command.line, where)
                if name not in BASE and _is_tool(name) and not _guarded(name, conditions):
                    tools.add(name)
            if network is None and _PYTHON.match(name):
                code = args[args.index("-c") + 1] if "-c" in args[:-1] else "\n".join(command.data)
                if _PYTHON_NETWORK.search(code):
                    network = f"{_quote(s, command.line, where)} (Python that opens connections)"
    for where, s in every:
        network = network or _first_line(s, _DEV_TCP, where, "opens a /dev/tcp connection")
        macos = macos or _first_line(s, _DARWIN_GUARD, where, "exits unless the system is macOS")
    return Needs(network, macos, tuple(sorted(tools)))


def _active(every: list[tuple[str, Script]], defined: set[str]) -> list[tuple[str, Script, Command, tuple[str, ...]]]:
    """The commands that run, each with the conditions it runs under: the top level of each file, and the
    bodies of the functions it calls, under the conditions of each call (of the first few)."""
    bodies: dict[str, list[tuple[str, Script, Command]]] = {}
    for where, s in every:
        for command in s.commands:
            if command.owner is not None:
                bodies.setdefault(command.owner, []).append((where, s, command))
    active = [(where, s, c, c.conditions) for where, s in every for c in s.commands if c.owner is None]
    contexts: dict[str, set[tuple[str, ...]]] = {}
    todo = list(active)
    while todo:
        _, _, command, conditions = todo.pop()
        for name, _ in _invocations(command):
            seen = contexts.setdefault(name, set())
            if name in defined and conditions not in seen and len(seen) < 8:
                seen.add(conditions)
                called = [(w, s, c, c.conditions + conditions) for w, s, c in bodies.get(name, [])]
                todo.extend(called)
                active.extend(called)
    return active


_MACOS_TEST = re.compile(r"darwin|Darwin|OSTYPE|uname")


def _guarded(name: str, conditions: tuple[str, ...], also: re.Pattern[str] | None = None) -> bool:
    """Whether the command runs only where a condition asked for it (`if command -v X`, `[[ -x .../X ]]`)
    or, with `also`, for what it belongs to (macOS)."""
    mention = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
    return any(mention.search(c) or (also and also.search(c)) for c in conditions)


def _invocations(command: Command) -> Iterator[tuple[str, list[str]]]:
    """(name, arguments) of each program the command runs: past assignments and prefixes such as `env`,
    `timeout`, `xargs` and `command`, and the programs of `find -exec`."""
    words = command.words
    i = 0
    while i < len(words):
        word = words[i]
        if ASSIGNMENT.match(word):
            i += 1
        elif word in _PREFIXES:
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 2 if words[i] in ("-n", "-c", "-o", "-i", "-e") and word in ("nice", "ionice", "stdbuf") else 1
        elif word == "env":
            i += 1
            while i < len(words) and (words[i].startswith("-") or ASSIGNMENT.match(words[i])):
                i += 2 if words[i] in ("-u", "-C", "-S") else 1
        elif word == "timeout":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 2 if words[i] in ("-s", "-k") else 1
            i += 1  # the duration
        elif word == "command":
            if i + 1 < len(words) and words[i + 1] in ("-v", "-V"):
                return  # asks whether a command exists, runs nothing
            i += 2 if i + 1 < len(words) and words[i + 1] == "-p" else 1
        elif word == "xargs":
            i += 1
            while i < len(words) and words[i].startswith("-"):
                i += 2 if words[i] in _XARGS_ARG else 1
        else:
            break
    if i >= len(words) or "$" in words[i] or "`" in words[i] or "…" in words[i]:
        return
    name, args = words[i], words[i + 1 :]
    yield name, args
    if name == "find":
        for j, arg in enumerate(args[:-1]):
            if arg in ("-exec", "-execdir", "-ok", "-okdir") and "$" not in args[j + 1]:
                yield args[j + 1], args[j + 2 :]


def _is_tool(name: str) -> bool:
    return "/" not in name and bool(re.match(r"^[A-Za-z0-9_][\w.+-]*$", name))


def _network(name: str, args: list[str], command: Command, s: Script, where: str) -> str | None:
    if name in NETWORK:
        return _quote(s, command.line, where)
    if name == "git" and _git_network(args):
        return _quote(s, command.line, where)
    if name == "rsync" and any(_RSYNC_REMOTE.match(a) for a in args):
        return _quote(s, command.line, where)
    if name in ("ops", "./bin/ops", "bin/ops") or name.endswith("/bin/ops"):
        if args[:2] == ["cap", "run"]:
            cap = args[2] if len(args) > 2 else "?"
            return f"{_quote(s, command.line, where)} (capability {cap}: capabilities reach hosts and APIs)"
    return None


def _git_network(args: list[str]) -> bool:
    rest = list(args)
    while rest and rest[0].startswith("-"):
        rest = rest[2:] if rest[0] in ("-C", "-c", "--git-dir", "--work-tree") else rest[1:]
    return bool(rest) and (rest[0] in GIT_NETWORK or " ".join(rest[:2]) in GIT_NETWORK)


def _quote(s: Script, line: int, where: str) -> str:
    text = s.lines[line - 1].strip() if 0 < line <= len(s.lines) else ""
    if len(text) > 100:
        text = text[:97] + "..."
    return f"{where + ' ' if where else ''}line {line}: {text}"


def _first_line(s: Script, pattern: re.Pattern[str], where: str, what: str) -> str | None:
    code = "\n".join(_uncommented(line) for line in s.lines)
    match = pattern.search(code)
    if not match:
        return None
    return f"{_quote(s, code.count(chr(10), 0, match.start()) + 1, where)} ({what})"


def _uncommented(line: str) -> str:
    return "" if line.lstrip().startswith("#") else line


_LEADING_EXPANSION = re.compile(r"^(?:\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\$\(…\))")


def _resolve(word: str, script: str, path: str, read: Callable[[str], str | None]) -> str | None:
    """The tree path a `source` argument names: a variable set in the script to a path, the spine
    root's variables (`$ROOT`, `${SPINE_ROOT:-...}`) or the script's own directory, then the rest."""
    variable = re.fullmatch(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?", word)
    if variable:
        assigned = re.findall(rf"^\s*(?:local\s+|readonly\s+|export\s+)?{variable[1]}=(\S+)\s*$", script, re.M)
        if not assigned:
            return None
        word = assigned[-1].strip("\"'")
    match = _LEADING_EXPANSION.match(word)
    rest = word[match.end() :] if match else word
    if "$" in rest or "`" in rest:
        return None
    here = posixpath.dirname(path)
    for base in (here, "") if match else ("",):
        rel = posixpath.normpath(posixpath.join(base, rest.lstrip("/")))
        if not rel.startswith("..") and read(rel) is not None:
            return rel
    return None
