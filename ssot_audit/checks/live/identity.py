"""Hypervisor identity (host half of C1, GAP-OP-015, and gate D39).

* The hostname names the /etc/pve/nodes/<node> directory that holds the guest
  configs: qm, pct and vzdump look under the node named like the host, so a
  renamed host with unmoved configs has lost its guests. (On a multi-node
  cluster a node may legitimately hold none; the estate's hypervisors stand
  alone.)
* Each hostname is its ssh.targets.yaml id, unless naming.policy.yaml records a
  `system_hostname` exception for that host (after the GAP-OP-015 fix
  proxmox-home is called `pve`).
* Hostnames and machine IDs are unique across the hypervisors; a hostname an
  exception allows may repeat (both hypervisors say `pve`), a machine ID never.
"""

from __future__ import annotations

from ...findings import Finding
from ...hostview import HostView
from ...sources import SourceError
from ...spine import SSH_TARGETS, Spine
from ..gates.sources import NAMING


def hostname_exceptions(spine: Spine) -> dict[str, tuple[str, str]]:
    """Host -> (the hostname naming.policy.yaml allows, where it says so); none without the file."""
    doc = spine.repo.try_load(NAMING)
    if isinstance(doc, SourceError):
        return {}
    out = {}
    for index, entry in enumerate(doc.data.get("allowed_exceptions") or []):
        if entry.get("surface") == "system_hostname" and entry.get("host"):
            out[entry["host"]] = (str(entry.get("actual")), f"{doc.file}:{doc.line('allowed_exceptions', index)}")
    return out


def check_node_dir(view: HostView) -> list[Finding]:
    nodes = view.node_configs
    holding = {node: vmids for node, vmids in nodes.items() if vmids}
    if view.hostname in nodes and (holding.get(view.hostname) or not holding):
        return []
    where = "; ".join(f"/etc/pve/nodes/{n}/qemu-server: {', '.join(f'{v}.conf' for v in vmids)}"
                      for n, vmids in sorted(holding.items()))  # fmt: skip
    return [
        Finding(
            view.where(f"/etc/pve/nodes/{view.hostname}"), None,
            f"hostname {view.hostname} of {view.name} does not name the PVE node that holds its guests",
            expected=f"the guest configs under /etc/pve/nodes/{view.hostname}/qemu-server (qm, pct and vzdump "
            "look under the node named like the host)",
            found=f"hostname {view.hostname}; " + (where or f"node directories: {', '.join(sorted(nodes)) or 'none'}"),
            fix=f"set the hostname of {view.name} back to the node name ({', '.join(sorted(holding)) or '?'}) and "
            "record it as a system_hostname exception in naming.policy.yaml, or migrate the node (GAP-OP-015)",
        )
    ]  # fmt: skip


def _target_line(spine: Spine, host: str) -> tuple[dict | None, int | None]:
    doc = spine.doc(SSH_TARGETS)
    for index, target in enumerate(spine.ssh_targets):
        if target.get("id") == host:
            return target, doc.line("ssh", "targets", index)
    return None, None


def check_hostname_matches_target(spine: Spine, view: HostView) -> list[Finding]:
    targets = spine.repo.display(SSH_TARGETS.rel)
    target, line = _target_line(spine, view.name)
    if target is None:
        return [
            Finding(
                targets, None, f"{view.name} is not an ssh.targets.yaml id",
                expected="every host given to --hosts named by its ssh.targets.yaml id",
                found=f"{view.name} (hostname {view.hostname})",
                fix=f"add {view.name} to ssh.targets.yaml, or name the host by its id in the ssh_config",
            )
        ]  # fmt: skip
    allowed, source = hostname_exceptions(spine).get(view.name, (view.name, f"{targets}:{line}"))
    if view.hostname == allowed:
        return []
    return [
        Finding(
            targets, line, f"hostname of {view.name} is {view.hostname}, not {allowed}",
            expected=f"hostname {allowed} ({source})", found=f"`hostname` on {view.name} prints {view.hostname}",
            fix=f"set the hostname of {view.name} to {allowed}, or record a system_hostname exception for "
            f"{view.name} (actual: {view.hostname}) in naming.policy.yaml",
        )
    ]  # fmt: skip


def check_unique(spine: Spine, view: HostView, others: dict[str, HostView]) -> list[Finding]:
    """This hypervisor's hostname and machine ID against the other reachable hypervisors'."""
    excepted = hostname_exceptions(spine)
    findings = []
    for name, other in sorted(others.items()):
        if other.machine_id == view.machine_id:
            findings.append(
                Finding(
                    view.where("/etc/machine-id"), None, f"{view.name} and {name} share machine ID {view.machine_id}",
                    expected="a machine ID of its own on every hypervisor",
                    found=f"/etc/machine-id is {view.machine_id} on both {view.name} and {name}",
                    fix=f"regenerate it on the clone (rm /etc/machine-id; systemd-machine-id-setup) on {view.name} "
                    f"or {name}",
                )
            )  # fmt: skip
        allowed = {excepted.get(h, (None,))[0] for h in (view.name, name)}
        if other.hostname == view.hostname and view.hostname not in allowed:
            findings.append(
                Finding(
                    spine.repo.display(NAMING.rel), None, f"{view.name} and {name} are both called {view.hostname}",
                    expected="unique hostnames across the hypervisors, or a system_hostname exception for one",
                    found=f"`hostname` prints {view.hostname} on {view.name} and on {name}",
                    fix="rename one of them, or record the shared name as a system_hostname exception",
                )
            )  # fmt: skip
    return findings
