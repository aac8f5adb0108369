"""A script's needs are remembered by content: reused while the script and every file its reading looked at
are unchanged, read anew when any is not, and never trusted to let a script run."""

from __future__ import annotations

import json

import pytest

from ssot_audit import gate_runs, script_needs
from ssot_audit.script_needs import ScriptNeeds
from ssot_audit.spine_gates import classify

HELPER = "ops/lib/reach.sh"
SCRIPT = f'#!/usr/bin/env bash\nsource "$SPINE_ROOT/{HELPER}"\nreach\n'


@pytest.fixture
def reads(monkeypatch):
    """Counts the scripts actually read (lexed)."""
    count = []
    real = classify.needs
    monkeypatch.setattr(classify, "needs", lambda *a, **k: count.append(a[2]) or real(*a, **k))
    return count


def tree(helper: str):
    files = {HELPER: helper}
    return files.get


def test_an_unchanged_script_is_read_once_across_trees(reads):
    cache = ScriptNeeds()
    files = {"D900": (SCRIPT, "surfaces/verify/d900.sh")}
    first = cache.of_tree(files, tree("reach() { ssh pve true; }\n"), None)
    again = cache.of_tree(files, tree("reach() { ssh pve true; }\n"), None)
    assert first == again and first["D900"].network and len(reads) == 1


def test_a_changed_helper_reads_the_script_anew(reads):
    cache = ScriptNeeds()
    files = {"D900": (SCRIPT, "surfaces/verify/d900.sh")}
    assert cache.of_tree(files, tree("reach() { ssh pve true; }\n"), None)["D900"].network
    assert cache.of_tree(files, tree("reach() { grep -q x f; }\n"), None)["D900"].network is None
    assert len(reads) == 2


def test_kept_between_runs_under_git(tmp_path, reads):
    files = {"D900": (SCRIPT, "surfaces/verify/d900.sh")}
    ScriptNeeds().of_tree(files, tree("reach() { ssh pve true; }\n"), tmp_path)
    assert ScriptNeeds().of_tree(files, tree("reach() { ssh pve true; }\n"), tmp_path)["D900"].network
    assert len(reads) == 1
    kept = tmp_path / "ssot-audit" / script_needs.FILE
    document = json.loads(kept.read_text())
    document["reader"] = "another version"
    kept.write_text(json.dumps(document))
    ScriptNeeds().of_tree(files, tree("reach() { ssh pve true; }\n"), tmp_path)
    assert len(reads) == 2


@pytest.mark.parametrize("text", ["", "{not json", '{"reader": 1}', "[]", '{"reader": "x", "scripts": {"k": 3}}'])
def test_a_cache_that_cannot_be_read_is_as_good_as_none(tmp_path, text):
    (tmp_path / "ssot-audit").mkdir()
    (tmp_path / "ssot-audit" / script_needs.FILE).write_text(text)
    needs = ScriptNeeds().of_tree({"D1": ("ssh pve true\n", "d1.sh")}, tree(""), tmp_path)
    assert needs["D1"].network


@pytest.mark.parametrize(
    "entry",
    [3, [None, None, []], [1, None, [], {}], [None, None, "ssh", {}], [None, None, [2], {}], [None, None, [], []],
     [None, None, [], {"ops/lib/reach.sh": 7}]],
)  # fmt: skip
def test_an_ill_formed_entry_is_read_anew_and_the_others_are_kept(tmp_path, reads, entry):
    files = {"D1": ("ssh pve true\n", "d1.sh"), "D2": ("grep -q x f\n", "d2.sh")}
    ScriptNeeds().of_tree(files, tree(""), tmp_path)
    kept = tmp_path / "ssot-audit" / script_needs.FILE
    document = json.loads(kept.read_text())
    forged_key = next(iter(document["scripts"]))
    document["scripts"][forged_key] = entry
    kept.write_text(json.dumps(document))
    needs = ScriptNeeds().of_tree(files, tree(""), tmp_path)
    assert needs["D1"].network and needs["D2"].network is None
    assert len(reads) == 3  # both read the first time; then only the ill-formed one


def test_a_forged_cache_never_lets_a_script_reach_a_host(pytester, tmp_path, monkeypatch):
    """The cache says D901 (ssh infra-core) needs nothing, so it is placed among the static gates; run, it is
    read again from its own text and refused."""
    import subprocess

    from selftest.suite import run_suite_raw
    from selftest.test_spine_gates_engine import SPINE, spine_with_registry

    estate = spine_with_registry(tmp_path)
    spine = estate / SPINE
    subprocess.run(["git", "init", "-q", str(spine)], check=True)
    run_suite_raw(pytester, estate, "-k", "D901", markers="static or live")
    kept = spine / ".git" / "ssot-audit" / script_needs.FILE
    document = json.loads(kept.read_text())
    forged = {key: [None, None, [], looked_at] for key, (_, _, _, looked_at) in document["scripts"].items()}
    kept.write_text(json.dumps({**document, "scripts": forged}))
    monkeypatch.setattr(gate_runs, "_SCRIPT_NEEDS", ScriptNeeds())  # a new process: only the file remembers
    result = run_suite_raw(pytester, estate, "--ssot-run-spine-gates", "-k", "D901", "-rs", markers="static")
    text = result.stdout.str()
    assert "1 skipped" in text
    assert "needs the network or a host: line 3: ssh" in text
