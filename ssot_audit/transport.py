"""How a command reaches a host: which hosts may be asked at all, and one bounded ssh run per command.

Only hosts whose keys are verified are talked to. testinfra's paramiko backend (also what
a bare host name gets) sets WarningPolicy and reads no known_hosts, so a swapped host key
would go unnoticed: it is refused, as are local connections (this machine is not a host
of the estate) and every other transport. `ssh://` and `ansible://` (whose inventory
entries testinfra turns into ssh) are run here, not by testinfra, to add what it lacks:

* host keys checked whatever the ssh_config or inventory says (StrictHostKeyChecking=yes
  comes first on the command line, and ssh keeps the first value it is given);
* a time bound per command: a host that accepts the connection and then stalls costs
  `timeout` seconds, once;
* no process outlives the run: ssh runs in a process group of its own, killed on a
  timeout or an interrupt; each host's connection is shared through a control master
  whose socket lives in a directory of the run's own, and every master is told to
  exit when the run ends.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import testinfra.backend

from .probe import HostUnreachable

# Before every option testinfra, the ssh_config or the inventory gives: the first value wins.
VERIFIED = ["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"]
TRANSPORTS = ("ssh", "ansible")
_ANSIBLE_SSH = ("ssh", "smart")  # inventory connections testinfra runs over its ssh backend


class HostRefused(Exception):
    """A --hosts entry the live checks will not talk to; the message says why and what to use."""


def refusal(spec: str, default_connection: str | None) -> str | None:
    """Why the --hosts entry `spec` is refused, or None."""
    name, kw = testinfra.backend.parse_hostspec(spec)
    scheme = kw.get("connection") or default_connection or "paramiko"  # testinfra's own default
    if scheme == "paramiko":
        how = "a bare host name uses paramiko, which" if "://" not in spec else "paramiko"
        return f"{how} accepts unknown and changed host keys (WarningPolicy, no known_hosts): use ssh://{name}"
    if scheme == "local" or (scheme == "ansible" and name == "localhost"):
        return "a local connection audits this machine, not a host of the estate"
    if scheme not in TRANSPORTS:
        return f"{scheme}:// is not a transport the live checks use (ssh://NAME, ansible://PATTERN)"
    if kw.get("force_ansible"):
        return "force_ansible runs commands through ansible modules, outside the allowlisted, time-bounded door"
    return None


def inventory_refusals(pattern: str, inventory: str | None) -> list[str]:
    """Inventory entries behind ansible://pattern that would not be reached over verified ssh."""
    from testinfra.utils.ansible_runner import AnsibleRunner

    runner = AnsibleRunner.get_runner(inventory)
    refused = []
    for host in sorted(runner.get_hosts(pattern)):
        connection = runner.get_variables(host).get("ansible_connection", "ssh")
        if host == "localhost" or connection not in _ANSIBLE_SSH:
            refused.append(f"{host} (ansible_connection={connection})" if connection != "ssh" else host)
    return refused


@dataclass
class Result:
    rc: int
    stdout_bytes: bytes
    stderr_bytes: bytes


class Masters:
    """The run's ssh control masters: one connection per host, shared by its commands, all closed at the end."""

    def __init__(self) -> None:
        self.dir: Path | None = None  # made on first use: most runs ask no host

    def options(self) -> list[str]:
        if self.dir is None:
            self.dir = Path(tempfile.mkdtemp(prefix="ssot-cm-"))  # short: a socket path has ~100 bytes
        return ["-o", "ControlMaster=auto", "-o", f"ControlPath={self.dir}/%C", "-o", "ControlPersist=60s"]

    def close(self) -> None:
        if self.dir is None:
            return
        for socket in self.dir.iterdir():
            subprocess.run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "ssot-audit-master"],
                           capture_output=True, timeout=10, check=False)  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


class BoundedSsh:
    """A testinfra Host's commands, run over ssh with verified keys and a time bound (`Probe`'s `host`)."""

    def __init__(self, host, name: str, timeout: float, masters: Masters):
        self.host = host
        self.name = name
        self.timeout = timeout
        self.masters = masters

    def _backend(self):
        backend = self.host.backend
        if backend.NAME == "ansible":  # the ssh backend testinfra resolves the inventory name to
            inner = backend.ansible_runner.get_host(
                backend.host, ssh_config=backend.ssh_config, ssh_identity_file=backend.ssh_identity_file
            )
            backend = inner.backend if inner is not None else None
        if backend is None or backend.NAME != "ssh":
            raise HostUnreachable(f"{self.name}: not reached over ssh, so its host key cannot be verified")
        return backend

    def run(self, command: str) -> Result:
        backend = self._backend()
        # testinfra builds the ssh command line (ssh_config, user, port, identity); it has no
        # public way to add options or a timeout, hence its builder and our own run.
        parts, args = backend._build_ssh_command(backend.get_command(command))
        at = parts.index("ssh") + 1
        parts[at:at] = [o.replace("%", "%%") for o in VERIFIED + self.masters.options()]  # the line is %-formatted
        line = backend.quote(" ".join(parts), *args)
        process = subprocess.Popen(line, shell=True, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise HostUnreachable(
                f"{self.name}: no answer within {self.timeout:g} s (it accepted the connection, then stalled)"
            ) from None
        finally:
            if process.returncode is None:  # timed out, or interrupted: nothing of it may outlive the run
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()
        return Result(process.returncode, stdout, stderr)
