"""Drift history on small git repos built here: each commit introduces or fixes a known drift, and the
history must report exactly those changes, equal at every commit to what a normal run says."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from selftest.mutations import GAPS, SHOP, WB_DATA, _drop_vm_backup, edit_json, gap_open, replace_re
from selftest.suite import ALIGNED, SUITE, every_string
from ssot_audit import cli, gitobjects
from ssot_audit import tree as tree_mod
from ssot_audit.history import failing_since
from ssot_audit.report import history_html
from ssot_audit.schema import validator

GIT = ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", "-c", "init.defaultBranch=main"]


def git(repo: Path, *args: str, date: str | None = None) -> str:
    env = {**os.environ, **({"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date} if date else {})}
    return subprocess.run([*GIT, "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def commit(repo: Path, message: str, date: str) -> str:
    git(repo, "add", "-A", "-f")
    git(repo, "commit", "-q", "--allow-empty", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD").strip()


def fix_gap(gap: str):
    return lambda e: replace_re(e, GAPS, rf"(?s)(id: {gap}\n.*?status: )open", r"\g<1>fixed")


class Estate:
    """The aligned estate as two git repos (the local-only plan and ledger committed too, so every entry
    has a history), and the commits made on them."""

    def __init__(self, tmp_path: Path):
        self.root = tmp_path / "estate"
        shutil.copytree(ALIGNED, self.root, symlinks=True)
        self.spine, self.workbench = self.root / "agentic-spine", self.root / "workbench"
        for repo in (self.spine, self.workbench):
            git(repo, "init", "-q")
        self.commits: list[str] = []

    def change(self, repo: Path, message: str, date: str, *mutations) -> str:
        for mutate in mutations:
            mutate(self.root)
        sha = commit(repo, message, date)
        if repo == self.spine:
            self.commits.append(sha)
        return sha


@pytest.fixture(scope="module")
def estate(tmp_path_factory) -> Estate:
    """Commits (spine unless said): 0 aligned; 1 opens GAP-OP-015 (C1); 2 touches only a README; workbench
    drops VM 204 from backup_inventory.json (B3) before 3; 3 documents vzdump 200-203 (C2); 4 closes
    GAP-OP-015 again; then a side branch merged: only its merge commit (5) is first-parent."""
    e = Estate(tmp_path_factory.mktemp("history"))
    e.change(e.workbench, "workbench as aligned", "2026-02-08T08:00:00Z")
    e.change(e.spine, "aligned", "2026-02-08T09:00:00Z")
    e.change(e.spine, "open GAP-OP-015", "2026-02-08T10:00:00Z", gap_open("GAP-OP-015"))
    e.change(e.spine, "docs only", "2026-02-08T11:00:00Z", lambda r: (r / "agentic-spine/README.md").write_text("x\n"))
    e.change(e.workbench, "drop VM 204 backup", "2026-02-08T11:30:00Z",
             lambda r: edit_json(r, f"{WB_DATA}/backup_inventory.json", lambda d: _drop_vm_backup(d, 204)))  # fmt: skip
    e.change(e.spine, "vzdump row 200-203", "2026-02-08T12:00:00Z",
             lambda r: replace_re(r, SHOP, r"vzdump VMs 200-204", "vzdump VMs 200-203"))  # fmt: skip
    e.change(e.spine, "close GAP-OP-015", "2026-02-08T13:00:00Z", fix_gap("GAP-OP-015"))
    git(e.spine, "checkout", "-q", "-b", "side")
    commit(e.spine, "side 1", "2026-02-08T14:00:00Z")
    git(e.spine, "checkout", "-q", "main")
    git(e.spine, "merge", "-q", "--no-ff", "-m", "merge side", "side", date="2026-02-08T15:00:00Z")
    e.commits.append(git(e.spine, "rev-parse", "HEAD").strip())
    return e


def run_history(estate: Estate, monkeypatch, tmp_path: Path, *args: str) -> tuple[int, dict | None]:
    monkeypatch.chdir(estate.spine)
    reports = tmp_path / "reports"
    code = cli.main(["history", *args, "--workbench-root", str(estate.workbench), "--mint-modules-root",
                     str(estate.root / "mint-modules"), "--ssot-report-dir", str(reports)])  # fmt: skip
    found = reports / "history.json"
    return code, json.loads(found.read_text()) if found.exists() else None


@pytest.fixture(scope="module")
def history(estate, tmp_path_factory) -> dict:
    with pytest.MonkeyPatch.context() as monkeypatch:
        code, document = run_history(estate, monkeypatch, tmp_path_factory.mktemp("reports"))
    assert code == 0
    return document


def changes(history: dict, kind: str, id_: str) -> list[tuple[int, str]]:
    """(commit index, status) of each change of an entry."""
    index = {c["sha"]: i for i, c in enumerate(history["commits"])}
    entry = next(e for e in history["entries"] if (e["kind"], e["id"]) == (kind, id_))
    return [(index[c["sha"]], c["status"]) for c in entry["changes"]]


def test_history_validates_against_its_schema(history):
    errors = list(validator("history.schema.json").iter_errors(history))
    assert not errors, errors[0].message


def test_history_judges_first_parent_commits_oldest_first(history, estate):
    assert [c["sha"] for c in history["commits"]] == estate.commits
    assert history["commits"][-1]["subject"] == "merge side"


def test_history_reports_exactly_the_introduced_and_fixed_drift(history):
    # C1 and C2 have live halves too: without hosts they are not proven, until a file half fails
    assert changes(history, "disconnect", "C1") == [(0, "not proven"), (1, "failed"), (4, "not proven")]
    assert changes(history, "disconnect", "C2") == [(0, "not proven"), (3, "failed")]
    assert changes(history, "disconnect", "B3") == [(0, "passed"), (3, "failed")]  # the workbench commit of 11:30
    moved = {(e["kind"], e["id"]) for e in history["entries"] if len(e["changes"]) > 1}
    assert moved == {("disconnect", "C1"), ("disconnect", "C2"), ("disconnect", "B3")}


def test_history_pairs_each_commit_with_the_workbench_of_its_date(history, estate):
    paired = [c["workbench"] for c in history["commits"]]
    assert paired[0] == paired[2] != paired[3] == paired[-1]


def test_failing_change_carries_its_findings(history):
    entry = next(e for e in history["entries"] if e["id"] == "C2")
    since = failing_since(entry["changes"])
    assert since["sha"] == history["commits"][3]["sha"]
    assert any("leaves out VM 204" in f["message"] and f["line"] for f in since["findings"])
    assert all(f["fix"] for f in since["findings"])


def _archive(repo: Path, sha: str, dest: Path) -> Path:
    data = subprocess.run(["git", "-C", str(repo), "archive", sha], check=True, capture_output=True).stdout
    dest.mkdir(parents=True)
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="tar")
    return dest


@pytest.mark.parametrize("index", range(6))
def test_history_equals_a_normal_run_at_every_commit(index, history, estate, pytester, tmp_path):
    commit_ = history["commits"][index]
    spine = _archive(estate.spine, commit_["sha"], tmp_path / "spine")
    workbench = _archive(estate.workbench, commit_["workbench"], tmp_path / "workbench")
    pytester.runpytest_inprocess(
        *SUITE, "-m", "static or crossrepo",
        "--spine-root", str(spine), "--workbench-root", str(workbench), "--mint-modules-root",
        str(estate.root / "mint-modules"), "--now", commit_["date"], "--ssot-report-dir", str(tmp_path / "r"),
        "-p", "no:cacheprovider",
    )  # fmt: skip
    normal = json.loads((tmp_path / "r" / "results.json").read_text())
    at = {}
    for entry in history["entries"]:
        done = [c for c in entry["changes"] if history["commits"].index(
            next(x for x in history["commits"] if x["sha"] == c["sha"])) <= index]  # fmt: skip
        at[(entry["kind"], entry["id"])] = done[-1]["status"]
    assert {(e["kind"], e["id"]): e["status"] for e in normal["entries"]} == at


def test_history_html_draws_every_entry(history, estate, monkeypatch, tmp_path):
    code, _ = run_history(estate, monkeypatch, tmp_path)
    page = (tmp_path / "reports" / "history.html").read_text()
    assert code == 0 and "<script" not in page
    assert "disconnect C1" in page and "close GAP-OP-015" in page


def test_range_and_since_until_select_commits(estate, monkeypatch, tmp_path):
    code, document = run_history(estate, monkeypatch, tmp_path, "--since", "2026-02-08T09:30:00Z",
                                 "--until", "2026-02-08T12:30:00Z")  # fmt: skip
    assert code == 0 and [c["sha"] for c in document["commits"]] == estate.commits[1:4]
    code, document = run_history(estate, monkeypatch, tmp_path / "r", f"{estate.commits[3]}..{estate.commits[5]}")
    assert code == 0 and [c["sha"] for c in document["commits"]] == estate.commits[4:6]


# --- bad input: a clear message, never a crash ----------------------------------------------------


def test_empty_range_is_a_usage_error(estate, monkeypatch, tmp_path, capsys):
    code, document = run_history(estate, monkeypatch, tmp_path, "--since", "2030-01-01")
    assert code == 4 and document is None
    assert "no first-parent commits" in capsys.readouterr().err


def test_non_git_directory_is_a_usage_error(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert cli.main(["history", "--ssot-report-dir", str(tmp_path / "r")]) == 4
    assert "not a git repository" in capsys.readouterr().err


def test_unknown_revision_is_a_usage_error(estate, monkeypatch, tmp_path, capsys):
    code, _ = run_history(estate, monkeypatch, tmp_path, "no-such-branch")
    assert code == 4 and "no-such-branch" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, says",
    [
        (["--bogus"], "unrecognized arguments: --bogus"),
        (["-m"], "argument -m: expected one argument"),
        (["--since"], "argument --since: expected one argument"),
        (["-m", "static and ("], "Wrong expression passed to '-m'"),
    ],
    ids=["unknown-option", "missing-value", "missing-date", "bad-expression"],
)
def test_history_usage_errors_exit_4_like_the_suite(args, says, estate, monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(estate.spine)
    assert cli.main(["history", *args, "--ssot-report-dir", str(tmp_path / "r")]) == 4
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "r" / "history.json").exists()


def test_history_help_has_a_line_for_every_option(capsys):
    parser = cli._history_parser()
    assert all(action.help for action in parser._actions), [a.dest for a in parser._actions if not a.help]
    assert cli.main(["history", "--help"]) == 0
    text = capsys.readouterr().out
    for action in parser._actions:
        assert action.help.split(":")[0].split("(")[0].strip() in " ".join(text.split()), action.dest


def test_version_is_the_suites_own(capsys):
    from ssot_audit import __version__

    for args in (["--version"], ["-m", "static", "--version"], ["history", "--version"]):
        assert cli.main(args) == 0
        assert capsys.readouterr().out.strip() == f"ssot-audit {__version__}"


def test_shallow_clone_starts_where_the_clone_does(estate, monkeypatch, tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth", "2", f"file://{estate.spine}", str(clone)], check=True)
    monkeypatch.chdir(clone)
    assert cli.main(["history", "--ssot-report-dir", str(tmp_path / "r")]) == 0
    document = json.loads((tmp_path / "r" / "history.json").read_text())
    assert document["spine"]["shallow"] is True
    assert [c["sha"] for c in document["commits"]] == estate.commits[-2:]


def test_malformed_file_at_a_commit_is_a_finding_of_that_commit(estate, tmp_path, monkeypatch):
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    (spine / "ops/bindings/operational.gaps.yaml").write_text("gaps: [unclosed\n")
    broken = commit(spine, "break the gaps file", "2026-02-08T16:00:00Z")
    monkeypatch.chdir(spine)
    assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / "r"), "HEAD~1..HEAD"]) == 0
    document = json.loads((tmp_path / "r" / "history.json").read_text())
    assert document["commits"][0]["sha"] == broken
    failed = [f for e in document["entries"] for c in e["changes"] if c["status"] == "failed" for f in c["findings"]]
    failed += [f for b in document["beyond"] for c in b["changes"] for f in c["findings"]]
    assert any("operational.gaps.yaml" in f["file"] and "not valid YAML" in f["message"] for f in failed)


def test_a_thing_found_twice_at_a_commit_keeps_both_findings(estate, tmp_path, monkeypatch):
    """A key repeated on two lines is one finding beyond the catalogue found twice: the history keeps both,
    as a normal run does (it kept the last one only)."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    allowlist = spine / "ops/bindings/host.audit.allowlist.yaml"
    allowlist.write_text("notes: a\nnotes: b\n" + allowlist.read_text() + "remark: x\nremark: y\n")
    commit(spine, "repeat two keys", "2026-02-08T16:00:00Z")
    monkeypatch.chdir(spine)
    assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / "r"), "HEAD~1..HEAD"]) == 0
    document = json.loads((tmp_path / "r" / "history.json").read_text())
    repeated = [f for b in document["beyond"] if b["message"] == "a mapping repeats a key"
                for f in b["changes"][-1]["findings"]]  # fmt: skip
    assert len(repeated) == 2 and repeated[0]["line"] != repeated[1]["line"]


