"""A secret that lands in an input file never reaches a report, even when a finding quotes that text."""

import html
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from selftest.suite import ESTATE_NOW, copy_estate, hook_run, run_suite_raw
from ssot_audit.redact import MASK, PLUGINS, _redact, provider_patterns, redact, redact_lines
from ssot_audit.report.reportdir import inert_markdown

PLANTED = {
    "token": "st.9f3c2a7be1d04c6f8a5e0b1d2c3f4a5b6c7d8e9f",
    "password": "Tr0ub4dor-and-3-more-words",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJpbmZyYSJ9.c2lnbmF0dXJlLXZhbHVl",
}

# Secret shapes as they turn up in the lines findings quote: (line, the secret part that must go).
CORPUS = {
    "bearer": ("curl -H 'Authorization: Bearer 7Hk2mQ9xLp4RzT8wVb3N' https://api", "7Hk2mQ9xLp4RzT8wVb3N"),
    "cloudflared": ("cloudflared tunnel run --token eyJhIjoiYWJjZGVmMTIzNDU2Nzg5MCIsInQiOiJ0dW5uZWwifQ==",
                    "eyJhIjoiYWJjZGVmMTIzNDU2Nzg5MCIsInQiOiJ0dW5uZWwifQ"),
    "url-userinfo": ("DATABASE_URL=postgres://app:Pg-s3cret-42@db.lan:5432/app", "Pg-s3cret-42"),
    "db-pass": ("DB_PASS=Qz8-db-pass-value", "Qz8-db-pass-value"),
    "mysql-p": ("mysqldump -u root -pMy5ql-Inline-Pw shop > dump.sql", "My5ql-Inline-Pw"),
    "password-flag": ("vault-cli login --password Fl4g-Pw-Value --user ops", "Fl4g-Pw-Value"),
    "aws-secret": ("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE", "wJalrXUtnFEMI/K7MDENG"),
    "authentik": ("AUTHENTIK_SECRET_KEY=ak-9s8d7f6g5h4j3k2l", "ak-9s8d7f6g5h4j3k2l"),
    "quoted-passphrase": ('passphrase: "correct horse battery staple"', "horse battery"),
    "infisical-st": ("INFISICAL service st.a1b2c3d4.0f1e2d3c4b5a69788796a5b4c3d2e1f0.9a8b7c6d5e4f30211203f4e5d6c7b8a9",
                     "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    "private-key": ("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtz\n"
                    "c2gtZWQyNTUxOQAAACBkZXZvcHMtdGVzdC1rZXktYm9keS1ub3QtcmVhbAAAAJg\n"
                    "-----END OPENSSH PRIVATE KEY-----", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"),
    "key-body-line": ("ZGV2b3BzLXRlc3Qta2V5LWJvZHktbm90LXJlYWwAAACYZGV2b3BzLXRlc3Qta2V5", "ZGV2b3BzLXRlc3Qta2V5LWJvZHkt"),
}  # fmt: skip


# Every class of secret shape, hand-written after the real formats: in each text, what stands between « and » must go.
DATA = Path(__file__).parent / "data" / "secrets"
SHAPES: dict[str, list[str]] = yaml.safe_load((DATA / "shapes.yaml").read_text())
ORDINARY = [line for line in (DATA / "ordinary.txt").read_text().splitlines() if not line.startswith("#")]
MARKED = re.compile("«([^»]*)»")


def unmarked(text: str) -> str:
    return text.replace("«", "").replace("»", "")


SHAPE_SECRETS = {f"{kind}-{index}": secret for kind, texts in SHAPES.items()
                 for index, secret in enumerate(s for text in texts for s in MARKED.findall(text))}  # fmt: skip

# Markup and terminal control sequences in quoted text: shown, never acted on.
MARKUP = " <img src=x onerror=alert(1)> \x1b]0;retitled\x07\x1b[2J"


def test_corpus_of_secret_shapes_is_masked():
    for name, (line, secret) in CORPUS.items():
        shown = redact(f"found: {line}")
        assert secret not in shown and MASK in shown, f"{name}: {shown}"
        assert redact(shown) == shown, f"{name}: redaction is not idempotent"


@pytest.mark.parametrize("kind", SHAPES)
def test_every_class_of_secret_shape_is_masked(kind):
    for text in SHAPES[kind]:
        shown = redact(unmarked(text))
        for secret in MARKED.findall(text):
            assert secret not in shown, f"{kind}: {shown!r}"
        assert MASK in shown and redact(shown) == shown, f"{kind}: {shown!r}"


def test_a_secrets_block_scalar_is_masked_wherever_text_is_redacted_line_by_line():
    for kind in ("block-scalar-folded", "block-scalar-literal"):
        text = unmarked(SHAPES[kind][0])
        indented = "\n".join(f"    {line}" for line in text.split("\n"))  # as closeout.md quotes a diff
        for shown in (redact(text), "\n".join(redact_lines(text.split("\n"))), inert_markdown(indented)):
            assert not any(secret in shown for secret in MARKED.findall(SHAPES[kind][0])), shown
            assert "password: >-" in shown or "token: |" in shown  # the key and its indicator stay readable
    # the block ends where the indentation does: the next key is shown, and a plain key's next line too
    assert redact("password: |\n  s3cret\nuser: app") == "password: |\n  <redacted>\nuser: app"
    assert redact("description: |\n  the password rotates") == "description: |\n  the password rotates"


# detect-secrets' plugins that redact.py does not adopt, each for the reason given there.
LEFT_OUT = {"keyword", "high_entropy_strings", "jwt", "npm", "openai", "basic_auth", "private_key", "ibm_cloud_iam",
            "ibm_cos_hmac", "softlayer", "cloudant", "ip_public"}  # fmt: skip


def test_every_detect_secrets_plugin_is_adopted_or_left_out_for_a_reason():
    """A plugin a new detect-secrets version brings fails here until it is adopted (and proven linear) or left out."""
    import detect_secrets.plugins

    assert {m.name for m in pkgutil.iter_modules(detect_secrets.plugins.__path__)} - {"base"} == set(PLUGINS) | LEFT_OUT
    assert len(provider_patterns()) >= len(PLUGINS)


def test_ordinary_text_is_left_alone():
    for text in ORDINARY:
        assert redact(text) == text, text
    for text in ("status: passed, bypass: 3, compass=north", "expected: status: fixed", "password: ${DB_PASSWORD}",
                 "sha256 " + "0123456789abcdef" * 4, "secrets:\n  - infisical",
                 "workbench/infra/data/secrets_inventory.json:12: infisical entry",
                 "INFRA_MASTER_PLAN.md:58: Layer 2: Secrets & Passwords: Host names proxmox-home, pve"):  # fmt: skip
        assert redact(text) == text


def test_redacting_line_by_line_is_redacting_the_whole_text():
    """Multi-line texts are redacted line by line (cached per line): never with a different result."""
    lines = [line for line, _ in CORPUS.values()] + [
        "password:", "  value-on-the-next-line", "token: \\", "x ${UNCLOSED", "} DB_PASS=after-it", "words", "pwd: v",
        "Authorization:", "Bearer", "mysql -u root -p", "Secret1", "-----END OPENSSH PRIVATE KEY-----", MARKUP,
        "caf\u00e9 \u0130 PASS=\u0131x", "a\rpassword=cr-lf\r", "",
    ]  # fmt: skip
    for start in range(len(lines)):
        for size in (2, 3, 5):
            text = "\n".join(lines[start : start + size])
            assert redact(text) == _redact(text), repr(text)


def plant(tmp_path):
    """The aligned estate with secrets planted where findings, a schema error and a refused link quote them."""
    estate = copy_estate(tmp_path)
    path = estate / "workbench/infra/data/secrets_inventory.json"
    data = json.loads(path.read_text())
    # drift that the B5 check quotes back, carrying the secrets with it
    infisical = next(e for e in data["services"] if e["service"] == "infisical")
    infisical["host"] = (
        f"docker-host (VM 200) INFISICAL_TOKEN={PLANTED['token']} admin password: {PLANTED['password']} "
        f"session {PLANTED['jwt']} " + " ".join(line for line, _ in CORPUS.values()) + MARKUP + "\n"
        + "\n".join(unmarked(text) for texts in SHAPES.values() for text in texts)
    )  # fmt: skip
    path.write_text(json.dumps(data, indent=2))
    # a schema error that quotes the offending value (the source test fails; its dependants skip with it)
    gaps = estate / "agentic-spine/ops/bindings/operational.gaps.yaml"
    gaps.write_text(gaps.read_text().replace("status: fixed", f"status: {{DB_PASS: {CORPUS['db-pass'][1]}}}", 1))
    # a source that is a symlink out of the checkout, to a file holding a key: refused, never quoted
    outside = tmp_path / f"outside{MARKUP}.yaml"  # its name is quoted where the link is refused
    outside.write_text(CORPUS["private-key"][0] + "\n")
    linked = estate / "agentic-spine/ops/bindings/naming.policy.yaml"
    linked.unlink()
    linked.symlink_to(outside)
    return estate


SECRETS = {**PLANTED, **{name: secret for name, (_, secret) in CORPUS.items()}, **SHAPE_SECRETS}


def test_planted_secrets_appear_in_no_output(pytester, tmp_path):
    estate = plant(tmp_path)
    reports = tmp_path / "reports"
    result = run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports), "-n", "2", "-rsx")
    assert result.ret == 1
    outputs = {p.name: p.read_text() for p in reports.iterdir()}
    outputs["terminal"] = result.stdout.str() + result.stderr.str()
    # the finding still quotes the drift, with the secrets masked
    assert "found:    docker-host (VM 200) INFISICAL_TOKEN=<redacted> admin password: <redacted>" in outputs["terminal"]
    assert "INFISICAL_TOKEN=<redacted>" in html.unescape(html.unescape(outputs["ssot-report.html"]))
    assert "sshpass -p <redacted> ssh root@pve" in outputs["terminal"]  # each shape reached the outputs, masked
    assert "db:\n  password: >-\n    <redacted>\n    <redacted>\n\n    <redacted>\n  user: app" in outputs["terminal"]
    assert "naming.policy.yaml: cannot be read: refused: a symlink leads out of the checkout" in outputs["terminal"]
    assert "SKIPPED" in outputs["terminal"] and "DB_PASS" in outputs["terminal"]  # the skip reason, masked
    assert "\x1b" not in outputs["terminal"] and "\\x1b]0;retitled\\x07" in outputs["terminal"]
    assert "\\<img src=x onerror=alert(1)>" in outputs["closeout.md"] and "\x1b" not in outputs["closeout.md"]
    assert " <img" not in outputs["closeout.md"]
    for name, text in outputs.items():
        for kind, secret in SECRETS.items():
            assert secret not in text, f"{kind} leaked into {name}"


