"""The host-output parsers, on samples of the estate's hosts (selftest/data/hostfacts, fixtures/hosts).

Pure functions over text: these run everywhere, with or without test hosts.
"""

from datetime import datetime, timezone
from pathlib import Path

import pytest

from ssot_audit.hostfacts import clock, cron, files, guests, jobs_cfg, tailscale_status, timers, zpool_status

DATA = Path(__file__).parent / "data" / "hostfacts"
HOSTS = Path(__file__).parent.parent / "fixtures" / "hosts"


def read(name: str) -> str:
    return (DATA / name).read_text()


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


# jobs.cfg / pvesh --------------------------------------------------------------------------------
def test_jobs_cfg_keeps_vzdump_sections_with_their_lines():
    jobs = {j.id: j for j in jobs_cfg.parse_jobs_cfg(read("jobs.cfg"))}
    assert list(jobs) == ["backup-ronny-daily-2026-01-22", "backup-3b9d2e71-a0c4", "backup-media-pool",
                          "backup-home-weekly"]  # fmt: skip
    daily = jobs["backup-ronny-daily-2026-01-22"]
    assert daily.line == 2 and daily.line_of("vmid") == 10
    assert daily.vmids() == {200, 201, 202, 203, 204, 205, 206, 207, 209, 210}  # unsorted, compared as a set
    assert jobs["backup-3b9d2e71-a0c4"].options["comment"] == "Weekly%3A everything on pve but the template"


def test_enabled_absent_means_enabled():
    jobs = {j.id: j for j in jobs_cfg.parse_jobs_cfg(read("jobs.cfg"))}
    assert jobs["backup-3b9d2e71-a0c4"].enabled
    assert not jobs["backup-media-pool"].enabled


def test_duplicate_key_keeps_the_first_and_lists_split_like_proxmox():
    job = next(j for j in jobs_cfg.parse_jobs_cfg(read("jobs.cfg")) if j.id == "backup-home-weekly")
    assert job.vmids() == {101, 102}


def test_selection_pool_then_vmid_then_all_then_node():
    g = {
        200: guests.Guest(200, "docker-host", "running", "pve", "media-vms"),
        204: guests.Guest(204, "infra-core", "running", "pve"),
        9000: guests.Guest(9000, "template", "stopped", "pve", template=True),
        101: guests.Guest(101, "immich", "stopped", "pve2"),
    }
    pool = jobs_cfg.VzdumpJob("p", {"pool": "media-vms", "vmid": "204", "all": "1"})
    assert pool.selects(g) == {200}  # pool wins over vmid and all
    listed = jobs_cfg.VzdumpJob("v", {"vmid": "204,999", "all": "1"})
    assert listed.selects(g) == {204, 999}  # vmid wins over all; an unknown VMID stays selected
    everything = jobs_cfg.VzdumpJob("a", {"all": "1", "exclude": "9000", "node": "pve"})
    assert everything.selects(g) == {200, 204}  # all minus exclude, then only node pve
    assert jobs_cfg.VzdumpJob("n", {"vmid": "101,204", "node": "pve"}).selects(g) == {204}
    assert not jobs_cfg.VzdumpJob("x", {}).selects(g)
    assert listed.needs_guests() is False and everything.needs_guests() is True


def test_jobs_cfg_read_as_pve_reads_a_hand_edited_file():
    jobs = {j.id: j for j in jobs_cfg.parse_jobs_cfg(read("jobs-hand-edited.cfg"))}
    assert list(jobs) == ["backup-ronny-daily-2026-01-22", "backup-weekly-all", "backup-media-pool",
                          "backup-old-nightly", "backup-all-spelled-out"]  # fmt: skip
    daily = jobs["backup-ronny-daily-2026-01-22"]
    # a whitespace-only line and an indented comment do not end the section
    assert daily.vmids() == {200, 201, 202, 203, 204} and daily.line_of("vmid") == 8
    assert daily.options["storage"] == "tank-backups"
    # a header with no empty line before it is no section: PVE ignores it, and its option is a duplicate
    assert jobs["backup-old-nightly"].vmids() == {100, 101} and not jobs["backup-old-nightly"].enabled


