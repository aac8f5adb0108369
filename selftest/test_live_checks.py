"""The live checks' rules on hand-made host facts, with the aligned estate's spine: these run everywhere."""

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest

from selftest.suite import ALIGNED
from ssot_audit import catalogue
from ssot_audit.checks.live import backups, identity, placement, scrubs, tailnet
from ssot_audit.hostfacts import cron, tailscale_status
from ssot_audit.hostfacts.guests import Guest, GuestConfig
from ssot_audit.hostfacts.jobs_cfg import VzdumpJob
from ssot_audit.hostfacts.zpool_status import Pool, Scan
from ssot_audit.repo import Repo
from ssot_audit.spine import Spine

NOW = datetime(2026, 2, 8, 20, tzinfo=timezone.utc)
CAT = catalogue.load()


@pytest.fixture
def aligned():
    """The aligned estate's spine (not the plugin's `spine` fixture, which wants --spine-root)."""
    return Spine(Repo("agentic-spine", ALIGNED / "agentic-spine"))


def fake(name="pve", **facts):
    """A HostView's face: the attributes a check reads."""
    view = SimpleNamespace(name=name, where=lambda path: f"{name}:{path}", crontab_error=None, **facts)
    view.periodic_scrub = lambda pool: facts.get("properties", {}).get(pool, "-")
    view.timer_enabled = lambda unit: unit in facts.get("enabled", ())
    return view


def pools(**scans):
    """name=(state, scan or scans): a Scan() is `scan: none requested`, no scan line at all."""
    as_tuple = lambda scan: scan if isinstance(scan, tuple) else (scan,) if scan != Scan() else ()  # noqa: E731
    return {name: Pool(name, state, as_tuple(scan)) for name, (state, scan) in scans.items()}


def finished(days_ago):
    return Scan("scrub", "finished", end=NOW - timedelta(days=days_ago), errors=0)


# vzdump coverage --------------------------------------------------------------------------------
def test_coverage_honours_enabled_and_node(aligned):
    jobs = [
        VzdumpJob("daily", {"vmid": "200,202,203"}, 1, {"vmid": 9}),
        VzdumpJob("off", {"vmid": "204", "enabled": "0"}, 11),
        VzdumpJob("all-on-pve2", {"all": "1", "node": "pve2"}, 20),
    ]
    guests = {204: Guest(204, "infra-core", "running", "pve")}
    (finding,) = backups.check_vzdump_coverage(
        aligned, fake(vzdump_jobs=("pve:/etc/pve/jobs.cfg", jobs), guests=guests)
    )
    assert finding.location == "pve:/etc/pve/jobs.cfg:9" and "leaves out VM 204 (infra-core)" in finding.summary
    assert "job off (disabled): vmid 204" in finding.found
    all_here = [VzdumpJob("all", {"all": "1", "exclude": "9000"}, 1)]
    guests = {v: Guest(v, str(v), "running", "pve") for v in (200, 202, 203, 204, 9000)}
    assert backups.check_vzdump_coverage(aligned, fake(vzdump_jobs=("x", all_here), guests=guests)) == []


def test_coverage_reads_exclude_alone_and_enabled_as_pve_does(aligned):
    guests = {v: Guest(v, str(v), "running", "pve") for v in (200, 202, 203, 204, 9000)}
    everything_but_the_template = [VzdumpJob("weekly", {"exclude": "9000"}, 1)]
    assert (
        backups.check_vzdump_coverage(aligned, fake(vzdump_jobs=("x", everything_but_the_template), guests=guests))
        == []
    )
    but_204 = [VzdumpJob("weekly", {"exclude": "9000,204"}, 1)]
    (finding,) = backups.check_vzdump_coverage(aligned, fake(vzdump_jobs=("x", but_204), guests=guests))
    assert "leaves out VM 204" in finding.summary and "all except 9000,204" in finding.found
    spelled = [VzdumpJob("daily", {"vmid": "200,202,203,204", "enabled": "no"}, 1)]
    assert backups.check_vzdump_coverage(aligned, fake(vzdump_jobs=("x", spelled), guests={})) == []
    off = [VzdumpJob("daily", {"vmid": "200,202,203,204", "enabled": "0"}, 1), VzdumpJob("o", {"enabled": "off"}, 9)]
    found = backups.check_vzdump_coverage(aligned, fake(vzdump_jobs=("x", off), guests={}))
    assert [f.summary.split()[-2:] for f in found][-1] == ["204", "(infra-core)"]  # one finding per VM left out
    assert all("job daily (disabled)" in f.found and "PVE drops `enabled off` (not 1 or 0)" in f.found for f in found)


