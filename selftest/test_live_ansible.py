"""The route for larger estates: testinfra's ansible:// backend over an inventory naming the test hosts.

ansible-core is an optional extra (`pip install ssot-audit[ansible]`); without it this skips.
"""

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

from selftest.suite import DRIFTED, FIXTURES, run_suite
from selftest.testhosts import DRIFTED_FAILURES, NOW

INVENTORY = FIXTURES / "hosts" / "inventory.ini"


def test_live_suite_through_an_ansible_inventory(pytester, drifted_hosts, monkeypatch):
    if importlib.util.find_spec("ansible") is None:
        pytest.skip("ansible-core is not installed (optional extra: pip install 'ssot-audit[ansible]')")
    # testinfra lists the inventory with the ansible-inventory command, found on PATH
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    if shutil.which("ansible-inventory") is None:
        pytest.skip("ansible-inventory is not on PATH")
    outcome = run_suite(
        pytester, DRIFTED, "--hosts=ansible://all", f"--ansible-inventory={INVENTORY}",
        f"--ssh-config={drifted_hosts.ssh_config}", f"--now={NOW}", markers="live",
    )  # fmt: skip
    assert not outcome.errors
    assert outcome.failing_tests() == {t.replace("ssh://", "ansible://") for t in DRIFTED_FAILURES}, outcome.messages()
    assert outcome.failing_ids() == {"C1", "C2", "C3"} and outcome.failing_ids("gate") == {"D39"}


def test_inventory_ssh_args_that_tune_the_connection_are_kept(pytester, drifted_hosts, tmp_path, monkeypatch):
    """The other side of test_host_injection's refusals: ansible's usual ssh args still reach the hosts."""
    if importlib.util.find_spec("ansible") is None:
        pytest.skip("ansible-core is not installed (optional extra: pip install 'ssot-audit[ansible]')")
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    inventory = tmp_path / "inventory.ini"
    inventory.write_text(
        "[hypervisors]\npve ansible_ssh_common_args='-C -o ControlMaster=auto -o ControlPersist=60s' "
        "ansible_ssh_extra_args='-o ServerAliveInterval=5' ansible_user=root ansible_port="
        + str(drifted_hosts.hosts["pve"].port)
        + "\n"
    )
    outcome = run_suite(
        pytester, DRIFTED, "--hosts=ansible://all", f"--ansible-inventory={inventory}",
        f"--ssh-config={drifted_hosts.ssh_config}", f"--now={NOW}", "-k", "reachable", markers="live",
    )  # fmt: skip
    assert [r.nodeid.split("::")[1] for r in outcome.reports if r.passed] == ["test_host_is_reachable[ansible://pve]"]
