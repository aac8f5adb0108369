"""Pytest glue for what ssot-audit knows of the spine's gates (registered by plugin.py's configure).

A gate test whose gates all carry a source version the suite has not encoded is skipped as not proven
(never a verdict from an old reading). The coverage against the spine's gate registry is one line of
the terminal summary; plugin.py puts it into results.json as `gate_coverage`.
"""

from __future__ import annotations

import pytest

from . import gate_registry, gate_versions
from .redact import redact


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
            reason = gate_versions.stale(spine.repo, catalogue_ids(item))
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))

    def coverage(self) -> gate_registry.Coverage | None:
        if not hasattr(self, "_coverage"):
            spine = self._spine()
            self._coverage = gate_registry.coverage(spine.repo) if spine is not None else None
        return self._coverage

    def pytest_terminal_summary(self, terminalreporter) -> None:
        cover = self.coverage()
        if cover is not None:
            terminalreporter.write_line(f"gate coverage: {redact(cover.statement)}")
            if cover.uncovered:
                terminalreporter.write_line(f"gates only spine.verify checks: {redact(', '.join(cover.uncovered))}")
