"""The pytest glue: options, markers, parametrization from the sources of truth, reporting.

Registered through the `pytest11` entry point so it loads at start-up, before
any conftest: pytest-html's header hook fires at session start and must see ours.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from . import catalogue as catalogue_mod
from . import items as items_mod
from .findings import Finding, render_all
from .repo import Repo, SourceUnavailable
from .spine import Spine
from .workbench import Workbench

SCOPE_MARKERS = {
    "static": "reads only the agentic-spine checkout (fast; pre-commit)",
    "crossrepo": "compares the spine with the workbench checkout",
    "live": "asks hosts, read-only, over SSH (needs --hosts)",
    "local": "reads the operator's workstation ($HOME, launchd, crontab)",
}
ID_MARKERS = {
    "disconnect": "disconnect(ID, ...): the loop document's disconnects this test covers (A1-F1)",
    "gate": "gate(ID, ...): the spine drift gates this test re-implements (D1-D47)",
}


class FindingsFailed(pytest.fail.Exception):
    """A failed check: its findings are the whole message, without a traceback."""

    def __init__(self, findings: list[Finding]):
        super().__init__(render_all(findings), pytrace=False)
        self.findings = findings


def expect(findings: list[Finding]) -> None:
    """Fail the test with the findings, if there are any."""
    if findings:
        raise FindingsFailed(findings)


@dataclass
class Estate:
    spine_root: Path
    workbench_root: Path

    def __post_init__(self):
        self.spine = Spine(Repo("agentic-spine", self.spine_root))
        self.workbench = Workbench(Repo("workbench", self.workbench_root), self.spine)

    def usable_spine(self) -> Spine | None:
        return self.spine if (self.spine_root / "ops" / "bindings").is_dir() else None

    def usable_workbench(self) -> Workbench | None:
        return self.workbench if self.workbench_root.is_dir() and self.usable_spine() else None


ESTATE = pytest.StashKey[Estate]()


def _root(option: str | None, env: str, default: str) -> Path:
    return Path(option or os.environ.get(env) or default).expanduser().resolve()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ssot-audit", "sources of truth")
    group.addoption("--spine-root", help="agentic-spine checkout (default: $SPINE_ROOT, then ~/code/agentic-spine)")
    group.addoption("--workbench-root", help="workbench checkout (default: $WORKBENCH_ROOT, then ~/code/workbench)")


def pytest_configure(config: pytest.Config) -> None:
    for name, text in {**SCOPE_MARKERS, **ID_MARKERS}.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    config.stash[ESTATE] = Estate(
        _root(config.getoption("spine_root"), "SPINE_ROOT", "~/code/agentic-spine"),
        _root(config.getoption("workbench_root"), "WORKBENCH_ROOT", "~/code/workbench"),
    )


def _ids(marker: pytest.Mark | None) -> tuple[str, ...]:
    return tuple(map(str, marker.args)) if marker else ()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    names = [n for n in metafunc.fixturenames if n in items_mod.ITEMS]
    if not names:
        return
    (argname,) = names  # one item kind per test: one invariant over one set of things
    estate = metafunc.config.stash[ESTATE]
    found, unavailable = items_mod.read(argname, estate.usable_spine(), estate.usable_workbench())
    catalogue = catalogue_mod.load()
    test = metafunc.function.__name__
    kinds = {k: _ids(metafunc.definition.get_closest_marker(k)) for k in catalogue_mod.KINDS}
    if items_mod.ITEMS[argname].keep_catalogue_items:
        for kind, ids in kinds.items():
            for id_ in ids:
                entry = catalogue.get(kind, id_)
                found += [i for i in (entry.covered_by.get(test, ()) if entry else ()) if i not in found]
    params = []
    for item in found:
        marks = [getattr(pytest.mark, kind)(*owners) for kind in kinds if (owners := catalogue.owners(kind, test, item))]
        params.append(pytest.param(item, id=item, marks=marks))
    if not params:  # make emptiness visible: one skipped parameter that says why
        reason = unavailable or f"nothing to check: the sources list no {argname.replace('_', ' ')}"
        params = [pytest.param(None, id="none", marks=pytest.mark.skip(reason=reason))]
    metafunc.parametrize(argname, params)


def catalogue_ids(item: pytest.Item) -> list[tuple[str, str]]:
    """(kind, id) pairs of a test item; a parameter's own mark wins over its function's."""
    callspec = getattr(item, "callspec", None)
    pairs = []
    for kind in catalogue_mod.KINDS:
        own = [m for m in (callspec.marks if callspec else []) if m.name == kind]
        pairs += [(kind, id_) for id_ in _ids(own[0] if own else item.get_closest_marker(kind))]
    return pairs


@pytest.hookimpl(trylast=True)  # after -m/-k deselection: only the selected tests need roots
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    estate = config.stash[ESTATE]
    wanted = {m for item in items for m in ("static", "crossrepo", "live") if item.get_closest_marker(m)}
    if wanted and estate.usable_spine() is None:
        raise pytest.UsageError(
            f"agentic-spine root {estate.spine_root} is not a spine checkout (no ops/bindings/): "
            "pass --spine-root or set SPINE_ROOT"
        )
    if "crossrepo" in wanted and estate.usable_workbench() is None:
        raise pytest.UsageError(
            f"workbench root {estate.workbench_root} does not exist: pass --workbench-root or set WORKBENCH_ROOT"
        )
    for item in items:
        for kind, id_ in catalogue_ids(item):
            item.user_properties.append((kind, id_))


@pytest.fixture(scope="session")
def spine(pytestconfig: pytest.Config) -> Spine:
    return pytestconfig.stash[ESTATE].spine


@pytest.fixture(scope="session")
def workbench(pytestconfig: pytest.Config) -> Workbench:
    return pytestconfig.stash[ESTATE].workbench


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    try:
        return (yield)
    except SourceUnavailable as exc:
        pytest.skip(f"needs {exc.error.location}: {exc.error.message}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    report = yield
    if call.when == "call" and call.excinfo and isinstance(call.excinfo.value, FindingsFailed):
        for finding in call.excinfo.value.findings:
            report.user_properties.append(("finding", finding.headline()))
    return report


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    found: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for report in terminalreporter.stats.get("failed", []):
        props = getattr(report, "user_properties", [])
        headlines = [v for k, v in props if k == "finding"] or [report.head_line or report.nodeid]
        ids = [(k, v) for k, v in props if k in catalogue_mod.KINDS]
        for kind, id_ in ids:
            # a finding that belongs to this ID alone reads better than one its family shares
            found.setdefault((kind, id_), []).extend((len(ids), h) for h in headlines)
    if not found:
        return
    catalogue = catalogue_mod.load()
    terminalreporter.section(f"{catalogue.loop}: catalogue entries failing")
    order = {key: index for index, key in enumerate(catalogue.entries)}
    for key in sorted(found, key=lambda k: order.get(k, len(order))):
        entry = catalogue.get(*key)
        severity = (entry.severity or "").upper() if entry else ""
        first = min(found[key])[1]
        more = f" (+{len(found[key]) - 1} more)" if len(found[key]) > 1 else ""
        terminalreporter.write_line(f"{key[0]:>10} {key[1]:<4} {severity:<8} {first}{more}")
