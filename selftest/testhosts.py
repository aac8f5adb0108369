"""The test hosts for self-tests: started once per session (per xdist worker), and the live suite run on them.

fixtures/hosts/launch.py is a standalone script (it does not import the suite it
tests); it is loaded here by path.
"""

from __future__ import annotations

import importlib.util
import sys

import pytest

from selftest.suite import ALIGNED, DRIFTED, FIXTURES, Outcome, run_suite

_spec = importlib.util.spec_from_file_location("testhosts_launch", FIXTURES / "hosts" / "launch.py")
launch = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = launch  # dataclasses look their module up there
_spec.loader.exec_module(launch)

# The clock the test hosts' facts are dated against: the evening of the audit, 2026-02-08.
NOW = "2026-02-08T20:00:00Z"
ESTATES = {"drifted": DRIFTED, "aligned": ALIGNED}
# What the hosts of 2026-02-08 show: proxmox-home renamed without its node (C1, gate D39), VM 204 outside
# the vzdump job and without a dump (C2), no media scrub scheduled and its last one canceled (C3).
DRIFTED_FAILURES = {
    "test_hostname_names_guest_config_node[ssh://proxmox-home]",
    "test_vzdump_job_covers_backup_targets[ssh://pve]",
    "test_backup_is_fresh[ssh://pve]",
    "test_pool_has_scrub_schedule[ssh://pve]",
    "test_pool_scrubbed_recently[ssh://pve]",
}


def start(tmp_path_factory: pytest.TempPathFactory, state: str, hosts: dict[str, str] | None = None):
    """Started test hosts, or a skip saying why they cannot be had here."""
    reason = launch.unavailable()
    if reason:
        pytest.skip(reason)
    try:
        return launch.TestHosts.start(state, tmp_path_factory.mktemp(f"hosts-{state}"), hosts)
    except launch.Unavailable as exc:
        pytest.skip(f"test hosts did not start: {exc}")


def host_args(hosts, scheme: str = "ssh") -> list[str]:
    """The user's own command line: the hosts by name, reached through the ssh_config."""
    return [f"--hosts={','.join(f'{scheme}://{a}' for a in hosts.hosts)}", f"--ssh-config={hosts.ssh_config}",
            f"--now={NOW}"]  # fmt: skip


def run_live(pytester: pytest.Pytester, hosts, *args: str, state: str | None = None) -> Outcome:
    return run_suite(pytester, ESTATES[state or hosts.state], *host_args(hosts), *args, markers="live")
