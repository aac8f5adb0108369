"""Workbench infra/data inventories against the spine (B2-B5)."""

from __future__ import annotations

import re

from ..findings import Finding
from ..spine import BACKUP, SERVICE_REGISTRY, Spine, url_host
from ..workbench import Workbench


# B2 -------------------------------------------------------------------------------
def provisioned_vmids(spine: Spine) -> list[str]:
    return [str(v) for v, vm in sorted(spine.vms.items()) if vm.status != "planned"]


def inventory_vms(workbench: Workbench) -> dict[int, tuple[str, int | None]]:
    """VMID -> (name, line), from the old `hosts:` map or the newer `vms:` list."""
    doc = workbench.doc("device_identity")
    out = {}
    for name, host in (doc.data.get("hosts") or {}).items():
        if isinstance(host, dict) and host.get("vmid") is not None:
            out[int(host["vmid"])] = (name, doc.line("hosts", name))
    for index, vm in enumerate(doc.data.get("vms") or []):
        out[int(vm["id"])] = (vm.get("name", ""), doc.line("vms", index))
    return out


def check_vm_in_container_inventory(spine: Spine, workbench: Workbench, vmid: str) -> list[Finding]:
    vm = spine.vms[int(vmid)]
    doc = workbench.doc("device_identity")
    listed = inventory_vms(workbench).get(vm.vmid)
    source = f"{vm.file}:{vm.line}"
    if listed is None:
        return [Finding(doc.file, None, f"VM {vm.vmid} ({vm.name}) is not in the inventory",
                        f"an entry for VM {vm.vmid} named {vm.name} (from {source})", "no entry with that VMID",
                        f"add `{vm.name}:` with `vmid: {vm.vmid}` and `location: {vm.proxmox_host}` under hosts:")]  # fmt: skip
    name, line = listed
    if name == vm.name:
        return []
    return [Finding(doc.file, line, f"VM {vm.vmid} is named {name!r}", f"{vm.name} (from {source})", name,
                    f"rename the entry to {vm.name}")]  # fmt: skip


# B3 -------------------------------------------------------------------------------
def backed_up_vmids(spine: Spine) -> list[str]:
    return [str(v) for v in sorted(spine.vzdump_targets())]


def workbench_backups(workbench: Workbench) -> dict[int, tuple[dict, int | None]]:
    doc = workbench.doc("backup_inventory")
    return {int(e["vmid"]): (e, doc.line("vm_backups", i)) for i, e in enumerate(doc.data.get("vm_backups") or [])}


def check_backup_listed(spine: Spine, workbench: Workbench, vmid: str) -> list[Finding]:
    target, line = spine.vzdump_targets()[int(vmid)]
    if int(vmid) in workbench_backups(workbench):
        return []
    doc = workbench.doc("backup_inventory")
    return [
        Finding(
            doc.file,
            None,
            f"VM {vmid} has no backup entry",
            expected=f"a vm_backups entry for VM {vmid} (spine target {target['name']}, "
            f"{spine.repo.display(BACKUP.rel)}:{line})",
            found="no vm_backups entry with that vmid",
            fix=f'add {{"vmid": {vmid}, "host": "{target.get("host")}", "classification": '
            f'"{target.get("classification")}", ...}} to vm_backups',
        )
    ]


# B4 -------------------------------------------------------------------------------
def monitored_services(spine: Spine, workbench: Workbench) -> list[str]:
    registry = spine.registry.data.get("services") or {}
    wanted = {name for name, spec in registry.items() if isinstance(spec, dict) and spec.get("health")}
    listed = {e.get("service") for e in workbench.doc("monitoring").data.get("health_endpoints") or []}
    return sorted(wanted | (listed & set(registry)))


def endpoint_url(endpoint: dict) -> str:
    """The URL a probe uses: internal_url (Tailscale) where given, as the workbench verifier does."""
    return endpoint.get("internal_url") or endpoint.get("url") or ""


