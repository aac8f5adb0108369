"""How a command reaches a host: which hosts may be asked at all, and one bounded ssh run per command.

Only hosts whose keys are verified are talked to. testinfra's paramiko backend (also what
a bare host name gets) sets WarningPolicy and reads no known_hosts, so a swapped host key
would go unnoticed: it is refused, as are local connections (this machine is not a host
of the estate) and every other transport. `ssh://` and `ansible://` (whose inventory
entries testinfra turns into ssh) are run here, not by testinfra, to add what it lacks:

* host keys checked whatever the ssh_config or inventory says (StrictHostKeyChecking=yes
  comes first on the command line, and ssh keeps the first value it is given);
* nothing a --hosts entry, an inventory or --ssh-extra-args says runs on this machine:
  ssh gets an argument vector, never a shell line (testinfra joins one and runs it through
  `sh -c`), with `--` before the host; host and user names must be names; and ssh options
  from those places come from a short list that only tunes the connection. Whatever runs
  a command (ProxyCommand, LocalCommand, KnownHostsCommand, Match exec, ProxyJump), loads
  code, reads another config or changes which host keys are trusted belongs in the ssh
  config the operator passes with --ssh-config;
* inventories are listed by ansible's static ini and yaml parsers only, outside the
  directory the run starts in: an executable inventory, an inventory plugin or an
  ansible.cfg there would run code here;
* a time bound per command: a host that accepts the connection and then stalls costs
  `timeout` seconds, once;
* no process outlives the run: ssh runs in a process group of its own, killed on a
  timeout or an interrupt; each host's connection is shared through a control master
  whose socket lives in a directory of the run's own, and every master is told to
  exit when the run ends.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

import testinfra.backend
from testinfra.backend.base import BaseBackend

from .probe import HostUnreachable

# Before every option testinfra, the ssh_config or the inventory gives: the first value wins.
VERIFIED = ["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes"]
TRANSPORTS = ("ssh", "ansible")
_ANSIBLE_SSH = ("ssh", "smart")  # inventory connections testinfra runs over its ssh backend

# A DNS name, an ssh_config alias or an IPv4 address; IPv6 literals are checked by ipaddress.
_HOST = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,31}")
_PORT = re.compile(r"[1-9][0-9]{0,4}")
# The value of an accepted ssh option: numbers, yes/no, algorithm lists, key paths (with ssh's %-tokens).
_VALUE = re.compile(r"[A-Za-z0-9_.,:/@%+~^-]+")
# `-o Keyword=value` or `-o "Keyword value"`, the two spellings ssh reads; a quoted keyword, which ssh
# also reads, is refused as not plain.
_SETTING = re.compile(r"\s*([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*?)\s*", re.S)
# ssh options that only tune the connection to the host named: nothing run, loaded, read or trusted on
# this machine because of them. StrictHostKeyChecking and BatchMode are pinned before them (first wins).
SETTINGS = frozenset(
    k.lower()
    for k in """AddressFamily BatchMode CertificateFile CheckHostIP Ciphers Compression ConnectionAttempts
    ConnectTimeout ControlMaster ControlPersist GSSAPIAuthentication HostbasedAuthentication HostKeyAlgorithms
    IdentitiesOnly IdentityFile KbdInteractiveAuthentication KexAlgorithms LogLevel MACs NumberOfPasswordPrompts
    PasswordAuthentication Port PreferredAuthentications PubkeyAcceptedAlgorithms PubkeyAcceptedKeyTypes
    PubkeyAuthentication RekeyLimit ServerAliveCountMax ServerAliveInterval StrictHostKeyChecking TCPKeepAlive
    User""".split()
)
_FLAGS = frozenset("46Cqv")  # ssh switches without an argument that change nothing but the connection
_VALUED = {"c": "Ciphers", "i": "IdentityFile", "l": "User", "m": "MACs", "p": "Port"}  # and `-o`
_RUNS = "runs a command on this machine"
_WHY = {
    "proxycommand": _RUNS,
    "localcommand": _RUNS,
    "permitlocalcommand": "lets LocalCommand run a command on this machine",
    "knownhostscommand": _RUNS,
    "match": "can run a command on this machine (Match exec)",
    # ssh runs the jump as a ProxyCommand through the user's shell, and the jump host's own connection
    # gets none of the options pinned here.
    "proxyjump": "runs a second ssh through a shell on this machine",
    "pkcs11provider": "loads a library into ssh on this machine",
    "securitykeyprovider": "loads a library into ssh on this machine",
    "include": "reads another ssh config, which can run commands",
    "userknownhostsfile": "changes which host keys are trusted",
    "globalknownhostsfile": "changes which host keys are trusted",
    "hostkeyalias": "changes which host keys are trusted",
    "verifyhostkeydns": "changes which host keys are trusted",
    "controlpath": "sends the commands through a control socket the run does not own",
    "J": "runs a second ssh (ProxyJump) through a shell on this machine",
    "I": "loads a library (PKCS#11) into ssh on this machine",
    "F": "reads another ssh config, which can run commands",
    "E": "writes a log file on this machine",
    "S": "sends the commands through a control socket the run does not own",
}
_ELSEWHERE = "set it in the ssh config given to --ssh-config"
_QUERY = ("sudo", "sudo_user", "ssh_identity_file", "timeout")  # what a --hosts entry may add after `?`


class HostRefused(Exception):
    """A --hosts entry the live checks will not talk to; the message says why and what to use."""


def shown(text: str) -> str:
    """`text` as a message may quote it: a password in an entry masked, its length bounded."""
    text = re.sub(r"(://[^/@:?#]*:)[^/@?#]*@", r"\1<redacted>@", text)
    return text if len(text) <= 300 else text[:297] + "..."


def host_name_problem(name: str) -> str | None:
    """Why `name` cannot be given to ssh as the host, or None."""
    if _HOST.fullmatch(name):
        return None
    try:
        if "%" not in name and ipaddress.IPv6Address(name):
            return None
    except ValueError:
        pass
    why = "ssh would read it as an option" if name.startswith("-") else "it holds a space or a shell character"
    return f"host {shown(name)!r} is not a DNS name, ssh_config alias or IP address ({why})"


def ssh_args(text: str | None) -> list[str]:
    """ssh options given as one string (--ssh-extra-args, an inventory's ssh args) as an argument vector.

    Raises HostRefused naming the first option that is not one of the connection options above. The
    string is split as ansible splits it (shlex); a `$(...)` or `;` is then an argument, and refused.
    """
    if text is None or text == "":
        return []
    if not isinstance(text, str):
        raise HostRefused(f"ssh options must be text, not {type(text).__name__}")
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise HostRefused(f"ssh options {shown(text)!r} cannot be split: {exc}") from None
    args, at = [], 0
    while at < len(tokens):
        token = tokens[at]
        if not token.startswith("-") or token == "-" or token == "--":
            raise HostRefused(f"{shown(token)!r} is not an ssh option")
        # One token may hold several switches and end in one that takes an argument (`-Cqo X=y`), as getopt reads it.
        for i, switch in enumerate(token[1:], 1):
            if switch in _FLAGS:
                continue
            if switch not in _VALUED and switch != "o":
                why = _WHY.get(switch, "is not an ssh option accepted here")
                raise HostRefused(f"-{switch} {why}; {_ELSEWHERE}")
            if i > 1:
                args.append(token[:i])  # the switches before it: -Cq of -Cqo
            value = token[i + 1 :]
            if not value:
                at += 1
                if at == len(tokens):
                    raise HostRefused(f"-{switch} has no value")
                value = tokens[at]
            keyword, value = _setting(value if switch == "o" else f"{_VALUED[switch]}={value}")
            args += ["-o", f"{keyword}={value}"]
            break
        else:
            args.append(token)
        at += 1
    return args


def _setting(text: str) -> tuple[str, str]:
    match = _SETTING.fullmatch(text)
    if not match:
        raise HostRefused(f"-o {shown(text)!r} is not a plain `Keyword=value` ssh option")
    keyword, value = match[1], match[2]
    if keyword.lower() not in SETTINGS:
        why = _WHY.get(keyword.lower(), "is not an ssh option accepted here")
        raise HostRefused(f"-o {keyword} {why}; {_ELSEWHERE}")
    plain = {"user": _USER, "port": _PORT}.get(keyword.lower(), _VALUE)
    if not plain.fullmatch(value):
        raise HostRefused(f"-o {keyword}: {shown(value)!r} is not a plain value")
    return keyword, value


def connection_args(backend, ssh_config: str | None) -> list[str]:
    """ssh's options for testinfra's ssh backend `backend`, checked: what the host's entry gives, as vectors.

    `ssh_config` is the operator's --ssh-config: an entry that names another (an inventory's
    `ansible_host=x?ssh_config=...`, which testinfra reads as a URL) is refused.
    """
    spec = backend.host
    if spec.password is not None:
        raise HostRefused("a password in a host entry is never used (BatchMode: keys only) and would show in ps")
    problem = host_name_problem(spec.name)
    if problem:
        raise HostRefused(problem)
    if spec.user is not None and not _USER.fullmatch(spec.user):
        raise HostRefused(f"user {shown(spec.user)!r} is not a user name")
    if backend.sudo_user is not None and not _USER.fullmatch(backend.sudo_user):
        raise HostRefused(f"sudo user {shown(backend.sudo_user)!r} is not a user name")
    if backend.ssh_config != ssh_config:
        raise HostRefused(f"it names an ssh config of its own ({shown(str(backend.ssh_config))}); {_ELSEWHERE}")
    args = ssh_args(backend.ssh_extra_args)
    if ssh_config:
        args += ["-F", ssh_config]
    if spec.user is not None:
        args += ["-o", f"User={spec.user}"]
    if spec.port is not None:
        if not _PORT.fullmatch(str(spec.port)) or int(spec.port) > 65535:
            raise HostRefused(f"port {shown(str(spec.port))!r} is not a port number")
        args += ["-o", f"Port={spec.port}"]
    if backend.ssh_identity_file:
        args += ["-i", backend.ssh_identity_file]
    return args + ["-o", f"ConnectTimeout={backend.timeout}"]


def refusal(spec: str, option) -> str | None:
    """Why the --hosts entry `spec` is refused, or None. `option`: pytest's options, as testinfra's plugin reads them."""
    try:
        name, kw = testinfra.backend.parse_hostspec(spec)
        BaseBackend.parse_hostspec(name)
    except ValueError as exc:
        return f"not a host entry ({exc})"
    scheme = kw.get("connection") or option.connection or "paramiko"  # testinfra's own default
    if scheme == "paramiko":
        how = "a bare host name uses paramiko, which" if "://" not in spec else "paramiko"
        return f"{how} accepts unknown and changed host keys (WarningPolicy, no known_hosts): use ssh://{name}"
    if scheme == "local" or (scheme == "ansible" and name == "localhost"):
        return "a local connection audits this machine, not a host of the estate"
    if scheme not in TRANSPORTS:
        return f"{scheme}:// is not a transport the live checks use (ssh://NAME, ansible://PATTERN)"
    if kw.get("force_ansible"):
        return "force_ansible runs commands through ansible modules, outside the allowlisted, time-bounded door"
    query = urllib.parse.parse_qs(urllib.parse.urlparse(spec).query) if "://" in spec else {}
    for key in query:
        if key == "ssh_config":
            return f"?ssh_config= names an ssh config per entry; {_ELSEWHERE}"
        if key == "ansible_inventory":
            return "?ansible_inventory= names an inventory per entry; give it with --ansible-inventory"
        if key not in _QUERY:
            return f"?{shown(key)}= is not a parameter the live checks take ({', '.join(_QUERY)})"
    try:
        backend = testinfra.backend.get_backend(spec, **_host_options(option))
    except (ValueError, RuntimeError) as exc:  # testinfra's int() of ?timeout=, an unknown connection
        return f"not a host entry ({exc})"
    if scheme == "ansible":
        try:
            list_inventory(option.ansible_inventory)
            refused = inventory_refusals(name, option)
        except Exception as exc:  # ansible missing, an inventory it cannot read, a pattern it matches nothing with
            return f"cannot list the inventory: {exc}"
        return f"inventory entries refused: {'; '.join(refused)}" if refused else None
    try:
        connection_args(backend, option.ssh_config)
    except HostRefused as exc:
        return str(exc)
    return None


def _host_options(option) -> dict:
    """The options testinfra's plugin gives every host it builds (its pytest_generate_tests)."""
    return dict(
        connection=option.connection, ssh_config=option.ssh_config, ssh_identity_file=option.ssh_identity_file,
        sudo=option.sudo, sudo_user=option.sudo_user, ansible_inventory=option.ansible_inventory,
        force_ansible=option.force_ansible,
    )  # fmt: skip