def test_closeout_says_since_when_each_entry_fails(estate, history, pytester, tmp_path):
    """--ssot-failing-since: the closeout names the commit that started each failure, from the same history."""
    pytester.runpytest_inprocess(
        *SUITE, "-m", "static or crossrepo",
        "--spine-root", str(estate.spine), "--workbench-root", str(estate.workbench), "--mint-modules-root",
        str(estate.root / "mint-modules"), "--now", history["commits"][-1]["date"], "--ssot-report-dir",
        str(tmp_path / "r"), "--ssot-failing-since", "2026-02-08T00:00:00Z", "-p", "no:cacheprovider",
    )  # fmt: skip
    closeout = (tmp_path / "r" / "closeout.md").read_text()
    started = history["commits"][3]
    for entry in ("C2", "B3"):
        row = next(line for line in closeout.splitlines() if line.startswith(f"| disconnect | {entry} |"))
        assert f"failing since {started['sha'][:8]} {started['date']}" in row


def test_history_outputs_show_a_hostile_subject_inert_and_redacted(estate, tmp_path, monkeypatch):
    """A commit subject is the repo's text: escaped in history.html, its secrets masked in both files."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    subject = "fix <img src=x onerror=alert(1)> DB_PASS=Qz8-db-pass-value"
    (spine / "ops/bindings/operational.gaps.yaml").write_text("gaps: [unclosed\n")  # a change, so a row moves
    commit(spine, subject, "2026-02-08T16:00:00Z")
    monkeypatch.chdir(spine)
    assert (
        cli.main(["history", "-m", "static", "-k", "gap", "--ssot-report-dir", str(tmp_path / "r"), "HEAD~1..HEAD"])
        == 0
    )
    page = (tmp_path / "r" / "history.html").read_text()
    document = (tmp_path / "r" / "history.json").read_text()
    assert "<img" not in page and "&lt;img src=x" in page
    assert "Qz8-db-pass-value" not in page + document
    assert json.loads(document)["selection"] == {"markers": "static", "keywords": "gap"}


def test_history_runs_nothing_the_checked_repo_configures(estate, tmp_path, monkeypatch):
    """A repo whose config asks git log to verify signatures with its own gpg.program: never run."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    ran = tmp_path / "ran"
    fake_gpg = tmp_path / "gpg"
    # It reads what git sends it, as gpg does: one that exits first makes git's write fail with EPIPE, and the
    # signed commit fails (exit 128) whenever git is slower than it, as on a loaded machine.
    fake_gpg.write_text(f"#!/bin/sh\ncat >/dev/null\ntouch {ran}\necho '[GNUPG:] SIG_CREATED ' >&2\n"
                        "printf -- '-----BEGIN PGP SIGNATURE-----\\nx\\n-----END PGP SIGNATURE-----\\n'\n")  # fmt: skip
    fake_gpg.chmod(0o755)
    git(spine, "config", "gpg.program", str(fake_gpg))
    git(spine, "commit", "-q", "--allow-empty", "-S", "-m", "signed", date="2026-02-08T16:00:00Z")
    ran.unlink()  # signing ran it; from here on nothing may
    git(spine, "config", "log.showSignature", "true")
    monkeypatch.chdir(spine)
    assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / "r"), "HEAD~1..HEAD"]) == 0
    assert not ran.exists()


