"""The one door to a host: only allowlisted commands leave it, each once, and its view falls back to human formats."""

from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from ssot_audit import probe
from ssot_audit.checks.live import scrubs
from ssot_audit.hostview import HostView

from .test_hostfacts import HOSTS, read


class FakeHost:
    """A testinfra Host stand-in: answers from a table, records what it was sent."""

    def __init__(self, answers: dict[str, tuple[int, str, str]]):
        self.answers = answers
        self.sent: list[str] = []

    def run(self, command: str):
        self.sent.append(command)
        answer = self.answers.get(command)
        if isinstance(answer, Exception):
            raise answer
        rc, out, err = answer or (127, "", f"sh: 1: {command.split()[0]}: not found")
        return SimpleNamespace(rc=rc, stdout_bytes=out.encode(), stderr_bytes=err.encode())


def view(answers) -> HostView:
    return HostView(probe.Probe(FakeHost(answers), "pve"))


@pytest.mark.parametrize(
    "fact, args",
    [
        ("rm", {}),
        ("periodic-scrub", {"pool": "media; reboot"}),
        ("periodic-scrub", {"pool": "$(reboot)"}),
        ("listing", {"dir": "/tank/../etc x"}),
        ("mtimes", {"paths": "/a/b;reboot"}),
        ("timer-enabled", {"unit": "ssh.service"}),
        ("pve-node-configs", {}),
    ],
)
def test_refuses_before_sending(fact, args):
    host = FakeHost({})
    with pytest.raises(probe.ProbeRefused):
        probe.Probe(host, "pve").run(fact, **args)
    assert host.sent == []


def test_every_template_is_read_only_and_allowed():
    samples = {"node": "pve", "pool": "media", "name": "zfsutils-linux", "unit": "zfs-scrub-monthly@media.timer",
               "dir": "/tank/backups/vzdump/dump", "paths": "/tank/a.vma.zst /tank/b.vma.zst"}  # fmt: skip
    for fact, template in probe.COMMANDS.items():
        command = probe.build(fact, **{k: v for k, v in samples.items() if "{" + k + "}" in template})
        assert probe.is_allowed(command), command
    assert not probe.is_allowed("cat /etc/pve/jobs.cfg; reboot")
    assert not probe.is_allowed("hostname pve2")
    assert not probe.is_allowed("python3 -c 'import locale'")  # what testinfra would send to guess an encoding


def test_each_command_is_sent_once():
    host = FakeHost({"hostname": (0, "pve\n", "")})
    door = probe.Probe(host, "pve")
    assert door.run("hostname").stdout == "pve\n" and door.run("hostname").rc == 0
    assert host.sent == ["hostname"] == door.sent


def test_transport_errors():
    result = SimpleNamespace(
        rc=255, stdout_bytes=b"", stderr_bytes=b"ssh: connect to host 127.0.0.1 port 1: Connection refused\r\n"
    )
    door = probe.Probe(FakeHost({"hostname": RuntimeError(result)}), "pve")
    assert door.run("hostname").error_line() == "ssh: connect to host 127.0.0.1 port 1: Connection refused"
    refused = probe.Probe(FakeHost({"hostname": ConnectionRefusedError(111, "Connection refused")}), "pve")
    with pytest.raises(probe.HostUnreachable, match="pve: ConnectionRefusedError"):
        refused.run("hostname")


def test_output_is_decoded_here_as_utf8():
    out = view({"tailscale status --json": (0, '{"BackendState": "Running", "Self": {"HostName": "pvé"}}', "")})
    assert out.tailnet.nodes[0].host_name == "pvé"


def test_zpool_falls_back_to_text_without_json_support():
    v = view({
        "zpool status -j --json-int": (2, "", "invalid option 'j'\n"),
        "zpool status": (0, read("zpool-status-canceled.txt"), ""),
        "readlink /etc/localtime": (0, "/usr/share/zoneinfo/America/Adak\n", ""),
    })  # fmt: skip
    assert v.pools["media"].scan.state == "canceled"
    assert v.probe.host.sent == ["zpool status -j --json-int", "zpool status", "readlink /etc/localtime"]


# A scrub that finished on Sunday 4 January at 15:30 in Adak (UTC-10) is 34 days 18.5 h old on 8 February at
# 20:00 UTC; read as UTC it would be ten hours older, and past the 35 days.
_LATE_SCRUB = (
    "  pool: tank\n state: ONLINE\n  scan: scrub repaired 0B in 03:12:40 with 0 errors on Sun Jan  4 15:30:00 2026\n"
)
_NOW = datetime(2026, 2, 8, 20, tzinfo=timezone.utc)


