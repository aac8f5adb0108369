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
        if (
            "source_is_readable" in item.name
            or "repeats_no_key" in item.name
            or item.name == "test_waiver_is_current[none]"
        ):
            continue  # input validation: it guards every check, it is not one
        if item.originalname == "test_host_is_reachable":
            continue  # the live tests' guard: the host answers over SSH
        if item.originalname in catalogue.SCRIPT_TESTS:
            continue  # each item answers for the gate it names, from the spine's own list (test_spine_gates_engine)
        kinds = {k: declared(item, k) for k in catalogue.KINDS}
        assert any(kinds.values()), f"{item.nodeid} declares neither a disconnect nor a gate marker"
        for kind, ids in kinds.items():
            unknown = {i for i in ids if CAT.get(kind, i) is None}
            assert not unknown, f"{item.nodeid}: unknown {kind} {unknown}"


def declared(item, kind) -> set[str]:
    """The IDs a test function's decorators declare (the family its items may belong to)."""
    marks = getattr(item.function, "pytestmark", [])
    return {str(a) for m in marks if m.name == kind for a in m.args}


def test_every_catalogue_entry_with_markers_has_tests(pytester):
    items = collected(pytester)
    for entry in CAT.entries.values():
        if not entry.markers:
            continue
        for test_name in entry.covered_by:
            of_test = [i for i in items if i.originalname == test_name]
            assert of_test, f"{entry.label}: covered_by names {test_name}, which is not collected"
            # the readability test is every binding's guard: the catalogue alone says which gate a file belongs to
            assert test_name == "test_spine_source_is_readable" or all(
                entry.id in declared(i, entry.kind) for i in of_test
            ), f"{entry.label}: {test_name} does not declare @pytest.mark.{entry.kind}({entry.id!r})"
            if "live" in entry.markers and not [m for m in ("static", "crossrepo") if m in _markers(of_test[0])]:
                continue  # host items exist only with --hosts
            claimed = [i for i in of_test if entry.id in ids_of(i, entry.kind)]
            assert claimed, f"{entry.label}: no item of {test_name} is about it on the aligned estate"


def _markers(item) -> set[str]:
    return {m.name for m in item.iter_markers()}


def test_items_carry_only_their_own_ids(pytester):
    """A gap the loop does not name carries no C marker; layer 3 carries A3 and E1 only where each test is theirs."""
    by_name = {i.name: i for i in collected(pytester)}
    assert ids_of(by_name["test_gap_is_fixed[GAP-OP-018]"], "disconnect") == {"C2"}
    others = [n for n in by_name if n.startswith("test_gap_is_fixed[") and n != "test_gap_is_fixed[GAP-OP-018]"]
    assert others and all(ids_of(by_name[n], "disconnect") <= {"C1", "C3"} for n in others)
    assert ids_of(by_name["test_layer_host_matches_placement[layer-3]"], "disconnect") == {"A3"}
    assert ids_of(by_name["test_layer_has_loop_scope[layer-3]"], "disconnect") == {"E1"}


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
