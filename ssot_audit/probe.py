"""The one read-only door to a host: an allowlist of exact commands, sent over testinfra's `host`.

Every fact the live checks use comes through `Probe.run`. It builds the command
from an allowlisted template, checks the finished command against the allowlist
again, and raises `ProbeRefused` before anything that is not on it is sent. The
arguments a template takes are plain names and paths (no quotes, spaces or shell
metacharacters), so no quoting can turn one command into two. Each command goes
to a host at most once per process (an xdist worker is a process of its own).

Output is decoded here, as UTF-8: testinfra's own decoding would, for non-ASCII
output, run a `python3 -c ...` on the host to ask for its encoding, a command
this door never allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A path segment: never `.` or `..`, so a path from the spine cannot climb out of where it names.
_SEGMENT = r"(?!\.\.?(?:/| |$))[A-Za-z0-9_.:+-]+"
_PATH = rf"/{_SEGMENT}(?:/{_SEGMENT})*"
# What an argument may look like. None of these can carry a shell metacharacter.
ARGS = {
    "node": r"[A-Za-z0-9][A-Za-z0-9.-]*",
    "pool": r"[A-Za-z0-9][A-Za-z0-9_.:-]*",
    "name": r"[A-Za-z0-9][A-Za-z0-9_.-]*",
    "unit": r"zfs-scrub-[a-z0-9-]+@[A-Za-z0-9][A-Za-z0-9_.:-]*\.timer",
    "dir": rf"{_PATH}/?",
    "paths": rf"{_PATH}(?: {_PATH})*",
}

# Fact -> command. Everything here only reads.
COMMANDS = {
    "hostname": "hostname",
    "machine-id": "cat /etc/machine-id",
    "localtime": "readlink /etc/localtime",
    "utc-offset": "date +%z",
    "pve-nodes": "ls -1 /etc/pve/nodes",
    "pve-node-configs": "ls -1 /etc/pve/nodes/{node}/qemu-server",
    "pve-node-lxc": "ls -1 /etc/pve/nodes/{node}/lxc",
    "jobs.cfg": "cat /etc/pve/jobs.cfg",
    "pvesh-backup": "pvesh get /cluster/backup --output-format json",
    "pvesh-guests": "pvesh get /cluster/resources --type vm --output-format json",
    "qm-list": "qm list",
    "zpool-json": "zpool status -j --json-int",
    "zpool-text": "zpool status",
    "periodic-scrub": "zfs get -H -o value org.debian:periodic-scrub {pool}",
    "crontab": "crontab -l",
    "system-crontab": "cat /etc/crontab",
    "cron.d": "ls -1 /etc/cron.d",
    "cron.d-file": "cat /etc/cron.d/{name}",
    "timers": "systemctl list-timers --all --no-legend --no-pager",
    "timer-enabled": "systemctl is-enabled {unit}",
    "tailscale": "tailscale status --json",
    "listing": "ls -1 -- {dir}",
    "mtimes": "stat -c '%Y %n' -- {paths}",
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern:
    parts, last = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts += [re.escape(template[last : match.start()]), f"(?:{ARGS[match[1]]})"]
        last = match.end()
    return re.compile("".join(parts) + re.escape(template[last:]))


ALLOWED = {fact: _pattern(template) for fact, template in COMMANDS.items()}


def is_allowed(command: str) -> bool:
    """Whether `command` is exactly one of the allowlisted commands."""
    return any(p.fullmatch(command) for p in ALLOWED.values())


class ProbeError(Exception):
    """A fact could not be had from a host; `str()` is a message for the user (no secrets)."""


class ProbeRefused(ProbeError):
    """A command that is not on the allowlist: nothing was sent."""


class HostUnreachable(ProbeError):
    """The transport failed (connection refused, timeout, authentication, host key)."""


class CommandMissing(ProbeError):
    """The host has no such command (exit status 127): the fact does not apply there."""


class FactUnreadable(ProbeError):
    """The command ran and failed."""


@dataclass(frozen=True)
class Output:
    command: str
    rc: int
    stdout: str
    stderr: str

    @property
    def missing_command(self) -> bool:
        return self.rc == 127

    def error_line(self) -> str:
        """The first line of stderr that says something, or the exit status: enough to say why, short enough to read."""
        return _first_line(self.stderr) or f"exit status {self.rc}"


def build(fact: str, **args: str) -> str:
    """The command for `fact`; raises ProbeRefused for an unknown fact or an argument out of shape."""
    template = COMMANDS.get(fact)
    if template is None:
        raise ProbeRefused(f"{fact!r} is not an allowlisted fact")
    for name in _PLACEHOLDER.findall(template):
        value = args.get(name)
        if value is None or not re.fullmatch(ARGS[name], value):
            raise ProbeRefused(f"{fact}: argument {name}={value!r} is not a plain {name}")
    command = template.format(**args)
    if not ALLOWED[fact].fullmatch(command):
        raise ProbeRefused(f"{command!r} is not an allowlisted command")
    return command


class Probe:
    """One host's door. `host` is a testinfra Host; `name` is the host as the spine names it."""

    def __init__(self, host, name: str):
        self.host = host
        self.name = name
        self._cache: dict[str, Output] = {}
        self.sent: list[str] = []

    def run(self, fact: str, **args: str) -> Output:
        command = build(fact, **args)
        if command not in self._cache:
            self._cache[command] = self._send(command)
        return self._cache[command]

    def _send(self, command: str) -> Output:
        self.sent.append(command)
        try:
            result = self.host.run(command)
        except ProbeError:
            raise
        except RuntimeError as exc:
            # The ssh backend raises on exit status 255: ssh's own errors, but also a
            # remote command's 255 (pvesh uses it). Keep it as output; the caller decides.
            result = exc.args[0] if exc.args and hasattr(exc.args[0], "stderr_bytes") else None
            if result is None:
                raise HostUnreachable(f"{self.name}: {_first_line(str(exc)) or type(exc).__name__}") from exc
        except Exception as exc:  # paramiko, socket and ansible errors share no base class
            raise HostUnreachable(f"{self.name}: {type(exc).__name__}: {_first_line(str(exc))}") from exc
        return Output(
            command, result.rc,
            result.stdout_bytes.decode("utf-8", "replace"), result.stderr_bytes.decode("utf-8", "replace"),
        )  # fmt: skip


_KEY_CHANGED = "REMOTE HOST IDENTIFICATION HAS CHANGED"


def _first_line(text: str) -> str:
    """The line that says why: ssh frames its host-key warning in `@` rules, which say nothing."""
    if _KEY_CHANGED in text:
        return "host key verification failed: the host's key is not the one in known_hosts (" + _KEY_CHANGED + ")"
    lines = (line.strip(" @\t") for line in text.splitlines())
    return next((line for line in lines if line), "")[:200]
