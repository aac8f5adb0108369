"""Every gate proven both ways: a named mutation fails exactly its gates, and the original's defects are fixed
(comment filters work, vacuous passes are visible skips, the clock is injectable, nothing is run or written)."""

import os
import subprocess
import sys

import pytest

from fixtures.workstation import make_workstation
from selftest.gate_mutations import (
    COMMENT_MUTATIONS,
    ESTATE_MUTATIONS,
    HOME_MUTATIONS,
    remove,
    replace,
    write,
)
from selftest.suite import copy_estate, one_engine, run_suite, run_suite_raw, suite_args
from ssot_audit import catalogue, tree

# D4 never fails by design (warn-only, and launchd exists only on macOS); D39 belongs to the live suite.
UNFAILABLE = {"D4", "D21", "D39"}
SPINE = "agentic-spine"


def _assert_exactly(outcome, expected):
    assert not outcome.errors
    assert outcome.failing_ids("gate") == expected, outcome.messages()
    assert not outcome.failing_ids("disconnect"), outcome.messages()
    for report in outcome.failed():
        text = report.longreprtext
        assert "expected:" in text and "found:" in text and "fix:" in text, text
        assert "Traceback" not in text, text


@pytest.mark.parametrize("mutation", ESTATE_MUTATIONS + COMMENT_MUTATIONS, ids=lambda m: m.name)
def test_estate_mutation_fails_exactly_its_gates(mutation, pytester, tmp_path):
    estate = copy_estate(tmp_path)
    mutation.apply(estate)
    _assert_exactly(one_engine(pytester, estate, tmp_path), mutation.expected)


@pytest.fixture
def workstation(tmp_path, monkeypatch):
    """The aligned estate with a home and a PATH that satisfy every workstation gate."""
    estate = copy_estate(tmp_path)
    home, bindir = make_workstation(tmp_path, estate)
    monkeypatch.setenv("PATH", str(bindir))  # the probed tools are stubs; nothing else is on PATH
    return estate, home, bindir


def run_local(pytester, estate, home, *args):
    return run_suite(pytester, estate, "--home", str(home), *args, markers="local")


def test_aligned_workstation_passes(workstation, pytester):
    estate, home, _ = workstation
    outcome = run_local(pytester, estate, home)
    _assert_exactly(outcome, set())
    skipped = {r.nodeid.split("::")[1]: str(r.longrepr) for r in outcome.skipped()}
    assert "launchd exists only on macOS" in skipped["test_inbox_watcher_is_running"]
    assert "test_user_crontab_runs_no_legacy_entrypoint" not in skipped  # its crontab is there, and empty


@pytest.mark.parametrize("mutation", HOME_MUTATIONS, ids=lambda m: m.name)
def test_home_mutation_fails_exactly_its_gates(mutation, workstation, pytester):
    estate, home, bindir = workstation
    mutation.apply(home, bindir)
    _assert_exactly(run_local(pytester, estate, home), mutation.expected)


def test_every_gate_has_a_mutation():
    mutated = set().union(*(m.expected for m in ESTATE_MUTATIONS + HOME_MUTATIONS))
    gates = {e.id for e in catalogue.load().of_kind("gate")}
    assert mutated == gates - UNFAILABLE


# --- vacuous passes are visible -----------------------------------------------------------
def _skips(outcome) -> dict[str, str]:
    return {r.nodeid.split("::")[1]: str(r.longrepr) for r in outcome.skipped()}


