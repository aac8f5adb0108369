"""What each gate script needs (spine_gates.needs), remembered by the text it was read from.

Reading a script's needs lexes it and every helper it sources: on today's spine, 371 scripts and 1.3 MB of
bash, a second of every run, though the scripts rarely change. So a script's needs are kept by a hash of its
text, with a hash of each file the reading looked at: a later tree (the next commit of a history, the next
hook run) reuses them while all of those are unchanged. Between runs they are kept under the checkout's
.git/ssot-audit/. The cache only places a gate in the static or the live half: a script the user lets run
is read again, from its own text, just before it runs (spine_gates.runner), so a forged cache cannot let a
script reach the network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

from . import kept
from .spine_gates import classify
from .spine_gates.classify import Needs

FILE = "script-needs.json"
Read = Callable[[str], str | None]


@cache
def _reader_version() -> str:
    """The code that reads a script's needs: a changed reader reads every script anew."""
    digest = hashlib.sha256()
    for module in ("classify.py", "shell.py"):
        digest.update((Path(classify.__file__).parent / module).read_bytes())
    return digest.hexdigest()


def _digest(text: str | None) -> str | None:
    return None if text is None else hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


def _well_formed(entry: object) -> bool:
    """[network, macos, tools, looked_at] as _save writes it: texts or null, a list of texts, and a map of
    paths to digests or null."""
    if not (isinstance(entry, list) and len(entry) == 4):
        return False
    network, macos, tools, looked_at = entry
    return (all(v is None or isinstance(v, str) for v in (network, macos))
            and isinstance(tools, list) and all(isinstance(t, str) for t in tools)
            and isinstance(looked_at, dict) and all(v is None or isinstance(v, str) for v in looked_at.values()))  # fmt: skip


class ScriptNeeds:
    def __init__(self) -> None:
        self._known: dict[str, tuple[Needs, dict[str, str | None]]] = {}
        self._kept: dict[Path, set[str]] = {}  # what each .git's file holds, once read or written

    def of_tree(self, scripts: dict[str, tuple[str, str]], read: Read, git: Path | None) -> dict[str, Needs]:
        """gate -> what its script needs, for `scripts` (gate -> (text, path in the tree)) of one tree, whose
        files `read` gives; with `git`, a checkout's .git directory, kept there between runs."""
        if git is not None:
            self._load(git)
        out: dict[str, Needs] = {}
        keys: list[str] = []
        for gate, (text, path) in scripts.items():
            key = _digest(f"{path}\0{text}")
            known = self._known.get(key)
            if known is None or any(_digest(read(rel)) != digest for rel, digest in known[1].items()):
                known = self._known[key] = self._read(text, read, path)
                self._kept.get(git, set()).discard(key)
            out[gate] = known[0]
            keys.append(key)
        if git is not None and not self._kept[git].issuperset(keys):
            self._save(git, keys)
        return out

    @staticmethod
    def _read(text: str, read: Read, path: str) -> tuple[Needs, dict[str, str | None]]:
        looked_at: dict[str, str | None] = {}

        def recording(rel: str) -> str | None:
            looked_at[rel] = _digest(found := read(rel))
            return found

        return classify.needs(text, recording, path), looked_at

    def _load(self, git: Path) -> None:
        """What an earlier run kept under `git`, once; a file that cannot be read, or that another version of
        the reader kept, is as good as none."""
        if git in self._kept:
            return
        kept_ = self._kept[git] = set()
        document = kept.read(git / "ssot-audit" / FILE)
        if not isinstance(document, dict) or document.get("reader") != _reader_version():
            return
        scripts = document.get("scripts")
        for key, entry in scripts.items() if isinstance(scripts, dict) else ():
            if _well_formed(entry):  # one that is not is read anew; its text may reach a report's reasons
                network, macos, tools, looked_at = entry
                self._known.setdefault(key, (Needs(network, macos, tuple(tools)), dict(looked_at)))
                kept_.add(key)

    def _save(self, git: Path, keys: list[str]) -> None:
        """Keep this tree's scripts under `git`."""
        scripts = {k: [n.network, n.macos, list(n.tools), looked_at] for k in keys for n, looked_at in [self._known[k]]}
        if kept.keep(git / "ssot-audit" / FILE, {"reader": _reader_version(), "scripts": scripts}):
            self._kept[git] = set(keys)
