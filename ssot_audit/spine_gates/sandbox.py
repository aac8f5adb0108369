"""Where a gate script runs: namespaces where the OS has them, a time limit, and no process left behind.

On Linux each run gets a new network namespace (only a loopback interface, down: nothing is reachable,
not even this machine's own ports), a new pid namespace (when the script's first process ends, the
kernel ends every process it left behind, even one that left the process group), and a mount namespace
in which the checked checkouts are read-only and /dev/shm is its own (libfaketime names its shared
memory after the pid, which is the same in every run's pid namespace). `unshare` makes them, as root or,
for anyone else, inside a new user namespace. What the machine allows is found once, by trying it;
`Containment.description` says what was in force, and why not when nothing was.

Every run is its own process group, killed (SIGKILL) when the script's first process ends and when the
time limit passes, so no background child outlives its gate where the pid namespace is missing either.
"""

from __future__ import annotations

import os
import platform
import selectors
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

OUTPUT_LIMIT = 64 << 10  # bytes of a run's output kept
DRAIN = 2.0  # seconds to read what a run's killed processes left in the pipe
PROBE_TIMEOUT = 20
# In the run's mount namespace: a /dev/shm of its own; the snapshots' directory overlaid with a layer of the
# run's own (when UPPER is given), so what a gate writes there no other gate sees; each checkout read-only;
# then the command: `sh -c SETUP sh CODE UPPER WORK N PATH... COMMAND...`. Exit 125: a mount failed.
SETUP = (
    "code=$1 upper=$2 work=$3 n=$4; shift 4; "
    'fail() { echo "mount of $1 failed" >&2; exit 125; }; '
    "[ ! -d /dev/shm ] || mount -t tmpfs -o size=64m tmpfs /dev/shm || fail /dev/shm; "
    '[ -z "$upper" ] || mount -t overlay overlay -o "lowerdir=$code,upperdir=$upper,workdir=$work" "$code" '
    '|| fail "$code"; '
    'while [ "$n" -gt 0 ]; do mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" || fail "$1"; '
    "shift; n=$((n - 1)); done; "
    'cd "$PWD" || fail "$PWD"; exec "$@"'  # the working directory again, through the new mounts
)
MOUNT_FAILED = 125


@dataclass(frozen=True)
class Containment:
    prefix: tuple[str, ...]  # the command each run goes through (empty: none)
    mounts: bool  # whether the run sets up a mount namespace (see SETUP)
    overlay: bool  # whether each run writes to a layer of its own over the snapshots
    contained: bool  # whether the network is out of reach
    description: str

    def command(self, argv: list[str], code: Path, layer: Path, protect: list[Path]) -> list[str]:
        """`argv` contained: `code` is the snapshots' directory, `layer` a fresh directory of the run's for
        its overlay, `protect` the checkouts to make read-only."""
        if not self.mounts:
            return [*self.prefix, *argv]
        upper = work = ""
        if self.overlay:
            (layer / "upper").mkdir(parents=True)
            (layer / "work").mkdir()
            upper, work = str(layer / "upper"), str(layer / "work")
        return [*self.prefix, "sh", "-c", SETUP, "sh", str(code), upper, work, str(len(protect)),
                *map(str, protect), *argv]  # fmt: skip


