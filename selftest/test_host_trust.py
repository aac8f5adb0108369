"""Hosts are only asked when their keys are verified, and a host that stalls costs one bounded failure."""

import importlib.util
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest

from selftest.suite import DRIFTED, run_suite, run_suite_raw
from selftest.testhosts import NOW, run_live
from ssot_audit import probe


@pytest.mark.parametrize(
    "hosts, says",
    [
        ("pve", "a bare host name uses paramiko, which accepts unknown and changed host keys"),
        ("paramiko://pve", "paramiko accepts unknown and changed host keys"),
        ("local://", "a local connection audits this machine"),
        ("ansible://localhost", "a local connection audits this machine"),
        ("bogus://x", "bogus:// is not a transport the live checks use"),
        ("ssh://pve?force_ansible=true", "force_ansible runs commands through ansible modules"),
        ("ssh://[::1", "not a host entry (Invalid IPv6 URL)"),
        ("ssh://pve?timeout=soon", "not a host entry (invalid literal for int() with base 10: 'soon')"),
        ("ssh://pve?ansible_inventory=x.ini", "?ansible_inventory= names an inventory per entry"),
        ("ssh://pve?controlpath=/tmp/x", "?controlpath= is not a parameter the live checks take"),
        ("ssh://pve:22x", "port '22x' is not a port number"),
    ],
    ids=["bare-name", "paramiko", "local", "ansible-localhost", "unknown-scheme", "force-ansible", "unparseable",
         "bad-timeout", "inventory-per-entry", "unknown-parameter", "bad-port"],
)  # fmt: skip
def test_untrusted_host_is_a_usage_error(hosts, says, pytester):
    result = run_suite_raw(pytester, DRIFTED, f"--hosts={hosts}", markers="live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*--hosts {hosts}: {says}*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_password_in_an_entry_is_refused_and_not_repeated(pytester):
    result = run_suite_raw(pytester, DRIFTED, "--hosts=ssh://root:hunter2@pve", markers="live")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--hosts ssh://root:<redacted>@pve: a password in a host entry is never used*"])
    assert "hunter2" not in result.stdout.str() + result.stderr.str()


def test_inventory_entry_with_a_local_connection_is_refused(pytester, tmp_path, monkeypatch):
    if importlib.util.find_spec("ansible") is None:
        pytest.skip("ansible-core is not installed (optional extra: pip install 'ssot-audit[ansible]')")
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text("[hypervisors]\npve\nproxmox-home ansible_connection=local\n")
    result = run_suite_raw(pytester, DRIFTED, "--hosts=ansible://all", f"--ansible-inventory={inventory}",
                           markers="live")  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*inventory entries refused: proxmox-home (ansible_connection=local): not reached over verified ssh*"]
    )


@pytest.mark.parametrize("path", ["/var/lib/vz/../../../etc", "/var/lib/vz/./dump", "/srv/.."])
def test_allowlist_refuses_dot_segments(path):
    with pytest.raises(probe.ProbeRefused):
        probe.build("listing", dir=path)
    with pytest.raises(probe.ProbeRefused):
        probe.build("mtimes", paths=f"/var/lib/vz/dump/a.vma {path}")
    assert probe.build("listing", dir="/var/lib/vz/dump.d/..hidden") == "ls -1 -- /var/lib/vz/dump.d/..hidden"


def test_host_key_mismatch_is_refused_whatever_the_ssh_config_says(pytester, drifted_hosts, tmp_path):
    """An ssh_config that waves changed keys through (StrictHostKeyChecking no) does not get its way."""
    config = drifted_hosts.ssh_config.read_text().replace("StrictHostKeyChecking yes", "StrictHostKeyChecking no")
    known = tmp_path / "known_hosts"
    lines = (drifted_hosts.workdir / "known_hosts").read_text().splitlines()
    other = next(line for line in lines if line.startswith("proxmox-home ")).split(" ", 1)[1]
    known.write_text("\n".join(f"pve {other}" if line.startswith("pve ") else line for line in lines) + "\n")
    config = config.replace(f"UserKnownHostsFile {drifted_hosts.workdir}/known_hosts", f"UserKnownHostsFile {known}")
    (tmp_path / "ssh_config").write_text(config)
    outcome = run_suite(pytester, DRIFTED, "--hosts=ssh://pve", f"--ssh-config={tmp_path / 'ssh_config'}",
                        f"--now={NOW}", markers="live")  # fmt: skip
    (failed,) = outcome.failed()
    assert failed.nodeid.endswith("test_host_is_reachable[ssh://pve]")
    assert "host key verification failed: the host's key is not the one in known_hosts" in failed.longreprtext
    assert "@@@" not in failed.longreprtext
    assert all("pve is unreachable" in str(r.longrepr) for r in outcome.skipped() if "waivers" not in r.nodeid)


class StalledServer:
    """Accepts connections on loopback, sends an SSH banner, then says nothing more."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            conn.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


def _ssh_processes() -> dict[int, str]:
    """pid -> command line of every ssh client (control masters included: `ssh: <socket> [mux]`)."""
    found = {}
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and (proc / "comm").read_text().strip() == "ssh":
                found[int(proc.name)] = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
    return found


def _left_behind(before: dict[int, str], *marks: str) -> list[str]:
    """ssh processes started since `before` that belong to a run: they name its config or its masters' dir."""
    return [c for pid, c in _ssh_processes().items() if pid not in before and any(m in c for m in marks)]


@pytest.fixture
def masters_dir(monkeypatch):
    """Where this run's control masters go (short: a socket path has ~100 bytes), so its processes are known."""
    short = tempfile.mkdtemp(prefix="ssot-t-")
    monkeypatch.setattr(tempfile, "tempdir", short)
    yield short
    shutil.rmtree(short, ignore_errors=True)


def test_stalled_host_is_one_failure_within_the_host_timeout(pytester, tmp_path, masters_dir):
    if not shutil.which("ssh"):
        pytest.skip("needs the OpenSSH client")
    server = StalledServer()
    config = tmp_path / "stalled_ssh_config"
    config.write_text(f"Host pve\n    HostName 127.0.0.1\n    Port {server.port}\n    User root\n"
                      f"    UserKnownHostsFile {tmp_path}/known_hosts\n    ConnectTimeout 5\n")  # fmt: skip
    before = _ssh_processes()
    try:
        began = time.monotonic()
        outcome = run_suite(pytester, DRIFTED, "--hosts=ssh://pve", f"--ssh-config={config}", "--host-timeout=4",
                            f"--now={NOW}", markers="live")  # fmt: skip
        elapsed = time.monotonic() - began
    finally:
        server.close()
    (failed,) = outcome.failed()
    assert failed.nodeid.endswith("test_host_is_reachable[ssh://pve]")
    assert "no answer within 4 s (it accepted the connection, then stalled)" in failed.longreprtext
    on_host = [r for r in outcome.skipped() if "[ssh://pve]" in r.nodeid]
    assert on_host and all("pve is unreachable (no answer within 4 s" in str(r.longrepr) for r in on_host)
    assert elapsed < 20, f"{elapsed:.1f} s for one stalled host with --host-timeout=4"
    assert _left_behind(before, str(config), masters_dir) == [], "an ssh process outlived the run"


def test_live_run_leaves_no_ssh_behind(pytester, drifted_hosts, masters_dir):
    """Not a command, and not the control master each host's commands shared."""
    before = _ssh_processes()
    outcome = run_live(pytester, drifted_hosts, "-k", "reachable or hostname")
    assert [r for r in outcome.reports if r.passed]
    assert _left_behind(before, masters_dir) == []
