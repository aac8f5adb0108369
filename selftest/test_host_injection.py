"""Nothing in --hosts, an inventory or --ssh-extra-args makes this machine run a command.

Each injection's command would create a marker file: the run must exit 4 naming the entry, and the
marker must never exist. The channel the operator owns, the ssh config given to --ssh-config, does run
its ProxyCommand: that proves the marker would show a command that ran.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import stat
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from selftest.suite import DRIFTED, run_suite, run_suite_raw
from selftest.testhosts import NOW
from ssot_audit.transport import HostRefused, host_name_problem, ssh_args


@pytest.fixture
def marker(tmp_path) -> Path:
    return tmp_path / "marker"


@pytest.fixture
def evil_config(tmp_path, marker) -> Path:
    """An ssh config whose ProxyCommand creates the marker: what an entry must not be able to bring in."""
    path = tmp_path / "evil_config"
    path.write_text(f"Host *\n    ProxyCommand touch {marker}\n")
    return path


def refused(pytester, *args: str, says: str, marker: Path) -> None:
    result = run_suite_raw(pytester, DRIFTED, *args, f"--now={NOW}", markers="live")
    assert not marker.exists(), "the injected command ran"
    assert result.ret == pytest.ExitCode.USAGE_ERROR, result.stdout.str()
    result.stderr.fnmatch_lines([says])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


HOSTS = {
    # ssh reads a destination that begins with `-` as an option
    "name-begins-with-dash": (
        lambda m, cfg: ["--hosts=ssh://-oProxyCommand=touch%20" + quote(str(m), safe="")],
        "*--hosts ssh://-oProxyCommand=touch%20*: host '-oProxyCommand=touch /*marker' is not a DNS name, "
        "ssh_config alias or IP address (ssh would read it as an option)*",
    ),
    "bare-name-over-ssh": (
        lambda m, cfg: ["--connection=ssh", f"--hosts=-oProxyCommand=touch {m}"],
        "*--hosts -oProxyCommand=touch /*marker: host * (ssh would read it as an option)*",
    ),
    "shell-in-name": (
        lambda m, cfg: ["--hosts=ssh://pve$(touch%20" + quote(str(m), safe="") + ")"],
        "*--hosts ssh://pve$(touch*: host 'pve$(touch /*marker)' is not * (it holds a space or a shell character)*",
    ),
    "user-begins-with-dash": (
        lambda m, cfg: ["--hosts=ssh://-oProxyCommand=touch%20" + quote(str(m), safe="") + "@pve"],
        "*--hosts ssh://-oProxyCommand=*@pve: user '-oProxyCommand=touch /*marker' is not a user name*",
    ),
    "ssh-config-in-entry": (
        lambda m, cfg: [f"--hosts=ssh://pve?ssh_config={cfg}"],
        "*--hosts ssh://pve?ssh_config=*evil_config: ?ssh_config= names an ssh config per entry; "
        "set it in the ssh config given to --ssh-config*",
    ),
}


@pytest.mark.parametrize("case", HOSTS, ids=list(HOSTS))
def test_hosts_entry_runs_nothing(case, pytester, marker, evil_config):
    args, says = HOSTS[case]
    refused(pytester, *args(marker, evil_config), says=says, marker=marker)


EXTRA_ARGS = {
    "proxycommand-joined": ("-oProxyCommand=touch {m}", "-o ProxyCommand runs a command on this machine"),
    "proxycommand-spaced": ('-o "ProxyCommand touch {m}"', "-o ProxyCommand runs a command on this machine"),
    "proxycommand-lower-case": ("-o proxycommand=touch\\ {m}", "-o proxycommand runs a command on this machine"),
    "proxycommand-in-a-cluster": ("-CqoProxyCommand=touch\\ {m}", "-o ProxyCommand runs a command on this machine"),
    "proxycommand-quoted-keyword": (
        "-o '\"ProxyCommand\" touch {m}'",
        "-o '\"ProxyCommand\" touch /*marker' is not a plain `Keyword=value` ssh option",
    ),
    "localcommand": (
        '-o PermitLocalCommand=yes -o "LocalCommand touch {m}"',
        "-o PermitLocalCommand lets LocalCommand run a command on this machine",
    ),
    "knownhostscommand": ('-o "KnownHostsCommand touch {m}"', "-o KnownHostsCommand runs a command on this machine"),
    "match-exec": ("-o 'Match exec \"touch {m}\"'", "-o Match can run a command on this machine (Match exec)"),
    "proxyjump": ("-o ProxyJump=jump", "-o ProxyJump runs a second ssh through a shell on this machine"),
    "jump-switch": ("-J jump", "-J runs a second ssh (ProxyJump) through a shell on this machine"),
    "other-config": ("-F {cfg}", "-F reads another ssh config, which can run commands"),
    "command-substitution": ("$(touch {m})", "'$(touch' is not an ssh option"),
    "backticks": ("-C `touch {m}`", "'`touch' is not an ssh option"),
    "command-separator": ("-C ; touch {m}", "';' is not an ssh option"),
    "shell-in-a-value": ("-o User=$(touch\\ {m})", "-o User: '$(touch /*marker)' is not a plain value"),
}


@pytest.mark.parametrize("case", EXTRA_ARGS, ids=list(EXTRA_ARGS))
def test_ssh_extra_args_run_nothing(case, pytester, marker, evil_config, drifted_hosts):
    """Given on the command line, and still refused: the same text often comes from a script or a repo's Makefile."""
    text, says = EXTRA_ARGS[case]
    refused(pytester, "--hosts=ssh://pve", f"--ssh-config={drifted_hosts.ssh_config}",
            f"--ssh-extra-args={text.format(m=marker, cfg=evil_config)}",
            says=f"*--ssh-extra-args: {says}*", marker=marker)  # fmt: skip


