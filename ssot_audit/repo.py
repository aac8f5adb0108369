"""One checkout (spine or workbench): its files, each read and validated once per session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .schema import validate
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
    def __init__(self, name: str, root: Path):
        self.name = name
        self.root = root
        self._cache: dict[str, Document | SourceError] = {}

    @cached_property
    def tree(self) -> Tree:
        """The whole checkout, walked on first use and shared by every check that scans it."""
        return Tree(self.root)

    def display(self, rel: str) -> str:
        return f"{self.name}/{rel}"

    def exists(self, rel: str) -> bool:
        try:
            return (self.root / rel).exists()
        except OSError:  # in an unreadable directory: as good as absent to every reader
            return False

    def glob(self, pattern: str) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.glob(pattern) if _is_file(p))

    def try_load(self, source: Source) -> Document | SourceError:
        """The document, or the error that stops it being read; cached either way."""
        if source.rel not in self._cache:
            self._cache[source.rel] = self._load(source)
        return self._cache[source.rel]

    def load(self, source: Source) -> Document:
        result = self.try_load(source)
        if isinstance(result, SourceError):
            raise SourceUnavailable(result)
        return result

    def _load(self, source: Source) -> Document | SourceError:
        path = self.root / source.rel
        file = self.display(source.rel)
        loader = _BY_SUFFIX.get(path.suffix)
        if loader is None:
            return SourceError(file, f"has no loader for {path.suffix!r} files")
        try:
            doc = loader(path, file, self.tree.raw(source.rel))  # the bytes the scanners read too: one read per file
            if source.schema:
                validate(doc, source.schema)
            return doc
        except OSError as exc:
            return read_error(exc, file)
        except SourceError as error:
            return error


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False


__all__ = ["Repo", "Source", "SourceUnavailable", "SourceError", "SourceMissing"]
