"""The pytest glue of the live checks (tests/live): hosts over SSH through testinfra's `host` fixture.

Loaded by ssot_audit.plugin (its `pytest_plugins`), so these hooks stay apart from
the file checks'. What it adds to testinfra:

* no silent fallback to this machine: without `--hosts`, testinfra would run the
  `host` tests locally, so live tests skip and say why;
* only verified hosts: a --hosts entry ssot_audit.transport refuses (paramiko, a bare
  name, local, an inventory entry with a local connection, an unknown scheme, a host name
  that is no name, ssh options that would run anything here) is a usage error naming it,
  as are such options in --ssh-extra-args; every command goes through its bounded,
  key-checking ssh run;
* reachability is asked once per host (per process), of every host the selected
  tests will ask at once, at first use: `test_host_is_reachable` fails with the
  ssh error, and every other test of that host skips with it, instead of each
  waiting out its own connection timeout, and stalled hosts cost one
  `--host-timeout` together, not one each;
* one probe (the allowlisted door) and one HostView per host, shared by all tests;
* `@pytest.mark.runs_on(role)`: a test that only makes sense on, say, the
  hypervisors is deselected for the other hosts, by what the spine says of them;
* `--max-scrub-age-days` and `--host-timeout`, both more than zero (the clock, `--now`, is the plugin's:
  gates use it too).

A fact a host cannot give is classified by the engine (ssot_audit/run.py) like every other outcome:
a missing command skips, a failed read is a finding.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
import testinfra

from .findings import Finding
from .hostview import HostView
from .options import positive
from .plugin import audit_of
from .probe import HostUnreachable, Probe
from .repo import SourceUnavailable
from .spine import BACKUP, Spine
from .transport import BoundedSsh, HostRefused, Masters, refusal, shown, ssh_args

HOSTS_HELP = (
    "live checks need --hosts, e.g. --hosts=ssh://pve,ssh://proxmox-home --ssh-config=~/.ssh/config; "
    "without it testinfra would test this machine"
)


def _backup_hosts(spine: Spine) -> set[str]:
    targets = spine.doc(BACKUP).data.get("targets") or []
    return {t.get("host") for t in targets if t.get("enabled") and t.get("kind") == "file_glob"}


# Role -> the hosts the spine gives it. A test marked runs_on(role) runs only on those.
ROLES = {
    "hypervisor": lambda spine: spine.hypervisors,
    "backup_host": _backup_hosts,
}


def _holders(spine: Spine, role: str) -> set[str] | None:
    """The hosts with `role`; None when the binding that says so cannot be read (its tests then skip)."""
    try:
        return ROLES[role](spine)
    except SourceUnavailable:
        return None


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ssot-audit-live", "live checks (hosts over SSH, -m live)")
    group.addoption(
        "--max-scrub-age-days", type=positive(int), default=35,
        help="oldest completed ZFS scrub that passes, in days (default: 35)",
    )  # fmt: skip
    group.addoption(
        "--host-timeout", type=positive(float), default=30,
        help="seconds one command may take on a host; a host that stalls fails its reachability test once "
        "and its other checks skip (default: 30)",
    )  # fmt: skip


def host_name(host) -> str:
    """The host as the spine names it: the name given to --hosts (an ssh_config alias, an inventory name)."""
    return host.backend.get_hostname()


# Hosts asked at once when the run first needs one; past this many, stalled hosts cost a timeout per batch.
AT_ONCE = 64


class LiveRun:
    """The hosts of this process: one probe and one view each, and whether each answered."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self._views: dict[int, HostView] = {}
        self._reach: dict[int, Finding | None] = {}
        self.masters = Masters()
        self.planned: list = []  # the hosts this process's selected tests ask, in order

    def plan(self, items: list[pytest.Item]) -> None:
        hosts = {}
        for item in items:
            host = item.callspec.params.get("_testinfra_host") if hasattr(item, "callspec") else None
            if host is not None:
                hosts.setdefault(id(host), host)
        self.planned = list(hosts.values())

    def view(self, host) -> HostView:
        key = id(host)
        if key not in self._views:
            name = host_name(host)
            extra = ssh_args(self.config.option.ssh_extra_args)  # checked by _check_hosts at configure
            ssh = BoundedSsh(host, name, self.config.option.host_timeout, self.masters, extra)
            self._views[key] = HostView(Probe(ssh, name))
        return self._views[key]

    def unreachable(self, host) -> Finding | None:
        """Why the host cannot be asked anything, found out once; None when it answers."""
        if id(host) not in self._reach:
            self._ask([host, *self.planned])
        return self._reach[id(host)]

    def _ask(self, hosts: list) -> None:
        """Ask each of `hosts` not yet asked whether it answers, all at once, so stalled hosts cost one timeout."""
        views = {id(h): self.view(h) for h in hosts if id(h) not in self._reach}
        pool = ThreadPoolExecutor(max_workers=min(len(views), AT_ONCE), thread_name_prefix="ssot-reach")
        try:
            answers = {key: pool.submit(_answer, view) for key, view in views.items()}
            for key, answer in answers.items():
                self._reach[key] = answer.result()
        except BaseException:  # an interrupt: the ssh runs in the pool's threads end now, not at their timeout
            for view in views.values():
                view.probe.host.kill()
            raise
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def all_hosts(self) -> list:
        """Every host given to --hosts, as testinfra builds them (the same cached Host objects)."""
        option = self.config.option
        return testinfra.get_hosts(
            option.hosts.split(","), connection=option.connection, ssh_config=option.ssh_config,
            ssh_identity_file=option.ssh_identity_file, sudo=option.sudo, sudo_user=option.sudo_user,
            ansible_inventory=option.ansible_inventory, force_ansible=option.force_ansible,
        )  # fmt: skip


