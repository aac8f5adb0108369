"""A git repository read through git's plumbing: commits, trees and blobs, never a checkout.

One `git cat-file --batch` process serves every blob, each read once (blobs are content-addressed,
so a file that did not change between commits is never read again). Commits and their changes come
from one `git log --raw` over the range. Nothing is written to the repository, and the commands run
nothing the repository configures (see report/environment.py: the same switches).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from .report.environment import NEUTRAL_GIT, neutral_env

TIMEOUT = 120  # seconds for one listing command; the blob reader answers per object


class GitError(Exception):
    """A repository, revision or range git cannot read: the message says which and why."""


@dataclass(frozen=True)
class Change:
    path: str
    mode: int  # the new mode, 0 when the path was deleted
    blob: str  # the new object id, "" when deleted


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str  # committer date, ISO 8601 with the committer's offset
    subject: str
    changes: tuple[Change, ...]  # against the first parent (against nothing for a root commit)


def _run(git_dir: Path, *args: str, data: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(["git", "--git-dir", str(git_dir), "--no-pager", *NEUTRAL_GIT, *args], input=data,
                              capture_output=True, timeout=TIMEOUT, env=neutral_env())  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git {args[0]} could not run: {exc}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git {args[0]}: {message[-1] if message else f'exit {done.returncode}'}")
    return done.stdout


def git_dir(checkout: Path) -> Path:
    """The git directory of a checkout (or a bare repository), or GitError saying it is not one."""
    try:
        done = subprocess.run(["git", "-C", str(checkout), *NEUTRAL_GIT, "rev-parse", "--absolute-git-dir"],
                              capture_output=True, text=True, timeout=30, env=neutral_env())  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GitError(f"git could not run in {checkout}: {exc}") from None
    if done.returncode != 0:
        raise GitError(f"{checkout} is not a git repository")
    return Path(done.stdout.strip())


def toplevel(path: Path) -> Path | None:
    """The root of the working tree `path` is in; None when it is in none."""
    try:
        done = subprocess.run(["git", "-C", str(path), *NEUTRAL_GIT, "rev-parse", "--show-toplevel"],
                              capture_output=True, text=True, timeout=30, env=neutral_env())  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(done.stdout.strip()).resolve() if done.returncode == 0 else None


def _mode(text: str) -> int:
    """A git tree mode as a stat mode: 100644/100755 files, 120000 links, 040000 trees; a submodule
    (160000) is the empty directory a checkout has in its place."""
    mode = int(text, 8)
    return 0o040755 if mode == 0o160000 else mode


def commits(git: Path, revisions: list[str], since: str | None, until: str | None) -> list[Commit]:
    """First-parent commits of the range, oldest first, each with its changes against its first parent."""
    # --no-show-signature: a repository's log.showSignature would run its gpg.program on every signed commit
    args = [
        "log",
        "--no-show-signature",
        "--first-parent",
        "-m",
        "--raw",
        "-z",
        "--no-renames",
        "--no-abbrev",
        "--format=%x01%H%x00%cI%x00%s",
    ]
    args += [f"--since={since}"] if since else []
    args += [f"--until={until}"] if until else []
    out = _run(git, *args, *(revisions or ["HEAD"]), "--")
    found = []
    for record in out.split(b"\x01")[1:]:
        fields = record.split(b"\x00")
        sha, date, subject = (f.decode("utf-8", "replace") for f in fields[:3])
        changes, rest = [], [f for f in fields[3:] if f.strip(b"\n")]
        # raw entries: ":old new oldsha newsha status" then the path, each NUL-terminated
        for meta, path in zip(rest[::2], rest[1::2], strict=False):
            _, new_mode, _, new_blob, status = meta.lstrip(b"\n").decode().split(" ")
            deleted = status.startswith("D")
            changes.append(Change(path.decode("utf-8", "surrogateescape"), 0 if deleted else _mode(new_mode),
                                  "" if deleted else new_blob))  # fmt: skip
        found.append(Commit(sha, date, subject.strip(), tuple(changes)))
    found.reverse()
    return found


def tree_of(git: Path, revision: str) -> dict[str, tuple[int, str]]:
    """Every path of a commit's tree (directories too) -> (stat mode, object id)."""
    out = _run(git, "ls-tree", "-r", "-t", "-z", "--full-tree", revision)
    entries = {}
    for record in out.split(b"\x00"):
        if record:
            meta, _, path = record.partition(b"\t")
            mode, _, sha = meta.decode().split(" ")
            entries[path.decode("utf-8", "surrogateescape")] = (_mode(mode), sha)
    return entries


