"""Bad input never stops the run: one clear failure naming the file, the other tests still run."""

import os
from pathlib import Path

import pytest

from selftest.suite import copy_estate, run_suite, run_suite_raw

GAPS = "agentic-spine/ops/bindings/operational.gaps.yaml"
SSH = "agentic-spine/ops/bindings/ssh.targets.yaml"
BACKUP_JSON = "workbench/infra/data/backup_inventory.json"
LEDGER = "agentic-spine/mailroom/state/open_loops.jsonl"

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
    "wrong-type": (
        GAPS,
        lambda p: p.write_text(p.read_text().replace("status: fixed", "status: [fixed]", 1)),
        "$.gaps[",
    ),
    "wrong-top-level-type": (SSH, lambda p: p.write_text("- just\n- a list\n"), "is not of type 'object'"),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_bad_input_is_one_clear_failure(case, pytester, tmp_path):
    rel, damage, says = CASES[case]
    estate = copy_estate(tmp_path)
    damage(estate / rel)
    outcome = run_suite(pytester, estate)
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
    path.write_text(text.replace('id: "pve"', "id: 42", 1))
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
