"""A commit's tree as the checks see a checkout (tree.Tree), read from git objects, and what each check read of it.

`Snapshot` is a repository's tree at one commit, moved from commit to commit by applying each
commit's changes; `GitTree` is the read-only view a run's checks get. Every question a check asks
of a GitTree is recorded in its `Deps`: the files it read or asked about, and the directories it
listed. A later commit whose changes touch none of them cannot change what the check found.

Git keeps no modification times: every node has the same one, so "newest first" orders by name,
as it does in a fresh clone (files are written in path order).
"""

from __future__ import annotations

import errno
import posixpath
import stat
from bisect import insort
from dataclasses import dataclass, field
from pathlib import Path

from .gitobjects import Blobs, Change, git_dir, index_of, tree_of
from .tree import MAX_FILE_BYTES, MAX_LINKS, Node, OutsideRoot, Refused, Tree, over_cap, symlink_loop

_DIR_MODE = 0o040755


@dataclass
class Deps:
    """What checks read of one repository's tree."""

    paths: set[str] = field(default_factory=set)  # files read, and paths asked about (exists, is_file, ...)
    listed: set[str] = field(default_factory=set)  # directories listed ("" is the whole tree)

    def touched(self, delta: Delta) -> bool:
        if not self.paths.isdisjoint(delta.changed):
            return True
        for path in delta.shape:
            parts = path.split("/")
            if any("/".join(parts[:i]) in self.listed for i in range(len(parts))):
                return True
        return False


@dataclass(frozen=True)
class Delta:
    """One commit's effect on a tree: every path whose content, mode or existence changed (`changed`),
    and those added or removed or whose mode changed (`shape`: what a directory listing shows)."""

    changed: frozenset[str]
    shape: frozenset[str]


class Snapshot:
    """A repository's tree at the current commit: its nodes, listings and blob ids."""

    def __init__(self, entries: dict[str, tuple[int, str]]):
        self.blobs: dict[str, str] = {}
        self.nodes: dict[str, Node] = {"": Node("", _DIR_MODE, 0.0)}
        self.children: dict[str, list[str]] = {"": []}
        self.files: list[str] = []
        self.links: set[str] = set()
        for path, (mode, sha) in sorted(entries.items()):
            if stat.S_ISDIR(mode):
                self._add_dir(path)
            else:
                self._add(path, mode, sha)

    def _add_dir(self, path: str) -> list[str]:
        """Create a directory and its missing parents; the ones created."""
        if path in self.nodes:
            return []
        parent, _, name = path.rpartition("/")
        created = self._add_dir(parent)
        self.nodes[path] = Node(path, _DIR_MODE, 0.0)
        self.children[path] = []
        insort(self.children[parent], name)
        return [*created, path]

    def _add(self, path: str, mode: int, sha: str) -> list[str]:
        created = self._add_dir(path.rpartition("/")[0])
        self.nodes[path] = Node(path, mode, 0.0)
        self.blobs[path] = sha
        insort(self.children[path.rpartition("/")[0]], path.rpartition("/")[2])
        if stat.S_ISREG(mode):
            insort(self.files, path)
        elif stat.S_ISLNK(mode):
            self.links.add(path)
        return created

    def _remove(self, path: str) -> list[str]:
        """Remove a file, and the directories it leaves empty; the ones removed."""
        node = self.nodes.pop(path)
        self.blobs.pop(path, None)
        if node.is_file:
            self.files.remove(path)
        self.links.discard(path)
        removed = []
        while path:
            parent, _, name = path.rpartition("/")
            self.children[parent].remove(name)
            if self.children[parent] or not parent:
                break
            del self.children[parent], self.nodes[parent]
            removed.append(parent)
            path = parent
        return removed

    def apply(self, changes: tuple[Change, ...]) -> Delta:
        changed, shape = set(), set()
        for change in changes:
            old = self.nodes.get(change.path)
            if old is not None and old.is_dir:  # a directory replaced by a file: its files go first
                for rel in [r for r in self.blobs if r.startswith(change.path + "/")]:
                    shape.update([rel, *self._remove(rel)])
                old = None
            if old is not None and (not change.blob or old.mode != change.mode):
                shape.update([change.path, *self._remove(change.path)])
                old = None
            if change.blob and old is None:
                shape.update([change.path, *self._add(change.path, change.mode, change.blob)])
            elif change.blob:
                self.blobs[change.path] = change.blob
            changed.add(change.path)
        return Delta(frozenset(changed | shape), frozenset(shape))


