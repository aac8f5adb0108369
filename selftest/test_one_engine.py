"""One engine: `pytest tests ...`, `ssot-audit` through pytest and `ssot-audit` in-process (the pre-commit
hook) give the same answers on the same inputs: exit status, entry statuses, evidence, findings with the node
ID that found each, drift beyond the catalogue, verdict, counts and coverage. Every bundled mutation is judged
through both engines' adapters (selftest.suite.one_engine, used by test_mutations and test_gate_mutations);
the history agrees with a normal run at every commit (test_history). And the package has no import cycle."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from deepdiff import DeepDiff

from selftest.mutations import GAPS, MUTATIONS
from selftest.suite import (
    ALIGNED,
    DRIFTED,
    ESTATE_NOW,
    REPO,
    SUITE,
    as_checkout,
    copy_estate,
    hook_run,
    judgement,
    one_engine,
    run_suite,
    suite_args,
)
from ssot_audit import inprocess, items
from ssot_audit.grid import cases, marked_skip
from ssot_audit.suite import Spec

PACKAGE = Path(__file__).resolve().parent.parent / "ssot_audit"


def _roots(estate: Path) -> list[str]:
    return ["--workbench-root", str(estate / "workbench"), "--mint-modules-root", str(estate / "mint-modules"),
            "--now", ESTATE_NOW]  # fmt: skip


def three_paths(tmp_path: Path, estate: Path, *args: str) -> dict[str, tuple[int, dict]]:
    """(exit status, results.json) of `pytest tests` as the README has it (in this checkout, the roots given
    as separate arguments: pytest then takes the checkout for its rootdir), of `ssot-audit` run by pytest (-v)
    and of the hook."""
    estate = copy_estate(tmp_path, estate)
    spine = as_checkout(estate / "agentic-spine")
    out = {}
    done = subprocess.run([sys.executable, "-m", "pytest", "tests", "--spine-root", str(spine), *_roots(estate), *args,
                           "-p", "no:cacheprovider", "--ssot-report-dir", str(tmp_path / "pytest")], cwd=REPO,
                          capture_output=True, text=True)  # fmt: skip
    out["pytest tests"] = (done.returncode, tmp_path / "pytest")
    done = subprocess.run([sys.executable, "-m", "ssot_audit.cli", "-v", "--spine-root", str(spine), *_roots(estate),
                           *args, "--ssot-report-dir", str(tmp_path / "cli")], capture_output=True, text=True)  # fmt: skip
    assert "in-process" not in done.stdout
    out["ssot-audit"] = (done.returncode, tmp_path / "cli")
    code, terminal, reports = hook_run(spine, *_roots(estate), *args)
    assert "(ssot-audit, in-process)" in terminal, terminal
    out["hook"] = (code, reports)
    return {path: (code, json.loads((where / "results.json").read_text())) for path, (code, where) in out.items()}


def assert_same(found: dict[str, tuple[int, dict]]) -> None:
    (first, (code, document)), *others = found.items()
    for other, (other_code, other_document) in others:
        assert other_code == code, (first, code, other, other_code)
        diff = DeepDiff(judgement(document), judgement(other_document))
        assert not diff, f"{first} and {other} disagree: {diff.pretty()}"


@pytest.mark.parametrize("markers", ["static", "crossrepo", "static or crossrepo"])
@pytest.mark.parametrize("estate", [DRIFTED, ALIGNED], ids=["drifted", "aligned"])
def test_every_path_says_the_same(estate, markers, tmp_path):
    found = three_paths(tmp_path, estate, "-m", markers)
    assert_same(found)
    code, document = found["hook"]
    findings = [f["test"] for e in document["entries"] for f in e["findings"]] + [f["test"] for f in document["beyond"]]
    assert code == (1 if estate == DRIFTED else 0) and all(not t.startswith("tests/") for t in findings), findings


@pytest.mark.parametrize("keyword", ["gap", "not gates and not sources", "D28 or layer", "GAP-OP-015"])
def test_the_same_under_k(keyword, pytester, tmp_path):
    """-k matches what pytest's matches: test, module and directory names, parameter IDs, markers."""
    one_engine(pytester, DRIFTED, tmp_path, "-k", keyword)


