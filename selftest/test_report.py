"""The closeout outputs: HTML report, closeout.md, results.json, JUnit XML."""

import html
import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET
from datetime import date, timedelta

import pytest

from selftest.suite import ALIGNED, DRIFTED, ESTATE_NOW, copy_estate, run_suite_raw
from selftest.test_waivers import write as write_waivers
from ssot_audit.catalogue import load
from ssot_audit.report.environment import commit
from ssot_audit.report.html import row_cells
from ssot_audit.report.reportdir import inert_markdown
from ssot_audit.schema import validator


def audit(pytester, tmp_path, estate=DRIFTED, *args):
    reports = tmp_path / "reports"
    result = run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports), *args)
    return result, reports


def report_data(path) -> dict:
    """pytest-html renders the table from a JSON blob in the page: read that, not <tr> elements."""
    return json.loads(html.unescape(re.search(r'data-jsonblob="([^"]*)"', path.read_text()).group(1)))


def header_width(path) -> int:
    return re.search(r'<thead id="results-table-head">(.*?)</thead>', path.read_text(), re.S).group(1).count("<th")


def test_writes_all_four_outputs(pytester, tmp_path):
    result, reports = audit(pytester, tmp_path)
    assert result.ret == 1
    assert sorted(p.name for p in reports.iterdir()) == ["closeout.md", "junit.xml", "results.json", "ssot-report.html"]


def test_closeout_md_says_not_ready_and_lists_every_failing_disconnect(pytester, tmp_path):
    _, reports = audit(pytester, tmp_path)
    text = (reports / "closeout.md").read_text()
    assert "**NOT READY TO CLOSE: 22 catalogue entries fail; 2 finding(s) beyond the catalogue" in text
    for row in ("| disconnect | B1 | high | failed | workbench/dotfiles/ssh/config.d/tailscale.conf: no Host entry for infra-core",
                "| disconnect | C2 | high | failed |", "| disconnect | F1 | low | failed |"):  # fmt: skip
        assert row in text


def test_results_json_matches_its_schema(pytester, tmp_path):
    _, reports = audit(pytester, tmp_path)
    document = json.loads((reports / "results.json").read_text())
    assert not list(validator("results.schema.json").iter_errors(document))
    b4 = next(e for e in document["entries"] if (e["kind"], e["id"]) == ("disconnect", "B4"))
    assert b4["status"] == "failed" and b4["severity"] == "high"
    assert all(f["file"] == "workbench/infra/data/monitoring_inventory.json" for f in b4["findings"])
    assert {f["line"] for f in b4["findings"]} >= {11} and all(f["fix"] and f["expected"] for f in b4["findings"])
    assert document["counts"]["category B"] == {"failed": 7}
    # n8n is not a service the loop names: its stale health check is drift beyond the catalogue, not B4
    assert [f["message"] for f in document["beyond"] if "n8n" in f["message"]] == [
        "n8n health check targets docker-host"
    ]
    assert all(f["entries"] == [] for f in document["beyond"])


def test_junit_carries_id_and_severity(pytester, tmp_path):
    _, reports = audit(pytester, tmp_path)
    tree = ET.parse(reports / "junit.xml")
    case = next(c for c in tree.iter("testcase") if c.get("name") == "test_ssh_target_in_workbench_config[infra-core]")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["disconnect"] == "B1" and props["severity"] == "high"


def test_html_has_catalogue_columns_summary_and_findings(pytester, tmp_path):
    _, reports = audit(pytester, tmp_path)
    page = (reports / "ssot-report.html").read_text()
    assert ">ssot-audit: LOOP-INFRA-SSOT-ALIGNMENT-20260208</title>" in page
    assert 'id="ssot-summary"' in page and "NOT READY TO CLOSE" in page
    data = report_data(reports / "ssot-report.html")
    rows = [row for test in data["tests"].values() for row in test]
    failing = next(r for r in rows if r["testId"].endswith("test_gap_is_fixed[GAP-OP-018]"))
    cells = " ".join(failing["resultsTableRow"])
    assert "disconnect C2" in cells and "high" in cells and "operational.gaps.yaml:" in cells
    assert "expected: status: fixed" in failing["log"] and "Traceback" not in failing["log"]
    assert header_width(reports / "ssot-report.html") == len(failing["resultsTableRow"])