def _args_problem(text) -> str | None:
    try:
        ssh_args(text)
    except HostRefused as exc:
        return str(exc)
    return None


# Inventory variables that become part of the ssh command, each checked by what it must be.
_HOSTVARS = {
    "ansible_host": lambda v: host_name_problem(str(v)),
    "ansible_user": lambda v: None if _USER.fullmatch(str(v)) else f"{shown(str(v))!r} is not a user name",
    "ansible_port": lambda v: None if _PORT.fullmatch(str(v)) else f"{shown(str(v))!r} is not a port number",
    "ansible_ssh_common_args": _args_problem,
    "ansible_ssh_extra_args": _args_problem,
}


def inventory_refusals(pattern: str, option) -> list[str]:
    """Inventory entries behind ansible://pattern that would not be reached over verified ssh, with why."""
    from testinfra.utils.ansible_runner import AnsibleRunner

    runner = AnsibleRunner.get_runner(option.ansible_inventory)
    refused = []
    for host in sorted(runner.get_hosts(pattern)):
        problem = _entry_problem(runner, host, option)
        if problem:
            refused.append(problem)
    return refused


def _entry_problem(runner, host: str, option) -> str | None:
    hostvars = runner.get_variables(host)
    connection = hostvars.get("ansible_connection", "ssh")
    if host == "localhost" or connection not in _ANSIBLE_SSH:
        return f"{shown(host)} (ansible_connection={connection}): not reached over verified ssh"
    for var, check in _HOSTVARS.items():
        problem = check(hostvars[var]) if var in hostvars else None
        if problem:
            return f"{shown(host)}: {var}: {problem}"
    if "ansible_ssh_pass" in hostvars or "ansible_password" in hostvars:
        return f"{shown(host)}: a password is never used (BatchMode: keys only)"
    # What testinfra makes of the entry, with ansible.cfg's ssh_args and ANSIBLE_* variables folded in.
    try:
        built = runner.get_host(host, ssh_config=option.ssh_config, ssh_identity_file=option.ssh_identity_file)
        if built is None:
            return f"{shown(host)}: testinfra builds no ssh host for it"
        connection_args(built.backend, option.ssh_config)
    except HostRefused as exc:
        return f"{shown(host)}: {exc}"
    except Exception as exc:  # testinfra cannot build it: an odd ansible.cfg control_path, a list for a string
        return f"{shown(host)}: testinfra cannot build it ({type(exc).__name__}: {shown(str(exc))})"
    return None


