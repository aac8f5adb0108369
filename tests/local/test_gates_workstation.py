"""Workstation gates: the operator's home (--home, default $HOME), launchd and the user crontab.

Paths the bindings pin under /Users/ronnyworks are read under --home instead.
launchd exists only on macOS; elsewhere those parts skip and say so.
"""

import pytest

from ssot_audit import local_facts as facts
from ssot_audit.checks.gates import advise, workstation
from ssot_audit.findings import expect

pytestmark = pytest.mark.local

# The reason's prefix is how the closeout tells "not applicable" from "not proven" (report/results.py).
_NOT_MACOS = pytest.mark.skipif(not facts.is_macos(), reason="not applicable here: launchd exists only on macOS")


@pytest.fixture(scope="module")
def home_dir(home):
    if not home.is_dir():
        pytest.skip(f"home {home} is not a directory: pass --home")
    return home


@pytest.mark.gate("D4")
@_NOT_MACOS
def test_inbox_watcher_is_running():
    """Warn-only by design: the watcher being down never fails the run."""
    advise(workstation.watcher_warning(facts.launchd_job(workstation.WATCHER)))


@pytest.mark.gate("D11")
def test_home_agent_is_mailroom_symlink(home_dir):
    agent = home_dir / "agent"
    if not (agent.exists() or agent.is_symlink()):
        pytest.skip(f"nothing to check: {agent} does not exist")
    expect(workstation.check_home_agent(home_dir))


@pytest.mark.gate("D29")
def test_user_crontab_runs_no_legacy_entrypoint(spine, audit_now):
    try:
        crontab = facts.user_crontab()
    except facts.Unreadable as exc:  # not an empty crontab: what it holds is unknown
        pytest.skip(f"the user crontab could not be read: {exc}")
    if crontab is None:
        pytest.skip("no crontab command on this machine")
    expect(workstation.check_crontab(spine, crontab, audit_now))


@pytest.mark.gate("D29")
@_NOT_MACOS
def test_launchd_jobs_run_no_legacy_entrypoint(spine, audit_now):
    expect(
        [
            f
            for label, dump in facts.launchd_jobs().items()
            for f in workstation.check_launchd_job(spine, label, dump, audit_now)
        ]
    )


@pytest.mark.gate("D30")
def test_active_config_is_clean(active_config, spine, home_dir):
    path = workstation.config_path(spine, "active_config_files", active_config, home_dir)
    if not path.is_file():
        pytest.skip(f"{path} is not on this workstation")
    expect(workstation.check_config_file(path, home_dir))


@pytest.mark.gate("D30")
def test_forbidden_config_absent(forbidden_config, spine, home_dir):
    path = workstation.config_path(spine, "forbidden_config_files", forbidden_config, home_dir)
    expect(workstation.check_forbidden_config(path, home_dir))


@pytest.mark.gate("D31")
def test_home_root_has_no_stray_logs(spine, home_dir):
    expect(workstation.check_home_logs(spine, home_dir))


@pytest.mark.gate("D31")
@_NOT_MACOS
def test_launchd_output_goes_to_allowed_sinks(spine, home_dir):
    expect(
        [
            f
            for label, dump in facts.launchd_jobs().items()
            for f in workstation.check_launchd_sinks(spine, label, dump, home_dir)
        ]
    )


@pytest.mark.gate("D32")
def test_codex_instructions_are_spine_agents(spine, home_dir):
    advise(workstation.codex_session_warning(home_dir))
    expect(workstation.check_codex_agents(spine, home_dir))


@pytest.mark.gate("D41")
def test_hidden_home_entries_are_classified(spine, home_dir):
    expect(workstation.check_hidden_roots(spine, home_dir))


@pytest.mark.gate("D41")
def test_no_forbidden_hidden_artifacts(spine, home_dir):
    expect(workstation.check_forbidden_hidden(spine, home_dir))


@pytest.mark.gate("D44")
def test_cli_tool_is_on_path(probed_tool, spine):
    expect(workstation.check_tool_installed(spine, probed_tool))


@pytest.mark.gate("D46")
def test_claude_instructions_are_a_shim(home_dir):
    if not (home_dir / ".claude").is_dir():
        pytest.skip(f"{home_dir / '.claude'} does not exist: Claude is not set up here")
    expect(workstation.check_claude_instructions(home_dir))


@pytest.mark.gate("D46")
def test_claude_files_use_spine_paths(spine, home_dir):
    if not (home_dir / ".claude").is_dir():
        pytest.skip(f"{home_dir / '.claude'} does not exist: Claude is not set up here")
    expect(workstation.check_claude_paths(spine, home_dir))