def _ansible(monkeypatch) -> None:
    if importlib.util.find_spec("ansible") is None:
        pytest.skip("ansible-core is not installed (optional extra: pip install 'ssot-audit[ansible]')")
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")


INVENTORY = {
    "common-args-proxycommand": (
        "pve ansible_ssh_common_args=\"-o ProxyCommand='touch {m}'\"",
        "pve: ansible_ssh_common_args: -o ProxyCommand runs a command on this machine",
    ),
    "extra-args-command-substitution": (
        'pve ansible_ssh_extra_args="$(touch {m})"',
        "pve: ansible_ssh_extra_args: '$(touch' is not an ssh option",
    ),
    "host-begins-with-dash": (
        "pve ansible_host=-oProxyCommand=touch%20{q}",
        "pve: ansible_host: host '-oProxyCommand=touch%20*marker' is not * (ssh would read it as an option)",
    ),
    "inventory-name-begins-with-dash": (
        "-oProxyCommand=touch%20{q}",
        "-oProxyCommand=touch%20*marker: host '-oProxyCommand=touch /*marker' is not * (ssh would read it as an option)",
    ),
    # testinfra reads the entry as a URL: a `?` in it would name the ssh config
    "ssh-config-through-the-host": (
        "pve ansible_host=pve?ssh_config={cfg}",
        "pve: ansible_host: host 'pve?ssh_config=*evil_config' is not * (it holds a space or a shell character)",
    ),
    "ssh-config-through-the-user": (
        "pve ansible_user=root?ssh_config={cfg}",
        "pve: ansible_user: 'root?ssh_config=*evil_config' is not a user name",
    ),
}


@pytest.mark.parametrize("case", INVENTORY, ids=list(INVENTORY))
def test_inventory_entry_runs_nothing(case, pytester, marker, evil_config, tmp_path, monkeypatch):
    _ansible(monkeypatch)
    line, says = INVENTORY[case]
    # the user variant names `<config>@pve`: the file exists, so only the refusal stops it
    shutil.copy(evil_config, f"{evil_config}@pve")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[hypervisors]\n" + line.format(m=marker, q=quote(str(marker), safe=""), cfg=evil_config))
    refused(pytester, "--hosts=ansible://all", f"--ansible-inventory={inventory}",
            says=f"*--hosts ansible://all: inventory entries refused: {says}*", marker=marker)  # fmt: skip