def test_freshness_missing_dir_and_stale(aligned):
    stale = NOW - timedelta(hours=30)
    view = fake(
        listing=lambda d: ["vzdump-qemu-200-2026_02_07-02_00_03.vma.zst"],
        mtimes=lambda paths: {p: stale for p in paths},
    )
    found = {f.summary.split()[1]: f.found for f in backups.check_backup_freshness(aligned, view, NOW)}
    assert found["vm-200-docker-host-primary"].startswith("newest is vzdump-qemu-200-2026_02_07-02_00_03.vma.zst, 30 h")
    assert found["vm-204-infra-core-primary"].startswith("no file matches vzdump-qemu-204-*.vma.zst")
    gone = fake(listing=lambda d: None, mtimes=lambda paths: {})
    assert all("does not exist" in f.found for f in backups.check_backup_freshness(aligned, gone, NOW))


# scrubs -------------------------------------------------------------------------------------------------
def line(text, file="pve:crontab -l", system=False):
    return cron.parse_crontab(text, file, system)


def test_schedule_by_cron_debian_or_timer():
    debian = line("24 0 8-14 * * root /usr/lib/zfs-linux/scrub\n", "pve:/etc/cron.d/zfsutils-linux", True)
    view = fake(
        pools=pools(tank=("ONLINE", finished(1)), media=("ONLINE", finished(1)), rpool=("ONLINE", finished(1)),
                    old=("DEGRADED", finished(1))),
        cron_lines=line("0 3 * * 0 zpool scrub tank\n") + debian,
        properties={"media": "disable", "rpool": "-", "old": "auto"},
        scrub_timers={"zfs-scrub-weekly@media.timer": "media"},
        enabled={"zfs-scrub-weekly@media.timer"},
    )  # fmt: skip
    (finding,) = scrubs.check_scrub_schedule(view)
    assert finding.summary == "pool old on pve has no scrub schedule"
    assert "skips old: pool state DEGRADED" in finding.found  # Debian's script scrubs ONLINE pools only


def test_schedule_by_a_scrub_every_pool_one_liner():
    every = line("0 2 1 * * zpool list -H -o name | while read pool; do zpool scrub $pool; done\n")
    two = pools(media=("ONLINE", finished(1)), tank=("DEGRADED", finished(1)))
    assert scrubs.check_scrub_schedule(fake(cron_lines=every, pools=two, scrub_timers={})) == []
    online = line(
        "24 0 8-14 * * root zpool list -H -o health,name | awk '$1 == \"ONLINE\" {print $2}' | "
        'while read p; do zpool scrub "$p"; done\n', "pve:/etc/cron.d/zfs-scrub", system=True,
    )  # fmt: skip
    (finding,) = scrubs.check_scrub_schedule(fake(cron_lines=online, pools=two, scrub_timers={}))
    assert finding.summary == "pool tank on pve has no scrub schedule"
    assert "pve:/etc/cron.d/zfs-scrub:1 scrubs the ONLINE pools; tank is DEGRADED" in finding.found
    filtered = line("0 5 * * 0 zpool list -H -o name | grep -v media | while read p; do zpool scrub $p; done\n")
    (finding,) = scrubs.check_scrub_schedule(fake(cron_lines=filtered, pools={"media": two["media"]}, scrub_timers={}))
    assert finding.summary == "pool media on pve has no scrub schedule"


