"""One checkout (spine or workbench): its files, each read and validated once per session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .schema import checked
from .sources import Document, SourceError, SourceMissing, read_error
from .sources.jsonl import load_jsonl
from .sources.markdown import load_markdown
from .sources.sshconfig import load_ssh_config
from .sources.structured import load_json, load_yaml
from .tree import Tree

Loader = Callable[[Path, str, bytes], Document]

_BY_SUFFIX: dict[str, Loader] = {
    ".yaml": load_yaml,
    ".yml": load_yaml,
    ".json": load_json,
    ".jsonl": load_jsonl,
    ".md": load_markdown,
    ".conf": load_ssh_config,
}


@dataclass(frozen=True)
class Source:
    """A file a check reads: where it is, its schema, and whether it may be absent.

    `runtime` files are local-only state (git-ignored in the spine): their
    absence is normal on a fresh clone, so checks that need them skip.
    """

    rel: str
    schema: str | None = None
    runtime: bool = False
    required: bool = True  # False: its absence is itself a finding of the checks that read it


class SourceUnavailable(Exception):
    """A check needs a source that could not be loaded; the check skips, the source test fails."""

    def __init__(self, error: SourceError):
        super().__init__(str(error))
        self.error = error


class Repo:
    """`tree` and `documents` are given when the files come from elsewhere than `root` on disk (a commit's
    git objects): documents are then shared between trees, keyed by content, so each is parsed once."""

    def __init__(self, name: str, root: Path, tree: Tree | None = None, documents: dict | None = None):
        self.name = name
        self.root = root
        if tree is not None:
            self.tree = tree
        self._cache: dict[tuple[Source, str | None], Document | SourceError] = {} if documents is None else documents

    @cached_property
    def tree(self) -> Tree:
        """The whole checkout, walked on first use and shared by every check that scans it."""
        return Tree(self.root)

    def display(self, rel: str) -> str:
        return f"{self.name}/{rel}"

    def exists(self, rel: str) -> bool:
        """A file or directory (or a link to one), as `Path.exists` sees it; an unreadable directory's
        content is as good as absent to every reader."""
        return self.tree.is_file(rel) or self.tree.is_dir(rel)

    def glob(self, pattern: str) -> list[str]:
        return self.tree.glob(pattern)

    def try_load(self, source: Source) -> Document | SourceError:
        """The document, or the error that stops it being read; cached either way."""
        key = (source, self.tree.version(source.rel))
        if key not in self._cache:
            self._cache[key] = self._load(source)
        return self._cache[key]

    def load(self, source: Source) -> Document:
        result = self.try_load(source)
        if isinstance(result, SourceError):
            raise SourceUnavailable(result)
        return result

    def _load(self, source: Source) -> Document | SourceError:
        path = self.root / source.rel
        file = self.display(source.rel)
        try:
            raw = self.tree.raw(source.rel)  # the bytes the scanners read too: one read per file
            loader = _BY_SUFFIX.get(path.suffix)
            if loader is None:  # (after the read: a file refused unread says so, whatever its suffix)
                return SourceError(file, f"has no loader for {path.suffix!r} files")
            doc = loader(path, file, raw)
            return checked(doc, source.schema) if source.schema else doc
        except OSError as exc:
            return read_error(exc, file)
        except SourceError as error:
            return error


__all__ = ["Repo", "Source", "SourceUnavailable", "SourceError", "SourceMissing"]
