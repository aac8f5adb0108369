"""What keeps the pre-commit hook fast and the suite linear in the tree: each proven to hold, and to
keep behaviour (reports, redaction, file content, comment stripping) exactly as it was."""

import json
import random
import re
import subprocess
import sys
from importlib import resources

import jsonschema
import pytest

from selftest.suite import ESTATE_NOW
from selftest.test_precommit import spine_repo
from ssot_audit import catalogue, schema
from ssot_audit import redact as redact_mod
from ssot_audit.checks.gates import governance, paths, receipts, secrets, surfaces
from ssot_audit.checks.gates.scan import Rule, numbered, rule, strip_comment, whole_file
from ssot_audit.cli import unneeded_plugins
from ssot_audit.sources import Document
from ssot_audit.tree import Tree

OPTIONAL = {"xdist", "xdist.looponfail", "html", "html_fixtures", "metadata", "junitxml", "pytest11.testinfra"}


def blocked(args: list[str]) -> set[str]:
    switches = unneeded_plugins(args)
    assert switches[::2] == ["-p"] * (len(switches) // 2)
    return {s.removeprefix("no:") for s in switches[1::2]}


def test_every_bundled_schema_is_valid_against_its_metaschema():
    """Checked here, not at every start of the suite."""
    names = [f.name for f in resources.files("ssot_audit.schemas").iterdir() if f.name.endswith(".json")]
    assert len(names) > 20
    for name in names:
        schema = json.loads(resources.files("ssot_audit.schemas").joinpath(name).read_text())
        jsonschema.validators.validator_for(schema).check_schema(schema)
    broken = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "mapping"}
    with pytest.raises(jsonschema.SchemaError):
        jsonschema.validators.validator_for(broken).check_schema(broken)


def test_bundled_catalogue_matches_its_schema():
    """Checked here, not at every start of the suite; a catalogue that breaks the schema fails."""
    doc = catalogue.bundled()
    schema.validate(doc, "catalogue.schema.json")
    broken = Document(doc.file, {**doc.data, "gates": {"D1": {"severity": 3}}})
    with pytest.raises(schema.SchemaViolation):
        schema.validate(broken, "catalogue.schema.json")


@pytest.mark.parametrize(
    ("args", "kept"),
    [
        (["-m", "static", "-q"], set()),
        (["-m", "crossrepo", "-k", "infra-core"], set()),
        (["-mstatic or crossrepo"], set()),
        (["-m", "live", "--hosts=ssh://pve"], {"pytest11.testinfra"}),
        (["-m", "live"], {"pytest11.testinfra"}),  # without --hosts: the live glue says what is missing
        (["-m", "not static"], {"pytest11.testinfra"}),
        ([], {"pytest11.testinfra"}),
        (["-m", "static", "-n", "2"], {"xdist", "xdist.looponfail"}),
        (["-m", "static", "-n2"], {"xdist", "xdist.looponfail"}),
        (["-m", "static", "--numprocesses=auto"], {"xdist", "xdist.looponfail"}),
        (["-m", "static", "--html", "r.html"], {"html", "html_fixtures", "metadata"}),
        (["-m", "static", "--junitxml=j.xml"], {"junitxml"}),
        (["-m", "static", "--ssot-report-dir", "out"], {"html", "html_fixtures", "metadata", "junitxml"}),
        (["-m", "static", "--help"], OPTIONAL),
        (["-m", "static", "--fixtures"], OPTIONAL),
    ],
)
def test_ssot_audit_leaves_out_only_the_plugins_a_run_cannot_use(args, kept):
    assert blocked(args) == OPTIONAL - kept


def run_cli(repo, *args: str) -> subprocess.CompletedProcess:
    """`ssot-audit` in-process in a fresh interpreter, printing which heavy modules it imported."""
    code = (
        "import sys; from ssot_audit.cli import main; rc = main(sys.argv[1:]); "
        "print('IMPORTED', sorted(m for m in ('paramiko', 'deepdiff', 'pytest_html', 'xdist') if m in sys.modules)); "
        "sys.exit(rc)"
    )
    return subprocess.run([sys.executable, "-c", code, *args], cwd=repo, capture_output=True, text=True)


