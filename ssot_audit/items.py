"""What each parametrized test runs over, read from the sources of truth.

A test asks for items by naming the argument (`def test_x(gap_id, ...)`); the
engine's grid (grid.py) parametrizes it with `ITEMS[argname]`, in every path. Nothing
read from the sources is hard-coded: a new VM, host, gap or compose file becomes a new
parameter. The few fixed lists (the verbs a read-only surface must not use, the fields
a policy must set) are the gates' own rules, named here like any other item.

Where a gate can legitimately find nothing to check (no receipts, no API capability,
no active relocation), the item source says why; the test then reports one skipped
`none` parameter with that reason instead of a silent pass.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from .checks import authority, compose, inventories, master_plan, sources, ssh, ssot_docs
from .checks.gates import (
    bindings,
    crossrepo,
    governance,
    layout,
    paths,
    placement,
    receipts,
    secrets,
    surfaces,
    workstation,
)
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
    # The kind of catalogue entry each item is, by its value (a gate of the spine's own list): it answers
    # for that entry alone, whether or not the bundled catalogue names it.
    own_entry: str | None = None

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
    "gap_id": ItemSource(lambda spine, _: spine.gap_ids(), facet="gap", absent="check"),
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


def _spine(read) -> ItemSource:
    return ItemSource(lambda spine, _: read(spine))


def _vacuous(read, why: str) -> ItemSource:
    return ItemSource(lambda spine, _: read(spine), empty=why)


GATE_ITEMS: dict[str, ItemSource] = {
    # tree layout
    "root_dir": _spine(layout.root_dirs),
    "script_area": _spine(layout.script_areas),
    "open_doc": _vacuous(governance.open_docs, "docs/ holds nothing outside core/, legacy/, governance/ and brain/"),
    # receipts and the loop ledger
    "recent_session": _vacuous(receipts.recent_sessions, "receipts/sessions/ is empty (runtime data, git-ignored)"),
    "latest_session": _vacuous(receipts.latest_session, "receipts/sessions/ is empty: there is no receipt to check"),
    # plugin surfaces
    "cloudflare_surface_file": _spine(lambda spine: surfaces.plugin_surface(spine, "cloudflare")),
    "github_surface_file": _spine(lambda spine: surfaces.plugin_surface(spine, "github")),
    "nodes_surface_file": _spine(lambda spine: surfaces.plugin_files(spine, "ssh", "ssh-*", "ssh*.yaml")),
    "health_surface_file": _spine(
        lambda spine: surfaces.plugin_files(spine, "services", "services-*", "services*.yaml")
    ),
    "maker_script": _spine(surfaces.maker_scripts),
    # secrets
    "api_capability": _vacuous(
        secrets.api_capabilities, "no capability declares touches_api: true, so D13 checks nothing"
    ),
    "secrets_surface_file": _spine(secrets.secrets_surface),
    # bindings
    "queue_item": _vacuous(bindings.queue_items, "extraction.queue.yaml has no items"),
    "required_update": _vacuous(
        bindings.required_updates, "no relocation is active (state not preflight/cutover/cleanup)"
    ),
    "moved_service": _vacuous(bindings.moved_services, "no relocation is active, or every service is still planned"),
    "live_exception": _vacuous(bindings.live_exceptions, "every legacy entrypoint exception is a NOOP placeholder"),
    "naming_host": _spine(bindings.naming_hosts),
    "vm_target": _spine(placement.vm_targets),
    "relocation_service": _spine(placement.relocation_services),
    # governance docs
    "startup_file": _spine(governance.startup_surface),
    "fact_route": _spine(governance.fact_routes),
    "entrypoint_repo": _spine(governance.entrypoint_repos),
    "forbidden_term": _vacuous(governance.forbidden_terms, "agent.read.surface.yaml lists no forbidden_terms"),
    "fact_lock_doc": _spine(governance.fact_lock_docs),
    "no_fact_doc": _spine(governance.no_fact_docs),
    "registry_service": _spine(governance.registry_services),
    "pillar": _vacuous(governance.pillars, "there is no docs/pillars/<name>/ folder to check"),
    "stack": _spine(governance.stacks),
    # workstation (paths relative to the binding's host_root; tests resolve them under --home)
    "active_config": _spine(lambda spine: workstation.config_files(spine, "active_config_files")),
    "forbidden_config": _spine(lambda spine: workstation.config_files(spine, "forbidden_config_files")),
    "tool_source_binding": _spine(workstation.source_bindings),
    "probed_tool": _spine(workstation.probed_tools),
}


def _rules(values) -> ItemSource:
    """A gate's own fixed list (the verbs, fields or files it checks): the same items on every spine."""
    return ItemSource(lambda *_: list(values))