def test_exclude_alone_selects_all_guests_but_those():
    weekly = {j.id: j for j in jobs_cfg.parse_jobs_cfg(read("jobs-hand-edited.cfg"))}["backup-weekly-all"]
    g = {v: guests.Guest(v, str(v), "running", "pve") for v in (200, 204, 9000)}
    assert weekly.selection == "all" and weekly.selects(g) == {200, 204}
    assert weekly.needs_guests()
    assert jobs_cfg.VzdumpJob("p", {"pool": "media-vms", "exclude": "204"}).selection == "pool"
    assert jobs_cfg.VzdumpJob("none", {"schedule": "02:00"}).selects(g) == set()


@pytest.mark.parametrize(
    "value, enabled",
    [(None, True), ("", True), ("1", True), ("0", False),
     # spellings PVE's CLI accepts but its file parser rejects: the option is dropped, the default (1) applies
     ("no", True), ("off", True), ("false", True), ("yes", True), ("On", True)],
)  # fmt: skip
def test_enabled_as_pve_reads_it_from_the_file(value, enabled):
    options = {} if value is None else {"enabled": value}
    assert jobs_cfg.VzdumpJob("j", options).enabled is enabled


def test_all_must_be_a_pve_boolean_too():
    jobs = {j.id: j for j in jobs_cfg.parse_jobs_cfg(read("jobs-hand-edited.cfg"))}
    assert jobs["backup-all-spelled-out"].selection == "none" and jobs["backup-all-spelled-out"].enabled
    assert jobs["backup-weekly-all"].enabled  # `enabled` with no value is 1
    assert jobs["backup-media-pool"].enabled  # `enabled no` is dropped by PVE
    assert jobs_cfg.VzdumpJob("a", {"all": ""}).selection == "all"


def test_pvesh_backup_json_is_the_same_job_model():
    jobs = {j.id: j for j in jobs_cfg.parse_pvesh_backup(read("pvesh-cluster-backup.json"))}
    assert jobs["backup-ronny-daily-2026-01-22"].vmids() == {200, 201, 202, 203}
    assert jobs["backup-ronny-daily-2026-01-22"].line is None
    assert not jobs["backup-3b9d2e71-a0c4"].enabled and jobs["backup-3b9d2e71-a0c4"].selection == "all"
    assert "prune-backups" not in jobs["backup-ronny-daily-2026-01-22"].options  # an object, not an option value
    (job,) = jobs_cfg.parse_pvesh_backup('[{"id": "b", "type": "vzdump", "enabled": false, "all": true}]')
    assert not job.enabled and job.selection == "all"  # JSON booleans, should a version print them


def test_host_fixture_jobs_cfg_differs_by_vm_204():
    drifted = jobs_cfg.parse_jobs_cfg((HOSTS / "drifted/pve/etc/pve/jobs.cfg").read_text())
    aligned = jobs_cfg.parse_jobs_cfg((HOSTS / "aligned/pve/etc/pve/jobs.cfg").read_text())
    assert aligned[0].vmids() - drifted[0].vmids() == {204}


# guests ------------------------------------------------------------------------------------------
def test_qm_list_names_with_spaces_and_overflow():
    found = guests.parse_qm_list(read("qm-list.txt"))
    assert sorted(found) == [200, 205, 206, 207, 9000]
    assert found[205].name == "VM 205" and found[205].status == "stopped"
    assert found[206].name == "dev-tools-gitea-runner-01" and found[206].status == "running"
    assert guests.parse_qm_list("") == {}  # no VMs: no output, not even a header