def list_inventory(inventory: str | None) -> None:
    """List `inventory` once, safely, for testinfra's runner (which would list it through a shell, with every parser).

    ansible-inventory runs an executable inventory and any inventory plugin (`constructed`'s templates can
    run commands), and reads ansible.cfg from the directory it starts in: a checked repository, often. So it
    runs with the static ini and yaml parsers only, failing on a file they cannot read, from an empty directory.
    Raises RuntimeError saying why the inventory cannot be listed.
    """
    from testinfra.utils.ansible_runner import AnsibleRunner

    if shutil.which("ansible-inventory") is None:
        raise RuntimeError("ansible-inventory is not on PATH (pip install 'ssot-audit[ansible]')")
    env = dict(os.environ, ANSIBLE_INVENTORY_ENABLED="ini,yaml", ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED="true",
               ANSIBLE_VERBOSITY="0", PYTHONWARNINGS="ignore")  # fmt: skip
    if env.get("ANSIBLE_CONFIG"):
        env["ANSIBLE_CONFIG"] = os.path.abspath(env["ANSIBLE_CONFIG"])
    argv = ["ansible-inventory", "--list", *(["-i", os.path.abspath(inventory)] if inventory else [])]
    with tempfile.TemporaryDirectory(prefix="ssot-inv-") as empty:
        try:
            done = subprocess.run(argv, cwd=empty, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=120, check=False)  # fmt: skip
        except subprocess.TimeoutExpired:
            raise RuntimeError("ansible-inventory took more than 120 s") from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        error = next((line for line in reversed(lines) if line.startswith("[ERROR]")), lines[-1] if lines else "")
        raise RuntimeError(f"{error.removeprefix('[ERROR]: ')} (inventories are read as static ini or yaml only)")
    runner = AnsibleRunner(inventory)
    runner.inventory = json.loads(done.stdout)  # testinfra's cached property: it never lists it itself
    AnsibleRunner._runners[inventory] = runner


