"""Runs the spine's own gate scripts on a snapshot, contained, side by side, and reads their verdicts.

A `Runner` copies the spine checkout (and the workbench) once into a temporary directory laid out like
the operator's `~/code` (see snapshot.py), learns what containment the machine grants (sandbox.py), and
runs each requested gate's script there with `bash`, as the spine's own runners do: in the spine root,
with a scratch HOME and TMPDIR of its own, an environment that holds only what the scripts read, at the
audit's clock (libfaketime), under a time limit. A gate whose script needs the network, macOS or a tool
this machine lacks (classify.py) is not run, and says why. Nothing is written to the checkouts.
"""

from __future__ import annotations

import math
import os
import platform
import re
import shutil
import stat
import subprocess
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path

from ..gate_sources import DRIFT_GATE, sections
from .classify import READ_LIMIT, Needs, needs
from .sandbox import MOUNT_FAILED, Containment, execute, probe
from .snapshot import SnapshotError, take

VERDICTS = ("PASS", "FAIL", "WARN", "TIMEOUT", "NOT RUN", "ERROR")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# How the spine's scripts say "warning" (`WARN: x`, `D45 WARN: x`, `D123-R4 WARN: x`, `RESULT: WARNING`,
# `⚠ x`, and drift-gate.sh's own `D4 watcher... WARN (x)`); not `WARNINGS: 0` nor a mixed-case "Warning".
WARN_LINE = re.compile(
    r"^\s*(?:D\d+[-.\w]*:?\s+)?(?:\S[^\n]*?\.\.\.\s+)?(?:RESULT:\s+)?(?:WARN(?:ING)?(?![A-Za-z])|⚠)", re.M
)
_BANNER = re.compile(r"^echo\s+[\"']=== DRIFT GATE")
_LIBFAKETIME = re.compile(rb"(/[\x21-\x7e]*/libfaketime(?:\.so\.1|\.1\.dylib))\0")
_YQ_PROBE = ("a: 1\n", "!!int")  # mikefarah's `yq e '.a | type' -` answers !!int; a jq wrapper errors


@dataclass(frozen=True)
class ScriptRequest:
    gate: str  # "D123"
    script: str | None  # check_script, relative to the spine root (surfaces/verify/d123-x.sh)
    inline: str | None = None  # for a gate written inline in drift-gate.sh: its block there


@dataclass(frozen=True)
class ScriptRun:
    gate: str
    verdict: str  # one of VERDICTS
    output: str  # the script's stdout and stderr, bounded (sandbox.OUTPUT_LIMIT)
    seconds: float
    reason: str = ""  # for TIMEOUT, NOT RUN and ERROR: why; for a run off the audit's clock: that


def verdict(returncode: int, output: str) -> str:
    """The spine's meaning: exit 0 passes, anything else fails; a pass that printed warnings is WARN."""
    if returncode != 0:
        return "FAIL"
    return "WARN" if WARN_LINE.search(_ANSI.sub("", output)) else "PASS"


def runnable_inline(drift_gate: str, block: str) -> str | None:
    """One inline gate of drift-gate.sh on its own: what the file sets up above its first gate (`set
    -euo pipefail`, the root, the pass/fail/warn helpers and their counters), the gate's block, and an
    exit with the file's FAIL counter. None when the file has no gate sections."""
    preamble, blocks = sections(drift_gate)
    if not blocks:
        return None
    setup = [line for line in preamble.splitlines() if not _BANNER.match(line)]
    return "\n".join([*setup, block, 'exit "${FAIL:-0}"', ""])