def test_waivers_committed_to_the_spine_waive_from_that_commit(estate, tmp_path, monkeypatch):
    """A waivers file read from the commit's tree, as a run reads it from the checkout."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    (spine / "ops/bindings/ssot-audit.waivers.yaml").write_text(
        "waivers:\n  - disconnect: C2\n    reason: vzdump job change booked\n    owner_loop: LOOP-X\n"
        "    expires: 2026-03-01\n"
    )
    waived = commit(spine, "waive C2", "2026-02-08T16:00:00Z")
    monkeypatch.chdir(spine)
    assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / "r"), "HEAD~2..HEAD"]) == 0
    document = json.loads((tmp_path / "r" / "history.json").read_text())
    c2 = next(e for e in document["entries"] if e["id"] == "C2")
    assert [(c["sha"], c["status"]) for c in c2["changes"]] == [(estate.commits[-1], "failed"), (waived, "waived")]


@pytest.mark.parametrize("stand_in", ["replace-ref", "graft"])
def test_history_judges_each_commit_as_it_is_never_a_stand_in(stand_in, estate, tmp_path, monkeypatch):
    """refs/replace/ can put another commit's tree under a commit's sha, info/grafts another history under
    a branch: the history must judge the commits as they are, broken file and all."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    base = git(spine, "rev-parse", "HEAD").strip()
    (spine / "ops/bindings/operational.gaps.yaml").write_text("gaps: [unclosed\n")
    broken = commit(spine, "break the gaps file", "2026-02-08T16:00:00Z")
    git(spine, "checkout", "-q", base, "--", "ops/bindings/operational.gaps.yaml")
    fixed = commit(spine, "fix the gaps file", "2026-02-08T17:00:00Z")
    if stand_in == "replace-ref":  # the broken commit's sha now shows the fixed tree
        tree = git(spine, "rev-parse", f"{fixed}^{{tree}}").strip()
        clean = git(spine, "commit-tree", tree, "-p", base, "-m", "break the gaps file").strip()
        git(spine, "replace", broken, clean)
    else:  # the fixed commit's parent is now the base: the broken commit is out of the history
        (spine / ".git/info/grafts").write_text(f"{fixed} {base}\n")
    monkeypatch.chdir(spine)
    assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / "r"), f"{base}..HEAD"]) == 0
    document = json.loads((tmp_path / "r" / "history.json").read_text())
    assert [c["sha"] for c in document["commits"]] == [broken, fixed]
    at_broken = [f for b in document["beyond"] for c in b["changes"] if c["sha"] == broken for f in c["findings"]]
    assert any("operational.gaps.yaml" in f["file"] and "not valid YAML" in f["message"] for f in at_broken)