def test_ssh_args_from_ansible_cfg_and_environment_run_nothing(pytester, marker, tmp_path, monkeypatch):
    """ansible.cfg in the directory the run starts in (a checked repo, often) and ANSIBLE_SSH_COMMON_ARGS."""
    _ansible(monkeypatch)
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[hypervisors]\npve\n")
    (pytester.path / "ansible.cfg").write_text(f"[ssh_connection]\nssh_args = -o ProxyCommand='touch {marker}'\n")
    refused(pytester, "--hosts=ansible://all", f"--ansible-inventory={inventory}",
            says="*inventory entries refused: pve: -o ProxyCommand runs a command on this machine*", marker=marker)  # fmt: skip
    (pytester.path / "ansible.cfg").unlink()
    monkeypatch.setenv("ANSIBLE_SSH_COMMON_ARGS", f"-o 'LocalCommand touch {marker}' -o PermitLocalCommand=yes")
    refused(pytester, "--hosts=ansible://all", f"--ansible-inventory={inventory}",
            says="*inventory entries refused: pve: -o LocalCommand runs a command on this machine*", marker=marker)  # fmt: skip


SCRIPT = '#!/bin/sh\ntouch {m}\necho \'{{"all": {{"hosts": ["pve"]}}, "_meta": {{"hostvars": {{}}}}}}\'\n'
# `constructed` templates its `compose` expressions for the hosts of the sources before it, and a pipe
# lookup runs its command
CONSTRUCTED = "plugin: ansible.builtin.constructed\nstrict: false\ncompose:\n  x: \"lookup('pipe', 'touch {m}')\"\n"


@pytest.mark.parametrize("name, text", [("inventory.sh", SCRIPT), ("20-constructed.yml", CONSTRUCTED)],
                         ids=["executable-inventory", "inventory-plugin"])  # fmt: skip
def test_inventory_that_is_code_runs_nothing(name, text, pytester, marker, tmp_path, monkeypatch):
    _ansible(monkeypatch)
    inventory = tmp_path / "inventory"
    inventory.mkdir()
    (inventory / "10-hosts.ini").write_text("[hypervisors]\npve\n")
    code = inventory / name
    code.write_text(text.format(m=marker))
    code.chmod(code.stat().st_mode | stat.S_IXUSR)
    refused(pytester, "--hosts=ansible://all", f"--ansible-inventory={inventory}",
            says=f"*--hosts ansible://all: cannot list the inventory: Completely failed to parse inventory source "
            f"{code} (inventories are read as static ini or yaml only)*", marker=marker)  # fmt: skip


PROXY = """import os, socket, sys, threading
open(sys.argv[2], "w").close()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
def up():
    while data := os.read(0, 65536):
        s.sendall(data)
    s.shutdown(socket.SHUT_WR)
threading.Thread(target=up, daemon=True).start()
while data := s.recv(65536):
    os.write(1, data)
"""


def test_the_operators_ssh_config_is_where_a_proxy_goes(pytester, drifted_hosts, marker, tmp_path):
    """The other way: a ProxyCommand (a jump host's place) in the config given to --ssh-config runs, and pve is
    reached through it with its key checked. The marker would show any injected command that ran."""
    proxy = tmp_path / "proxy.py"
    proxy.write_text(PROXY)
    config = tmp_path / "ssh_config"
    config.write_text(drifted_hosts.ssh_config.read_text().replace(
        "Host pve\n", f"Host pve\n    ProxyCommand {sys.executable} {proxy} %p {marker}\n"))  # fmt: skip
    outcome = run_suite(pytester, DRIFTED, "--hosts=ssh://pve", f"--ssh-config={config}", f"--now={NOW}",
                        "-k", "reachable", markers="live")  # fmt: skip
    assert [r.passed for r in outcome.reports] == [True], outcome.messages()
    assert marker.exists()