def test_cluster_resources_json():
    found = guests.parse_cluster_resources(
        (HOSTS / "aligned/pve/var/lib/testhost/pvesh-cluster-resources-vm.json").read_text()
    )
    assert found[204].node == "pve" and found[204].status == "running"
    assert found[9000].template


# zpool status ------------------------------------------------------------------------------------
def test_zpool_json_canceled_and_finished():
    pools = zpool_status.parse_status_json((HOSTS / "drifted/pve/var/lib/testhost/zpool-status.json").read_text())
    assert pools["media"].scan.state == zpool_status.CANCELED
    assert pools["media"].scan.end == utc(2026, 1, 11, 14, 12, 40)  # 04:12:40 in pve's zone (HST)
    assert pools["tank"].scan.function == zpool_status.SCRUB and pools["tank"].scan.state == zpool_status.FINISHED


def test_zpool_json_in_progress_and_never_scanned():
    text = (HOSTS / "aligned/pve/var/lib/testhost/zpool-status.json").read_text()
    assert zpool_status.parse_status_json(text)["media"].scan.state == zpool_status.SCANNING
    never = '{"pools":{"rpool":{"name":"rpool","state":"ONLINE"}}}'
    assert zpool_status.parse_status_json(never)["rpool"].scan.function == zpool_status.NONE


def test_zpool_text_two_pools_in_progress_and_ctime_double_space():
    pools = zpool_status.parse_status_text(read("zpool-status-two-pools.txt"))
    assert pools["media"].scan.state == zpool_status.SCANNING
    assert pools["media"].scan.start == utc(2026, 2, 8, 0, 24, 5)
    assert pools["tank"].scan.end == utc(2026, 2, 8, 7, 18, 7) and pools["tank"].scan.errors == 0


def test_zpool_text_canceled_paused_never_resilvered_error_scrub():
    assert zpool_status.parse_status_text(read("zpool-status-canceled.txt"))["media"].scan.end == utc(
        2026, 1, 11, 4, 12, 40
    )
    paused = zpool_status.parse_status_text(read("zpool-status-paused.txt"))["media"].scan
    assert paused.state == zpool_status.PAUSED and paused.start == utc(2026, 2, 8, 0, 24, 5)
    pools = zpool_status.parse_status_text(read("zpool-status-never-and-resilvered.txt"))
    assert pools["rpool"].scan.function == zpool_status.NONE
    assert pools["tank"].state == "DEGRADED" and pools["tank"].scan.function == zpool_status.RESILVER
    assert pools["backup"].scan.function == zpool_status.ERRORSCRUB


def test_zpool_text_dates_read_in_the_hosts_zone():
    from zoneinfo import ZoneInfo

    pools = zpool_status.parse_status_text(read("zpool-status-canceled.txt"), ZoneInfo("America/Adak"))
    assert pools["media"].scan.end.astimezone(timezone.utc) == utc(2026, 1, 11, 14, 12, 40)


def rebuild(function, state, vdev, *, start=None, end=None, errors=None):
    return zpool_status.Scan(function, state, start, end, errors, vdev)


SCRUB, RESILVER = zpool_status.SCRUB, zpool_status.RESILVER
FINISHED, SCANNING, CANCELED = zpool_status.FINISHED, zpool_status.SCANNING, zpool_status.CANCELED
DRAID = "draid2:5d:10c:2s-0"
# What each pool of zpool-status-scrub-and-rebuilds.{txt,json} shows: the scrub, then each rebuild (OpenZFS 2.x)
REBUILDS = {
    "media": (utc(2026, 1, 25, 11, 26, 52), [rebuild(RESILVER, SCANNING, DRAID, start=utc(2026, 2, 7, 22, 10, 31))]),
    "tank": (utc(2026, 2, 1, 7, 18, 7), [rebuild(RESILVER, FINISHED, DRAID, end=utc(2026, 2, 3, 9, 15, 40), errors=0)]),
    "backup": (utc(2026, 1, 11, 1, 5, 19), [rebuild(RESILVER, CANCELED, "mirror-1", end=utc(2026, 2, 2, 18, 3, 11))]),
    "fresh": (None, [rebuild(RESILVER, SCANNING, "draid1:3d:6c:1s-0", start=utc(2026, 2, 8, 6, 0, 2))]),
}


