"""What each parametrized test runs over, read from the sources of truth.

A test asks for items by naming the argument (`def test_x(gap_id, ...)`); the
plugin parametrizes it with `ITEMS[argname]`. Nothing here is hard-coded: a new
VM, host, gap or compose file becomes a new parameter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .checks import authority, compose, inventories, master_plan, sources, ssh, ssot_docs
from .repo import SourceUnavailable
from .selectors import Facets, facets
from .spine import MASTER_PLAN, RELOCATION, Spine
from .workbench import Workbench


@dataclass(frozen=True)
class Item:
    """One parameter: the value a test receives (and its ID), and what it is (its facets)."""

    value: str
    facets: Facets = field(default_factory=dict)


@dataclass(frozen=True)
class ItemSource:
    read: Callable[..., list]  # -> values (str) or Items
    # The facet a plain value is (a gap's value is its gap ID); Items bring their own facets.
    facet: str = "id"
    crossrepo: bool = False
    # Where the items are read from, for the finding when an entry's thing is not among them.
    origin: str = ""
    # When a catalogue entry's thing is not among the items: "fail" (the source lost it: a failure
    # naming `origin`), or "check" (the check judges the named thing's absence: a deleted compose
    # file is no deployment, a missing contract domain is the contract's failure).
    absent: str = "fail"
    # Why an empty list means there is nothing to check; the test then reports a skip saying so.
    empty: str = ""

    def items(self, spine: Spine, workbench: Workbench | None) -> list[Item]:
        out = []
        for value in self.read(spine, workbench):
            if isinstance(value, Item):
                out.append(Item(value.value, {**value.facets, "id": frozenset({value.value})}))
            else:
                out.append(_plain(self.facet, value))
        return out


@lru_cache(maxsize=65536)  # a history asks for the same gaps, hosts and files at every commit
def _plain(facet: str, value) -> Item:
    """The Item of a plain value: it is its facet, and its own ID."""
    return Item(str(value), facets(**{facet: value, "id": value}))


def _relocated_in_plan(spine: Spine) -> list[str]:
    listed = master_plan.plan_statuses(spine)
    services = spine.doc(RELOCATION).data.get("services") or []
    return [s["service"] for s in services if master_plan.norm(s["service"]) in listed]


def _vzdump_hosts(spine: Spine) -> list[str]:
    ssot_docs.documented_schedules(spine)  # a host SSOT that moved out of the spine leaves nothing to check here
    return sorted({t.get("host") for t, _ in spine.vzdump_targets().values()} & spine.hypervisors)


def _plan_layers(spine: Spine) -> list[Item]:
    """Layers by what they are: the number in the heading, the VMs they hold, the loop they name."""
    return [
        Item(key, facets(layer=layer.number, vmid=list(layer.vmids), loop=[layer.loop[1]] if layer.loop else []))
        for key, layer in sorted(spine.layers.items(), key=lambda kv: kv[1].number)
    ]


def _host_pools(spine: Spine) -> list[Item]:
    return [
        Item(key, facets(host=key.partition("/")[0], pool=key.partition("/")[2])) for key in ssot_docs.pool_keys(spine)
    ]


ITEMS: dict[str, ItemSource] = {
    "spine_file": ItemSource(lambda spine, _: sources.spine_files(spine.repo), facet="path"),
    "workbench_file": ItemSource(lambda _, wb: sources.workbench_files(wb), facet="path", crossrepo=True),
    "plan_layer": ItemSource(lambda spine, _: _plan_layers(spine), origin=f"agentic-spine/{MASTER_PLAN.rel}"),
    "relocated_service": ItemSource(lambda spine, _: _relocated_in_plan(spine), facet="service", origin=f"agentic-spine/{MASTER_PLAN.rel}"),
    "gap_id": ItemSource(lambda spine, _: [g["id"] for g in spine.doc_gaps()], facet="gap", absent="check"),
    "vzdump_host": ItemSource(lambda spine, _: _vzdump_hosts(spine), facet="host", origin=f"agentic-spine/{ssot_docs.SSOT_GLOB}"),
    "host_pool": ItemSource(lambda spine, _: _host_pools(spine), origin=f"agentic-spine/{ssot_docs.SSOT_GLOB}"),
    "ssh_target": ItemSource(lambda spine, _: ssh.target_ids(spine), facet="target", crossrepo=True,
                             origin="agentic-spine/ops/bindings/ssh.targets.yaml"),
    "provisioned_vmid": ItemSource(lambda spine, _: inventories.provisioned_vmids(spine), facet="vmid",
                                   crossrepo=True, origin="agentic-spine/docs/governance/SERVICE_REGISTRY.yaml"),
    "backed_up_vmid": ItemSource(lambda spine, _: inventories.backed_up_vmids(spine), facet="vmid", crossrepo=True,
                                 origin="agentic-spine/ops/bindings/backup.inventory.yaml"),
    "monitored_service": ItemSource(inventories.monitored_services, facet="service", crossrepo=True,
                                    origin="agentic-spine/docs/governance/SERVICE_REGISTRY.yaml"),
    "secrets_service": ItemSource(inventories.secrets_services, facet="service", crossrepo=True,
                                  origin="workbench/infra/data/secrets_inventory.json"),
    "placed_compose_file": ItemSource(compose.placed_compose_files, facet="path", crossrepo=True, absent="check"),
    "authority_domain": ItemSource(lambda _, wb: sorted(wb.domains), facet="domain", crossrepo=True, absent="check"),
    "compared_domain": ItemSource(lambda *_: sorted(authority.COMPARATORS), facet="domain", crossrepo=True),
}  # fmt: skip


# The gates' items build on ItemSource, so they are registered once it exists.
from .gate_items import GATE_ITEMS  # noqa: E402

ITEMS.update(GATE_ITEMS)


def read(argname: str, spine: Spine | None, workbench: Workbench | None) -> tuple[list[Item], str | None]:
    """Items for `argname`, or none and the reason the sources could not give any."""
    source = ITEMS[argname]
    if spine is None or (source.crossrepo and workbench is None):
        return [], "no usable checkout to read items from"
    try:
        return source.items(spine, workbench), None
    except SourceUnavailable as exc:
        return [], f"needs {exc.error.location}: {exc.error.message}"
