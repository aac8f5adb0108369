"""A copy of the tree being judged, as a git checkout whose git runs nothing the checked repository configures.

Many gates ask git (branches, `git log`, `git diff --quiet`, `git status`), so the copy must be a repository
with the source's history, refs, HEAD and remotes. A checkout is cloned (`--mirror --no-hardlinks`, no
templates: the clone has a config of its own, no hooks), HEAD and the remotes' and branches' settings are
copied as data, and the source's working tree is laid over it: the files as they are, committed or not,
ignored included, so the copy holds exactly the tree being judged. Anything else is copied and committed
once into a new repository. Every git call here runs with no system or global config and with hooks,
fsmonitor and every config file but the copy's own switched off.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

FILE_LIMIT = 32 << 20  # a bigger file is left out of the copy (and named)
TREE_LIMIT = 1 << 30  # a bigger tree is not copied at all
GIT_TIMEOUT = 300
# on the command line, which beats every config file; for the source and for the copy
NEUTRAL = ["-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
           "-c", "diff.external=", "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false",
           "-c", "log.showSignature=false", "-c", "protocol.allow=never", "-c", "protocol.file.allow=always"]  # fmt: skip
# data from the source's config that gates read (`git remote get-url origin`, upstreams); never a program
COPIED_CONFIG = r"^(remote\.[^.]+(\.[^.]+)*\.(url|pushurl|fetch)|branch\.[^.]+(\.[^.]+)*\.(remote|merge))$"


class SnapshotError(Exception):
    """The tree could not be copied: the message says why."""


@dataclass
class Snapshot:
    root: Path
    left_out: list[str] = field(default_factory=list)  # "path: why" for each thing not copied


def take(source: Path, dest: Path, clock: datetime | None) -> Snapshot:
    """Copy `source` to `dest` (which must not exist). With `clock`, every file of the copy has that mtime."""
    source = source.resolve()
    if not source.is_dir():
        raise SnapshotError(f"{source} is not a directory")
    if dest.resolve().is_relative_to(source):
        raise SnapshotError(f"the copy of {source} would lie inside it ({dest}); set TMPDIR elsewhere")
    dest.mkdir(parents=True)
    snapshot = Snapshot(dest)
    checkout = _is_checkout(source)
    if checkout:
        _clone(source, dest)
    _overlay(source, dest, snapshot)
    if clock is not None:
        _stamp(dest, clock)
    if checkout:
        if _git(dest, "rev-parse", "-q", "--verify", "HEAD^{commit}", check=False).returncode == 0:
            _git(dest, "read-tree", "HEAD")
        _git(dest, "update-index", "-q", "--refresh", check=False)  # exit 1 lists the changed files
    else:
        _commit(dest, clock)
    return snapshot


def environment() -> dict[str, str]:
    """For git run on the source or the copy: no config but the repository's own, no prompts."""
    return {"PATH": os.environ.get("PATH", os.defpath), "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull,
            "HOME": os.devnull, "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}  # fmt: skip


def _git(repo: Path, *args: str, check: bool = True, git_dir: bool = False) -> subprocess.CompletedProcess:
    where = ["--git-dir", str(repo)] if git_dir else ["-C", str(repo)]
    try:
        done = subprocess.run(["git", *where, *NEUTRAL, "-c", f"safe.directory={repo}", *args],
                              capture_output=True, text=True, env=environment(), timeout=GIT_TIMEOUT)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SnapshotError(f"git {args[0]} could not run: {exc}") from None
    if check and done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise SnapshotError(f"git {args[0]} failed in {repo}: {lines[-1] if lines else done.returncode}")
    return done


def _is_checkout(source: Path) -> bool:
    """The root of a git work tree (a tree inside another repository, like the bundled estates, is not)."""
    try:
        top = _git(source, "rev-parse", "--show-toplevel", check=False)
    except SnapshotError:
        return False
    return top.returncode == 0 and Path(top.stdout.strip()).resolve() == source


def _clone(source: Path, dest: Path) -> None:
    git_dir = dest / ".git"
    _git(dest, "clone", "-q", "--mirror", "--no-hardlinks", "--template=", str(source), str(git_dir))
    _git(git_dir, "config", "core.bare", "false", git_dir=True)
    _git(git_dir, "config", "--remove-section", "remote.origin", git_dir=True)  # the mirror's, naming the source
    settings = _git(source, "config", "--local", "--null", "--get-regexp", COPIED_CONFIG, check=False).stdout
    for entry in filter(None, settings.split("\0")):
        key, _, value = entry.partition("\n")
        _git(git_dir, "config", "--add", key, value, git_dir=True)
    head = _git(source, "symbolic-ref", "-q", "HEAD", check=False)
    if head.returncode == 0:
        _git(git_dir, "symbolic-ref", "HEAD", head.stdout.strip(), git_dir=True)
    else:
        sha = _git(source, "rev-parse", "HEAD").stdout.strip()
        _git(git_dir, "update-ref", "--no-deref", "HEAD", sha, git_dir=True)


def _overlay(source: Path, dest: Path, snapshot: Snapshot) -> None:
    """The working tree's files over the copy: regular files with their executable bits, symlinks that stay
    in the tree (made relative), directories. No `.git` anywhere (a nested repository's config could name
    programs), no special files, nothing over the size limits."""
    total = 0
    for top, dirs, files in os.walk(source, onerror=lambda e: snapshot.left_out.append(f"{e.filename}: {e.strerror}")):
        here = Path(top)
        rel_dir = here.relative_to(source)
        for name in list(dirs):
            if name == ".git":
                dirs.remove(name)
            elif (here / name).is_symlink():
                dirs.remove(name)
                files.append(name)  # a symlink to a directory is copied as a symlink
            else:
                (dest / rel_dir / name).mkdir(exist_ok=True)
        for name in files:
            if name == ".git":
                continue
            path, rel = here / name, rel_dir / name
            target = dest / rel
            try:
                info = path.lstat()
                if stat.S_ISLNK(info.st_mode):
                    link = _in_tree_link(source, path)
                    if link is None:
                        snapshot.left_out.append(f"{rel}: a symlink that leads out of the tree")
                        continue
                    if target.is_symlink() or target.exists():
                        target.unlink()
                    os.symlink(link, target)
                elif stat.S_ISREG(info.st_mode):
                    if info.st_size > FILE_LIMIT:
                        snapshot.left_out.append(
                            f"{rel}: {info.st_size:,} bytes, over the {FILE_LIMIT >> 20} MiB limit"
                        )
                        continue
                    total += info.st_size
                    if total > TREE_LIMIT:
                        raise SnapshotError(f"{source} holds more than {TREE_LIMIT >> 30} GiB of files; not copied")
                    if target.is_symlink():
                        target.unlink()
                    _copy_file(path, target)
                else:
                    snapshot.left_out.append(f"{rel}: not a regular file, directory or symlink")
            except OSError as exc:
                snapshot.left_out.append(f"{rel}: {exc.strerror or exc}")


def _copy_file(path: Path, target: Path) -> None:
    # opened without following a symlink and without blocking on a fifo: what was a regular file when
    # listed may not be one when read
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise OSError(f"{path} changed while it was copied")
        with open(target, "wb") as out, os.fdopen(os.dup(fd), "rb") as src:
            shutil.copyfileobj(src, out)
    finally:
        os.close(fd)
    os.chmod(target, 0o755 if info.st_mode & 0o111 else 0o644)
    os.utime(target, ns=(info.st_atime_ns, info.st_mtime_ns))


def _in_tree_link(source: Path, link: Path) -> str | None:
    """The link's target relative to the link, when it resolves inside the tree; None when it leaves it."""
    resolved = Path(os.path.realpath(link))
    if not resolved.is_relative_to(source):
        return None
    return os.path.relpath(resolved, Path(os.path.realpath(link.parent)))


def _stamp(dest: Path, clock: datetime) -> None:
    seconds = (clock if clock.tzinfo else clock.replace(tzinfo=timezone.utc)).timestamp()
    for top, dirs, files in os.walk(dest):
        if Path(top) == dest and ".git" in dirs:
            dirs.remove(".git")
        for name in dirs + files:
            os.utime(Path(top) / name, (seconds, seconds), follow_symlinks=False)
    os.utime(dest, (seconds, seconds))


def _commit(dest: Path, clock: datetime | None) -> None:
    when = (clock or datetime.now(timezone.utc)).isoformat()
    _git(dest, "init", "-q", "--template=", "-b", "main")
    _git(dest, "add", "-A")
    identity = {"GIT_AUTHOR_NAME": "ssot-audit", "GIT_AUTHOR_EMAIL": "snapshot@ssot-audit.invalid",
                "GIT_COMMITTER_NAME": "ssot-audit", "GIT_COMMITTER_EMAIL": "snapshot@ssot-audit.invalid",
                "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}  # fmt: skip
    try:
        done = subprocess.run(["git", "-C", str(dest), *NEUTRAL, "commit", "-q", "--no-verify", "--allow-empty",
                               "-m", "ssot-audit snapshot of a tree that is not a git checkout"],
                              capture_output=True, text=True, env=environment() | identity, timeout=GIT_TIMEOUT)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SnapshotError(f"git commit could not run: {exc}") from None
    if done.returncode != 0:
        raise SnapshotError(f"git commit failed in {dest}: {done.stderr.strip()}")
