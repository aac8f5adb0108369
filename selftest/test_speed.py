"""What keeps the pre-commit hook fast and the suite linear in the tree: each proven to hold, and to
keep behaviour (reports, redaction, file content, comment stripping) exactly as it was."""

import json
import os
import random
import re
import subprocess
import sys
import time
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
    for each in redact_mod._rules()[0]:
        spans = each.spans(text)
        text = redact_mod._mask(text, spans) if spans else text
    return text


# Pieces of texts that the rules take, or nearly take: every gated rule matches some of their random joins.
PIECES = ["token", "TOKEN", "to\u212aen", "secret", "Password", "pa\u017fs", "PASS", "pwd", "API-KEY", "api_key",
          "private_key", "Access-Key", "cred\u0130ential", "cred\u0131ential", "credentials", "Bearer ", "BEARER\t",
          "mysql -p", "MariaDB ", "https://u:", "@", "Authorization: ", "authorizat\u0131on=", "=", ": ", ":", " ",
          "\n", "'", '"', "-", ".", "x", "9", "abcdefgh12345678", ",", "}", " -p", " -a ", "curl -u a:", "sshpass",
          "redis-cli", "AKCabcdefghij12", "APAabcdefgh12", "aws_key='" + "A" * 40 + "'", "0123456789abcdef" * 2 + "-us1",
          "xoxb-12-ab", "XOXP-1-a", "https://hooks.slack.com/services/TA1/BB2/cc3", "sk_live_" + "a1" * 12,
          "rk_test_" + "B2" * 8, "123456789:" + "x" * 35, "MTk" + "a" * 21 + ".abcdef." + "b" * 27]  # fmt: skip


def test_redaction_skips_a_rule_only_where_it_could_not_match():
    """Every rule, run on every text, gives what the filtered rules give, case variants included."""
    rnd = random.Random(11)
    texts = ["".join(rnd.choice(PIECES) for _ in range(rnd.randint(1, 20))) for _ in range(10000)]
    rules = [each for each in redact_mod._rules()[0] if each.needs or each.shortest]
    changed = dict.fromkeys(range(len(rules)), 0)
    for text in texts:
        assert redact_mod._literal(text) == unfiltered(text), text
        for index, each in enumerate(rules):
            changed[index] += bool(each.spans(text))
    assert all(changed.values()), "every filtered rule must match some of the texts, or the test proves nothing"


def test_a_case_blind_rule_finds_in_lowercased_ascii_what_it_finds_in_the_text():
    rnd = random.Random(5)
    ascii_pieces = [piece for piece in PIECES if piece.isascii()] + ["PassWord", "ToKeN", "SeCrEt=", "HTTPS://U:", "B"]
    texts = ["".join(rnd.choice(ascii_pieces) for _ in range(rnd.randint(1, 20))) for _ in range(5000)]
    blind = [each.spans.args for each in redact_mod._rules()[0]
             if getattr(each.spans, "func", None) is redact_mod._spans and each.spans.args[2]]  # fmt: skip
    assert len(blind) >= 6
    for plain, group, _ in blind:
        exact = re.compile(plain.pattern, plain.flags | re.I)
        for text in texts:
            assert redact_mod._spans(plain, group, True, text) == [m.span(group) for m in exact.finditer(text)], text


# Runs of keyword-like text that made redaction quadratic (20 KB took 8 s, 100 KB minutes), and the literal pieces
# of every provider pattern: one line of each, 50 KB long, is redacted in well under the bound.
RUNS = ["mysql ", "mysql -u ", "password.", "password ", "--password-", "pass-", "-pass", "tokentoken", "secret_",
        "https://u:", "https://:", "a.", "${", "pass:", "12345678:", "Bearer ", "authorization: ", "eyJ", "st.abcd",
        "key" + " " * 5000, "token=" + "x" * 50_000, "sk-AKIAxoxb-1-", "-----BEGIN RSA PRIVATE KEY-----", "aB3+"]  # fmt: skip


def literal_pieces(parsed) -> list[str]:
    pieces, run = [], ""
    for op, arg in [*parsed, (None, None)]:
        if op is redact_mod._sre.LITERAL:
            run += chr(arg)
            continue
        pieces += [run] if run else []
        run = ""
        if op is redact_mod._sre.SUBPATTERN:
            pieces += literal_pieces(arg[-1])
        elif op in (redact_mod._sre.MAX_REPEAT, redact_mod._sre.MIN_REPEAT):
            pieces += literal_pieces(arg[2])
        elif op is redact_mod._sre.BRANCH:
            pieces += [piece for branch in arg[1] for piece in literal_pieces(branch)]
    return pieces


def test_redaction_is_linear_in_long_runs_of_keyword_like_text():
    patterns = redact_mod.provider_patterns()
    pieces = {piece for regex, flags in patterns for piece in literal_pieces(redact_mod._sre.parse(regex, flags))}
    for unit in RUNS + [f"{piece}{tail}" for piece in sorted(pieces) for tail in ("", " ", "a1")]:
        text = (unit * (50_000 // len(unit) + 1))[:50_000]
        start = time.perf_counter()
        redact_mod._redact(text)
        assert time.perf_counter() - start < 2, f"{unit!r} * 50 KB"


def test_factors_are_strings_every_match_holds():
    def factors(regex: str, flags: int = 0) -> set[str]:
        return set(redact_mod.factors(redact_mod._sre.parse(regex, flags), ignore_case=bool(flags & re.I)))

    assert factors(r"(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}") == {"A3T", "ABIA", "ACCA", "AKIA", "ASIA"}
    assert factors(r"xox(?:a|b)-(?:\d+-)+[a-z0-9]+", re.I) == {"xox"}
    assert factors(r"[MNO][\w-]{23}\.[\w-]{6}\.[\w-]{27}") == {"."}  # too short to filter: the rule always runs
    assert factors(r"(?:ab)?cd|ef") == {"cd", "ef"} and factors(r"(?:ab)?|cd") == set()


def test_provider_patterns_are_read_from_the_cache_without_importing_detect_secrets(tmp_path):
    """The hook would pay ~0.1 s on every commit to import detect-secrets' plugins: their patterns are cached."""
    code = ("import json, sys; from ssot_audit import redact; redact.redact('x'); "
            "print(json.dumps(['detect_secrets' in sys.modules, redact.provider_patterns()]))")  # fmt: skip
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                      check=True).stdout) for _ in range(2)]  # fmt: skip
    assert [imported for imported, _ in runs] == [True, False] and runs[0][1] == runs[1][1]
    assert len(list((tmp_path / "cache/ssot-audit").iterdir())) == 1
    (tmp_path / "cache").rename(tmp_path / "moved")
    (tmp_path / "cache").write_text("")  # a cache dir that cannot be made: the patterns are imported each time
    again = json.loads(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                      check=True).stdout)  # fmt: skip
    assert again == [True, runs[0][1]]


def test_provider_patterns_without_a_home_are_imported(monkeypatch):
    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(redact_mod.Path, "home", no_home)
    assert redact_mod.provider_patterns() == redact_mod._imported_patterns() != []


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
