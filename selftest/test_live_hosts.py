"""The live suite end to end, over real SSH, against the test hosts (fixtures/hosts): one sshd per host in
its own mount and UTS namespace, reached by name through a generated ssh_config, as a user would."""

import os
import sys
import time

from selftest.suite import DRIFTED, run_suite
from selftest.testhosts import DRIFTED_FAILURES, host_args, launch, run_live, start
from ssot_audit.probe import is_allowed

# infra-core is a VM without ZFS: its scrub tests skip and say so. The waivers test runs in every scope.
# The bundled estate is a data-only extract: its spine lists no gates of its own to judge by their scripts.
EXPECTED_SKIPS = ("infra-core has no `zpool` command", "no waivers file", "the spine lists no gates")


def skips_expected(outcome) -> bool:
    return all(any(reason in str(r.longrepr) for reason in EXPECTED_SKIPS) for r in outcome.skipped())


def test_drifted_hosts_fail_exactly_c1_c2_c3_and_gate_d39(pytester, drifted_hosts):
    outcome = run_live(pytester, drifted_hosts)
    assert not outcome.errors
    assert outcome.failing_tests() == DRIFTED_FAILURES, outcome.messages()
    assert outcome.failing_ids() == {"C1", "C2", "C3"}
    assert outcome.failing_ids("gate") == {"D39"}
    assert skips_expected(outcome), [r.longrepr for r in outcome.skipped()]


def test_drifted_failures_name_host_file_line_expected_found_fix(pytester, drifted_hosts):
    text = run_live(pytester, drifted_hosts, "-k", "vzdump or scrub or node").messages()
    for needle in [
        "pve:/etc/pve/jobs.cfg:9: vzdump on pve leaves out VM 204 (infra-core)",
        "backup.inventory.yaml line 29",
        "found:    job backup-ronny-daily-2026-01-22 (enabled): vmid 200,201,202,203",
        "pool media on pve has no scrub schedule",
        "skips media: org.debian:periodic-scrub=disable; zfs-scrub-monthly@media.timer is not enabled",
        "found:    the last scrub was canceled on 2026-01-11",
        "found:    hostname proxmox-home; /etc/pve/nodes/pve/qemu-server: 101.conf, 102.conf",
        "fix:      set the hostname of proxmox-home back to the node name (pve)",
    ]:
        assert needle in text, text
    assert "Traceback" not in text


def test_aligned_hosts_pass_everything(pytester, aligned_hosts):
    outcome = run_live(pytester, aligned_hosts)
    assert outcome.ret == 0, outcome.messages()
    assert not outcome.failed() and not outcome.errors
    assert skips_expected(outcome), [r.longrepr for r in outcome.skipped()]


def test_hosts_receive_only_allowlisted_commands_each_once(pytester, drifted_hosts):
    before = {a: len(h.commands()) for a, h in drifted_hosts.hosts.items()}
    outcome = run_live(pytester, drifted_hosts)
    assert outcome.failing_tests() == DRIFTED_FAILURES
    for alias, host in drifted_hosts.hosts.items():
        sent = host.commands()[before[alias] :]
        assert sent, f"{alias} received nothing"
        assert len(sent) == len(set(sent)), f"{alias} was asked something twice: {sent}"
        # the whole log: this run's and every earlier run's on these hosts in this session (ssh, xdist)
        assert [c for c in host.commands() if not is_allowed(c)] == [], alias


def test_parallel_run_gives_the_same_results(pytester, drifted_hosts):
    outcome = run_live(pytester, drifted_hosts, "-n", "4")
    assert outcome.failing_tests() == DRIFTED_FAILURES, outcome.messages()
    assert outcome.failing_ids() == {"C1", "C2", "C3"} and outcome.failing_ids("gate") == {"D39"}


def test_stopped_host_is_one_clear_failure_within_the_connect_timeout(pytester, tmp_path_factory):
    hosts = start(tmp_path_factory, "drifted", {"pve": "pve", "proxmox-home": "proxmox-home"})
    try:
        hosts.hosts["proxmox-home"].stop()
        began = time.monotonic()
        outcome = run_live(pytester, hosts)
        elapsed = time.monotonic() - began
    finally:
        hosts.stop_all()
    home = [r for r in outcome.reports if "proxmox-home" in r.nodeid]
    failed = [r for r in home if r.failed]
    assert [r.nodeid.split("::")[1] for r in failed] == ["test_host_is_reachable[ssh://proxmox-home]"]
    assert "cannot reach proxmox-home over SSH" in failed[0].longreprtext
    assert "Connection refused" in failed[0].longreprtext
    skipped = [r for r in home if r.skipped]
    assert skipped and all("proxmox-home is unreachable" in str(r.longrepr) for r in skipped)
    # one refused connection, not one wait per test (ten tests would take minutes); loose for a loaded machine
    assert elapsed < 25, f"{elapsed:.1f} s: tests waited on the dead host"


def test_live_alone_without_hosts_is_a_usage_error(pytester):
    """A nightly `-m live` that lost its --hosts must not look green."""
    from selftest.suite import run_suite_raw

    result = run_suite_raw(pytester, DRIFTED, markers="live")
    assert result.ret == 4
    assert "only live checks are selected and there are no hosts" in result.stderr.str()


def test_mixed_run_without_hosts_skips_live_and_never_tests_this_machine(pytester):
    outcome = run_suite(pytester, DRIFTED, "-k", "gap or vzdump or reachable", markers="static or live")
    assert not outcome.errors
    on_hosts = [r for r in outcome.reports if r.nodeid.startswith("live/")]
    assert on_hosts and all(r.skipped and "live checks need --hosts" in str(r.longrepr) for r in on_hosts)


def test_harness_reports_why_it_cannot_start(monkeypatch):
    monkeypatch.setattr(launch.os, "geteuid", lambda: 1000)
    assert launch.unavailable() == "test hosts need root (mount and UTS namespaces)"


def test_the_aligned_estate_with_its_hosts_and_workstation_is_ready_to_close(
    pytester, aligned_hosts, tmp_path, monkeypatch
):
    """`make audit ESTATE=fixtures/estate-aligned HOSTS=aligned`: every scope runs and nothing is left unproven."""
    import json

    from fixtures.workstation import make_workstation
    from selftest.suite import ALIGNED

    home, bindir = make_workstation(tmp_path, ALIGNED)
    monkeypatch.setenv("PATH", f"{bindir}:{os.environ['PATH']}")
    reports = tmp_path / "reports"
    outcome = run_suite(pytester, ALIGNED, *host_args(aligned_hosts), "--home", str(home),
                        "--ssot-report-dir", str(reports), markers="static or crossrepo or live or local")  # fmt: skip
    assert outcome.ret == 0, outcome.messages()
    document = json.loads((reports / "results.json").read_text())
    assert document["verdict"].startswith("READY TO CLOSE"), [
        (e["id"], e["status"], e["reasons"]) for e in document["entries"] if e["status"] != "passed"
    ]
    on_linux = not sys.platform.startswith("darwin")
    assert ("not applicable: gate D4" in document["verdict"]) is on_linux