# The gates' fixed lists, one name per list, so a test's parameters all come from this registry.
RULE_ITEMS: dict[str, ItemSource] = {
    "home_agent_scope": _rules(paths.HOME_AGENT_SCOPES),
    "legacy_scope": _rules(paths.LEGACY_SCOPES),
    "code_case_scope": _rules(paths.CODE_CASE_SCOPES),
    "brain_file": _rules(paths.BRAIN_FILES),
    "cloudflare_verb": _rules(surfaces.CLOUDFLARE_VERBS),
    "actions_leak_field": _rules(surfaces.ACTIONS_LEAK_FIELDS),
    "compose_verb": _rules(surfaces.COMPOSE_VERBS),
    "compose_rule": _rules(surfaces.COMPOSE_RULES),
    "backup_command": _rules(surfaces.BACKUP_COMMANDS),
    "backup_rule": _rules(surfaces.BACKUP_RULES),
    "labels_file": _rules((surfaces.LABELS_FILE, surfaces.LABELS_STATUS)),
    "labels_rule": _rules(surfaces.LABELS_RULES),
    "maker_tool": _rules(surfaces.MAKER_SCRIPTS),
    "policy_field": _rules(secrets.POLICY_FIELDS),
    "policy_list": _rules(secrets.POLICY_LISTS),
    "namespace_plugin": _rules(secrets.NAMESPACE_PLUGINS),
    "namespace_cohort": _rules(secrets.NAMESPACE_COHORTS),
    "namespace_command": _rules(secrets.NAMESPACE_COMMANDS),
    "preflight_file": _rules(bindings.PREFLIGHT_FILES),
    "preflight_service": _rules(bindings.PREFLIGHT_SERVICES),
    "receipt_stamp": _rules(receipts.STAMPS),
    "clutter_dir": _rules(("bin", "ops")),
    "drift_magnet": _rules(layout.DRIFT_MAGNETS),
    "canonical_tool": _rules(crossrepo.CANONICAL_TOOLS),
}

ITEMS.update(GATE_ITEMS)
ITEMS.update(RULE_ITEMS)


def _spine_gates(spine: Spine, hosts: bool) -> list[Item]:
    """The active gates of the tree's own list whose scripts need a host (`hosts`) or only the tree."""
    from . import gate_runs  # the gate list and what each script needs, read once per tree

    return [Item(g.id, facets(gate=g.id)) for g in gate_runs.listed(spine.repo).active
            if bool(gate_runs.needs(spine.repo, g).network) == hosts]  # fmt: skip


ITEMS["spine_gate"] = ItemSource(
    lambda spine, _: _spine_gates(spine, hosts=False),
    facet="gate",
    own_entry="gate",
    empty="the spine lists no gates that read only its files (or no gates at all)",
)
ITEMS["host_gate"] = ItemSource(
    lambda spine, _: _spine_gates(spine, hosts=True),
    facet="gate",
    own_entry="gate",
    empty="the spine lists no gates that need the network or a host",
)

# The waivers test's items are the run's waivers (grid.py reads them from the estate, not from a checkout).
WAIVER = "waiver"


def is_item(argname: str) -> bool:
    return argname in ITEMS or argname == WAIVER


def read(argname: str, spine: Spine | None, workbench: Workbench | None) -> tuple[list[Item], str | None]:
    """Items for `argname`, or none and the reason the sources could not give any."""
    source = ITEMS[argname]
    if spine is None or (source.crossrepo and workbench is None):
        return [], "no usable checkout to read items from"
    try:
        return source.items(spine, workbench), None
    except SourceUnavailable as exc:
        return [], f"needs {exc.error.location}: {exc.error.message}"
