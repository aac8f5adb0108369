"""Findings land under the entries they are about, by meaning; everything else is drift beyond the catalogue."""

import json
from pathlib import Path

from selftest.mutations import AUTHORITY, GAPS, LEDGER, PLAN, SCOPES, remove, replace, replace_re
from selftest.suite import DRIFTED, copy_estate, run_suite
from ssot_audit import catalogue
from ssot_audit.selectors import Selector, facets

CAT = catalogue.load()
SHAPES = Path(__file__).parent / "data" / "shapes"


# selectors --------------------------------------------------------------------------------------
def test_a_facet_the_item_lacks_is_left_to_its_findings():
    c3 = Selector.parse({"host": "pve", "pool": "media"})
    assert c3.claims(facets(host="pve")) and not c3.claims(facets(host="proxmox-home"))
    assert c3.selects(facets(host="pve", pool="media"))
    assert not c3.selects(facets(host="pve", pool="tank")) and not c3.selects(facets(host="pve"))


def test_an_empty_facet_says_the_thing_has_none():
    e1 = Selector.parse([{"vmid": 205}, {"loop": "LOOP-OBSERVABILITY-DEPLOY*"}])
    assert not e1.claims(facets(layer="7", vmid=[], loop=[]))  # a layer with no VM and no loop is not E1's
    assert e1.selects(facets(layer="9", vmid=[], loop=["LOOP-OBSERVABILITY-DEPLOY-20260208"]))
    assert e1.selects(facets(layer="3", vmid=[205], loop=[]))


def test_everything_and_parameter_ids():
    assert Selector.parse([]).selects({}) and Selector.parse([]).claims(facets(id="x"))
    by_id = Selector.parse(["ops/capabilities.yaml"])
    assert by_id.selects(facets(id="ops/capabilities.yaml")) and not by_id.selects(facets(id="other.yaml"))
    assert Selector.parse({"path": ["a", "b*"]}).literals("path") == ["a"]


def test_live_findings_are_attributed_by_their_own_facets():
    """C3 is the media pool on pve: a finding about tank on the same host is not C3's."""
    claimed = CAT.claims("test_pool_has_scrub_schedule", facets(host="pve"))
    assert [e.id for e in claimed] == ["C3"]
    assert CAT.about("test_pool_has_scrub_schedule", claimed, facets(host="pve", pool="media")) == claimed
    assert CAT.about("test_pool_has_scrub_schedule", claimed, facets(host="pve", pool="tank")) == []
    assert CAT.claims("test_hostname_names_guest_config_node", facets(host="pve")) == [CAT.get("gate", "D39")]


# whole runs on estates written in other shapes --------------------------------------------------
def test_workbench_checks_run_before_the_contract_existed(pytester, tmp_path):
    """Before 2026-02-08 there was no cross-repo.authority.yaml: B1-B7 still judge the workbench files."""
    estate = copy_estate(tmp_path, DRIFTED)
    remove(AUTHORITY)(estate)
    outcome = run_suite(pytester, estate)
    assert {f"B{i}" for i in range(1, 8)} | {"D1", "D2", "D3"} <= outcome.failing_ids(), outcome.messages()
    contract = [r for r in outcome.failed() if "test_contract_declares_domain" in r.nodeid]
    assert contract and all("the cross-repo authority contract is missing" in r.longreprtext for r in contract)


def test_secrets_inventory_is_read_where_the_contract_does_not_list_it(pytester, tmp_path):
    estate = copy_estate(tmp_path, DRIFTED)
    replace_re(estate, AUTHORITY, r"^  secrets_inventory:\n(?:    .*\n|\s*\n)+", "")
    outcome = run_suite(pytester, estate, "-k", "secrets")
    assert outcome.failing_ids() == {"B5"}, outcome.messages()


def test_layers_are_found_by_their_vms_and_loop_wherever_they_sit(pytester, tmp_path):
    """Renumber the dev-tools and AI layers, then drop the AI loop's scope: E3 fails, not E2."""
    estate = copy_estate(tmp_path)
    replace(estate, PLAN, "## Layer 4: Dev Tools", "## Layer 5: Dev Tools")
    replace(estate, PLAN, "## Layer 5: AI Consolidation", "## Layer 4: AI Consolidation")
    remove(f"{SCOPES}/_archived/LOOP-AI-CONSOLIDATION-20260208.scope.md")(estate)
    outcome = run_suite(pytester, estate, "-k", "layer")
    assert outcome.failing_ids() == {"E3"}, outcome.messages()
    assert not outcome.beyond()