def test_planted_secrets_appear_in_no_output_of_the_in_process_run(tmp_path):
    """The hook's in-process run (inprocess.py) writes through the same redaction."""
    estate = plant(tmp_path)
    code, terminal, reports = hook_run(estate / "agentic-spine", "-m", "static or crossrepo", "-q", "--now", ESTATE_NOW,
                                       "--workbench-root", str(estate / "workbench"))  # fmt: skip
    assert code == 1 and "in-process" in terminal
    outputs = {p.name: p.read_text() for p in reports.iterdir()}
    outputs["terminal"] = terminal
    assert "INFISICAL_TOKEN=<redacted>" in outputs["results.json"]
    assert "sshpass -p <redacted> ssh root@pve" in outputs["results.json"]
    assert "\x1b" not in outputs["terminal"] and " <img" not in outputs["closeout.md"]
    for name, text in outputs.items():
        for kind, secret in SECRETS.items():
            assert secret not in text, f"{kind} leaked into {name}"


@pytest.mark.parametrize("pytest_run", [False, True], ids=["in-process", "pytest"])
def test_gate_coverage_line_quotes_a_broken_registry_redacted(pytest_run, tmp_path):
    """The terminal's gate-coverage line names why the registry is unusable; a value it quotes is masked."""
    estate = copy_estate(tmp_path)
    secret = CORPUS["db-pass"][1]
    (estate / "agentic-spine/ops/bindings/gate.registry.yaml").write_text(f"gates:\n  - id: DB_PASS={secret}\n")
    done = subprocess.run([sys.executable, "-m", "ssot_audit.cli", "-m", "static", "-q", "--now", ESTATE_NOW,
                           "--spine-root", str(estate / "agentic-spine"), *(["-v"] if pytest_run else [])],
                          cwd=tmp_path, capture_output=True, text=True)  # fmt: skip
    coverage = next(line for line in done.stdout.splitlines() if line.startswith("gates: "))
    assert "gate registry unreadable" in coverage and "DB_PASS=<redacted>" in coverage
    assert secret not in done.stdout + done.stderr


def test_a_secret_in_a_file_name_is_masked_in_every_test_id(pytester, tmp_path):
    """A top-level directory named after a secret becomes a parameter ID (gate D1 checks every root
    directory): the engine's IDs pass through the same redaction as every text, so no terminal line, JUnit
    name or HTML row carries it."""
    estate = copy_estate(tmp_path)
    secret = "ghp_" + "Zq9" * 12
    (estate / "agentic-spine" / f"token={secret}").mkdir()
    reports = tmp_path / "reports"
    result = run_suite_raw(pytester, estate, "--ssot-report-dir", str(reports), "-v", "-rA", markers="static")
    outputs = {p.name: p.read_text() for p in reports.iterdir()}
    outputs["terminal"] = result.stdout.str() + result.stderr.str()
    assert "test_top_level_dir_is_allowed[token=<redacted>]" in outputs["terminal"]
    for name, text in outputs.items():
        assert secret not in text, f"the file name's secret leaked into {name}"