def test_static_hook_loads_no_transport_diff_or_report_plugins_and_writes_closeout_and_results(tmp_path):
    repo = spine_repo(tmp_path)
    done = run_cli(repo, "-m", "static", "-q", "--now", ESTATE_NOW)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "IMPORTED []" in done.stdout
    assert sorted(p.name for p in (repo / ".git/ssot-audit").iterdir()) == ["closeout.md", "results.json"]


def test_asked_for_html_report_and_junit_are_still_written(tmp_path):
    repo = spine_repo(tmp_path)
    html, junit = tmp_path / "report.html", tmp_path / "junit.xml"
    done = run_cli(repo, "-m", "static", "-q", "--now", ESTATE_NOW, f"--html={html}", f"--junitxml={junit}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "'pytest_html'" in done.stdout and "<html" in html.read_text() and "<testsuite" in junit.read_text()


def test_failure_summary_still_shows_each_failures_teardown_output_through_the_index(pytester):
    pytester.makeconftest(
        """
        from ssot_audit.scale import TeardownIndex

        def pytest_terminal_summary(terminalreporter):
            indexed = isinstance(terminalreporter._get_teardown_reports, TeardownIndex)
            terminalreporter.write_line("INDEXED" if indexed else "NOT INDEXED")
        """
    )
    pytester.makepyfile(
        """
        import pytest

        @pytest.fixture
        def noisy(request):
            yield
            print(f"teardown of {request.node.name}")

        def test_a(noisy):
            assert False

        def test_b():
            assert False

        def test_c(noisy):
            pass
        """
    )
    out = pytester.runpytest_inprocess("--tb=short", "-p", "no:cacheprovider").stdout.str()
    assert "INDEXED" in out and "NOT INDEXED" not in out
    failures = out.split("= FAILURES =")[1]
    section_a, section_b = failures.split("_ test_b _")
    assert "Captured stdout teardown" in section_a and "teardown of test_a" in section_a
    assert "Captured stdout teardown" not in section_b
    assert "teardown of test_c" not in out


def unfiltered(text: str) -> str:
    for pattern, replacement in redact_mod._RULES:
        text = pattern.sub(replacement, text)
    return text


def test_redaction_skips_a_rule_only_where_it_could_not_match():
    """Every rule, run on every text, gives what the filtered rules give, case variants included."""
    pieces = ["token", "TOKEN", "to\u212aen", "secret", "Password", "pa\u017fs", "PASS", "pwd", "API-KEY", "api_key",
              "private_key", "Access-Key", "cred\u0130ential", "cred\u0131ential", "credentials", "Bearer ", "BEARER\t",
              "mysql -p", "MariaDB ", "https://u:", "@", "Authorization: ", "authorizat\u0131on=", "=", ": ", " ", "\n",
              "'", '"', "-", ".", "x", "9", "abcdefgh12345678", ",", "}"]  # fmt: skip
    rnd = random.Random(11)
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 20))) for _ in range(20000)]
    changed = {p: 0 for p in redact_mod._NEEDS}
    for text in texts:
        assert redact_mod._literal(text) == unfiltered(text), text
        for pattern in redact_mod._NEEDS:
            changed[pattern] += pattern.search(text) is not None
    assert all(changed.values()), "every filtered rule must match some of the texts, or the test proves nothing"


