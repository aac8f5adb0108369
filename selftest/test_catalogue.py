"""The catalogue and the tests point at each other: no ID without a test, no test without an ID."""

from pathlib import Path

import pytest

from selftest.suite import ALIGNED, run_suite_raw
from ssot_audit import catalogue

CAT = catalogue.load()


def collected(pytester) -> list[pytest.Item]:
    items, _ = pytester.inline_genitems(
        str(Path(__file__).parent.parent / "tests"),
        "--spine-root", str(ALIGNED / "agentic-spine"),
        "--workbench-root", str(ALIGNED / "workbench"),
    )  # fmt: skip
    return items


def ids_of(item, kind):
    return {str(a) for m in item.iter_markers(kind) for a in m.args}


def test_every_test_names_known_catalogue_ids(pytester):
    for item in collected(pytester):
        if "source_is_readable" in item.name or item.name == "test_waiver_is_current[none]":
            continue  # input validation: it guards every check, it is not one
        if item.originalname == "test_host_is_reachable":
            continue  # the live tests' guard: the host answers over SSH
        kinds = {k: ids_of(item, k) for k in catalogue.KINDS}
        assert any(kinds.values()), f"{item.nodeid} has neither a disconnect nor a gate marker"
        for kind, ids in kinds.items():
            unknown = {i for i in ids if CAT.get(kind, i) is None}
            assert not unknown, f"{item.nodeid}: unknown {kind} {unknown}"


def test_every_catalogue_entry_with_markers_has_tests(pytester):
    items = collected(pytester)
    for entry in CAT.entries.values():
        covering = [i for i in items if entry.id in ids_of(i, entry.kind)]
        if not entry.markers:
            continue
        assert covering, f"{entry.label} has no test"
        for test_name, params in entry.covered_by.items():
            names = {i.originalname for i in covering}
            assert test_name in names, f"{entry.label}: covered_by names {test_name}, which does not carry its marker"
            for param in params:
                assert any(i.name == f"{test_name}[{param}]" for i in items), f"{entry.label}: no {test_name}[{param}]"


def test_every_disconnect_is_in_the_catalogue():
    assert sorted(e.id for e in CAT.of_kind("disconnect")) == sorted(
        [f"A{i}" for i in range(1, 5)] + [f"B{i}" for i in range(1, 8)] + [f"C{i}" for i in range(1, 4)]
        + [f"D{i}" for i in range(1, 4)] + [f"E{i}" for i in range(1, 5)] + ["F1"]
    )  # fmt: skip


def test_gates_are_46_plus_the_never_assigned_d21():
    gates = CAT.of_kind("gate")
    assert len(gates) == 47
    assert [g.id for g in gates if g.cls == "never-assigned"] == ["D21"]


def test_reports_say_which_kind_an_id_is(pytester, tmp_path):
    from selftest.suite import DRIFTED

    result = run_suite_raw(pytester, DRIFTED)
    result.stdout.fnmatch_lines(["*catalogue entries failing*", "*disconnect D1 *HIGH*", "*disconnect F1 *LOW*"])
