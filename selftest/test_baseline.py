"""--ssot-baseline: the drift already known does not fail a hook; new drift fails and is named; fixed drift is told."""

import json

from selftest.mutations import GAPS, gap_open, replace_re
from selftest.suite import DRIFTED, copy_estate, run_suite_raw
from ssot_audit.schema import validator


def first_run(pytester, estate, tmp_path):
    reports = tmp_path / "before"
    result = run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports))
    assert result.ret == 1
    return reports / "results.json"


def test_known_drift_passes_new_drift_fails_and_fixed_drift_is_resolved(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    baseline = first_run(pytester, estate, tmp_path)

    again = run_suite_raw(pytester, estate, "--ssot-baseline", str(baseline), "--ssot-report-dir", str(tmp_path / "a"))
    assert again.ret == 0, again.stdout.str()
    again.stdout.fnmatch_lines(["*against the baseline*", "known: * finding(s) already in the baseline*"])
    assert "new: " not in again.stdout.str()
    document = json.loads((tmp_path / "a" / "results.json").read_text())
    assert not list(validator("results.schema.json").iter_errors(document))
    assert document["baseline"]["new"] == [] and document["baseline"]["resolved"] == []
    assert "NOT READY TO CLOSE" in document["verdict"]  # known drift is still drift in the closeout

    # fix GAP-OP-018, and open a gap nobody knew about
    replace_re(estate, GAPS, r"(?s)(id: GAP-OP-018\n.*?status: )open", r"\g<1>fixed")
    gap_open("GAP-OP-002")(estate)
    after = run_suite_raw(pytester, estate, "--ssot-baseline", str(baseline))
    assert after.ret == 1
    text = after.stdout.str()
    after.stdout.fnmatch_lines(["*new: agentic-spine/ops/bindings/operational.gaps.yaml:*GAP-OP-002*"])
    after.stdout.fnmatch_lines(["*resolved: agentic-spine/ops/bindings/operational.gaps.yaml:*GAP-OP-018*"])
    assert "FAILED" in text and "test_gap_is_fixed[GAP-OP-002]" in text


def test_a_baseline_that_is_not_results_json_is_a_usage_error(pytester, tmp_path):
    bad = tmp_path / "results.json"
    bad.write_text('{"verdict": "READY"}')
    result = run_suite_raw(pytester, copy_estate(tmp_path), "--ssot-baseline", str(bad))
    assert result.ret == 4
    assert "--ssot-baseline" in result.stderr.str() and "not a results.json of ssot-audit" in result.stderr.str()