def _found_at(document: dict, sha: str) -> set[tuple[str, str]]:
    """(file, message) of every finding standing at a commit: each thing's last change at or before it."""
    index = {c["sha"]: i for i, c in enumerate(document["commits"])}
    found = set()
    for thing in document["entries"] + document["beyond"]:
        done = [c for c in thing["changes"] if index[c["sha"]] <= index[sha]]
        if done and done[-1]["status"] == "failed":
            found |= {(f["file"], f["message"]) for f in done[-1]["findings"]}
    return found


def _refused_files(spine: Path, workbench: Path) -> None:
    """Two links to each other, and a file over the size cap."""
    (spine / "docs/loop.md").symlink_to("loop.md.other")
    (spine / "docs/loop.md.other").symlink_to("loop.md")
    (spine / "docs/archive.md").write_bytes(b"an archive line\n" * (tree_mod.MAX_FILE_BYTES // 16 + 1))


def _unwritable_text(spine: Path, workbench: Path) -> None:
    """A top-level directory whose name is not UTF-8, and a lone surrogate in a workbench value D3 quotes."""
    weird = os.fsencode(spine) + b"/caf\xe9"
    os.mkdir(weird)
    Path(os.fsdecode(weird + b"/notes.md")).write_text("notes\n")
    monitoring = workbench / "infra/data/monitoring_inventory.json"
    monitoring.write_text(monitoring.read_text().replace("http://100.92.91.128:8088/", "http://\\ud800x\\udce9:8088/"))


# (what the commit does, headlines of its findings, values its findings quote: in history.json only)
HOSTILE = {
    "refused-files": (_refused_files, [
        "agentic-spine/docs/loop.md: cannot be read: refused: a symlink loop",
        "agentic-spine/docs/loop.md.other: cannot be read: refused: a symlink loop",
        "agentic-spine/docs/archive.md: cannot be read: refused: 16.0 MiB, over the 16 MiB cap",
    ], []),
    "unwritable-text": (_unwritable_text, [
        "agentic-spine/caf\\xe9/: unexpected top-level directory caf\\xe9/",
    ], ["http://\\ud800x\\xe9:8088/"]),
}  # fmt: skip


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_commit_is_judged_as_a_run_judges_its_tree(case, estate, pytester, tmp_path, monkeypatch):
    """What the trees refuse (links to each other, a file over the size cap: never read into memory) and
    text no encoding can write (a name that is not UTF-8, a lone surrogate) at a commit: the history gives
    each its finding, the same a normal run gives on the commit's tree, and writes them escaped, in UTF-8."""
    spine, workbench = tmp_path / "spine", tmp_path / "workbench"
    for source, clone in ((estate.spine, spine), (estate.workbench, workbench)):
        subprocess.run(["git", "clone", "-q", str(source), str(clone)], check=True)
    make, headlines, values = HOSTILE[case]
    make(spine, workbench)
    hostile = commit(spine, case, "2026-02-08T16:00:00Z")
    wb_sha = commit(workbench, case, "2026-02-08T15:00:00Z")
    read = []
    original = gitobjects.Blobs.read
    monkeypatch.setattr(gitobjects.Blobs, "read", lambda self, sha: read.append(original(self, sha)) or read[-1])
    monkeypatch.chdir(spine)
    reports = tmp_path / "r"
    assert cli.main(["history", "HEAD~1..HEAD", "--workbench-root", str(workbench), "--mint-modules-root",
                     str(estate.root / "mint-modules"), "--ssot-report-dir", str(reports)]) == 0  # fmt: skip
    assert read and max(map(len, read)) <= tree_mod.MAX_FILE_BYTES
    document = json.loads((reports / "history.json").read_bytes().decode("utf-8"))  # strict: valid UTF-8
    texts = "\n".join(every_string(document))
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in texts)
    found = _found_at(document, hostile)
    texts += "".join(f"\n{file}: {message}" for file, message in found)
    page = html.unescape((reports / "history.html").read_bytes().decode("utf-8"))
    for text in headlines:
        assert text in texts and text in page, text
    for text in values:
        assert text in texts, text
    normal = tmp_path / "normal"
    pytester.runpytest_inprocess(
        *SUITE, "-m", "static or crossrepo",
        "--spine-root", str(_archive(spine, hostile, tmp_path / "tree" / "spine")),
        "--workbench-root", str(_archive(workbench, wb_sha, tmp_path / "tree" / "workbench")),
        "--mint-modules-root", str(estate.root / "mint-modules"), "--now", "2026-02-08T16:00:00Z",
        "--ssot-report-dir", str(normal), "-p", "no:cacheprovider",
    )  # fmt: skip
    run = json.loads((normal / "results.json").read_text())
    in_run = {(f["file"], f["message"]) for e in run["entries"] for f in e["findings"]}
    in_run |= {(f["file"], f["message"]) for f in run["beyond"]}
    assert found == in_run


def test_a_submodule_at_a_commit_is_the_empty_directory_a_checkout_has(estate, tmp_path, monkeypatch):
    """A gitlink names a commit of another repository, which this one does not have: nothing asks for it."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    for number, sha in enumerate(("1" * 40, "2" * 40)):  # added, then moved on
        git(spine, "update-index", "--add", "--cacheinfo", f"160000,{sha},vendor/module")
        git(spine, "commit", "-q", "-m", f"submodule at {sha[:1]}", date=f"2026-02-08T1{6 + number}:00:00Z")
    assert "160000 commit 2222222222222222222222222222222222222222" in git(spine, "ls-tree", "HEAD", "vendor/")
    monkeypatch.chdir(spine)
    assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / "r"), "HEAD~2..HEAD"]) == 0
    assert len(json.loads((tmp_path / "r" / "history.json").read_text())["commits"]) == 2


# history.html, drawn from a document -------------------------------------------------------------------------
def _document() -> dict:
    """Six commits over three days; C1 fails from the second; a gap beyond the catalogue fails from the fourth
    (the third day) and is fixed at the sixth."""
    days = ["2026-02-07T10:00:00-05:00", "2026-02-07T15:00:00-05:00", "2026-02-08T09:00:00-05:00",
            "2026-02-09T09:00:00-05:00", "2026-02-09T10:00:00-05:00", "2026-02-09T11:00:00-05:00"]  # fmt: skip
    commits = [{"sha": f"{n:040x}", "date": d, "subject": f"commit {n}", "workbench": None} for n, d in enumerate(days)]
    gap = {"test": "static/test_gaps.py::test_gap_is_fixed[GAP-OP-066]", "file": "agentic-spine/ops/bindings/"
           "operational.gaps.yaml", "line": 12, "message": "GAP-OP-066 (low) is open", "expected": "status: fixed",
           "found": "status: open", "fix": "fix it"}  # fmt: skip
    c1 = {**gap, "test": "static/test_gaps.py::test_gap_is_fixed[GAP-OP-015]", "message": "GAP-OP-015 is open"}

    def change(n, status, findings=()):
        return {"sha": commits[n]["sha"], "date": commits[n]["date"], "status": status, "findings": list(findings)}

    return {
        "loop": "LOOP-X", "spine": {"root": "/spine", "range": "HEAD"}, "workbench": None,
        "selection": {"markers": "static", "keywords": ""}, "commits": commits,
        "entries": [{"kind": "disconnect", "id": "C1", "changes": [change(0, "passed"), change(1, "failed", [c1])]}],
        "beyond": [{"test": "test_gap_is_fixed[GAP-OP-066]", "file": gap["file"], "message": gap["message"],
                    "changes": [change(3, "failed", [gap]), change(5, "absent")]}],
    }  # fmt: skip


def _row(page: str, label: str) -> str:
    return page[page.index(f"<b>{label}</b>") :].split("</tr>", 1)[0]


def test_history_html_bands_start_where_their_status_began():
    page = history_html.render(_document())
    beyond = _row(page, "beyond: GAP-OP-066")
    # nothing is drawn for the three commits before the gap was found; then 2 commits failed, 1 absent
    assert re.search(
        r'<div class="bar"><span style="width:50\.000%" title="not found yet"></span><a [^>]*'
        r'style="width:33\.333%;background:#b71c1c"></a><a [^>]*style="width:16\.667%',
        beyond,
    ), beyond
    entry = _row(page, "disconnect C1")
    assert '<div class="bar"><a ' in entry and "width:16.667%;background:#1b5e20" in entry


def test_history_html_names_changes_by_item_and_has_day_ticks():
    page = history_html.render(_document())
    assert "operational.gaps.yaml: 2 change(s)" not in page
    assert "<summary>beyond: GAP-OP-066 (GAP-OP-066 (low) is open (test_gap_is_fixed)): 2 change(s)</summary>" in page
    assert "<b>GAP-OP-015</b> (test_gap_is_fixed): agentic-spine/ops/bindings/operational.gaps.yaml:12: " in page
    ticks = re.findall(r'<i style="left:([\d.]+)%" title="([\d-]+)"></i>', page)
    assert ticks == [("0.000", "2026-02-07"), ("33.333", "2026-02-08"), ("50.000", "2026-02-09")]
    labels = re.findall(r'<b style="left:[\d.]+%">([\d-]+)</b>', page)
    assert labels == ["2026-02-07", "02-08", "02-09"]
    assert "<script" not in page


def test_a_failure_from_the_first_commit_judged_is_failing_at_or_before_it(estate, history, pytester, tmp_path):
    """The history cannot say since when something fails that already failed at its first commit."""
    third = history["commits"][3]
    pytester.runpytest_inprocess(
        *SUITE, "-m", "static or crossrepo",
        "--spine-root", str(estate.spine), "--workbench-root", str(estate.workbench), "--mint-modules-root",
        str(estate.root / "mint-modules"), "--now", history["commits"][-1]["date"], "--ssot-report-dir",
        str(tmp_path / "r"), "--ssot-failing-since", third["date"], "-p", "no:cacheprovider",
    )  # fmt: skip
    row = next(line for line in (tmp_path / "r" / "closeout.md").read_text().splitlines()
               if line.startswith("| disconnect | C2 |"))  # fmt: skip
    assert f"failing at or before {third['sha'][:8]} {third['date']} (the history starts there)" in row


def test_a_rerun_with_one_new_commit_judges_only_that_commit(estate, tmp_path, monkeypatch):
    """The nightly history: what the last run over the window judged is kept under .git/ssot-audit/, and a
    re-run judges only what is new, saying the same as a run from scratch."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    monkeypatch.chdir(spine)

    def history(name: str) -> dict:
        assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / name)]) == 0
        return json.loads((tmp_path / name / "history.json").read_text())

    first = history("first")
    assert first["run"]["reused"] == 0 and (spine / ".git/ssot-audit/history-cache.json").is_file()
    gap_open("GAP-OP-018")(_as_estate(spine))
    commit(spine, "open GAP-OP-018", "2026-02-08T18:00:00Z")
    again = history("again")
    assert again["run"]["reused"] == len(first["commits"]) and len(again["commits"]) == len(first["commits"]) + 1
    assert again["run"]["reruns"] < first["run"]["reruns"]
    (spine / ".git/ssot-audit/history-cache.json").unlink()
    fresh = history("fresh")
    assert fresh["run"]["reused"] == 0
    assert (again["commits"], again["entries"], again["beyond"]) == (
        fresh["commits"],
        fresh["entries"],
        fresh["beyond"],
    )


