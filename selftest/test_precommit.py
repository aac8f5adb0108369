"""The pre-commit hooks and the console script they run, on a spine made from the aligned estate."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from selftest.suite import ALIGNED, ESTATE_NOW, REPO
from ssot_audit.sources.structured import load_yaml

SCRIPT = Path(sys.executable).parent / "ssot-audit"
GIT = ["git", "-c", "user.name=audit", "-c", "user.email=audit@example.invalid"]


def spine_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "agentic-spine"
    subprocess.run(["cp", "-a", str(ALIGNED / "agentic-spine"), str(repo)], check=True)
    subprocess.run([*GIT, "init", "-q"], cwd=repo, check=True)
    subprocess.run([*GIT, "add", "-A", "-f"], cwd=repo, check=True)
    subprocess.run([*GIT, "commit", "-qm", "aligned"], cwd=repo, check=True)
    return repo


def run_hook(repo: Path, env=None) -> subprocess.CompletedProcess:
    """What `.pre-commit-hooks.yaml`'s ssot-static hook runs, from the repo root.

    The estate is dated 2026-02-08, so the run is judged at that date, as a user
    would with the hook's `args: [--now=...]`; today its legacy exception has expired.
    """
    hook = next(h for h in load_yaml(REPO / ".pre-commit-hooks.yaml", "hooks").data if h["id"] == "ssot-static")
    argv = hook["entry"].split()
    assert argv[0] == "ssot-audit"
    clean = {k: v for k, v in os.environ.items() if k not in ("SPINE_ROOT", "WORKBENCH_ROOT")}
    argv += ["--now", ESTATE_NOW]
    return subprocess.run([str(SCRIPT), *argv[1:]], cwd=repo, capture_output=True, text=True, env=env or clean)


def test_hook_manifest_is_valid_for_pre_commit():
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))
    assert {h["id"] for h in hooks} == {"ssot-static", "ssot-crossrepo"}
    assert all(h["language"] == "python" and h["pass_filenames"] is False for h in hooks)


def test_static_hook_passes_then_fails_after_a_breaking_commit(tmp_path):
    repo = spine_repo(tmp_path)
    ok = run_hook(repo)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    gaps = repo / "ops/bindings/operational.gaps.yaml"
    text = gaps.read_text()
    gaps.write_text(text.replace("status: fixed", "status: open", 1))
    subprocess.run([*GIT, "commit", "-qam", "reopen a gap"], cwd=repo, check=True)
    broken = run_hook(repo)
    assert broken.returncode == 1
    assert "is open" in broken.stdout
    # quiet: the findings with their fixes, paths relative to the checkout, one verdict line
    assert "ops/bindings/operational.gaps.yaml:" in broken.stdout and "agentic-spine/ops" not in broken.stdout
    # GAP-OP-001 is no disconnect of the loop: drift beyond the catalogue, which fails the hook all the same
    assert "drift beyond the catalogue" in broken.stdout and "NOT PROVEN" in broken.stdout
    assert "site-packages" not in broken.stdout and "Traceback" not in broken.stdout
    assert len(broken.stdout.splitlines()) < 30, broken.stdout
    assert not (repo / "reports").exists()  # the hook writes its evidence under .git/, never into the tree
    assert (repo / ".git/ssot-audit/closeout.md").is_file()


def test_console_script_works_from_a_non_editable_install(tmp_path):
    wheel_dir, target = tmp_path / "wheel", tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheel_dir), str(REPO)], check=True, capture_output=True)
    (wheel,) = wheel_dir.glob("*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True, capture_output=True)
    repo = spine_repo(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("SPINE_ROOT", "WORKBENCH_ROOT")}
    env["PYTHONPATH"] = str(target)
    hook = [str(target / "bin/ssot-audit"), "-m", "static", "-q", "--now", ESTATE_NOW]
    done = subprocess.run(hook, cwd=repo, capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "in-process" in done.stdout  # the hook's run judged without a pytest session
    assert (repo / ".git/ssot-audit/results.json").is_file() and not (repo / "reports").exists()
    verbose = subprocess.run([*hook, "-v"], cwd=repo, capture_output=True, text=True, env=env)  # pytest's run
    assert verbose.returncode == 0, verbose.stdout + verbose.stderr
    assert "rootdir: " in verbose.stdout and f"{target}/ssot_audit/suite" in verbose.stdout  # from the wheel
    assert "site-packages" not in verbose.stdout and str(target) not in verbose.stdout.split("rootdir: ")[1][1:]


def test_the_checkout_being_committed_is_the_one_checked(tmp_path):
    """SPINE_ROOT names another (drifted) spine: inside this checkout, this checkout is audited."""
    from selftest.suite import DRIFTED

    repo = spine_repo(tmp_path)
    env = {**os.environ, "SPINE_ROOT": str(DRIFTED / "agentic-spine")}
    done = run_hook(repo, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert str(repo) in (repo / ".git/ssot-audit/results.json").read_text()


NOTES = "docs/governance/NOTES.md"
LEGACY = "Old runbooks live at /Users/ronnyworks/ronny-ops/docs.\n"  # gate D28: the legacy repo's absolute path


def commit_through_pre_commit(repo: Path) -> subprocess.CompletedProcess:
    """`git commit` in a spine whose pre-commit (the tool itself) runs the ssot-static hook's entry."""
    hook = next(h for h in load_yaml(REPO / ".pre-commit-hooks.yaml", "hooks").data if h["id"] == "ssot-static")
    entry = hook["entry"].replace("ssot-audit", str(SCRIPT), 1) + f" --now {ESTATE_NOW}"
    (repo / ".pre-commit-config.yaml").write_text(
        "repos:\n  - repo: local\n    hooks:\n      - id: ssot-static\n        name: ssot-audit (static, spine)\n"
        f"        entry: {entry}\n        language: system\n        pass_filenames: false\n        always_run: true\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("SPINE_ROOT", "WORKBENCH_ROOT")}
    env["PRE_COMMIT_HOME"] = str(repo.parent / "pre-commit-home")
    pre_commit = [sys.executable, "-m", "pre_commit"]
    subprocess.run([*pre_commit, "install"], cwd=repo, check=True, capture_output=True, env=env)
    subprocess.run([*GIT, "add", ".pre-commit-config.yaml"], cwd=repo, check=True)
    (repo / "README.md").write_text("the spine\n")
    subprocess.run([*GIT, "add", "README.md"], cwd=repo, check=True)
    return subprocess.run([*GIT, "commit", "-qm", "readme"], cwd=repo, capture_output=True, text=True, env=env)


def test_the_hook_judges_the_commit_being_made_not_the_untracked_files(tmp_path):
    """An untracked notes file with drift in it is no part of the commit: the commit passes. Staged, the
    same file fails the commit, and the hook names it and says what it judged."""
    pytest.importorskip("pre_commit")
    repo = spine_repo(tmp_path)
    (repo / NOTES).write_text(LEGACY)
    untracked = commit_through_pre_commit(repo)
    assert untracked.returncode == 0, untracked.stdout + untracked.stderr
    # the checkout as it is holds the file: judged so (a direct run), the same tree fails
    direct = run_hook(repo)
    assert direct.returncode == 1 and NOTES in direct.stdout and "judged: the checkout as it is" in direct.stdout
    subprocess.run([*GIT, "add", NOTES], cwd=repo, check=True)
    staged = subprocess.run([*GIT, "commit", "-qm", "notes"], cwd=repo, capture_output=True, text=True,
                            env={**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")})  # fmt: skip
    said = staged.stdout + staged.stderr
    assert staged.returncode == 1 and f"{NOTES}:1: active reference to the legacy repo's absolute path" in said, said
    assert "judged: the commit being made (staged) of agentic-spine" in said


def test_with_a_baseline_the_last_line_is_about_this_commit(tmp_path):
    repo = spine_repo(tmp_path)
    gaps = repo / "ops/bindings/operational.gaps.yaml"
    gaps.write_text(gaps.read_text().replace("status: fixed", "status: open", 1))
    subprocess.run([*GIT, "commit", "-qam", "reopen a gap"], cwd=repo, check=True)
    assert run_hook(repo).returncode == 1
    baseline = tmp_path / "baseline.json"
    baseline.write_bytes((repo / ".git/ssot-audit/results.json").read_bytes())
    (repo / NOTES).write_text(LEGACY)
    subprocess.run([*GIT, "add", NOTES], cwd=repo, check=True)
    done = subprocess.run([str(SCRIPT), "-m", "static", "-q", "--now", ESTATE_NOW, "--ssot-baseline", str(baseline),
                           "--ssot-judge", "staged"], cwd=repo, capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "1 new finding(s) fail this commit (1 known)", done.stdout


def test_pytest_in_a_spine_checkout_is_the_audit_of_it(tmp_path):
    """The mission's own words, `pytest -m static`, in a spine checkout: the suite runs on that checkout.
    Anywhere else, pytest is left as it is: it collects what is there (here, nothing)."""
    repo = spine_repo(tmp_path)
    clean = {k: v for k, v in os.environ.items() if k not in ("SPINE_ROOT", "WORKBENCH_ROOT")}
    pytest_ = [sys.executable, "-m", "pytest", "-m", "static", "-q", "--now", ESTATE_NOW, "-p", "no:cacheprovider"]
    done = subprocess.run(pytest_, cwd=repo, capture_output=True, text=True, env=clean)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1].endswith("(judged: the checkout as it is)."), done.stdout
    assert " passed" in done.stdout and "static/test_gaps.py" not in done.stdout  # quiet: the tally, no test list
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    plain = subprocess.run([*pytest_[:-2], "--co"], cwd=elsewhere, capture_output=True, text=True, env=clean)
    assert plain.returncode == 5 and "no tests collected" in plain.stdout, plain.stdout