@pytest.mark.parametrize(
    "scan, why",
    [
        (finished(3), None),
        (finished(40), "last completed scrub 2025-12-30, 40 days ago"),
        (Scan("scrub", "scanning", start=NOW - timedelta(hours=20)), None),
        (Scan("scrub", "scanning", start=NOW - timedelta(days=50)), "a scrub has been running since 2025-12-20"),
        (Scan("scrub", "paused", start=NOW - timedelta(days=2)), "the scrub is paused, started 2026-02-06"),
        (Scan("scrub", "canceled", end=NOW - timedelta(days=28)), "the last scrub was canceled on 2026-01-11"),
        (Scan(), "never scrubbed (scan: none requested)"),
        (
            Scan("resilver", "finished", end=NOW - timedelta(days=1)),
            "the last scan was a resilver (finished, 2026-02-07)",
        ),
        # OpenZFS 2.x prints the scrub, then a vdev's sequential rebuild: the scrub is what counts
        ((finished(14), Scan("resilver", "scanning", start=NOW - timedelta(hours=3), vdev="draid2:5d:10c:2s-0")), None),
        ((finished(14), Scan("resilver", "finished", end=NOW - timedelta(days=2), errors=0, vdev="mirror-1")), None),
        (
            (finished(40), Scan("resilver", "canceled", end=NOW - timedelta(days=2), vdev="mirror-1")),
            "last completed scrub 2025-12-30, 40 days ago",
        ),
        (
            (Scan("resilver", "scanning", start=NOW - timedelta(hours=3), vdev="draid1:3d:6c:1s-0"),),
            "never scrubbed (only the sequential resilver of draid1:3d:6c:1s-0 (scanning))",
        ),
    ],
)
def test_scrub_age(scan, why):
    findings = scrubs.check_scrub_age(fake(pools=pools(media=("ONLINE", scan))), NOW, 35)
    assert [f.found.split(";")[0] for f in findings] == ([why] if why else [])


# identity ---------------------------------------------------------------------------------------------------
def configs(node, *vmids, kind="qemu-server"):
    return [GuestConfig(node, kind, v) for v in vmids]


def test_node_dir():
    ok = fake(hostname="pve", node_configs={"pve": configs("pve", 101, 102), "proxmox-home": []})
    assert identity.check_node_dir(ok) == []
    drifted = fake("proxmox-home", hostname="proxmox-home", node_configs=ok.node_configs, clustered=False)
    (bad,) = identity.check_node_dir(drifted)
    assert "/etc/pve/nodes/pve/qemu-server: 101.conf, 102.conf" in bad.found
    assert bad.fix.startswith("set the hostname of proxmox-home back to the node name (pve)")
    assert identity.check_node_dir(fake(hostname="pve", node_configs={"pve": []})) == []  # no guests yet


def test_node_dir_guests_left_under_the_old_node_on_a_standalone_node():
    """GAP-OP-015 after new guests were made under the new name: the old ones are gone from `qm list`."""
    nodes = {
        "proxmox-home": configs("proxmox-home", 103),
        "pve": configs("pve", 101, 102) + configs("pve", 105, kind="lxc"),
    }
    (finding,) = identity.check_node_dir(fake("proxmox-home", hostname="proxmox-home", node_configs=nodes,
                                              clustered=False))  # fmt: skip
    assert (
        finding.summary == "guest configs of proxmox-home sit under /etc/pve/nodes/pve, not under its node proxmox-home"
    )
    assert finding.found == (
        "hostname proxmox-home; /etc/pve/nodes/pve/qemu-server: 101.conf, 102.conf; /etc/pve/nodes/pve/lxc: 105.conf"
    )
    assert finding.fix.startswith("move /etc/pve/nodes/pve/qemu-server/101.conf, ")
    lxc_only = {"proxmox-home": [], "pve": configs("pve", 105, kind="lxc")}
    (finding,) = identity.check_node_dir(fake("proxmox-home", hostname="proxmox-home", node_configs=lxc_only,
                                              clustered=False))  # fmt: skip
    assert finding.found == "hostname proxmox-home; /etc/pve/nodes/pve/lxc: 105.conf"
    # in a cluster the other node directories are the other nodes'
    clustered = fake("proxmox-home", hostname="proxmox-home", node_configs=nodes, clustered=True)
    assert identity.check_node_dir(clustered) == []