def test_an_entry_passes_only_when_every_check_that_defines_it_ran(pytester, tmp_path):
    """With -m static the host halves and the workstation gates never run: those entries are not proven."""
    reports = tmp_path / "reports"
    outcome = run_suite(pytester, copy_estate(tmp_path), "--ssot-report-dir", str(reports), markers="static")
    assert outcome.ret == 0
    entries = {(e["kind"], e["id"]): e for e in json.loads((reports / "results.json").read_text())["entries"]}
    for key in [
        ("disconnect", "C1"),
        ("disconnect", "A1"),
        *(("gate", g) for g in ("D26", "D29", "D30", "D31", "D41")),
    ]:
        assert entries[key]["status"] == "not proven", entries[key]
        assert any("deselected by -m 'static'" in r for r in entries[key]["reasons"]), entries[key]["reasons"]
    assert entries[("disconnect", "A4")]["status"] == "passed"
    assert entries[("disconnect", "B1")]["status"] == "not proven"  # cross-repo: deselected
    assert "NOT PROVEN" in json.loads((reports / "results.json").read_text())["verdict"]


def test_the_estate_in_other_shapes_fails_the_same_entries(pytester, tmp_path):
    """The 2026-02-08 estate with its plan in table/heading/field styles of its own and a ledger of real run keys."""
    estate = copy_estate(tmp_path, DRIFTED)
    (estate / PLAN).write_text((SHAPES / "INFRA_MASTER_PLAN.other-shapes.md").read_text())
    (estate / LEDGER).write_text((SHAPES / "open_loops.run-keys.jsonl").read_text())
    outcome = run_suite(pytester, estate)
    assert not outcome.errors
    assert outcome.failing_ids() == {e.id for e in CAT.of_kind("disconnect")}, outcome.messages()
    text = outcome.messages()
    for needle in ("INFRA_MASTER_PLAN.md:22: Layer 1 -- Core Infrastructure: Host names proxmox-home, pve",
                   "Layer 3 (Observability): Host names proxmox-home, pve",
                   "(Run failed: CAP-20260205-201513__docs.lint__Ra4f88ca82, 2026-02-05T20:15:13Z) is still open"):  # fmt: skip
        assert needle in text, text
    assert "no VMID" not in text


def test_a_host_ssot_moved_out_of_the_spine_leaves_its_halves_unproven(pytester, tmp_path):
    """Later trees keep only a pointer stub (spine_pointer_stub: true): its schedule is not the spine's to judge."""
    from selftest.mutations import SHOP

    estate = copy_estate(tmp_path, DRIFTED)
    (estate / SHOP).write_text(
        '---\nstatus: authoritative\nspine_pointer_stub: true\nauthority_repo: "/Users/ronnyworks/code/workbench"\n'
        'authority_path: "docs/infrastructure/domains/shop/SHOP_SERVER_SSOT.md"\n---\n\n'
        "# SHOP_SERVER_SSOT.md (Pointer)\n\nCanonical domain document moved to the workbench.\n"
    )
    outcome = run_suite(pytester, estate, "-k", "documented", markers="static")
    assert not outcome.failed(), outcome.messages()
    (reason,) = {str(r.longrepr[2]) for r in outcome.skipped()}
    assert "SHOP_SERVER_SSOT.md: is a pointer stub: the host SSOT moved to" in reason
    assert "docs/infrastructure/domains/shop/SHOP_SERVER_SSOT.md" in reason


def test_gap_statuses_of_later_trees(pytester, tmp_path):
    """`closed` resolves a gap as `fixed` does; `accepted` leaves it unfixed, by decision."""
    estate = copy_estate(tmp_path, DRIFTED)
    replace_re(estate, GAPS, r"(?s)(id: GAP-OP-018\n.*?status: )open", r"\g<1>closed")
    replace_re(estate, GAPS, r"(?s)(id: GAP-OP-019\n.*?status: )open", r"\g<1>accepted")
    outcome = run_suite(pytester, estate, "-k", "test_gap_is_fixed", markers="static")
    assert outcome.failing_ids() == {"C1", "C3"}, outcome.messages()
    assert "GAP-OP-019 (medium) is accepted" in outcome.messages()


def test_a_missing_thing_answers_for_its_entry_alone(pytester, tmp_path):
    """No layer sections: each E entry gets its own missing-E item, and JUnit names that entry only."""
    import xml.etree.ElementTree as ET

    from selftest.mutations import drop_layer_sections

    estate = copy_estate(tmp_path)
    drop_layer_sections(estate)
    junit = tmp_path / "junit.xml"
    run_suite(pytester, estate, "-k", "test_layer_has_loop_scope", "--junitxml", str(junit), markers="static")
    cases = {
        case.get("name"): sorted(p.get("value") for p in case.iter("property") if p.get("name") == "disconnect")
        for case in ET.parse(junit).iter("testcase")
    }
    assert cases == {f"test_layer_has_loop_scope[missing-E{n}]": [f"E{n}"] for n in range(1, 5)}, cases