class Runner:
    """A context manager: the snapshot and containment live from `with` to its end."""

    def __init__(self, spine_root: Path, workbench_root: Path | None, clock: datetime | None,
                 timeout: float = 60, workers: int | None = None):  # fmt: skip
        self.spine_root = Path(spine_root).resolve()
        self.workbench_root = Path(workbench_root).resolve() if workbench_root else None
        self.clock = None if clock is None else (clock if clock.tzinfo else clock.replace(tzinfo=timezone.utc))
        self.timeout = timeout
        self.workers = workers or os.cpu_count() or 1
        self.containment = "not started"
        self.contained = False
        self.left_out: list[str] = []  # what the snapshots do not hold ("agentic-spine/x: why")
        self.seconds = 0.0  # wall time spent: the snapshots and every run
        self._scratch: Path | None = None
        self._broken: str | None = None
        self._sandbox = Containment((), False, False, False, "")
        self._lock = threading.Lock()
        self._yq_asked = False
        self._yq_reason: str | None = None
        self._gates = 0
        self._preload: list[str] = []  # the variables that load libfaketime ("LD_PRELOAD=...")
        self._clock_note = ""  # why a run did not see the audit's clock

    def __enter__(self) -> Runner:
        start = time.monotonic()
        self._scratch = Path(tempfile.mkdtemp(prefix="ssot-audit-gates-")).resolve()
        code = self._scratch / "code"
        try:
            for name, root in (("agentic-spine", self.spine_root), ("workbench", self.workbench_root)):
                if root is not None:
                    copy = take(root, code / name, self.clock)
                    self.left_out += [f"{name}/{why}" for why in copy.left_out]
        except (SnapshotError, OSError) as exc:
            self._broken = f"the checkouts could not be copied: {exc}"
        self._sandbox = probe(self._scratch)
        self.containment, self.contained = self._sandbox.description, self._sandbox.contained
        self._spine = code / "agentic-spine"
        self._path = self._search_path()
        if self.clock is not None:
            self._preload, self._clock_note = self._libfaketime()
        self.seconds += time.monotonic() - start
        return self

    def __exit__(self, *exc) -> None:
        if self._scratch is not None:
            _remove(self._scratch)
            self._scratch = None

    def run(self, requests: list[ScriptRequest]) -> dict[str, ScriptRun]:
        """Each request's run, side by side on `workers` threads; keyed by gate."""
        start = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            runs = list(pool.map(self._one, requests))
        self.seconds += time.monotonic() - start
        return {run.gate: run for run in runs}

    # -- one gate -------------------------------------------------------------------------------

    def _one(self, request: ScriptRequest) -> ScriptRun:
        try:
            run = self._attempt(request)
        except (OSError, subprocess.SubprocessError) as exc:
            # the scratch directory's disk full, a file gone: this gate's error, not the whole run's
            return ScriptRun(request.gate, "ERROR", "", 0.0, f"could not run: {exc}")
        return replace(run, output=self._as_checkouts(run.output))

    def _as_checkouts(self, output: str) -> str:
        """A run's output naming the checkouts, not their snapshots: a finding's reader opens the checkout (and
        every run of the same tree reads the same)."""
        if self._scratch is None:
            return output
        for name, root in (("agentic-spine", self.spine_root), ("workbench", self.workbench_root)):
            if root is not None:
                output = output.replace(str(self._scratch / "code" / name), str(root))
        return output

    def _attempt(self, request: ScriptRequest) -> ScriptRun:
        gate = request.gate
        if self._scratch is None:
            return ScriptRun(gate, "ERROR", "", 0.0, "the runner is not started (use it in a `with` block)")
        if self._broken:
            return ScriptRun(gate, "ERROR", "", 0.0, self._broken)
        rel = request.script or (DRIFT_GATE if request.inline is not None else None)
        if not rel:
            return ScriptRun(gate, "ERROR", "", 0.0, "the registry names no check_script for this gate")
        refused = self._refused(rel)
        if refused:
            return ScriptRun(gate, "ERROR", "", 0.0, f"check_script {rel!r} refused: {refused}")
        text = self._read(rel)
        if text is None:
            return ScriptRun(gate, "ERROR", "", 0.0, f"check_script {rel} cannot be read (missing, not a regular "
                             f"file, or over {READ_LIMIT >> 20} MiB)")  # fmt: skip
        with self._lock:
            self._gates += 1
            workdir = self._scratch / "gates" / f"{self._gates:04d}-{re.sub(r'[^A-Za-z0-9_-]', '_', gate)[:40]}"
        home, tmp = workdir / "home", workdir / "tmp"
        tmp.mkdir(parents=True)
        home.mkdir()
        (home / "code").symlink_to(self._scratch / "code")
        script = self._spine / rel
        if request.inline is not None:
            text = runnable_inline(text, request.inline)
            if text is None:
                return ScriptRun(gate, "ERROR", "", 0.0, f"{rel} has no gate sections to take {gate}'s setup from")
            script = workdir / "inline.sh"
            script.write_text(text)
            syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True, timeout=30,
                                    env={"PATH": self._path})  # fmt: skip
            if syntax.returncode != 0:
                return ScriptRun(gate, "ERROR", "", 0.0, f"{gate}'s block of {rel} does not run on its own: "
                                 f"{syntax.stderr.strip()}")  # fmt: skip
        why_not = self._why_not(needs(text, self._read, rel))
        if why_not:
            return ScriptRun(gate, "NOT RUN", "", 0.0, why_not)

        argv = ["bash", str(script)]
        if self._preload:
            # An offset rather than a time: every process of the run sees one clock, moving at its pace,
            # from the audit's time on (never before it: the snapshot's files carry that time). File times
            # are not shifted. The monotonic clock is faked too (libfaketime's default): with it real,
            # libfaketime 0.9.10 turns Python 3.11's time.sleep into EINVAL (wolfcw/libfaketime#426).
            offset = math.ceil(self.clock.timestamp() - time.time())
            argv = ["env", *self._preload, f"FAKETIME={offset:+d}", "NO_FAKE_STAT=1", *argv]
        protect = [root for root in (self.spine_root, self.workbench_root) if root is not None]
        command = self._sandbox.command(argv, self._scratch / "code", workdir / "layer", protect)
        outcome = execute(command, self._environment(home, tmp), self._spine, self.timeout)
        if outcome.returncode is None:
            return ScriptRun(gate, "TIMEOUT", outcome.output, outcome.seconds,
                             f"did not finish within {self.timeout:g} s; its processes were killed")  # fmt: skip
        if self._sandbox.mounts and outcome.returncode == MOUNT_FAILED and "mount of" in outcome.output:
            why = f"its mount namespace could not be set up: {outcome.output.strip()[-200:]}"
            return ScriptRun(gate, "ERROR", "", outcome.seconds, why)
        return ScriptRun(gate, verdict(outcome.returncode, outcome.output), outcome.output, outcome.seconds,
                         self._clock_note)  # fmt: skip

    def _libfaketime(self) -> tuple[list[str], str]:
        """The variables that load the libfaketime Debian's `faketime` loads (its path is written in the
        wrapper). The library is loaded directly: the wrapper names a semaphore after its pid, the same in
        every run's pid namespace, and leaves it behind in /dev/shm."""
        at = f"{self.clock.astimezone(timezone.utc):%Y-%m-%dT%H:%M:%SZ}"
        missing = f"libfaketime (Debian's faketime) is not installed: the script saw this machine's clock, not {at}"
        faketime = shutil.which("faketime", path=self._path)
        try:
            found = _LIBFAKETIME.search(Path(faketime).read_bytes()) if faketime else None
        except OSError:
            found = None
        if found is None:
            return [], missing
        library = found[1].decode()
        if library.endswith(".dylib"):
            return [f"DYLD_INSERT_LIBRARIES={library}", "DYLD_FORCE_FLAT_NAMESPACE=1"], ""
        return [f"LD_PRELOAD={library}"], ""

    def _why_not(self, need: Needs) -> str:
        if need.macos and platform.system() != "Darwin":
            return f"runs only on macOS: {need.macos}"
        if need.network:
            return f"needs the network or a host: {need.network}"
        missing = [tool for tool in need.tools if shutil.which(tool, path=self._path) is None]
        if missing:
            names = " and ".join([", ".join(missing[:-1]), missing[-1]] if len(missing) > 1 else missing)
            return f"needs {names}, which {'is' if len(missing) == 1 else 'are'} not on PATH"
        if "yq" in need.tools:
            return self._yq_problem() or ""
        return ""

    def _yq_problem(self) -> str | None:
        """Whether the yq on PATH speaks mikefarah's v4 language, as the scripts assume; asked once."""
        with self._lock:
            if not self._yq_asked:
                self._yq_asked = True
                yq = shutil.which("yq", path=self._path)
                try:
                    done = subprocess.run([yq, "e", ".a | type", "-"], input=_YQ_PROBE[0], capture_output=True,
                                          text=True, timeout=30, env=self._environment(self._scratch, self._scratch))  # fmt: skip
                    answer = (done.stdout.strip() or done.stderr.strip())[:80]
                except (OSError, subprocess.TimeoutExpired) as exc:
                    answer = str(exc)
                if answer != _YQ_PROBE[1]:
                    self._yq_reason = (f"needs mikefarah's yq v4; the yq on PATH ({yq}) does not read its "
                                       f"expressions (`yq e '.a | type'` gave {answer!r})")  # fmt: skip
            return self._yq_reason

    # -- the tree and the environment ------------------------------------------------------------

    def _refused(self, rel: str) -> str | None:
        """Why a registry path may not be used: absolute, `..`, or leading (through a symlink) out of the tree."""
        if rel.startswith("/") or "\\" in rel or "\0" in rel:
            return "not a path relative to the spine root"
        if ".." in rel.split("/"):
            return "it climbs out of the tree (`..`)"
        resolved = Path(os.path.realpath(self.spine_root / rel))
        if not resolved.is_relative_to(self.spine_root):
            return "a symlink leads out of the tree"
        return None

    def _read(self, rel: str) -> str | None:
        """A file of the snapshot by its path relative to the spine root: None when refused, absent,
        not a regular file or over READ_LIMIT."""
        if self._refused(rel):
            return None
        path = self._spine / rel
        if not Path(os.path.realpath(path)).is_relative_to(self._spine):
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return None
        try:
            info = os.fstat(fd)
            if not stat.S_ISREG(info.st_mode) or info.st_size > READ_LIMIT:
                return None
            return os.read(fd, READ_LIMIT + 1).decode("utf-8", "replace")
        except OSError:
            return None
        finally:
            os.close(fd)

    def _search_path(self) -> str:
        """The caller's PATH, less what a checked tree could plant: relative entries (the scripts run in the
        spine root) and directories inside the checkouts or the snapshot."""
        roots = [r for r in (self.spine_root, self.workbench_root, self._scratch) if r is not None]
        kept: list[str] = []
        for entry in os.environ.get("PATH", os.defpath).split(os.pathsep):
            if not entry.startswith("/") or entry in kept:
                continue
            resolved = Path(os.path.realpath(entry))
            if not any(resolved.is_relative_to(root) for root in roots):
                kept.append(entry)
        return os.pathsep.join(kept)

    def _environment(self, home: Path, tmp: Path) -> dict[str, str]:
        """All a gate script sees of an environment: nothing of the caller's but PATH (no tokens, no
        SSH_AUTH_SOCK, no proxies). The roots under every name the spine's scripts read."""
        spine = str(self._spine)
        workbench = str(self._scratch / "code" / "workbench")
        return {
            "PATH": self._path,
            "HOME": str(home),
            "TMPDIR": str(tmp),
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "SPINE_ROOT": spine,
            "SPINE_REPO": spine,
            "SPINE_CODE": spine,
            "WORKBENCH_ROOT": workbench,
            "SPINE_WORKBENCH": workbench,
        }


def _remove(path: Path) -> None:
    """rm -rf that a script's `chmod 000` cannot stop: unreadable directories are made readable first."""
    for top, dirs, _ in os.walk(path, topdown=True, onerror=lambda e: None):
        for name in dirs:
            if not (Path(top) / name).is_symlink():
                try:
                    os.chmod(Path(top) / name, 0o700)
                except OSError:
                    pass
    shutil.rmtree(path, ignore_errors=True)