def test_the_same_against_a_baseline(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    run_suite(pytester, estate, "--ssot-report-dir", str(tmp_path / "base"), markers="static")
    next(m for m in MUTATIONS if m.name == "new-gap-open").apply(estate)
    outcome = one_engine(pytester, estate, tmp_path, "--ssot-baseline", str(tmp_path / "base" / "results.json"),
                         markers="static")  # fmt: skip
    document = json.loads((tmp_path / "reports-in-process" / "results.json").read_text())
    assert [f["message"] for f in document["baseline"]["new"]] == ["GAP-OP-099 (low) is open"]
    assert int(outcome.ret) == 1


def test_the_same_with_waivers(pytester, tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(
        "waivers:\n"
        "  - disconnect: C1\n    reason: node rename scheduled\n    owner_loop: LOOP-X\n    expires: 2026-03-01\n"
        "  - disconnect: C2\n    reason: old\n    owner_loop: LOOP-X\n    expires: 2026-01-01\n"
    )
    one_engine(pytester, DRIFTED, tmp_path, "--waivers", str(waivers), markers="static")


def test_a_thing_listed_twice_is_one_case(pytester, tmp_path):
    """A gap ID listed twice: one case of it (pytest refuses duplicate IDs), the same verdict everywhere."""
    estate = copy_estate(tmp_path, DRIFTED)
    gaps = estate / GAPS
    text = gaps.read_text()
    start = text.index("  - id: GAP-OP-015")
    entry = text[start : text.index("  - id:", start + 1)]
    gaps.write_text(text.replace(entry, entry + entry, 1))
    outcome = one_engine(pytester, estate, tmp_path, markers="static")
    assert not outcome.errors
    assert [r.nodeid for r in outcome.reports].count("static/test_gaps.py::test_gap_is_fixed[GAP-OP-015]") == 1
    assert "C1" in outcome.failing_ids()


def test_names_that_are_not_ascii_make_the_same_node_ids(pytester, tmp_path):
    estate = copy_estate(tmp_path, ALIGNED)
    (estate / "agentic-spine" / "Ünterlagen").mkdir()
    (estate / "agentic-spine" / "Ünterlagen" / "notes.md").write_text("# notes\n")
    outcome = one_engine(pytester, estate, tmp_path, markers="static")
    assert "static/test_gates_tree.py::test_top_level_dir_is_allowed[\\xdcnterlagen]" in {
        r.nodeid for r in outcome.failed()
    }


@pytest.mark.parametrize("damage", ["empty", "unreadable"])
def test_an_empty_or_unreadable_source_is_judged_alike(damage, pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    gaps = estate / GAPS
    gaps.write_bytes(b"" if damage == "empty" else b"gaps:\n  - id: GAP-OP-\xff\n")
    outcome = one_engine(pytester, estate, tmp_path, markers="static")
    assert "test_spine_source_is_readable[ops/bindings/operational.gaps.yaml]" in outcome.failing_tests()


def test_an_item_reader_that_breaks_is_one_error_in_both(pytester, tmp_path, monkeypatch):
    """A reader's defect (input it did not foresee) is an error of that test's one case; the run goes on."""

    def broken(spine, workbench):
        raise KeyError("status")

    monkeypatch.setitem(items.ITEMS, "gap_id", items.ItemSource(broken, facet="gap", absent="check"))
    outcome = one_engine(pytester, DRIFTED, tmp_path, markers="static")
    assert int(outcome.ret) == 1 and not outcome.errors
    broke = [r for r in outcome.reports if "test_gap_is_fixed" in r.nodeid]
    assert [r.nodeid.split("::")[1] for r in broke] == ["test_gap_is_fixed[unreadable]"]
    assert "the gap_id items could not be read: KeyError: 'status'" in broke[0].longreprtext
    document = json.loads((tmp_path / "reports-in-process" / "results.json").read_text())
    c1 = next(e for e in document["entries"] if e["id"] == "C1")
    assert c1["status"] == "not proven" and "KeyError" in c1["evidence"]


def _exit_and_message(tmp_path: Path, *args: str) -> list[tuple[int, str]]:
    spine = DRIFTED / "agentic-spine"
    done = subprocess.run([sys.executable, "-m", "pytest", *SUITE, "--spine-root", str(spine), *_roots(DRIFTED),
                           "-p", "no:cacheprovider", *args], capture_output=True, text=True)  # fmt: skip
    found = [(done.returncode, done.stdout + done.stderr)]
    code, terminal, _ = hook_run(copy_estate(tmp_path, DRIFTED) / "agentic-spine", *_roots(DRIFTED), *args)
    return [*found, (code, terminal)]


def test_a_selection_of_nothing_is_exit_5_everywhere(tmp_path):
    """A typo in a hook's or a nightly job's -k must not look green."""
    (pytest_code, _), (hook_code, terminal) = _exit_and_message(tmp_path, "-m", "static", "-k", "no_such_test")
    assert pytest_code == hook_code == 5, terminal
    assert "no tests ran" in terminal


def test_a_malformed_expression_is_the_same_usage_error(tmp_path):
    (pytest_code, pytest_says), (hook_code, hook_says) = _exit_and_message(tmp_path, "-m", "static", "-k", "(((")
    assert pytest_code == hook_code == 4
    message = "Wrong expression passed to '-k': (((: at column 4: expected not OR left parenthesis OR identifier"
    assert message in pytest_says and message in hook_says


def test_a_report_dir_holds_the_whole_set(tmp_path):
    """--ssot-report-dir writes ssot-report.html, junit.xml, closeout.md and results.json, whatever judged."""
    estate = copy_estate(tmp_path, DRIFTED)
    spine = estate / "agentic-spine"
    code, _, hook_dir = hook_run(spine, *_roots(estate), "-m", "static", "--ssot-report-dir", str(tmp_path / "r"))
    assert code == 1
    assert sorted(p.name for p in (tmp_path / "r").iterdir()) == [
        "closeout.md", "junit.xml", "results.json", "ssot-report.html"
    ]  # fmt: skip


def test_skip_marks_are_read_as_pytest_reads_them(pytester):
    """A `skip`/`skipif` mark on a suite test skips its cases in every path, with pytest's reading of it."""
    module = pytester.makepyfile(
        test_marked="""
        import sys
        import pytest

        @pytest.mark.skipif(True, reason="not applicable here: no launchd")
        def test_bool(): pass

        @pytest.mark.skipif("sys.platform != 'no-such-os'", reason="string condition")
        def test_string(): pass

        @pytest.mark.skipif(False, reason="never")
        def test_runs(): pass
        """
    )
    namespace: dict = {}
    exec(compile(module.read_text(), str(module), "exec"), namespace)
    said = {name: marked_skip(Spec(f"test_marked.py::{name}", namespace[name])) for name in
            ("test_bool", "test_string", "test_runs")}  # fmt: skip
    assert said == {
        "test_bool": "not applicable here: no launchd",
        "test_string": "string condition",
        "test_runs": None,
    }
    result = pytester.runpytest("-p", "no:ssot_audit", "-rs")
    result.stdout.fnmatch_lines(["*not applicable here: no launchd*", "*string condition*"])


def test_a_spine_with_no_tree_skips_every_case_saying_why():
    from ssot_audit.estate import Estate
    from ssot_audit.suite import collect, suite_dir
    from ssot_audit.waivers import Waivers

    nowhere = Estate(None, None, None, None, datetime(2026, 2, 8, tzinfo=timezone.utc), Waivers())
    spec = next(s for s in collect(suite_dir()) if s.name == "test_gap_is_fixed")
    (case,) = cases(spec, nowhere)
    assert case.id == "none" and case.skip == "no agentic-spine tree here"


def _imports(path: Path) -> set[str]:
    """The package's modules `path` imports, wherever in it (a function's import counts too)."""
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = package.removesuffix(".__init__") if path.name == "__init__.py" else package.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {f"{module}.{a.name}" for a in node.names} | {module}
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
    return found


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        name = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        out[name.removesuffix(".__init__")] = path
    return out


def test_no_import_cycle():
    modules = _modules()
    graph = {name: {m for m in _imports(path) if m in modules and m != name} for name, path in modules.items()}
    cycles, done = [], set()

    def visit(name: str, trail: list[str]) -> None:
        if name in trail:
            cycles.append(trail[trail.index(name) :] + [name])
            return
        if name in done:
            return
        for other in sorted(graph[name]):
            visit(other, [*trail, name])
        done.add(name)

    for name in sorted(graph):
        visit(name, [])
    assert cycles == []


def test_every_module_imports_on_its_own():
    script = (
        "import importlib, sys\n"
        "failed = []\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m == 'ssot_audit' or m.startswith('ssot_audit.')]:\n"
        "        del sys.modules[loaded]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as exc:\n"
        "        failed.append(f'{name}: {exc!r}')\n"
        "print('\\n'.join(failed))\n"
    )
    names = sorted(n for n in _modules() if not n.endswith("__main__"))
    done = subprocess.run([sys.executable, "-c", script, *names], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_the_in_process_run_takes_only_what_it_gives():
    cases_ = {
        ("-m", "static", "-q", "--no-header", "--tb=no", "-rN"): True,
        ("-m", "static or crossrepo", "--now", "x", "-p", "no:xdist"): True,
        ("-m", "static or live"): False,  # hosts: pytest and testinfra
        ("-m", "not live"): False,  # local tests too
        ("-m", "static", "-v"): False,  # a per-test list is pytest's
        ("-m", "static", "--html", "r.html"): False,
        ("-m", "static", "--ssot-report-dir", "r"): False,  # the whole set: pytest-html and JUnit
        ("-m", "static", "-p", "xdist"): False,
        ("-m", "static", "--ssot-failing-since", "2026-02-01"): True,
        (): False,  # everything, live included
    }
    assert {args: inprocess.eligible(list(args)) for args in cases_} == cases_


def test_an_interrupted_run_says_so_in_every_path(pytester, tmp_path, monkeypatch):
    """Ctrl-C (or SIGTERM) while judging: exit 2, and every report written says INTERRUPTED."""

    def stopped(spine, workbench):
        raise KeyboardInterrupt

    monkeypatch.setitem(items.ITEMS, "gap_id", items.ItemSource(stopped, facet="gap", absent="check"))
    args = suite_args(DRIFTED, "static", ())
    ret = pytester.inline_run(*args, "--ssot-report-dir", str(tmp_path / "pytest"), no_reraise_ctrlc=True).ret
    code = inprocess.main([*args[len(SUITE) :], "--ssot-report-dir", str(tmp_path / "hook")], ["ssot-audit"])
    assert int(ret) == code == 2
    for path in ("pytest", "hook"):
        assert json.loads((tmp_path / path / "results.json").read_text())["run"]["status"] == "INTERRUPTED"
        assert (tmp_path / path / "closeout.md").read_text().startswith("**INTERRUPTED")