def _answer(view: HostView) -> Finding | None:
    try:
        out = view.probe.run("hostname")
        error = None if out.rc == 0 else out.error_line()
    except HostUnreachable as exc:
        error = str(exc).removeprefix(f"{view.name}: ")
    return error and Finding(
        f"host {view.name}", None, f"cannot reach {view.name} over SSH",
        expected=f"`hostname` answers on {view.name}",
        found=error,
        fix=f"check that {view.name} is up and that the ssh_config given to --ssh-config "
        "(HostName, Port, User, IdentityFile, known host key) reaches it",
    )  # fmt: skip


LIVE = pytest.StashKey[LiveRun]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "runs_on(role): a live test for the hosts the spine gives this role only")
    config.stash[LIVE] = LiveRun(config)
    if hasattr(config.option, "hosts"):  # testinfra is loaded (`ssot-audit` leaves it out when no live test can run)
        _check_hosts(config.option)


def pytest_unconfigure(config: pytest.Config) -> None:
    if LIVE in config.stash:
        config.stash[LIVE].masters.close()


def _check_hosts(option) -> None:
    """Refuse, before testinfra builds a single host, every --hosts entry that is not a verified remote host,
    and ssh options (--ssh-extra-args) that would do more than tune the connection."""
    try:
        ssh_args(option.ssh_extra_args)
    except HostRefused as exc:
        raise pytest.UsageError(f"--ssh-extra-args: {exc}") from None
    for spec in filter(None, (s.strip() for s in (option.hosts or "").split(","))):
        problem = refusal(spec, option)
        if problem:
            raise pytest.UsageError(f"--hosts {shown(spec)}: {problem}")


@pytest.hookimpl(trylast=True)  # after -m/-k deselection, like the plugin's own check of the roots
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Only the tests that ask for testinfra's host: those are the ones it would run on this machine.
    live = [i for i in items if i.get_closest_marker("live") and "_testinfra_host" in getattr(i, "fixturenames", ())]
    if live and not getattr(config.option, "hosts", None):
        for item in live:
            item.add_marker(pytest.mark.skip(reason=HOSTS_HELP))
        return
    spine = audit_of(config).estate.spine  # None: roles cannot be told; the plugin says why
    dropped = []
    for item in live:
        host = item.callspec.params.get("_testinfra_host") if hasattr(item, "callspec") else None
        if host is None:
            continue
        role = item.get_closest_marker("runs_on")
        holders = _holders(spine, role.args[0]) if role and spine is not None else None
        if holders is not None and host_name(host) not in holders:
            dropped.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [i for i in items if i not in dropped]


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note the hosts the selected tests ask. A run of nothing but live checks without --hosts is a mistake (a nightly
    job that lost its hosts), not a pass."""
    items = session.items
    session.config.stash[LIVE].plan(items)
    only_live = items and all(i.get_closest_marker("live") for i in items)
    if only_live and not session.config.option.hosts:
        raise pytest.UsageError(f"only live checks are selected and there are no hosts: {HOSTS_HELP}")


@pytest.fixture
def host_view(host, pytestconfig: pytest.Config) -> HostView:
    """The host under test; skips when the host did not answer (test_host_is_reachable says why)."""
    run = pytestconfig.stash[LIVE]
    finding = run.unreachable(host)
    if finding:
        pytest.skip(f"{host_name(host)} is unreachable ({finding.found}); see test_host_is_reachable")
    return run.view(host)


@pytest.fixture
def reachability(host, pytestconfig: pytest.Config) -> list[Finding]:
    finding = pytestconfig.stash[LIVE].unreachable(host)
    return [finding] if finding else []


@pytest.fixture
def hypervisor_peers(host_view: HostView, pytestconfig: pytest.Config, spine: Spine) -> dict[str, HostView]:
    """The other hypervisors given to --hosts that answer, by name."""
    run = pytestconfig.stash[LIVE]
    peers = {}
    for other in run.all_hosts():
        name = host_name(other)
        if name != host_view.name and name in spine.hypervisors and not run.unreachable(other):
            peers[name] = run.view(other)
    return peers


@pytest.fixture(scope="session")
def max_scrub_age_days(pytestconfig: pytest.Config) -> int:
    return pytestconfig.getoption("max_scrub_age_days")
