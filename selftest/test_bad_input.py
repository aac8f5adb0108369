"""Bad input never stops the run: one clear failure naming the file, the other tests still run."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from selftest.suite import copy_estate, run_suite, run_suite_raw, suite_args

GAPS = "agentic-spine/ops/bindings/operational.gaps.yaml"
SSH = "agentic-spine/ops/bindings/ssh.targets.yaml"
BACKUP_JSON = "workbench/infra/data/backup_inventory.json"
LEDGER = "agentic-spine/mailroom/state/open_loops.jsonl"


def _alias_bomb(path: Path) -> None:
    lines = ['l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 10)]
    path.write_text("\n".join(lines) + "\n")


HOSTILE = {  # structures built to exhaust a parser: each must fail fast, like any bad file
    "alias-bomb": (SSH, _alias_bomb, "expands (through its aliases) to over"),
    "deep-yaml": (SSH, lambda p: p.write_text("ssh: " + "[" * 500 + "]" * 500 + "\n"), "nests deeper than"),
    "deep-json": (BACKUP_JSON, lambda p: p.write_text("[" * 500 + "]" * 500), "nests deeper than"),
    "recursive-alias": (SSH, lambda p: p.write_text("ssh: &a {targets: [*a]}\n"), "nests deeper than"),
}


CASES = {
    "malformed-yaml": (
        SSH,
        lambda p: p.write_text("ssh:\n  targets:\n    - id: pve\n   host: [unclosed\n"),
        "not valid YAML",
    ),
    "malformed-json": (BACKUP_JSON, lambda p: p.write_text('{"vm_backups": [ {"vmid": 200,, } ]}'), "not valid JSON"),
    "malformed-jsonl-line": (
        LEDGER,
        lambda p: p.write_text(p.read_text() + '{"loop_id": "x", oops}\n'),
        "line is not valid JSON",
    ),
    "missing-file": (GAPS, lambda p: p.unlink(), "file is missing"),
    "empty-file": (GAPS, lambda p: p.write_text(""), "is empty"),
    "non-utf8": (GAPS, lambda p: p.write_bytes(p.read_bytes() + b"\n# caf\xe9\n"), "not valid UTF-8"),
    "directory-instead-of-file": (GAPS, lambda p: (p.unlink(), p.mkdir()), "is a directory"),
    # (a violation inside one gap is that gap's finding, and the rest are read: selftest/test_records.py)
    "wrong-type": (
        GAPS,
        lambda p: p.write_text(p.read_text().replace("gaps:\n", "gaps: fixed\nold_gaps:\n", 1)),
        "$.gaps: 'fixed' is not of type 'array'",
    ),
    "wrong-top-level-type": (SSH, lambda p: p.write_text("- just\n- a list\n"), "is not of type 'object'"),
    **HOSTILE,
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input_is_one_clear_failure(case, pytester, tmp_path):
    rel, damage, says = CASES[case]
    estate = copy_estate(tmp_path)
    damage(estate / rel)
    started = time.monotonic()
    outcome = run_suite(pytester, estate)
    assert time.monotonic() - started < 60  # an alias bomb or deep nesting is refused, not expanded
    assert outcome.ret == 1, outcome.messages()
    assert not outcome.errors
    (failed,) = outcome.failed()
    assert "source_is_readable" in failed.nodeid
    assert rel.split("/", 1)[1] in failed.longreprtext and says in failed.longreprtext, failed.longreprtext
    # the local-only ledger is what E1-E4 and F1 read: one that yields nothing fails them (catalogue),
    # a broken binding makes its checks skip and fails under no ID
    assert outcome.failing_ids() == ({"E1", "E2", "E3", "E4", "F1"} if rel == LEDGER else set())
    ran = [r for r in outcome.reports if r.passed]
    assert len(ran) > 20  # everything that does not read the broken file still ran


def test_schema_violation_names_line_and_json_path(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    path = estate / SSH
    text = path.read_text()
    path.write_text(text.replace('id: "ha"', "id: 42", 1))
    outcome = run_suite(pytester, estate)
    (failed,) = outcome.failed()
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if "id: 42" in t)
    assert f"ssh.targets.yaml:{line}:" in failed.longreprtext
    assert "$.ssh.targets[" in failed.longreprtext and "].id" in failed.longreprtext


def test_dependent_checks_skip_with_the_reason(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    (estate / GAPS).write_text("gaps: [unclosed\n")
    outcome = run_suite(pytester, estate, "-k", "test_gap_is_fixed")
    assert outcome.skipped() and not outcome.failed()
    for report in outcome.skipped():
        assert "operational.gaps.yaml" in str(report.longrepr) and "not valid YAML" in str(report.longrepr)


def test_unreadable_file(pytester, tmp_path, monkeypatch):
    estate = copy_estate(tmp_path)
    unreadable = (estate / GAPS).resolve()
    if os.geteuid() != 0:
        unreadable.chmod(0)
    else:  # root reads files whatever their mode: refuse the read the way the kernel would
        original = Path.read_bytes

        def read_bytes(self):
            if self.resolve() == unreadable:
                raise PermissionError(13, "Permission denied", str(self))
            return original(self)

        monkeypatch.setattr(Path, "read_bytes", read_bytes)
    outcome = run_suite(pytester, estate)
    (failed,) = outcome.failed()
    assert "operational.gaps.yaml: cannot be read: Permission denied" in failed.longreprtext
    assert not outcome.failing_ids() and not outcome.errors


@pytest.mark.parametrize(
    "option, target, says",
    [
        ("--spine-root", "nowhere", "is not a spine checkout"),
        ("--spine-root", "estate/workbench", "is not a spine checkout"),
        ("--workbench-root", "nowhere", "does not exist"),
    ],
    ids=["missing-spine-root", "wrong-spine-root", "missing-workbench-root"],
)
def test_bad_root_is_one_usage_error(option, target, says, pytester, tmp_path):
    estate = copy_estate(tmp_path)
    result = run_suite_raw(pytester, estate, option, str(tmp_path / target))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"*{says}*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_repeated_key_fails_naming_file_and_line(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    path = estate / SSH
    lines = path.read_text().splitlines()
    first = next(n for n, t in enumerate(lines) if t.strip().startswith("host:"))
    lines.insert(first + 1, lines[first])  # the same key twice in one mapping
    path.write_text("\n".join(lines) + "\n")
    outcome = run_suite(pytester, estate)
    (failed,) = outcome.failed()
    assert "test_spine_source_repeats_no_key" in failed.nodeid
    assert not outcome.failing_ids() and not outcome.failing_ids("gate")  # the spine's yq reads it silently too
    assert f"ssh.targets.yaml:{first + 2}: a mapping repeats a key" in failed.longreprtext
    assert f"repeats the one at line {first + 1}" in failed.longreprtext
    assert len([r for r in outcome.reports if r.passed]) > 20  # the file's value is still read


def test_unreadable_bindings_directory(tmp_path):
    """A real unreadable directory: as an unprivileged user (root reads through any mode)."""
    base = Path(tempfile.mkdtemp(prefix="ssot-unreadable-"))  # outside root's private pytest tmp
    try:
        estate = copy_estate(base)
        base.chmod(0o755)
        (estate / "agentic-spine/ops/bindings").chmod(0)
        reports = base / "reports"
        reports.mkdir()
        reports.chmod(0o777)
        command = [sys.executable, "-m", "pytest", *suite_args(estate, "static or crossrepo", ("--ssot-report-dir",
                   str(reports), "-p", "no:xdist"))]  # fmt: skip
        if os.geteuid() == 0:
            if not shutil.which("setpriv"):
                pytest.skip("needs setpriv (util-linux) to drop root, which reads any directory")
            command = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        run = subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=base)
        output = run.stdout + run.stderr
        assert run.returncode == 1 and "INTERNALERROR" not in output, output[-3000:]
        assert "ops/bindings/ssh.targets.yaml: cannot be read: Permission denied" in output
        assert " passed" in output and (reports / "closeout.md").exists()
    finally:
        (base / "estate/agentic-spine/ops/bindings").chmod(0o755)
        shutil.rmtree(base)
