"""A checkout as one walk: every path with its kind, mode and mtime; file content read on first use.

Only regular files under a size cap are read (`read_regular`): a FIFO would block its reader, a device
node never end, a file of hundreds of MB fill the memory; each is refused unread, as is a symlink loop,
and the source tests name every such path (`Tree.refused`).

The gates scan overlapping parts of the spine (bin/, ops/, surfaces/, docs/...).
Walking the tree once per session and caching each file's content keeps the cost of
all of them together linear in the size of the tree. Each file is held once, in its
size: an ASCII file (most of them) as its text, any other as its bytes, decoded when read.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Never descended into: git's own objects are not part of the checkout's content.
SKIPPED_DIRS = frozenset({".git"})

# No file is read past this size. A source of truth is small (the largest real one, the spine's
# operational.gaps.yaml, is 1.1 MB); a file of hundreds of MB would cost several times its size
# to hold and parse, so one over the cap is refused unread, and its source test says so.
MAX_FILE_BYTES = 16 * 1024 * 1024
# The kernel's limit on links followed in one lookup (Linux MAXSYMLINKS): past it, a loop.
MAX_LINKS = 40


class Refused(OSError):
    """A path the suite will not read, and why: its source test names it, the scans skip it."""

    def __init__(self, rel: str, why: str, code: int = errno.EACCES):
        super().__init__(code, f"refused: {why}", rel)


class OutsideRoot(Refused):
    """A path whose symlinks lead out of the checkout: refused, never read."""

    def __init__(self, rel: str, target: Path | str):
        super().__init__(rel, f"a symlink leads out of the checkout (to {target})")


def symlink_loop(rel: str) -> Refused:
    return Refused(rel, "a symlink loop (its links never reach a file)", errno.ELOOP)


def over_cap(rel: str, size: int) -> Refused:
    return Refused(rel, f"{size / 2**20:.1f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB cap on a file's size",
                   errno.EFBIG)  # fmt: skip


_KINDS = {stat.S_IFREG: "a regular file", stat.S_IFDIR: "a directory", stat.S_IFLNK: "a symlink",
          stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device",
          stat.S_IFSOCK: "a socket"}  # fmt: skip


def kind(mode: int) -> str:
    """What a stat mode says a path is, as a message names it."""
    return _KINDS.get(stat.S_IFMT(mode), "of no known kind")


def _regular(info: os.stat_result, rel: str) -> None:
    """Refuse what is not a regular file (a FIFO blocks its reader, a device may never end) or is over the cap."""
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(errno.EISDIR, "is a directory", rel)
    if not stat.S_ISREG(info.st_mode):
        raise Refused(rel, f"{kind(info.st_mode)}, not a regular file", errno.EINVAL)
    if info.st_size > MAX_FILE_BYTES:
        raise over_cap(rel, info.st_size)


def read_regular(path: Path | str, rel: str) -> bytes:
    """The bytes of a regular file of at most MAX_FILE_BYTES; a Refused error for anything else.

    Checked before opening (opening a device can act on it), and again on the open file (the path may
    have been swapped in between); opened non-blocking, and read no further than the cap.
    """
    try:
        _regular(os.stat(path), rel)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise symlink_loop(rel) from None
        raise
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        _regular(info, rel)
        data = handle.read(info.st_size + 1)  # the size fstat gives, and one more byte to see it grow
        if len(data) > info.st_size:
            data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    if len(data) > MAX_FILE_BYTES:
        raise over_cap(rel, len(data))
    return data


@dataclass(frozen=True)
class Node:
    rel: str  # POSIX path relative to the root; "" is the root itself
    mode: int  # from lstat: a symlink is a link, not what it points at
    mtime: float

    @property
    def name(self) -> str:
        return self.rel.rsplit("/", 1)[-1]

    @property
    def is_dir(self) -> bool:
        return stat.S_ISDIR(self.mode)

    @property
    def is_file(self) -> bool:
        return stat.S_ISREG(self.mode)

    @property
    def is_link(self) -> bool:
        return stat.S_ISLNK(self.mode)

    @property
    def executable(self) -> bool:
        return self.is_file and bool(self.mode & 0o111)


class Tree:
    def __init__(self, root: Path):
        self.root = root
        self.nodes: dict[str, Node] = {}
        self._children: dict[str, list[str]] = {}
        self._content: dict[str, str | bytes | OSError] = {}
        self._derived: dict[tuple, object] = {}
        self._oversized: list[str] = []  # regular files over MAX_FILE_BYTES, as the walk saw them
        self._walk()
        self._files = sorted(rel for rel, node in self.nodes.items() if node.is_file)

    def _walk(self) -> None:
        pending = [""]
        while pending:
            parent = pending.pop()
            names = self._children.setdefault(parent, [])
            try:
                entries = list(os.scandir(self.root / parent if parent else self.root))
            except OSError:
                continue  # unreadable directory: its content is invisible, as to find(1)
            for entry in entries:
                rel = f"{parent}/{entry.name}" if parent else entry.name
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                self.nodes[rel] = Node(rel, info.st_mode, info.st_mtime)
                names.append(entry.name)
                if stat.S_ISREG(info.st_mode) and info.st_size > MAX_FILE_BYTES:
                    self._oversized.append(rel)
                if stat.S_ISDIR(info.st_mode) and entry.name not in SKIPPED_DIRS:
                    pending.append(rel)
            names.sort()

    # --- paths ------------------------------------------------------------------
    @property
    def files(self) -> list[str]:
        """Every regular file, sorted."""
        return self._files

    def node(self, rel: str) -> Node | None:
        return self.nodes.get(rel)

    def exists(self, rel: str) -> bool:
        return rel in self.nodes

    def is_dir(self, rel: str) -> bool:
        """A directory, or a symlink to one (as `[[ -d ]]` and `ls -d */` see it)."""
        node = self.nodes.get(rel)
        return bool(node) and (node.is_dir or (node.is_link and (self.root / rel).is_dir()))

    def is_file(self, rel: str) -> bool:
        """A regular file, or a symlink to one (as `[[ -f ]]` sees it)."""
        node = self.nodes.get(rel)
        return bool(node) and (node.is_file or (node.is_link and (self.root / rel).is_file()))

    def is_executable(self, rel: str) -> bool:
        """A file with an execute bit, judged by its mode (root may execute anything)."""
        node = self.nodes.get(rel)
        if node and node.is_link:
            target = self.root / rel
            return target.is_file() and bool(target.stat().st_mode & 0o111)
        return bool(node) and node.executable

    def children(self, rel: str = "") -> list[Node]:
        """Entries directly inside a directory, by name."""
        base = f"{rel}/" if rel else ""
        return [self.nodes[base + name] for name in self._children.get(rel, [])]

    def files_under(self, rel: str) -> list[str]:
        """Regular files anywhere below a directory (symlinks are not followed, as find and rg)."""
        prefix = f"{rel.rstrip('/')}/" if rel else ""
        start = bisect_left(self._files, prefix)
        found = []
        for path in self._files[start:]:
            if not path.startswith(prefix):
                break
            found.append(path)
        return found

    def glob(self, pattern: str) -> list[str]:
        """Files (or links to files) matching a pathlib-style pattern (`*`, `?`, `[...]` within a name,
        `**` for any depth), sorted."""
        literal, regex = _glob(pattern)
        found = self.files_under(literal) + self._links_under(literal)
        return sorted(rel for rel in found if regex.fullmatch(rel) and self.is_file(rel))

    def _links_under(self, rel: str) -> list[str]:
        prefix = f"{rel}/" if rel else ""
        return sorted(r for r, node in self.nodes.items() if node.is_link and r.startswith(prefix))

    def refused(self) -> list[str]:
        """Paths that look like files but that no reader gets: files over the cap and symlink loops, sorted.
        The source tests (checks/sources.py) fail on each, naming it; the scans skip them."""
        loops = [r for r, node in self.nodes.items() if node.is_link and _loops(self.root / r)]
        return sorted(self._oversized + loops)

    def version(self, rel: str) -> str | None:
        """What identifies a file's content across trees (a git blob id); a checkout on disk has none."""
        return None

    # --- content ----------------------------------------------------------------
    def _read(self, rel: str) -> str | bytes:
        """A file's content, read once: text when it is ASCII (the same size as its bytes), else bytes."""
        if rel not in self._content:
            try:
                raw = read_regular(self._inside(rel), rel)
                self._content[rel] = raw.decode("ascii") if raw.isascii() else raw
            except OSError as exc:
                self._content[rel] = exc
        found = self._content[rel]
        if isinstance(found, OSError):
            raise found
        return found

    def raw(self, rel: str) -> bytes:
        """A file's bytes, read once and shared with the loaders that parse it; OSError if unreadable."""
        content = self._read(rel)
        return content.encode("ascii") if isinstance(content, str) else content

    def _inside(self, rel: str) -> Path:
        """The path of `rel`, after checking that no symlink on it leaves the root (a checkout
        could otherwise make its reports quote /etc/shadow or a private key)."""
        path = self.root / rel
        parts = rel.split("/")
        walked = [self.nodes.get("/".join(parts[: i + 1])) for i in range(len(parts))]
        if all(node and not node.is_link for node in walked):
            return path  # every component seen by the walk, none a link: the common case, no syscalls
        # realpath, not Path.resolve: resolve raises RuntimeError on a symlink loop, which no reader expects;
        # a loop is left to the open, whose ELOOP is the loop's refusal
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(os.path.realpath(self.root)):
            raise OutsideRoot(rel, target)
        return path

    def text(self, rel: str) -> str | None:
        """A file's text, or None for binary or unreadable files (which scanners skip, as grep and rg)."""
        try:
            content = self._read(rel)
        except OSError:
            return None
        if isinstance(content, str):
            return None if "\0" in content else content
        return None if b"\0" in content else content.decode("utf-8", errors="replace")

    def derived(self, rel: str, key: tuple, compute: Callable[[str | None], T]) -> T:
        """`compute(text)` of a file, once per content and key: a scan that every commit of a history repeats
        over the same unchanged file runs once."""
        memo_key = (self.version(rel) or rel, key)  # by content where the tree knows it (a git blob id)
        if memo_key not in self._derived:
            self._derived[memo_key] = compute(self.text(rel))
        return self._derived[memo_key]

    def lines(self, rel: str) -> list[str]:
        text = self.text(rel)
        return text.splitlines() if text else []


def _loops(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _glob(pattern: str) -> tuple[str, re.Pattern]:
    """(the directory before the first wildcard, the pattern as a regex over POSIX paths)."""
    parts = [p for p in pattern.strip("/").split("/") if p not in ("", ".")]
    literal = []
    for part in parts:
        if any(c in part for c in "*?["):
            break
        literal.append(part)
    out = []
    for index, part in enumerate(parts):
        if part == "**":
            out.append("(?:[^/]+/)*")
            continue
        out.append(_glob_part(part) + ("/" if index < len(parts) - 1 else ""))
    return "/".join(literal[: len(parts) - 1]), re.compile("".join(out))


def _glob_part(part: str) -> str:
    out, i = [], 0
    while i < len(part):
        c = part[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and (end := part.find("]", i + 2)) != -1:
            body = part[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body).replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)
