"""Session fixtures of the self-tests: the test hosts (real sshd per host), started once per worker."""

import pytest

from selftest.testhosts import start


@pytest.fixture(scope="session")
def drifted_hosts(tmp_path_factory):
    hosts = start(tmp_path_factory, "drifted")
    yield hosts
    hosts.stop_all()


@pytest.fixture(scope="session")
def aligned_hosts(tmp_path_factory):
    hosts = start(tmp_path_factory, "aligned")
    yield hosts
    hosts.stop_all()
