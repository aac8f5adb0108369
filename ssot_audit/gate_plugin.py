"""Pytest glue for what ssot-audit knows of the spine's gates (registered by plugin.py's configure).

A gate test whose gates all carry a source version the suite has not encoded is skipped as not proven
(never a verdict from an old reading). The coverage against the spine's gate registry is one line of
the terminal summary and the `gate_coverage` key of results.json.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from . import gate_registry, gate_versions


class GateKnowledge:
    def __init__(self, config: pytest.Config, estate):
        self.config = config
        self.estate = estate

    def _spine(self):
        return self.estate.usable_spine()

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        from .plugin import catalogue_ids  # the plugin imports this module

        spine = self._spine()
        if spine is None:
            return
        for item in items:
            ids = catalogue_ids(item)
            gates = [id_ for kind, id_ in ids if kind == "gate"]
            if not gates or len(gates) != len(ids):  # a test that also proves a disconnect still runs
                continue
            reasons = [gate_versions.knowledge(spine.repo, g).stale for g in gates]
            if all(reasons):
                item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))

    def coverage(self) -> gate_registry.Coverage | None:
        spine = self._spine()
        return gate_registry.coverage(spine.repo) if spine is not None else None

    def pytest_terminal_summary(self, terminalreporter) -> None:
        cover = self.coverage()
        if cover is not None:
            terminalreporter.write_line(f"gate coverage: {cover.statement}")
            if cover.uncovered:
                terminalreporter.write_line(f"gates only spine.verify checks: {', '.join(cover.uncovered)}")

    @pytest.hookimpl(trylast=True)  # after plugin.py has written results.json
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        report_dir = self.config.getoption("ssot_report_dir")
        cover = self.coverage()
        results = Path(report_dir or "", "results.json")
        if not report_dir or cover is None or hasattr(self.config, "workerinput") or not results.is_file():
            return
        data = json.loads(results.read_text())
        data["gate_coverage"] = asdict(cover)
        results.write_text(json.dumps(data, indent=2) + "\n")