@pytest.mark.parametrize(
    "zone_answers, passes",
    [
        ({"readlink /etc/localtime": (0, "/usr/share/zoneinfo/America/Adak\n", "")}, True),
        ({"readlink /etc/localtime": (0, "../usr/share/zoneinfo/America/Adak\n", "")}, True),
        ({"readlink /etc/localtime": (1, "", ""), "date +%z": (0, "-1000\n", "")}, True),  # a copied file, not a link
        ({"readlink /etc/localtime": (0, "/usr/share/zoneinfo/Etc/UTC\n", "")}, False),
    ],
)
def test_zpool_text_dates_are_read_in_the_hosts_zone(zone_answers, passes):
    v = view({"zpool status -j --json-int": (2, "", "invalid option 'j'\n"), "zpool status": (0, _LATE_SCRUB, ""),
              **zone_answers})  # fmt: skip
    findings = scrubs.check_scrub_age(v, _NOW, 35)
    assert (findings == []) is passes, findings
    if not passes:
        assert findings[0].found == "last completed scrub 2026-01-04, 35 days ago"


def test_a_json_status_needs_no_zone():
    v = view(
        {"zpool status -j --json-int": (0, (HOSTS / "drifted/pve/var/lib/testhost/zpool-status.json").read_text(), "")}
    )
    assert v.pools and "readlink /etc/localtime" not in v.probe.sent


def test_an_unreadable_offset_is_a_clear_failure():
    v = view({"readlink /etc/localtime": (1, "", ""), "date +%z": (0, "Sun Feb  8 20:00:00 UTC 2026\n", "")})
    with pytest.raises(probe.FactUnreadable, match="`date \\+%z` printed an unexpected format"):
        v.timezone  # noqa: B018


def test_guests_fall_back_to_qm_list_and_jobs_to_the_api():
    v = view({
        "pvesh get /cluster/resources --type vm --output-format json": (255, "", "ipcc_send_rec[1] failed"),
        "qm list": (0, read("qm-list.txt"), ""),
        "cat /etc/pve/jobs.cfg": (1, "", "cat: /etc/pve/jobs.cfg: No such file or directory"),
        "pvesh get /cluster/backup --output-format json": (0, read("pvesh-cluster-backup.json"), ""),
    })  # fmt: skip
    assert 205 in v.guests
    source, jobs = v.vzdump_jobs
    assert source == "pve:pvesh get /cluster/backup" and len(jobs) == 2


def test_missing_command_and_failed_command():
    with pytest.raises(probe.CommandMissing, match="pve has no `zpool` command"):
        view({}).pools  # noqa: B018
    with pytest.raises(probe.FactUnreadable, match="`tailscale status --json` failed: failed to connect"):
        view({"tailscale status --json": (1, "", "failed to connect to local tailscaled\n")}).tailnet  # noqa: B018


def test_unexpected_output_is_a_clear_failure():
    with pytest.raises(probe.FactUnreadable, match="`tailscale status --json` printed an unexpected format"):
        view({"tailscale status --json": (0, "Tailscale is stopped.\n", "")}).tailnet  # noqa: B018


def test_cron_reads_root_system_and_cron_d_files_cron_would_run():
    v = view({
        "crontab -l": (1, "", "no crontab for root\n"),
        "cat /etc/crontab": (0, "", ""),
        "ls -1 /etc/cron.d": (0, "zfsutils-linux\nzfsutils-linux.dpkg-old\n", ""),
        "cat /etc/cron.d/zfsutils-linux": (0, read("cron.d-zfsutils-linux"), ""),
    })  # fmt: skip
    (line,) = v.cron_lines
    assert line.file == "pve:/etc/cron.d/zfsutils-linux"
    assert "cat /etc/cron.d/zfsutils-linux.dpkg-old" not in v.probe.sent


def test_node_configs_list_vms_and_containers_and_corosync_says_cluster():
    v = view({
        "ls -1 /etc/pve/nodes": (0, "proxmox-home\npve\n", ""),
        "ls -1 /etc/pve/nodes/proxmox-home/qemu-server": (0, "103.conf\n", ""),
        "ls -1 /etc/pve/nodes/proxmox-home/lxc": (0, "105.conf\n", ""),
        "ls -1 /etc/pve/nodes/pve/qemu-server": (0, "101.conf\n102.conf\n102.conf.tmp.4242\n", ""),
        "ls -1 /etc/pve/nodes/pve/lxc": (2, "", "ls: cannot access '/etc/pve/nodes/pve/lxc': No such file or directory"),
        "ls -1 -- /etc/pve": (0, "authkey.pub\ndatacenter.cfg\njobs.cfg\nlocal\nnodes\nqemu-server\nstorage.cfg\n", ""),
    })  # fmt: skip
    assert {n: [c.path for c in held] for n, held in v.node_configs.items()} == {
        "proxmox-home": [
            "/etc/pve/nodes/proxmox-home/qemu-server/103.conf",
            "/etc/pve/nodes/proxmox-home/lxc/105.conf",
        ],
        "pve": ["/etc/pve/nodes/pve/qemu-server/101.conf", "/etc/pve/nodes/pve/qemu-server/102.conf"],
    }
    assert v.clustered is False
    joined = view({"ls -1 -- /etc/pve": (0, "corosync.conf\nnodes\n", "")})
    assert joined.clustered is True