def test_no_api_capability_is_a_visible_skip(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    replace(estate, f"{SPINE}/ops/capabilities.yaml", "    touches_api: true\n", "", count=2)
    outcome = run_suite(pytester, estate, "-k", "api_capability")
    _assert_exactly(outcome, set())
    assert (
        "no capability declares touches_api"
        in _skips(outcome)["test_api_capability_declares_secrets_preconditions[none]"]
    )


def test_no_receipts_and_no_ledger_are_visible_skips(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    for session in (estate / SPINE / "receipts" / "sessions").iterdir():
        for file in session.iterdir():
            file.unlink()
        session.rmdir()
    remove(f"{SPINE}/mailroom/state/open_loops.jsonl")(estate)
    skips = _skips(run_suite(pytester, estate, "-k", "session or receipt or ledger"))
    assert "receipts/sessions/ is empty" in skips["test_recent_session_has_receipt[none]"]
    stamps = [reason for name, reason in skips.items() if name.startswith("test_latest_receipt_carries_stamp")]
    assert len(stamps) == 6 and all("there is no receipt to check" in reason for reason in stamps)
    assert "open_loops.jsonl: file is missing" in skips["test_loop_ledger_reduces_cleanly"]


def test_absent_actions_status_is_a_visible_skip(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    remove(f"{SPINE}/ops/plugins/github/bin/github-actions-status")(estate)
    outcome = run_suite(pytester, estate, "-k", "github")
    _assert_exactly(outcome, set())
    assert all("capability is not merged yet" in reason for name, reason in _skips(outcome).items() if "github" in name)


# --- the clock ------------------------------------------------------------------------------
def test_exception_and_pause_are_judged_by_the_injected_clock(pytester, tmp_path):
    """The aligned estate's exception expires 2026-02-12T23:59:59Z and its pause 2026-02-09T23:59:59Z."""
    estate = copy_estate(tmp_path)
    near = run_suite_raw(
        pytester, estate, "--now", "2026-02-12T12:00:00Z", "-k", "exception or paused", "-W", "default"
    )
    assert near.ret == 0
    near.stdout.fnmatch_lines(
        ["*Advisory*extraction pause ended*", "*Advisory*works.ronny.media-sync* expires in 11h*"]
    )
    late = run_suite(pytester, estate, "--now", "2026-03-01T00:00:00Z")
    _assert_exactly(late, {"D36"})


@pytest.mark.parametrize(
    "copy, says",
    [(lambda: "#!/usr/bin/env bash\necho older copy\n", "differs from"),
     (lambda: "#" * (tree.MAX_FILE_BYTES + 1), "cannot be compared: refused: 16.0 MiB, over the 16 MiB cap")],
    ids=["older", "over-the-size-cap"],
)  # fmt: skip
def test_vendored_cli_drift_is_advisory(copy, says, pytester, tmp_path):
    estate = copy_estate(tmp_path)
    write("workbench/scripts/agents/infisical-agent.sh", copy())(estate)
    result = run_suite_raw(pytester, estate, "-k", "secrets_cli")
    assert result.ret == 0
    result.stdout.fnmatch_lines([f"*Advisory*infisical-agent.sh*{says}*"])


# --- the suite only reads --------------------------------------------------------------------
def _snapshot(root):
    return {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(root.rglob("*")) if not p.is_symlink()}


def test_the_suite_never_writes_into_what_it_checks(workstation, pytester):
    estate, home, _ = workstation
    (estate / SPINE / "mailroom" / "state" / "open_loops.jsonl").unlink()  # where the original's D34 would mkdir
    before = _snapshot(estate), _snapshot(home)
    run_suite(pytester, estate)
    run_local(pytester, estate, home)
    assert (_snapshot(estate), _snapshot(home)) == before


def test_probes_are_looked_up_never_evaluated(workstation, pytester):
    estate, home, _ = workstation
    marker = home / "evaluated"
    replace(estate, f"{SPINE}/ops/bindings/cli.tools.inventory.yaml", 'probe: "command -v jq"',
            f'probe: "command -v jq; touch {marker}"')  # fmt: skip
    outcome = run_local(pytester, estate, home, "-k", "cli_tool")
    _assert_exactly(outcome, {"D44"})
    assert "probe is not `command -v <name>`" in outcome.messages()
    assert not marker.exists()


# --- bad input in a gate binding ---------------------------------------------------------------
@pytest.mark.parametrize(
    "rel, damage",
    [
        ("ops/capabilities.yaml", "capabilities: [unclosed\n"),
        ("ops/bindings/agent.read.surface.yaml", "startup_read_surface: 42\n"),
        ("ops/bindings/naming.policy.yaml", "- a list\n"),
    ],
    ids=["malformed-yaml", "wrong-type", "wrong-top-level-type"],
)
def test_bad_gate_binding_is_one_clear_failure(rel, damage, pytester, tmp_path):
    estate = copy_estate(tmp_path)
    (estate / SPINE / rel).write_text(damage)
    outcome = run_suite(pytester, estate)
    assert not outcome.errors
    (failed,) = outcome.failed()
    assert "test_spine_source_is_readable" in failed.nodeid and rel in failed.longreprtext, outcome.messages()
    assert not outcome.failing_ids("disconnect")


def test_plaintext_secret_is_withheld_from_the_report(workstation, pytester):
    estate, home, _ = workstation
    (home / ".zshrc").write_text((home / ".zshrc").read_text() + "export OPENAI_API_KEY=sk-live-0123456789abcdef\n")
    messages = run_local(pytester, estate, home, "-k", "active_config").messages()
    assert "OPENAI_API_KEY=<redacted>" in messages and "sk-live" not in messages


def test_a_fifo_for_the_latest_codex_session_is_named_not_waited_on(workstation, tmp_path):
    """The workstation's files are read as the checkout's: a FIFO would block the run on open."""
    estate, home, _ = workstation
    sessions = home / ".codex" / "sessions" / "2026" / "02"
    sessions.mkdir(parents=True)
    os.mkfifo(sessions / "rollout-latest.jsonl")
    args = suite_args(estate, "local", ("--home", str(home), "-p", "no:xdist", "-k", "codex"))
    run = subprocess.run([sys.executable, "-m", "pytest", *args], capture_output=True, text=True, timeout=120)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert "rollout-latest.jsonl: the latest Codex session cannot be read: refused: a FIFO" in output