def _as_estate(spine: Path) -> Path:
    """The mutations name files under agentic-spine/: a clone elsewhere, seen through a link of that name."""
    estate = spine.parent / "as-estate"
    estate.mkdir(exist_ok=True)
    link = estate / "agentic-spine"
    if not link.exists():
        link.symlink_to(spine)
    return estate


def _registry(*gates: str) -> str:
    rows = "".join(f"  - {{id: {g}, name: {name}, category: doc-hygiene, gate_class: invariant, severity: low, "
                   f"check_script: surfaces/verify/{g.lower()}.sh}}\n" for g, name in gates)  # fmt: skip
    return f"gate_count: {{total: {len(gates)}, active: {len(gates)}}}\ngates:\n{rows}"


def test_every_gate_the_commit_lists_is_an_entry_of_its_history(estate, tmp_path, monkeypatch, pytester):
    """As a run of each commit's tree: a gate its registry adds is an entry from that commit on, named by
    the registry; one it drops is absent from then on."""
    spine = tmp_path / "spine"
    subprocess.run(["git", "clone", "-q", str(estate.spine), str(spine)], check=True)
    registry = spine / "ops/bindings/gate.registry.yaml"
    for gate in ("d900", "d901"):
        (spine / f"surfaces/verify/{gate}.sh").write_text("#!/usr/bin/env bash\nexit 0\n")
    registry.write_text(_registry(("D900", "notes-are-dated")))
    first = commit(spine, "registry lists D900", "2026-02-08T16:00:00Z")
    registry.write_text(_registry(("D900", "notes-are-dated"), ("D901", "queue-is-sorted")))
    second = commit(spine, "D901 added", "2026-02-08T17:00:00Z")
    registry.write_text(_registry(("D901", "queue-is-sorted")))
    third = commit(spine, "D900 dropped", "2026-02-08T18:00:00Z")
    monkeypatch.chdir(spine)
    assert cli.main(["history", "-m", "static", "--ssot-report-dir", str(tmp_path / "r"), "HEAD~3..HEAD"]) == 0
    document = json.loads((tmp_path / "r" / "history.json").read_text())
    validator("history.schema.json").validate(document)
    entries = {e["id"]: e for e in document["entries"] if e["kind"] == "gate"}
    assert entries["D900"]["title"] == "notes-are-dated"
    assert [(c["sha"], c["status"]) for c in entries["D900"]["changes"]] == [(first, "not proven"), (third, "absent")]
    assert [c["sha"] for c in entries["D901"]["changes"]] == [second]
    assert "a history never runs the spine's scripts" in entries["D901"]["changes"][0]["reasons"][0]
    pytester.runpytest_inprocess(
        *SUITE, "-m", "static", "--spine-root", str(_archive(spine, third, tmp_path / "tree")),
        "--now", "2026-02-08T18:00:00Z", "--ssot-report-dir", str(tmp_path / "run"), "-p", "no:cacheprovider",
    )  # fmt: skip
    run = json.loads((tmp_path / "run" / "results.json").read_text())
    last = {(e["kind"], e["id"]): e["changes"][-1]["status"] for e in document["entries"]}
    assert {k: s for k, s in last.items() if s != "absent"} == {
        (e["kind"], e["id"]): e["status"] for e in run["entries"]
    }
