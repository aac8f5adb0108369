"""A secret that lands in an input file never reaches a report, even when a finding quotes that text."""

import html
import json

from selftest.suite import copy_estate, run_suite_raw

PLANTED = {
    "token": "st.9f3c2a7be1d04c6f8a5e0b1d2c3f4a5b6c7d8e9f",
    "password": "Tr0ub4dor-and-3-more-words",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmZyYSJ9.c2lnbmF0dXJlLXZhbHVl",
}


def test_planted_secrets_appear_in_no_output(pytester, tmp_path):
    estate = copy_estate(tmp_path)
    path = estate / "workbench/infra/data/secrets_inventory.json"
    data = json.loads(path.read_text())
    # drift that the B5 check quotes back, carrying the secrets with it
    infisical = next(e for e in data["services"] if e["service"] == "infisical")
    infisical["host"] = (
        f"docker-host (VM 200) INFISICAL_TOKEN={PLANTED['token']} admin password: {PLANTED['password']} "
        f"session {PLANTED['jwt']}"
    )
    path.write_text(json.dumps(data, indent=2))
    reports = tmp_path / "reports"
    result = run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports), "-n", "2")
    assert result.ret == 1
    outputs = {p.name: p.read_text() for p in reports.iterdir()}
    outputs["terminal"] = result.stdout.str() + result.stderr.str()
    # the finding still quotes the drift, with the secrets masked
    assert "found:    docker-host (VM 200) INFISICAL_TOKEN=<redacted> admin password: <redacted>" in outputs["terminal"]
    assert "INFISICAL_TOKEN=<redacted>" in html.unescape(html.unescape(outputs["ssot-report.html"]))
    for name, text in outputs.items():
        for kind, secret in PLANTED.items():
            assert secret not in text, f"{kind} leaked into {name}"
