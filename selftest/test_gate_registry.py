"""The spine's gate registry is the authority on gate metadata, and coverage is stated against it."""

from ssot_audit import gate_registry
from ssot_audit.repo import Repo

REGISTRY = """gate_count: {total: 4, active: 3, retired: 1}
gates:
  - {id: D1, name: top-level-dirs, category: path-hygiene, gate_class: invariant, severity: high, fix_hint: move it}
  - {id: D21, name: reserved, category: retired, gate_class: invariant, severity: none, retired: true}
  - {id: D33, name: extraction-pause, category: ssot-hygiene, gate_class: invariant, severity: medium}
  - {id: D900, name: elsewhere, category: infra-hygiene, gate_class: invariant, severity: low}
"""


def _repo(tmp_path, text=None):
    if text is not None:
        (tmp_path / "ops" / "bindings").mkdir(parents=True)
        (tmp_path / "ops" / "bindings" / "gate.registry.yaml").write_text(text)
    return Repo("agentic-spine", tmp_path)


def test_coverage_against_the_registry(tmp_path):
    cover = gate_registry.coverage(_repo(tmp_path, REGISTRY))
    assert (cover.implemented, cover.uncovered, cover.retired) == (["D1", "D33"], ["D900"], ["D21"])
    assert cover.statement.startswith("2 of 3 active gates re-implemented; the rest are checked by the spine's own")
    assert cover.statement.endswith("retired: D21")
    assert cover.metadata["D1"] == {"name": "top-level-dirs", "category": "path-hygiene", "class": "invariant",
                                    "severity": "high", "fix": "move it"}  # fmt: skip


def test_without_a_registry_the_catalogue_stands(tmp_path):
    cover = gate_registry.coverage(_repo(tmp_path))
    assert cover.implemented == cover.uncovered == []
    assert "no gate registry; catalogue metadata stands" in cover.statement
    assert cover.metadata["D33"]["name"]


def test_a_registry_that_breaks_its_schema_is_named(tmp_path):
    cover = gate_registry.coverage(_repo(tmp_path, "gates:\n  - {id: 33}\n"))
    assert "gate registry unreadable" in cover.statement