def check_endpoint_host(spine: Spine, workbench: Workbench, service: str) -> list[Finding]:
    """Every health endpoint of a service targets the host the spine says runs it."""
    host = spine.service_host(service)
    doc = workbench.doc("monitoring")
    registry_at = f"{spine.repo.display(SERVICE_REGISTRY.rel)}:{spine.registry.line('services', service, 'host')}"
    endpoints = [(i, e) for i, e in enumerate(doc.data.get("health_endpoints") or []) if e.get("service") == service]
    if not endpoints:
        return [Finding(doc.file, None, f"no health endpoint for {service}",
                        f"an endpoint on {host} (from {registry_at})", "none",
                        f"add a health_endpoints entry for {service} on {host}")]  # fmt: skip
    allowed = spine.addresses(host)
    findings = []
    for index, endpoint in endpoints:
        target = url_host(endpoint_url(endpoint))
        if target in allowed:
            continue
        actual = spine.host_of_address(target) or "an address the spine does not know"
        findings.append(
            Finding(
                doc.file,
                doc.line("health_endpoints", index),
                f"{service} health check targets {actual}",
                expected=f"a URL on {host} ({', '.join(sorted(allowed))}; from {registry_at})",
                found=endpoint_url(endpoint),
                fix=f"point the {service} endpoint at {host}",
            )
        )
    return findings


# B5 -------------------------------------------------------------------------------
_VM_PAIR = re.compile(r"\bVM\s+(\d{3,4})\s*\(([\w-]+)\)|([\w-]+)\s*\(VM\s+(\d{3,4})\)")


def secrets_services(spine: Spine, workbench: Workbench) -> list[str]:
    listed = {e.get("service") for e in workbench.doc("secrets_inventory").data.get("services") or []}
    return sorted(listed & set(spine.registry.data.get("services") or {}))


def _strings(value, path=()):
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, path + (index,))


def check_secrets_service(spine: Spine, workbench: Workbench, service: str) -> list[Finding]:
    """What the secrets inventory says about where a service runs agrees with the spine.

    Covers the service's own entry (its `host`) and every text that names the
    service: a `VM <id> (<name>)` pair must match the spine's VM, and a
    `<service> runs on <host>` statement must name the registry host.
    """
    doc = workbench.doc("secrets_inventory")
    host = spine.service_host(service)
    vm = spine.vm_named(host)
    registry_at = f"{spine.repo.display(SERVICE_REGISTRY.rel)}:{spine.registry.line('services', service, 'host')}"
    expected = f"{host} (VM {vm.vmid})" if vm else host
    known_hosts = {h for h in (spine.registry.data.get("hosts") or {})} | {t["id"] for t in spine.ssh_targets}
    findings = []

    def wrong(path, summary, found):
        findings.append(Finding(doc.file, doc.line(*path), summary, f"{expected}, from {registry_at}", found,
                                f"rewrite it for {expected}"))  # fmt: skip

    for index, entry in enumerate(doc.data.get("services") or []):
        if entry.get("service") != service:
            continue
        text = str(entry.get("host", ""))
        named = {h for h in known_hosts if re.search(rf"(?<![\w-]){re.escape(h)}(?![\w-])", text)}
        if named != {host}:
            wrong(
                ("services", index, "host"), f"{service} entry places it on {', '.join(sorted(named)) or text!r}", text
            )
    for path, text in _strings(doc.data):
        if path[:1] == ("services",) or not re.search(rf"(?<![\w-]){re.escape(service)}(?![\w-])", text, re.I):
            continue
        for match in _VM_PAIR.finditer(text):
            vmid, name = (match[1], match[2]) if match[1] else (match[4], match[3])
            spine_vm = spine.vms.get(int(vmid))
            if spine_vm is None or spine_vm.name != name:
                actual = f"VM {vmid} is {spine_vm.name}" if spine_vm else f"the spine has no VM {vmid}"
                wrong(path, f"names {match[0]!r}, but {actual}", text)
        runs = re.search(rf"{re.escape(service)}\s+runs\s+(?:as [\w\s-]+?\s+)?on\s+([\w-]+)", text, re.I)
        if runs and runs[1] != host:
            wrong(path, f"says {service} runs on {runs[1]}", text)
    return findings
