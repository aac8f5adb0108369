"""What each parametrized test runs over, read from the sources of truth.

A test asks for items by naming the argument (`def test_x(gap_id, ...)`); the
plugin parametrizes it with `ITEMS[argname]`. Nothing here is hard-coded: a new
VM, host, gap or compose file becomes a new parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .checks import authority, compose, inventories, loops, master_plan, sources, ssh, ssot_docs
from .repo import SourceUnavailable
from .spine import RELOCATION, Spine
from .workbench import Workbench


@dataclass(frozen=True)
class ItemSource:
    read: Callable[..., list[str]]
    crossrepo: bool = False
    # Also run the catalogue's own items for this test, so that an item that
    # disappears from the source (a deleted gap, a dropped contract domain) fails
    # instead of silently leaving the run.
    keep_catalogue_items: bool = False
    # Why an empty list means there is nothing to check; the test then reports a skip saying so.
    empty: str = ""


def _relocated_in_plan(spine: Spine) -> list[str]:
    listed = master_plan.plan_statuses(spine)
    services = spine.doc(RELOCATION).data.get("services") or []
    return [s["service"] for s in services if master_plan.norm(s["service"]) in listed]


def _vzdump_hosts(spine: Spine) -> list[str]:
    return sorted({t.get("host") for t, _ in spine.vzdump_targets().values()} & spine.hypervisors)


ITEMS: dict[str, ItemSource] = {
    "spine_file": ItemSource(lambda spine, _: sources.spine_files(spine.repo)),
    "workbench_file": ItemSource(lambda _, wb: [s.rel for s in wb.sources()], crossrepo=True),
    "plan_layer": ItemSource(lambda spine, _: sorted(spine.layers, key=lambda k: int(k.split("-")[1]))),
    "relocated_service": ItemSource(lambda spine, _: _relocated_in_plan(spine)),
    "gap_id": ItemSource(lambda spine, _: [g["id"] for g in spine.doc_gaps()], keep_catalogue_items=True),
    "vzdump_host": ItemSource(lambda spine, _: _vzdump_hosts(spine), keep_catalogue_items=True),
    "host_pool": ItemSource(lambda spine, _: ssot_docs.pool_keys(spine), keep_catalogue_items=True),
    "run_failure_capability": ItemSource(lambda spine, _: loops.run_failure_capabilities(spine)),
    "ssh_target": ItemSource(lambda spine, _: ssh.target_ids(spine), crossrepo=True),
    "provisioned_vmid": ItemSource(lambda spine, _: inventories.provisioned_vmids(spine), crossrepo=True),
    "backed_up_vmid": ItemSource(lambda spine, _: inventories.backed_up_vmids(spine), crossrepo=True),
    "monitored_service": ItemSource(inventories.monitored_services, crossrepo=True),
    "secrets_service": ItemSource(inventories.secrets_services, crossrepo=True),
    "placed_compose_file": ItemSource(compose.placed_compose_files, crossrepo=True),
    "authority_domain": ItemSource(lambda _, wb: sorted(wb.domains), crossrepo=True, keep_catalogue_items=True),
    "compared_domain": ItemSource(lambda *_: sorted(authority.COMPARATORS), crossrepo=True),
}


# The gates' items build on ItemSource, so they are registered once it exists.
from .gate_items import GATE_ITEMS  # noqa: E402

ITEMS.update(GATE_ITEMS)


def read(argname: str, spine: Spine | None, workbench: Workbench | None) -> tuple[list[str], str | None]:
    """Items for `argname`, or none and the reason the sources could not give any."""
    source = ITEMS[argname]
    if spine is None or (source.crossrepo and workbench is None):
        return [], "no usable checkout to read items from"
    try:
        return [str(item) for item in source.read(spine, workbench)], None
    except SourceUnavailable as exc:
        return [], f"needs {exc.error.location}: {exc.error.message}"
