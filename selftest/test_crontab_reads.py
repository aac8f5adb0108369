"""A crontab that could not be read is not an empty one, on the workstation (D29) and on the hosts (C3's schedule):
`crontab -l` exits 1 saying `no crontab for USER` when there is none; any other failure leaves it unknown."""

from pathlib import Path

import pytest

from fixtures.workstation import make_workstation
from selftest.suite import copy_estate, run_suite
from selftest.test_probe import view
from ssot_audit import local_facts
from ssot_audit.checks.live import scrubs
from ssot_audit.hostfacts import cron

ZPOOL = "zpool status -j --json-int"
TIMERS = "systemctl list-timers --all --no-legend --no-pager"
SCRUBBED = (0, '{"pools":{"media":{"name":"media","state":"ONLINE"}}}', "")
# The system cron tables, empty: only root's crontab could schedule a scrub.
SYSTEM = {"cat /etc/crontab": (0, "", ""), "ls -1 /etc/cron.d": (0, "", ""), ZPOOL: SCRUBBED}


@pytest.mark.parametrize(
    "rc, stderr, listing",
    [
        (0, "", "0 3 * * 0 zpool scrub tank\n"),
        (1, "no crontab for root\n", ""),  # Debian's cron, cronie
        (1, "crontab: no crontab for ronny\n", ""),  # macOS, busybox
        (1, "crontab: your UID isn't in the passwd file. bailing out.\n", None),
        (1, "You (ronny) are not allowed to use this program (crontab)\n", None),  # cron.deny
        (1, "", None),
        (2, "no crontab for root\n", None),  # that message with another status is no listing either
    ],
)
def test_crontab_listing(rc, stderr, listing):
    stdout = "0 3 * * 0 zpool scrub tank\n" if rc == 0 else ""
    assert cron.crontab_listing(rc, stdout, stderr) == listing


# the workstation (D29) -----------------------------------------------------------------------------------------
def crontab_stub(bindir: Path, body: str) -> None:
    path = bindir / "crontab"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def bindir(tmp_path, monkeypatch):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    monkeypatch.setenv("PATH", f"{bindir}:/usr/bin:/bin")
    return bindir


def test_user_crontab_none_is_empty_and_a_failure_is_unreadable(bindir, monkeypatch):
    crontab_stub(bindir, "echo 'no crontab for ronny' >&2; exit 1")
    assert local_facts.user_crontab() == ""
    crontab_stub(bindir, "echo 'crontab: your UID isn'\"'\"'t in the passwd file. bailing out.' >&2; exit 1")
    with pytest.raises(local_facts.Unreadable, match=r"failed \(exit status 1: crontab: your UID isn't in the passwd"):
        local_facts.user_crontab()
    crontab_stub(bindir, "exec sleep 5")
    monkeypatch.setattr(local_facts, "_TIMEOUT", 0.3)
    with pytest.raises(local_facts.Unreadable, match="gave no answer within 0.3 s"):
        local_facts.user_crontab()
    (bindir / "crontab").unlink()
    monkeypatch.setenv("PATH", str(bindir))
    assert local_facts.user_crontab() is None


@pytest.fixture
def workstation(tmp_path, monkeypatch):
    estate = copy_estate(tmp_path)
    home, bindir = make_workstation(tmp_path, estate)
    monkeypatch.setenv("PATH", str(bindir))
    return estate, home, bindir


D29_CRONTAB = "test_user_crontab_runs_no_legacy_entrypoint"


def d29(pytester, estate, home):
    outcome = run_suite(pytester, estate, "--home", str(home), "-k", D29_CRONTAB, markers="local")
    (report,) = outcome.reports
    return outcome, report


def test_d29_no_crontab_passes_and_a_failed_read_is_a_skip_with_its_reason(workstation, pytester):
    estate, home, bindir = workstation
    crontab_stub(bindir, "echo 'no crontab for ronny' >&2; exit 1")
    _, report = d29(pytester, estate, home)
    assert report.passed
    crontab_stub(bindir, "echo 'crontab: Permission denied' >&2; exit 1")  # the legacy line may be in there
    outcome, report = d29(pytester, estate, home)
    assert report.skipped and not outcome.failing_ids("gate")
    assert "the user crontab could not be read: `crontab -l` failed (exit status 1: crontab: Permission denied)" in (
        str(report.longrepr)
    )


# the hosts (C3's schedule) ---------------------------------------------------------------------------------------
def test_host_without_a_crontab_reads_none_and_a_failure_leaves_the_schedule_unproven():
    none = view({"crontab -l": (1, "", "no crontab for root\n"), TIMERS: (0, "", ""), **SYSTEM})
    (finding,) = scrubs.check_scrub_schedule(none)
    assert finding.summary == "pool media on pve has no scrub schedule" and finding.fix
    assert scrubs.schedule_not_proven(none) is None
    denied = view({"crontab -l": (1, "", "crontab: root: Permission denied\n"), TIMERS: (0, "", ""), **SYSTEM})
    assert scrubs.check_scrub_schedule(denied) == []  # a crontab that might hold the scrub is no proof it does not
    assert scrubs.schedule_not_proven(denied) == (
        "whether media on pve has a scrub schedule is not proven: no cron table or timer that could be read "
        "schedules it, and `crontab -l` failed on pve (exit status 1: crontab: root: Permission denied)"
    )


def test_host_pool_scheduled_elsewhere_needs_no_crontab():
    timer = "Sun 2026-02-15 00:00:00 UTC 6 days left - - zfs-scrub-weekly@media.timer zfs-scrub@media.service\n"
    denied = view({
        "crontab -l": (1, "", "crontab: root: Permission denied\n"), TIMERS: (0, timer, ""), **SYSTEM,
        "systemctl is-enabled zfs-scrub-weekly@media.timer": (0, "enabled\n", ""),
    })  # fmt: skip
    assert scrubs.check_scrub_schedule(denied) == [] and scrubs.schedule_not_proven(denied) is None