def test_hostname_and_uniqueness_honour_the_exception(aligned):
    home = fake("proxmox-home", hostname="pve", machine_id="b8")
    assert identity.check_hostname_matches_target(aligned, home) == []  # system_hostname exception: pve
    (wrong,) = identity.check_hostname_matches_target(aligned, fake("pve", hostname="r730xd"))
    assert wrong.summary == "hostname of pve is r730xd, not pve" and wrong.location.endswith("ssh.targets.yaml:19")
    (stranger,) = identity.check_hostname_matches_target(aligned, fake("pve2", hostname="pve2"))
    assert stranger.summary == "pve2 is not an ssh.targets.yaml id"
    pve = fake("pve", hostname="pve", machine_id="4c")
    assert identity.check_unique(aligned, pve, {"proxmox-home": home}) == []
    clone = fake("proxmox-home", hostname="pve", machine_id="4c")
    assert [f.summary for f in identity.check_unique(aligned, pve, {"proxmox-home": clone})] == [
        "pve and proxmox-home share machine ID 4c"
    ]


# placement -----------------------------------------------------------------------------------------------------
def test_placement_present_running_and_absent_elsewhere(aligned):
    running = {v: Guest(v, str(v), "running") for v in (200, 202, 204)}
    pve = fake(
        guests={**running, 204: Guest(204, "infra-core", "stopped")},
        node_configs={"pve": configs("pve", 200, 202, 204)},
    )
    assert [f.summary for f in placement.check_placement(aligned, pve)] == ["VM 204 (infra-core) is not running on pve"]
    home = fake("proxmox-home", guests={}, node_configs={"pve": configs("pve", 101, 204)})
    (moved,) = placement.check_placement(aligned, home)
    assert moved.found == "proxmox-home has /etc/pve/nodes/pve/qemu-server/204.conf"


# tailscale ------------------------------------------------------------------------------------------------------
def test_tailnet_running_ip_and_online(aligned):
    stopped = tailscale_status.Status("Stopped", ())
    (finding,) = tailnet.check_tailnet(aligned, fake(tailnet=stopped))
    assert finding.found == "BackendState Stopped"
    nodes = [
        tailscale_status.Node(f"{host}.taile9480.ts.net.", host, (ip,), True)
        for host, ip, _ in tailnet.tailnet_targets(aligned)
    ]
    nodes[0] = tailscale_status.Node(nodes[0].dns_name, nodes[0].host_name, ("100.64.0.9",), True)
    nodes[1] = tailscale_status.Node(nodes[1].dns_name, nodes[1].host_name, nodes[1].ips, False)
    findings = tailnet.check_tailnet(aligned, fake(tailnet=tailscale_status.Status("Running", tuple(nodes[:-1]))))
    assert [f.found.split(" has ")[-1].split(" is ")[-1] for f in findings] == [
        "100.64.0.9", "offline", f"no node named {nodes[-1].name} on the tailnet"
    ]  # fmt: skip


def test_each_vm_left_out_is_its_own_finding_about_that_vm(aligned):
    """C2 is VM 204: a job that also leaves out 203 gives a second finding, which is drift beyond C2."""
    jobs = [VzdumpJob("daily", {"vmid": "200,201,202"}, 1, {"vmid": 9})]
    found = backups.check_vzdump_coverage(aligned, fake(vzdump_jobs=("pve:/etc/pve/jobs.cfg", jobs), guests={}))
    assert [dict(f.about) for f in found] == [{"vmid": frozenset({"203"})}, {"vmid": frozenset({"204"})}]
    claimed = CAT.claims("test_vzdump_job_covers_backup_targets", {"host": frozenset({"pve"})})
    about = [
        [
            e.id
            for e in CAT.about(
                "test_vzdump_job_covers_backup_targets", claimed, {"host": frozenset({"pve"}), **f.about}
            )
        ]
        for f in found
    ]
    assert about == [[], ["C2"]]