def index_of(git: Path, worktree: Path) -> dict[str, tuple[int, str]]:
    """Every path of the index, the commit being made (tracked files as staged; no untracked file) -> (stat mode,
    object id). A path in conflict has no entry at stage 0 and is left out: no commit can be made of it."""
    out = _run(git, f"--work-tree={worktree}", "ls-files", "--stage", "-z")
    entries = {}
    for record in out.split(b"\x00"):
        if record:
            meta, _, path = record.partition(b"\t")
            mode, sha, stage = meta.decode().split(" ")
            if stage == "0":
                entries[path.decode("utf-8", "surrogateescape")] = (_mode(mode), sha)
    return entries


def parent_of(git: Path, sha: str) -> str | None:
    """The first parent of a commit, None for a root commit (or one a shallow clone cut off)."""
    out = _run(git, "rev-list", "--parents", "-n", "1", sha).decode().split()
    return out[1] if len(out) > 1 else None


def is_shallow(git: Path) -> bool:
    return _run(git, "rev-parse", "--is-shallow-repository").strip() == b"true"


class Blobs:
    """Blob contents and sizes by object id, from two long-running `git cat-file` processes: sizes first
    (`--batch-check`), so a blob over the cap on a file's size is refused without being read."""

    SIZES_AT_ONCE = 512  # object ids written before their answers are read: well inside a pipe's buffer

    def __init__(self, git: Path):
        command = ["git", "--git-dir", str(git), *NEUTRAL_GIT]
        self._process = subprocess.Popen([*command, "cat-file", "--batch"], env=neutral_env(), stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
        self._check = subprocess.Popen([*command, "cat-file", "--batch-check"], env=neutral_env(),
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)  # fmt: skip
        self.sizes: dict[str, int] = {}  # object id -> size, of every object asked for so far

    def learn_sizes(self, shas: list[str]) -> None:
        """Ask git for the sizes of the objects not yet known, in rounds (one answer line each)."""
        assert self._check.stdin and self._check.stdout
        unknown = list(dict.fromkeys(sha for sha in shas if sha not in self.sizes))
        for start in range(0, len(unknown), self.SIZES_AT_ONCE):
            chunk = unknown[start : start + self.SIZES_AT_ONCE]
            self._check.stdin.write("".join(f"{sha}\n" for sha in chunk).encode())
            self._check.stdin.flush()
            for sha in chunk:
                header = self._check.stdout.readline().decode().split()
                # "<sha> missing" (a submodule's commit, a blob a partial clone lacks): 0, and reading it says so
                self.sizes[sha] = int(header[2]) if len(header) == 3 else 0

    def read(self, sha: str) -> bytes:
        assert self._process.stdin and self._process.stdout
        self._process.stdin.write(f"{sha}\n".encode())
        self._process.stdin.flush()
        header = self._process.stdout.readline().decode().split()
        if len(header) != 3:
            raise OSError(f"git has no object {sha} ({' '.join(header) or 'no answer'})")
        data = self._process.stdout.read(int(header[2]))
        self._process.stdout.read(1)  # the newline after each object
        return data

    def close(self) -> None:
        for process in (self._process, self._check):
            if process.poll() is None:
                process.stdin.close()  # type: ignore[union-attr]
                process.wait(timeout=10)

    def __enter__(self) -> Blobs:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