class GitTree(Tree):
    """A Snapshot as a checkout's Tree. `contents` is shared by every commit's tree: blob id -> content."""

    def __init__(self, root: Path, snapshot: Snapshot, blobs: Blobs, contents: dict[str, str | bytes], deps: Deps,
                 derived: dict[tuple, object]):  # fmt: skip
        self.root = root
        self._derived = derived  # (blob id, key) -> value, shared like `contents`
        self.nodes = snapshot.nodes
        self._children = snapshot.children
        self._files = snapshot.files
        self._snapshot = snapshot
        self._blobs = blobs
        self._contents = contents
        self.deps = deps

    @property
    def files(self) -> list[str]:
        self.deps.listed.add("")
        return self._files

    def node(self, rel: str) -> Node | None:
        self.deps.paths.add(rel)
        return super().node(rel)

    def exists(self, rel: str) -> bool:
        self.deps.paths.add(rel)
        return super().exists(rel)

    def _followed(self, rel: str) -> tuple[Node | None, Refused | None]:
        """What a path is, following links inside the tree: (its node, None), or (None, the refusal a reader
        gets: a link out of the tree, a loop); (None, None) when nothing is there."""
        self.deps.paths.add(rel)
        asked, node = rel, self.nodes.get(rel)
        for _ in range(MAX_LINKS):
            if node is None or not node.is_link:
                return node, None
            target = self._content(node.rel)
            target = target if isinstance(target, str) else target.decode("utf-8", "surrogateescape")
            rel = posixpath.normpath(posixpath.join(posixpath.dirname(node.rel), target))
            if target.startswith("/") or rel.startswith("../") or rel == "..":
                return None, OutsideRoot(asked, target)
            self.deps.paths.add(rel)
            node = self.nodes.get(rel)
        return None, symlink_loop(asked)

    def is_dir(self, rel: str) -> bool:
        node, _ = self._followed(rel)
        return bool(node) and node.is_dir

    def is_file(self, rel: str) -> bool:
        node, _ = self._followed(rel)
        return bool(node) and node.is_file

    def is_executable(self, rel: str) -> bool:
        node, _ = self._followed(rel)
        return bool(node) and node.executable

    def children(self, rel: str = "") -> list[Node]:
        self.deps.listed.add(rel)
        return super().children(rel)

    def files_under(self, rel: str) -> list[str]:
        self.deps.listed.add(rel.rstrip("/"))
        return super().files_under(rel)

    def _links_under(self, rel: str) -> list[str]:
        self.deps.listed.add(rel)
        return super()._links_under(rel)

    def version(self, rel: str) -> str | None:
        self.deps.paths.add(rel)
        return self._snapshot.blobs.get(rel)

    def refused(self) -> list[str]:
        self.deps.listed.add("")
        self.deps.paths.update(self._snapshot.blobs)  # any file whose content changes may cross the cap
        sizes = self._sizes()
        over = [
            rel for rel, sha in self._snapshot.blobs.items() if sizes[sha] > MAX_FILE_BYTES and self.nodes[rel].is_file
        ]
        loops = [rel for rel in self._snapshot.links if _loops(self._followed(rel)[1])]
        return sorted(over + loops)

    def _sizes(self) -> dict[str, int]:
        """Blob sizes, every blob of this tree's among them: those not yet known are asked for in one round
        (a commit brings a few new blobs; asking for each apart would cost a round trip per blob)."""
        sizes = self._blobs.sizes
        if any(sha not in sizes for sha in self._snapshot.blobs.values()):
            self._blobs.learn_sizes(list(self._snapshot.blobs.values()))
        return sizes

    def _content(self, rel: str, asked: str | None = None) -> str | bytes:
        """The content of the blob at `rel`; `asked`: the path a reader asked for, when a link led to `rel`."""
        sha = self._snapshot.blobs[rel]
        if sha not in self._contents:
            size = (self._blobs.sizes if sha in self._blobs.sizes else self._sizes())[sha]
            if size > MAX_FILE_BYTES:  # never read into memory: refused as the checkout's file would be
                raise over_cap(asked or rel, size)
            raw = self._blobs.read(sha)
            self._contents[sha] = raw.decode("ascii") if raw.isascii() else raw
        return self._contents[sha]

    def _read(self, rel: str) -> str | bytes:
        node, refused = self._followed(rel)
        if refused is not None:
            raise refused
        if node is None or node.is_dir:
            raise (
                FileNotFoundError(2, "No such file", rel) if node is None else IsADirectoryError(21, "a directory", rel)
            )
        return self._content(node.rel, rel)


def _loops(refused: Refused | None) -> bool:
    return refused is not None and refused.errno == errno.ELOOP


def commit_tree(root: Path, what: str) -> tuple[GitTree, Blobs]:
    """The checkout at `root` as a commit sees it: "staged", the commit being made (tracked files as staged, no
    untracked file), or a revision's tree; with the blob reader it holds (close it when the run is done)."""
    git = git_dir(root)
    entries = index_of(git, root) if what == "staged" else tree_of(git, what)
    blobs = Blobs(git)
    return GitTree(root, Snapshot(entries), blobs, {}, Deps(), {}), blobs
