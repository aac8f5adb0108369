"""INFRA_MASTER_PLAN.md against the placement policy and the relocation plan (A1-A4)."""

from __future__ import annotations

import re

from ..findings import Finding
from ..spine import MASTER_PLAN, RELOCATION, Spine, norm


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text) is not None


def check_layer_host(spine: Spine, layer_key: str) -> list[Finding]:
    """The layer's Host field names exactly the hypervisor the policy assigns to its VMs."""
    file = spine.repo.display(MASTER_PLAN.rel)
    layer = spine.layers.get(layer_key)
    if layer is None:
        return [
            Finding(
                file, None, f"no `{layer_key}` section", "a `## Layer N:` section", "none", "restore the layer section"
            )
        ]
    vm_line, vm_text = layer.vm_field or (layer.line, "")
    if not layer.vmids:
        return [
            Finding(file, vm_line, f"{layer.title}: no VMID",
                    "a `- **VM:** <name> (VMID <id>)` field, or a table with a VMID column, in the layer's section",
                    repr(vm_text) if vm_text else "no VM field and no VMID table", "name the layer's VM and its VMID")
        ]  # fmt: skip
    expected = set()
    reasons = []
    for vmid, line in layer.vmids.items():
        host, why = spine.expected_hypervisor(vmid, layer.vm_names.get(vmid))
        if host is None:
            return [
                Finding(file, line, f"{layer.title}: VMID {vmid} has no placement", "a site whose VMID range holds it",
                        why, f"add VMID {vmid} to a site in infra.placement.policy.yaml or fix the VMID")
            ]  # fmt: skip
        expected.add(host)
        reasons.append(f"VMID {vmid} -> {host} ({why})")
    line, host_text = layer.host or (layer.line, "")
    named = {h for h in spine.hypervisors if _mentions(host_text, h)}
    if named == expected:
        return []
    want = ", ".join(sorted(expected))
    return [
        Finding(
            file, line, f"{layer.title}: Host names {', '.join(sorted(named)) or 'no hypervisor'}",
            expected=f"Host: {want}  [{'; '.join(reasons)}]",
            found=f"Host: {host_text}" if host_text else "no Host field",
            fix=f"write `- **Host:** {want}` (placement is governed by infra.placement.policy.yaml)",
        )
    ]  # fmt: skip


def plan_statuses(spine: Spine) -> dict[str, tuple[int, str, str]]:
    """norm(service) -> (line, service as written, status) from the plan's Service/Status table."""
    out = {}
    for section in spine.plan_sections:
        for table in section.tables:
            if table.has_columns("service", "status"):
                for row in table.rows:
                    out[norm(row.get("service"))] = (row.line, row.get("service"), row.get("status"))
    return out


def check_service_status(spine: Spine, service: str) -> list[Finding]:
    """The plan's status for a relocated service equals the relocation plan's."""
    relocation = spine.doc(RELOCATION)
    record = next(
        ((i, s) for i, s in enumerate(relocation.data.get("services") or []) if s.get("service") == service), None
    )
    row = plan_statuses(spine).get(norm(service))
    if record is None or row is None:
        return []  # only services both documents list are compared
    index, spec = record
    line, written, status = row
    if norm(status) == norm(str(spec.get("status"))):
        return []
    return [
        Finding(
            spine.repo.display(MASTER_PLAN.rel), line, f"{written} status is {status!r}",
            expected=f"{spec.get('status')} (per {relocation.file}:{relocation.line('services', index, 'status')})",
            found=status,
            fix=f"set {written}'s status to {str(spec.get('status')).capitalize()}",
        )
    ]  # fmt: skip
