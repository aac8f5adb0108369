"""Every gate the spine lists is a catalogue entry: named by its registry, judged by ssot-audit's re-implementation,
by the spine's own script (--ssot-run-spine-gates), or both, and otherwise not judged with the reason."""

from __future__ import annotations

import json
import re
import shutil
import stat
from pathlib import Path

from selftest.suite import copy_estate, one_engine, run_suite, run_suite_raw

SPINE = "agentic-spine"
REGISTRY = """gate_count: {total: 5, active: 4, retired: 1}
gates:
  - {id: D1, name: top-level-dirs, category: path-hygiene, gate_class: invariant, severity: high,
     fix_hint: keep the seven directories, check_script: surfaces/verify/drift-gate.sh, inline: true}
  - {id: D21, name: reserved, category: retired, gate_class: invariant, severity: none, retired: true}
  - {id: D900, name: notes-are-dated, category: doc-hygiene, gate_class: invariant, severity: medium,
     fix_hint: date the notes, check_script: surfaces/verify/d900-notes-dated.sh}
  - {id: D901, name: tailnet-answers, category: infra-hygiene, gate_class: invariant, severity: high,
     fix_hint: bring the tailnet up, check_script: surfaces/verify/d901-tailnet-answers.sh}
  - {id: D902, name: queue-is-sorted, category: ssot-hygiene, gate_class: invariant, severity: low,
     check_script: surfaces/verify/d902-queue-sorted.sh}
  - {id: D903, name: no-stray-logs, category: path-hygiene, gate_class: invariant, severity: medium,
     fix_hint: remove the logs, check_script: surfaces/verify/d903-no-stray-logs.sh}
  - {id: D904, name: watcher, category: process-hygiene, gate_class: advisory, severity: low,
     check_script: surfaces/verify/d904-watcher.sh}
  - {id: D2, name: no-runs-trace, category: path-hygiene, gate_class: invariant, severity: medium,
     check_script: surfaces/verify/no-runs-trace.sh}
"""
SCRIPTS = {
    # reads the tree: its targets file names each target's host
    "d900-notes-dated.sh": '#!/usr/bin/env bash\nset -eu\ngrep -q "host:" "$SPINE_ROOT/ops/bindings/ssh.targets.yaml"\n',
    "d901-tailnet-answers.sh": "#!/usr/bin/env bash\nset -eu\nssh -o BatchMode=yes infra-core true\n",
    "d902-queue-sorted.sh": "#!/usr/bin/env bash\nexit 0\n",
    "d903-no-stray-logs.sh": '#!/usr/bin/env bash\necho "D903 FAIL: stray log $SPINE_ROOT/debug.log"\nexit 1\n',
    "d904-watcher.sh": '#!/usr/bin/env bash\necho "D904 WARN: watcher not loaded"\nexit 0\n',
    # the spine's own D2, made to disagree with ssot-audit's (no runs/ directory in the estate: ours passes)
    "no-runs-trace.sh": '#!/usr/bin/env bash\necho "D2 FAIL: a runs/ trace"\nexit 1\n',
}


def spine_with_registry(tmp_path: Path) -> Path:
    estate = copy_estate(tmp_path)
    spine = estate / SPINE
    (spine / "ops/bindings/gate.registry.yaml").write_text(REGISTRY)
    for name, text in SCRIPTS.items():
        script = spine / "surfaces/verify" / name
        script.write_text(text)
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return estate


def entries(reports: Path) -> dict[str, dict]:
    document = json.loads((reports / "results.json").read_text())
    return {e["id"]: e for e in document["entries"] if e["kind"] == "gate"}, document


def test_every_listed_gate_is_an_entry_named_by_the_registry(pytester, tmp_path):
    estate = spine_with_registry(tmp_path)
    one_engine(pytester, estate, tmp_path, markers="static")
    gates, document = entries(tmp_path / "reports-pytest")
    assert {"D900", "D901", "D902", "D21"} <= set(gates)
    assert (gates["D900"]["title"], gates["D900"]["severity"]) == ("notes-are-dated", "medium")
    assert gates["D21"]["status"] == "retired"
    # not re-implemented, and the spine's scripts may not run: not judged, and why
    assert gates["D900"]["status"] == "not proven" and gates["D900"]["judged_by"] is None
    assert "pass --ssot-run-spine-gates" in gates["D902"]["evidence"]
    # the script reaches a host: it belongs to the live half, so -m static leaves it out
    assert "test_spine_gate_on_hosts did not run (deselected by -m 'static')" in gates["D901"]["evidence"]
    cover = document["gate_coverage"]
    assert cover["active"] == 7 and cover["retired"] == ["D21"]
    assert set(cover["judged_by"]["ssot-audit"]) <= {"D1", "D2"} and "D900" in sum(cover["not_judged"].values(), [])