@dataclass
class Result:
    rc: int
    stdout_bytes: bytes
    stderr_bytes: bytes


class Masters:
    """The run's ssh control masters: one connection per host, shared by its commands, all closed at the end."""

    def __init__(self) -> None:
        self.dir: Path | None = None  # made on first use: most runs ask no host
        self._lock = threading.Lock()  # hosts are first asked at once, from threads

    def options(self) -> list[str]:
        with self._lock:
            if self.dir is None:
                self.dir = Path(tempfile.mkdtemp(prefix="ssot-cm-"))  # short: a socket path has ~100 bytes
        return ["-o", "ControlMaster=auto", "-o", f"ControlPath={self.dir}/%C", "-o", "ControlPersist=60s"]

    def close(self) -> None:
        if self.dir is None:
            return
        for socket in self.dir.iterdir():
            subprocess.run(["ssh", "-o", f"ControlPath={socket}", "-O", "exit", "--", "ssot-audit-master"],
                           capture_output=True, timeout=10, check=False)  # fmt: skip
        shutil.rmtree(self.dir, ignore_errors=True)


class BoundedSsh:
    """A testinfra Host's commands, run over ssh with verified keys and a time bound (`Probe`'s `host`).

    `extra` is --ssh-extra-args as ssh_args() gave it.
    """

    def __init__(self, host, name: str, timeout: float, masters: Masters, extra: list[str]):
        self.host = host
        self.name = name
        self.timeout = timeout
        self.masters = masters
        self.extra = extra
        self._process: subprocess.Popen | None = None

    def _backend(self):
        """testinfra's ssh backend for the host, and the ssh config the operator gave it."""
        backend = self.host.backend
        ssh_config = backend.ssh_config
        if backend.NAME == "ansible":  # the ssh backend testinfra resolves the inventory name to
            inner = backend.ansible_runner.get_host(
                backend.host, ssh_config=backend.ssh_config, ssh_identity_file=backend.ssh_identity_file
            )
            backend = inner.backend if inner is not None else None
        if backend is None or backend.NAME != "ssh":
            raise HostUnreachable(f"{self.name}: not reached over ssh, so its host key cannot be verified")
        return backend, ssh_config

    def run(self, command: str) -> Result:
        backend, ssh_config = self._backend()
        try:
            args = connection_args(backend, ssh_config)
        except HostRefused as exc:  # refused before the run starts; this is the last door
            raise HostUnreachable(f"{self.name}: refused: {exc}") from None
        argv = ["ssh", *VERIFIED, *self.masters.options(), *self.extra, *args, "--", backend.host.name,
                backend.get_command(command)]  # fmt: skip
        process = self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                                   stderr=subprocess.PIPE, start_new_session=True)  # fmt: skip
        try:
            stdout, stderr = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            raise HostUnreachable(
                f"{self.name}: no answer within {self.timeout:g} s (it accepted the connection, then stalled)"
            ) from None
        finally:
            if process.returncode is None:  # timed out, or interrupted: nothing of it may outlive the run
                self.kill()
                process.communicate()
            self._process = None
        return Result(process.returncode, stdout, stderr)

    def kill(self) -> None:
        """End the command in flight, if any, with its process group (from another thread on an interrupt)."""
        process = self._process
        if process is not None and process.returncode is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
