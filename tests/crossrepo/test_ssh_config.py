"""Workbench dotfiles/ssh/config.d/tailscale.conf against spine ssh.targets.yaml ("new hosts must appear in both")."""

import pytest

from ssot_audit.checks import ssh
from ssot_audit.findings import expect

pytestmark = pytest.mark.crossrepo


@pytest.mark.disconnect("B1")
def test_ssh_target_in_workbench_config(ssh_target, spine, workbench):
    expect(ssh.check_target_in_config(spine, workbench, ssh_target))