@pytest.mark.parametrize("form", ["txt", "json"])
@pytest.mark.parametrize("name", REBUILDS)
def test_zpool_every_scan_line_a_scrub_and_its_rebuilds(form, name):
    text = read(f"zpool-status-scrub-and-rebuilds.{form}")
    pool = (zpool_status.parse_status_text if form == "txt" else zpool_status.parse_status_json)(text)[name]
    scrubbed, rebuilds = REBUILDS[name]

    def shown(scan):  # what both forms give (JSON adds a finished scan's start, and errors to every state)
        return scan.function, scan.state, scan.vdev, scan.start if scan.state == SCANNING else scan.end

    assert [shown(s) for s in pool.scans if s.vdev] == [shown(s) for s in rebuilds]
    if scrubbed is None:
        assert pool.scrub is None and shown(pool.scan) == shown(rebuilds[0])
    else:
        assert (pool.scrub.state, pool.scrub.end, pool.scrub.errors) == (FINISHED, scrubbed, 0)
        assert pool.scan == pool.scrub  # the scrub, not the rebuild printed after it


def test_zpool_text_two_rebuilds_and_an_error_scrub():
    pools = zpool_status.parse_status_text(read("zpool-status-scrub-and-rebuilds.txt"))
    assert [(s.function, s.state, s.vdev) for s in pools["wide"].scans] == [
        (SCRUB, FINISHED, None), (RESILVER, SCANNING, DRAID), (RESILVER, FINISHED, "draid2:5d:10c:2s-1")]  # fmt: skip
    assert pools["wide"].scrub.end == utc(2026, 1, 19, 4, 31, 22)
    (errs,) = pools["errs"].scans  # ` scrub: scrubbed N error blocks`: the error scrub hides the scrub before it
    assert (errs.function, errs.state, errs.end) == (zpool_status.ERRORSCRUB, FINISHED, utc(2026, 2, 5, 10, 0, 12))


def test_zpool_json_error_scrub_keeps_the_scrub():
    pool = zpool_status.parse_status_json(read("zpool-status-scrub-and-rebuilds.json"))["errs"]
    assert [(s.function, s.state) for s in pool.scans] == [(SCRUB, FINISHED), (zpool_status.ERRORSCRUB, FINISHED)]
    assert pool.scrub.end == utc(2026, 1, 4, 0, 31, 44)


# cron and timers -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target, zone",
    [("/usr/share/zoneinfo/America/New_York\n", "America/New_York"), ("../usr/share/zoneinfo/Etc/UTC", "Etc/UTC"),
     ("/usr/share/zoneinfo/posix/America/Adak", "America/Adak"), ("/etc/alternatives/localtime", None),
     ("/usr/share/zoneinfo/Nowhere/Atlantis", None)],
)  # fmt: skip
def test_zone_of_the_localtime_link(target, zone):
    found = clock.zone_of_localtime(target)
    assert (str(found) if found else None) == zone


def test_utc_offset_of_date():
    assert clock.parse_offset("-1000\n").utcoffset(None).total_seconds() == -36000
    assert clock.parse_offset("+0530").utcoffset(None).total_seconds() == 19800
    with pytest.raises(ValueError):
        clock.parse_offset("HST")


def test_host_fixtures_link_localtime_to_their_zone():
    for tree in sorted(HOSTS.glob("*/*/etc")):
        assert (tree / "localtime").readlink().name == (tree / "timezone").read_text().strip().rsplit("/")[-1], tree