def test_environment_names_checkouts_hosts_version_and_waivers(pytester, tmp_path):
    _, reports = audit(pytester, tmp_path)
    environment = json.loads((reports / "results.json").read_text())["environment"]
    assert set(environment) >= {"agentic-spine", "workbench", "Hosts", "ssot-audit", "Waivers"}
    assert environment["agentic-spine"].endswith("@ not a git checkout")


def test_xdist_report_rows_match_the_header(pytester, tmp_path):
    result, reports = audit(pytester, tmp_path, DRIFTED, "-n", "2")
    assert result.ret == 1
    data = report_data(reports / "ssot-report.html")
    widths = {len(row["resultsTableRow"]) for test in data["tests"].values() for row in test}
    assert widths == {header_width(reports / "ssot-report.html")}, widths
    # the workers' copies of the Environment table, merged back as they stop, do not override it
    rows = list(data["environment"])
    assert rows[:7] == ["Loop", "agentic-spine", "workbench", "Hosts", "Judged at", "Selection", "Command line"]
    assert rows[-1] == "Python, platform, packages" and not {"Python", "Platform", "Plugins"} & set(rows)
    command = html.unescape(data["environment"]["Command line"])
    assert command.startswith("pytest ") and command.endswith(" -n 2"), command
    assert "22 catalogue entries fail" in (reports / "closeout.md").read_text()


def test_aligned_estate_closeout_is_not_ready_only_for_what_did_not_run(pytester, tmp_path):
    result, reports = audit(pytester, tmp_path, ALIGNED)
    assert result.ret == 0
    text = (reports / "closeout.md").read_text()
    assert "NOT READY" not in text and "| failed |" not in text


def test_environment_commit_has_a_dirty_flag(tmp_path):
    from ssot_audit.report.environment import commit

    git = ["git", "-c", "user.name=a", "-c", "user.email=a@example.invalid", "-C", str(tmp_path)]
    subprocess.run([*git, "init", "-q"], check=True)
    (tmp_path / "f.yaml").write_text("a: 1\n")
    subprocess.run([*git, "add", "f.yaml"], check=True)
    subprocess.run([*git, "commit", "-qm", "x"], check=True)
    clean = commit(tmp_path)
    assert re.fullmatch(r"[0-9a-f]{8}", clean)
    (tmp_path / "f.yaml").write_text("a: 2\n")
    assert commit(tmp_path) == clean + "+dirty"
    assert commit(tmp_path / "sub") == "not a git checkout" or not (tmp_path / "sub").exists()


def test_environment_runs_nothing_the_checked_repo_configures(tmp_path):
    marker = tmp_path / "ran"
    script = tmp_path / "hook.sh"
    script.write_text(f'#!/bin/sh\necho "$0 $*" >> {marker}\ncat\n')
    script.chmod(0o755)
    repo = tmp_path / "repo"
    repo.mkdir()

    def git(*args):
        subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t.invalid", *args],
                       check=True, capture_output=True)  # fmt: skip

    git("init", "-q")
    (repo / "data.yaml").write_text("a: 1\n")
    git("add", "data.yaml")
    git("commit", "-qm", "one")
    # what a hostile checkout can configure for the commands the environment table runs
    git("config", "core.fsmonitor", str(script))
    git("config", "filter.evil.clean", str(script))
    git("config", "filter.evil.process", str(script))
    (repo / ".gitattributes").write_text("* filter=evil\n")
    os.utime(repo / "data.yaml", (1, 1))  # stat-dirty: status re-hashes it, through the clean filter
    shown = commit(repo)
    assert not marker.exists(), marker.read_text()
    assert re.fullmatch(r"[0-9a-f]{8}", shown), shown


UTC = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z"


