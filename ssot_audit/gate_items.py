"""What each gate test runs over, read from the spine (see items.py for how tests ask for them).

Where a gate can legitimately find nothing to check (no receipts, no API
capability, no active relocation), the item source says why; the plugin then
reports one skipped `none` parameter with that reason instead of a silent pass.
"""

from __future__ import annotations

from .checks.gates import bindings, governance, layout, placement, receipts, secrets, surfaces, workstation
from .items import ItemSource


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