def test_user_crontab_scrubs():
    lines = cron.parse_crontab(read("crontab-root.txt"), "pve:crontab -l")
    assert [line.line for line in lines] == [3, 4, 6, 7, 8]  # no comments, no MAILTO=
    scrubbed = [cron.scrubbed_pools(line) for line in lines]
    assert scrubbed == [set(), {"tank"}, {"backup", "rpool"}, set(), {"media"}]  # -s stops a scrub
    assert lines[4].schedule == "@weekly"


def test_scrub_every_pool_one_liners():
    lines = cron.parse_crontab(read("crontab-scrub-all-pools.txt"), "pve:crontab -l")
    assert [cron.scrubs_every_pool(line, "ONLINE") for line in lines] == [True] * 5 + [False, False]
    assert all(not cron.scrubbed_pools(line) for line in lines)  # no pool is named
    assert all(cron.scrubs_every_pool(line, "DEGRADED") for line in lines[:5])  # they ask for no health


def test_scrub_every_online_pool_from_cron_d():
    (line,) = cron.parse_crontab(read("cron.d-zfs-scrub-online"), "pve:/etc/cron.d/zfs-scrub", system=True)
    assert line.user == "root"
    assert cron.scrubs_every_pool(line, "ONLINE") and not cron.scrubs_every_pool(line, "DEGRADED")


def test_system_crontab_has_a_user_field_and_debian_scrub():
    (line,) = cron.parse_crontab(read("cron.d-zfsutils-linux"), "/etc/cron.d/zfsutils-linux", system=True)
    assert line.user == "root" and line.schedule == "24 0 8-14 * *" and line.line == 4
    assert cron.runs_debian_scrub(line) and not cron.scrubbed_pools(line)


def test_list_timers_and_scrub_units():
    units = timers.parse_list_timers(read("list-timers.txt"))
    assert units == ["pve-daily-update.timer", "zfs-scrub-weekly@tank.timer", "zfs-scrub-monthly@media.timer",
                     "e2scrub_all.timer"]  # fmt: skip
    assert timers.scrub_timers(units) == {
        "zfs-scrub-weekly@tank.timer": "tank",
        "zfs-scrub-monthly@media.timer": "media",
    }
    assert timers.is_enabled("enabled\n") and not timers.is_enabled("disabled\n")


# tailscale ----------------------------------------------------------------------------------------
def test_tailscale_finds_nodes_by_dns_name_not_hostname():
    status = tailscale_status.parse_status(
        (HOSTS / "aligned/infra-core/var/lib/testhost/tailscale-status.json").read_text()
    )
    assert status.backend_state == "Running"
    assert status.nodes[0].is_self and status.nodes[0].name == "infra-core"
    home = status.find("proxmox-home")
    assert home.host_name == "pve" and "100.103.99.62" in home.ips  # after GAP-OP-015 it calls itself pve
    assert status.find("pve").dns_name.startswith("pve.")  # two HostName pve: the DNS name decides
    assert status.find("synology918").name == "nas"  # a unique HostName still finds it


def test_tailscale_stopped_and_sparse():
    status = tailscale_status.parse_status('{"BackendState": "Stopped", "Self": {"HostName": "pve"}}')
    assert status.backend_state == "Stopped" and status.find("pve").ips == ()


# files ----------------------------------------------------------------------------------------------
def test_ls_and_stat():
    assert files.parse_ls("a.conf\nb.conf\n") == ["a.conf", "b.conf"]
    stamps = files.parse_stat("1770555602 /tank/backups/vzdump/dump/vzdump-qemu-200-2026_02_08-02_00_03.vma.zst\n")
    assert stamps == {
        "/tank/backups/vzdump/dump/vzdump-qemu-200-2026_02_08-02_00_03.vma.zst": utc(2026, 2, 8, 13, 0, 2)
    }


@pytest.mark.parametrize("bad", ["", "not json"])
def test_machine_formats_reject_garbage(bad):
    with pytest.raises(ValueError):
        tailscale_status.parse_status(bad)