def test_a_gate_is_selected_by_its_id(pytester, tmp_path):
    outcome = run_suite(pytester, spine_with_registry(tmp_path), "-k", "D902", markers="static")
    assert [r.nodeid.split("::")[1] for r in outcome.reports] == ["test_spine_gate_passes[D902]"]
    assert ("gate", "D902") in outcome.reports[0].user_properties


def test_a_gate_that_needs_a_host_is_never_run_and_says_why(pytester, tmp_path):
    """Under -m live (with hosts or not) the spine's D901 is not judged: no spine script may reach a host."""
    from ssot_audit import gate_runs
    from ssot_audit.repo import Repo

    estate = spine_with_registry(tmp_path)
    repo = Repo(SPINE, estate / SPINE)
    listed = gate_runs.listed(repo)
    assert gate_runs.needs(repo, listed.get("D901")).network and not gate_runs.needs(repo, listed.get("D900")).network
    assert gate_runs.script_tests(repo)["D901"] == "test_spine_gate_on_hosts"


def test_with_the_option_the_spine_scripts_judge_and_are_compared(pytester, tmp_path):
    """--ssot-run-spine-gates: each listed gate is judged by its own script, contained; one ssot-audit also
    re-implements is judged by both, and a disagreement between the two is a finding of its own."""
    estate = spine_with_registry(tmp_path)
    one_engine(pytester, estate, tmp_path, "--ssot-run-spine-gates", markers="static")
    gates, document = entries(tmp_path / "reports-pytest")
    assert (gates["D900"]["status"], gates["D900"]["judged_by"]) == ("passed", "spine script")
    assert (gates["D904"]["status"], gates["D904"]["judged_by"]) == ("passed", "spine script")  # WARN: no failure
    d903 = gates["D903"]
    assert (d903["status"], d903["judged_by"]) == ("failed", "spine script")
    (finding,) = d903["findings"]
    assert finding["file"] == "agentic-spine/surfaces/verify/d903-no-stray-logs.sh" and "stray log" in finding["found"]
    assert finding["fix"] == "remove the logs"
    d2 = gates["D2"]
    assert (d2["status"], d2["judged_by"]) == ("failed", "both")
    assert "ssot-audit and the spine's D2 disagree at this commit" in [f["message"] for f in d2["findings"]]
    spine_scripts = document["gate_coverage"]["spine_scripts"]
    assert spine_scripts["allowed"] and set(spine_scripts["per_gate"]) >= {"D900", "D902", "D903", "D904", "D2"}
    assert "D901" not in spine_scripts["per_gate"]  # it reaches a host: never run
    closeout = (tmp_path / "reports-pytest/closeout.md").read_text()
    assert re.search(r"the spine's scripts: \d+ run side by side in \d+ s \(\d+ s of gate time; slowest D\d+", closeout)


def test_a_script_that_reads_the_workstation_or_an_absent_workbench_never_runs(pytester, tmp_path):
    """The spine's D11 reads the operator's home and its D25 the workbench: a contained run has a scratch home,
    and this run has no workbench, so neither script runs and each says why, rather than judging an empty tree."""
    estate = spine_with_registry(tmp_path)
    spine = estate / SPINE
    registry = spine / "ops/bindings/gate.registry.yaml"
    registry.write_text(
        registry.read_text()
        + "  - {id: D11, name: home-surface, category: path-hygiene, gate_class: invariant, severity: medium,\n"
        "     check_script: surfaces/verify/d11-home-surface.sh}\n"
        "  - {id: D25, name: secrets-cli-canonical, category: ssot-hygiene, gate_class: invariant, severity: medium,\n"
        "     check_script: surfaces/verify/d25-secrets-cli.sh}\n"
    )
    for name in ("d11-home-surface.sh", "d25-secrets-cli.sh"):
        script = spine / "surfaces/verify" / name
        script.write_text('#!/usr/bin/env bash\necho "FAIL: ran"\nexit 1\n')
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    shutil.rmtree(estate / "workbench")
    reports = tmp_path / "reports"
    result = run_suite_raw(pytester, estate, "--ssot-run-spine-gates", "-k", "D11 or D25 or D902", "-rs",
                           "--ssot-report-dir", str(reports), markers="static")  # fmt: skip
    text = result.stdout.str()
    assert "reads the operator's workstation" in text and "it reads the workbench, and this run has none" in text
    ran = json.loads((reports / "results.json").read_text())["gate_coverage"]["spine_scripts"]["per_gate"]
    assert list(ran) == ["D902"]  # run side by side with the others, but those two are never run
    outcomes = result.parseoutcomes()
    assert "FAIL: ran" not in text and (outcomes["skipped"], outcomes["passed"]) == (2, 1)