def test_ssh_extra_args_that_tune_the_connection_reach_ssh(pytester, drifted_hosts):
    """Accepted options are used, first on ssh's line after the pinned ones: Port=1 beats the config's port."""
    args = (f"--ssh-config={drifted_hosts.ssh_config}", f"--now={NOW}", "-k", "reachable")
    tuned = run_suite(pytester, DRIFTED, "--hosts=ssh://pve", "--ssh-extra-args=-Cq -o ServerAliveInterval=5", *args,
                      markers="live")  # fmt: skip
    assert [r.passed for r in tuned.reports] == [True], tuned.messages()
    elsewhere = run_suite(pytester, DRIFTED, "--hosts=ssh://pve", "--ssh-extra-args=-p 1", *args, markers="live")
    (failed,) = elsewhere.failed()
    assert "Connection refused" in failed.longreprtext


@pytest.mark.parametrize(
    "text, vector",
    [
        ("-C -o ControlMaster=auto -o ControlPersist=60s",  # ansible's own default ssh_args
         ["-C", "-o", "ControlMaster=auto", "-o", "ControlPersist=60s"]),
        ("-o StrictHostKeyChecking=no", ["-o", "StrictHostKeyChecking=no"]),  # harmless: yes is pinned first
        ('-o "ServerAliveInterval 30" -4Cq', ["-o", "ServerAliveInterval=30", "-4Cq"]),
        ("-qi ~/.ssh/id_ed25519 -p2222 -l ubuntu",
         ["-q", "-o", "IdentityFile=~/.ssh/id_ed25519", "-o", "Port=2222", "-o", "User=ubuntu"]),
        ("-o KexAlgorithms=+diffie-hellman-group14-sha1", ["-o", "KexAlgorithms=+diffie-hellman-group14-sha1"]),
        ("", []),
    ],
)  # fmt: skip
def test_connection_options_are_accepted(text, vector):
    assert ssh_args(text) == vector


@pytest.mark.parametrize(
    "text, says",
    [
        ("-oPROXYCOMMAND=x", "-o PROXYCOMMAND runs a command"),
        ("-o 'ProxyCommand = x'", "-o ProxyCommand runs a command"),
        ("-o ' ProxyCommand\tx'", "-o ProxyCommand runs a command"),
        ("-o SecurityKeyProvider=/tmp/x.so", "-o SecurityKeyProvider loads a library"),
        ("-I /tmp/x.so", "-I loads a library"),
        ("-o Include=/tmp/x", "-o Include reads another ssh config"),
        ("-o UserKnownHostsFile=/repo/known_hosts", "-o UserKnownHostsFile changes which host keys are trusted"),
        ("-o HostKeyAlias=other", "-o HostKeyAlias changes which host keys are trusted"),
        ("-S /tmp/their-socket", "-S sends the commands through a control socket the run does not own"),
        ("-E /home/op/.bashrc", "-E writes a log file"),
        ("-L 80:localhost:80", "-L is not an ssh option accepted here"),
        ("-A", "-A is not an ssh option accepted here"),
        ("-o RemoteCommand=id", "-o RemoteCommand is not an ssh option accepted here"),
        ("-o", "-o has no value"),
        ("-- pve", "'--' is not an ssh option"),
        ("-o 'ProxyCommand x", "cannot be split"),
        ("-p 22;id", "-o Port: '22;id' is not a plain value"),
    ],
)
def test_other_options_are_refused_by_name(text, says):
    with pytest.raises(HostRefused, match=re.escape(says)):
        ssh_args(text)


@pytest.mark.parametrize("name", ["pve", "proxmox-home", "infra_core", "pve.taile9480.ts.net", "100.96.211.33",
                                  "fe80::1", "2001:db8::7"])  # fmt: skip
def test_host_names_that_are_names(name):
    assert host_name_problem(name) is None


@pytest.mark.parametrize("name", ["-oProxyCommand=x", "-pve", "pve x", "pve;id", "$(id)", "`id`", "pve\n", "",
                                  "fe80::1%$(id)", "pve|id", "a" * 300])  # fmt: skip
def test_host_names_that_are_not(name):
    assert host_name_problem(name)