def test_tree_holds_each_file_once_and_gives_back_its_bytes_and_text(tmp_path):
    files = {
        "ascii.sh": b"echo ok # done\n",
        "utf8.md": "caf\u00e9 \u2014 ok\n".encode(),
        "latin1.txt": "caf\u00e9\n".encode("latin-1"),
        "binary.bin": b"\x00\x01\x02",
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    tree = Tree(tmp_path)
    for name, data in files.items():
        assert tree.raw(name) == data
    assert tree.text("ascii.sh") == "echo ok # done\n"
    assert tree.text("utf8.md") == "caf\u00e9 \u2014 ok\n"
    assert tree.text("latin1.txt") == "caf\ufffd\n"
    assert tree.text("binary.bin") is None
    assert tree.text("absent") is None
    with pytest.raises(FileNotFoundError):
        tree.raw("absent")
    assert sum(len(c) for c in tree._content.values() if not isinstance(c, OSError)) == sum(map(len, files.values()))


@pytest.mark.parametrize(
    ("line", "code"),
    [
        ("echo ok", "echo ok"),
        ("echo ok # note", "echo ok "),
        ("# all comment", ""),
        ('echo "#not" # but this', 'echo "#not" '),
        ("echo ${#x} a#b $#", "echo ${#x} a#b $#"),
    ],
)
def test_comment_stripping_is_unchanged_by_its_fast_path(line, code):
    assert strip_comment(line) == code


def _gate_rules() -> list[Rule]:
    found = []
    for module in (governance, paths, receipts, secrets, surfaces):
        for value in vars(module).values():
            values = value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            found += [v for v in values if isinstance(v, Rule)]
    return found


def test_a_whole_file_search_never_misses_a_hit_in_one_of_its_lines():
    """The scanners skip a file when one search of its text finds nothing: never where a line, or the
    code of one, has a hit. Every gate rule (and look-arounds at the edges) on random texts."""
    rules = _gate_rules() + [
        rule("edge", r"(?<![\w.-])agent(?![\w.-])", "", ""), rule("start", r"^\s*echo\s+.*\$TOKEN", "", ""),
    ]  # fmt: skip
    assert len(rules) > 20 and all(r.whole is not None for r in rules[-2:])
    pieces = ["~/agent", "$HOME/agent", "agent", "ronny-ops", "launchd", "echo ", "printf ", "$TOKEN", "set -x",
              "curl -v ", "rm -rf ", "reboot", "/tmp/", "LaunchAgents", "#", " #", " # ", "'", '"', "\\", "\n", "\n",
              "\r\n", "\r", "\x0c", "\u2028", ".", "-", "x", " ", "\t", "=", "|"]  # fmt: skip
    rnd = random.Random(7)
    texts = ["".join(rnd.choice(pieces) for _ in range(rnd.randint(1, 24))) for _ in range(4000)]
    hits = 0
    for each in (r for r in rules if r.whole is not None):
        for text in texts:
            whole = "\n".join(text.splitlines())
            for code_only in (True, False):
                if any(each.pattern.search(line) for _, line in numbered(text, code_only=code_only)):
                    hits += 1
                    assert each.whole.search(whole), (each.name, text, code_only)
    assert hits > 1000, "the texts must hit the rules, or the test proves nothing"


@pytest.mark.parametrize(
    ("regex", "whole"),
    [
        (r"ronny-ops|launchd", True),
        (r"(\$HOME/agent|~/agent)(?![\w.-])", True),  # a class that takes neither newline nor `#`
        (r"^\s*echo", True),
        (r"echo\s*$", False),
        (r"\Aecho", False),
        (r"echo\Z", False),
        (r"echo(?!\s)", False),  # \s takes the newline
        (r"echo(?![^a])", False),
        (r"echo(?!#)", False),  # after code comes the comment's `#`
        (r"(?<=x)echo", False),
        (r"(?>echo)", False),
        (r"e*+cho", False),
    ],
)
def test_a_whole_file_search_is_used_only_where_it_is_sound(regex, whole):
    assert (whole_file(re.compile(regex)) is not None) is whole


FAILING = """
import pytest

def deep(n):
    if n:
        deep(n - 1)
    pytest.fail("drift: a finding", pytrace=False)

def test_finding():
    deep(5)
"""
FRAMES = """
import pytest

@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if call.excinfo is not None:
        names = [entry.name for entry in call.excinfo.traceback]
        report.user_properties.append(("frames", names))
    return report
"""


@pytest.mark.parametrize("fulltrace", [False, True])
def test_a_finding_keeps_its_message_and_a_short_traceback_unless_the_frames_are_asked_for(pytester, fulltrace):
    pytester.makeconftest(FRAMES)
    pytester.makepyfile(FAILING)
    args = ["-p", "no:cacheprovider", *(["--fulltrace"] if fulltrace else [])]
    reprec = pytester.inline_run(*args)
    (report,) = [r for r in reprec.getreports("pytest_runtest_logreport") if r.when == "call"]
    frames = dict(report.user_properties)["frames"]
    assert "drift: a finding" in report.longreprtext
    if fulltrace:
        assert "test_finding" in frames and frames.count("deep") == 6
    else:
        assert "test_finding" not in frames and "deep" not in frames