def probe(scratch: Path) -> Containment:
    """The strongest containment this machine grants, found by trying each in turn in `scratch`."""
    system = platform.system()
    if system != "Linux":
        return Containment((), False, False, False, f"not contained: no network namespaces on {system}")
    unshare = shutil.which("unshare")
    if unshare is None:
        return Containment((), False, False, False, "not contained: unshare (util-linux) is not on PATH")
    users = [[]] if os.geteuid() == 0 else [["--map-current-user"], ["--map-root-user"]]
    # A pid namespace only with a mount namespace: without a /dev/shm of their own, runs would share
    # libfaketime's memory (named after the pid). Without a pid namespace the process group is the bound.
    kinds = [(["--pid", "--fork", "--mount"], True), (["--pid", "--fork", "--mount"], False), ([], False)]
    refusal = ""
    for trial_number, (user, (extra, overlay)) in enumerate((u, k) for u in users for k in kinds):
        prefix = (unshare, "--net", *extra, *user, "--")
        trial = Containment(prefix, bool(extra), overlay, True, "")
        code = scratch / f"probe-{trial_number}"
        code.mkdir()
        try:
            done = subprocess.run(trial.command(["cat", "/proc/net/dev"], code, code.with_name(code.name + "-layer"),
                                                [code]), capture_output=True, text=True, timeout=PROBE_TIMEOUT,
                                  env={"PATH": os.environ.get("PATH", os.defpath)})  # fmt: skip
        except (OSError, subprocess.TimeoutExpired) as exc:
            refusal = str(exc)
            continue
        if done.returncode != 0:
            refusal = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
            continue
        interfaces = sorted(line.split(":")[0].strip() for line in done.stdout.splitlines()[2:] if ":" in line)
        if interfaces != ["lo"]:
            refusal = f"the new network namespace has interfaces {', '.join(interfaces)}"
            continue
        parts = ["network namespace (no interfaces but lo, down)"]
        if extra:
            parts += ["pid namespace", "checkouts read-only" + (", each gate's writes its own" if overlay else "")]
        parts += ["user namespace"] if user else []
        return Containment(prefix, bool(extra), overlay, True, "; ".join(parts))
    return Containment((), False, False, False, f"not contained: unshare refused ({refusal})")


@dataclass(frozen=True)
class Outcome:
    returncode: int | None  # None when the time limit ended it
    output: str  # stdout and stderr as they came, cut at OUTPUT_LIMIT with a note
    seconds: float


def execute(argv: list[str], env: dict[str, str], cwd: Path, timeout: float) -> Outcome:
    """Run `argv` in a process group of its own; at most `timeout` seconds; the group killed after."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=env, cwd=cwd, start_new_session=True)  # fmt: skip
    kept = bytearray()
    dropped = 0
    returncode: int | None = None
    ended: float | None = None
    fd = proc.stdout.fileno()
    os.set_blocking(fd, False)
    selector = selectors.DefaultSelector()
    selector.register(fd, selectors.EVENT_READ)
    try:
        drain_until = None
        while True:
            if ended is None:
                status = _exited(proc)
                now = time.monotonic()
                if status is not None or now - start >= timeout:
                    ended = now
                    _kill(proc.pid)  # background children too, before the leader is reaped
                    returncode = proc.wait() if status is not None else None
                    drain_until = now + DRAIN
            wait = 0.2 if ended is None else max(0.0, drain_until - time.monotonic())
            if ended is not None and wait == 0:
                break
            if not selector.select(min(wait, 0.2)):
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                if ended is not None:
                    break
                time.sleep(0.01)  # EOF with the leader still running: it closed its output
                continue
            room = OUTPUT_LIMIT - len(kept)
            kept += chunk[:room]
            dropped += max(0, len(chunk) - room)
    finally:
        selector.close()
        proc.stdout.close()
        _kill(proc.pid)
        proc.wait()
    text = kept.decode("utf-8", "replace")
    if dropped:
        text += f"\n[output cut: {dropped:,} more bytes not kept]"
    return Outcome(returncode, text, (ended or time.monotonic()) - start)


def _exited(proc: subprocess.Popen) -> int | None:
    """Whether the leader has ended, without reaping it: until it is reaped its pid (the group's id)
    cannot be reused, so killing the group afterwards cannot hit anything else."""
    if not hasattr(os, "waitid"):
        return proc.poll()
    try:
        result = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
    except ChildProcessError:
        return proc.poll()
    return None if result is None else result.si_status


def _kill(pgid: int) -> None:
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
