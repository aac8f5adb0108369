"""Placement (the loop document's evidence for A1-A3): each VM the spine places on a hypervisor runs there,
and is absent from the other hypervisors (204 is on pve, and proxmox-home has no 204.conf)."""

from __future__ import annotations

from ...findings import Finding
from ...hostview import HostView
from ...selectors import facets
from ...spine import Spine, Vm

# Spine statuses of VMs that need not exist yet (or any more).
NOT_RUNNING = {"planned", "decommissioned", "retired", "destroyed"}


def placed_vms(spine: Spine) -> list[tuple[Vm, str, str]]:
    """(VM, the hypervisor the spine puts it on, which binding says so)."""
    out = []
    for vmid, vm in sorted(spine.vms.items()):
        if vm.proxmox_host:
            out.append((vm, vm.proxmox_host, vm.file))
            continue
        host, why = spine.expected_hypervisor(vmid, vm.name)
        if host:
            out.append((vm, host, f"infra.placement.policy.yaml {why}"))
    return out


def check_placement(spine: Spine, view: HostView) -> list[Finding]:
    findings = []
    here = [(vm, why) for vm, host, why in placed_vms(spine) if host == view.name and vm.status not in NOT_RUNNING]
    for vm, why in here:
        guest = view.guests.get(vm.vmid)
        if guest and guest.status == "running":
            continue
        findings.append(
            Finding(
                vm.file, vm.line, f"VM {vm.vmid} ({vm.name}) is not running on {view.name}",
                expected=f"VM {vm.vmid} present and running on {view.name} ({why})",
                found=f"VM {vm.vmid} is {guest.status}" if guest else f"{view.name} has no VM {vm.vmid}",
                fix=f"start VM {vm.vmid} on {view.name}, or correct its placement in the spine",
                about=facets(vmid=vm.vmid, layer=spine.plan_layers_holding(vm.vmid)),
            )
        )  # fmt: skip
    configs = {config.vmid: config for held in view.node_configs.values() for config in held}
    for vm, host, why in placed_vms(spine):
        if host != view.name and vm.vmid in configs:
            findings.append(
                Finding(
                    vm.file, vm.line, f"VM {vm.vmid} ({vm.name}) is on {view.name}, but the spine places it on {host}",
                    expected=f"VM {vm.vmid} only on {host} ({why})",
                    found=f"{view.name} has {configs[vm.vmid].path}",
                    fix=f"migrate or remove VM {vm.vmid} on {view.name}, or correct its placement in the spine",
                    about=facets(vmid=vm.vmid, layer=spine.plan_layers_holding(vm.vmid)),
                )
            )  # fmt: skip
    return findings