@pytest.mark.parametrize("estate", [DRIFTED, ALIGNED], ids=["drifted", "aligned"])
def test_results_json_records_the_run_and_every_finding_in_full(estate, pytester, tmp_path):
    # the estate under a directory whose name carries a secret: the arguments name it, redacted
    estate = copy_estate(tmp_path / "DB_PASS=Qz8-db-pass-value", estate)
    (tmp_path / "none.yaml").write_text("version: 1\nwaivers: []\n")
    _, reports = audit(pytester, tmp_path, estate, "--waivers", str(tmp_path / "none.yaml"))
    document = json.loads((reports / "results.json").read_text())
    assert not list(validator("results.schema.json").iter_errors(document))
    run = document["run"]
    assert run["status"] == "complete" and re.fullmatch(UTC, run["started"]) and re.fullmatch(UTC, run["finished"])
    assert run["started"] <= run["finished"]
    assert (run["judged_at"], run["clock"]) == (ESTATE_NOW, "--now")
    assert (run["markers"], run["keywords"], run["hosts"]) == ("static or crossrepo", "", "none")
    assert run["waivers"].endswith("none.yaml") and "--waivers" in run["arguments"]
    assert "-m 'static or crossrepo'" in run["command"]
    assert "Qz8-db-pass-value" not in (reports / "results.json").read_text() and "DB_PASS=<redacted>" in run["command"]
    attributed = [f for e in document["entries"] for f in e["findings"]] + document["beyond"]
    for finding in attributed:
        assert {"file", "line", "message", "expected", "found", "fix", "entries", "test"} <= set(finding)
        assert all(finding[k] for k in ("file", "message", "expected", "found", "fix", "test")), finding
    if document["verdict"].startswith("NOT READY"):
        assert any("diff" in f for f in attributed)  # D1-D3: the supporting copy's differences


def test_waived_and_beyond_findings_are_structured_too(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    write_waivers(estate, ("disconnect", "F1", date.fromisoformat(ESTATE_NOW[:10]) + timedelta(days=30)))
    _, reports = audit(pytester, tmp_path, estate)
    document = json.loads((reports / "results.json").read_text())
    assert not list(validator("results.schema.json").iter_errors(document))
    f1 = next(e for e in document["entries"] if e["id"] == "F1")
    assert f1["status"] == "waived" and len(f1["findings"]) == 6
    assert all(f["fix"].startswith("append ") and f["line"] for f in f1["findings"])
    assert {f["message"] for f in document["beyond"]} >= {"n8n health check targets docker-host"}
    text = (reports / "closeout.md").read_text()
    assert "#### disconnect F1 · low · waived (" in text and text.count("  - fix: append ") == 6


def test_closeout_md_lists_every_finding_with_its_fix(pytester, tmp_path):
    _, reports = audit(pytester, tmp_path)
    text = (reports / "closeout.md").read_text()
    document = json.loads((reports / "results.json").read_text())
    assert f"Judged at {ESTATE_NOW} (--now) · selection: -m 'static or crossrepo'" in text
    for entry in document["entries"]:
        for finding in entry["findings"]:
            assert f"  - fix: {finding['fix']}" in text.replace("\\<", "<"), (entry["id"], finding["fix"])
    beyond = text[text.index("### Drift beyond the catalogue") :]
    assert all(f"  - fix: {f['fix']}" in beyond for f in document["beyond"])
    # F1's six findings are folded; B4's three are shown open
    f1 = text[text.index("#### disconnect F1") :].split("\n###")[0]
    assert "<details>\n<summary>6 findings</summary>\n" in f1 and f1.count("  - expected: ") == 6
    b4 = text[text.index("#### disconnect B4") :].split("\n####")[0]
    assert "<details>" not in b4 and b4.count("  - fix: ") == 3
    assert "    ```\n    Value of root['infisical']['host'] changed" in text  # D1's diff, fenced under its finding


def test_closeout_md_keeps_only_the_fold_as_markup():
    text = "<details>\n<summary>2 findings</summary>\n<details open>\n<summary><img src=x></summary>\n- <b>x</b>"
    assert inert_markdown(text).split("\n") == [
        "<details>", "<summary>2 findings</summary>", "\\<details open>", "\\<summary>\\<img src=x>\\</summary>",
        "- \\<b>x\\</b>",
    ]  # fmt: skip


def test_severity_cell_sorts_by_meaning_in_pytest_html():
    catalogue = load()
    keys = {}
    for kind, id_ in (("disconnect", "C1"), ("disconnect", "A1"), ("disconnect", "A4"), ("disconnect", "F1"),
                      ("gate", "D1")):  # fmt: skip
        cell = row_cells(catalogue, [(kind, id_)])[1]
        # what pytest-html 4 sorts by: the cell's inner HTML (basereport.py `_hydrate_data`)
        keys[id_] = re.search(r"<td.*?>(.*?)</td>", cell).group(1)
    assert sorted(keys, key=keys.get) == ["C1", "A1", "A4", "F1", "D1"]  # critical, high, medium, low, none
    assert sorted(["critical", "high", "low", "medium"]) != ["critical", "high", "medium", "low"]  # not the alphabet
