"""Hypervisor identity (host half of C1, GAP-OP-015, and gate D39).

* The hostname names the /etc/pve/nodes/<node> directory of this node, and on
  a standalone node every guest config (qemu-server/ and lxc/) sits under it:
  qm, pct and vzdump look only under the node named like the host, so a config
  left under an old node directory after a rename is a guest `qm list` no
  longer shows, even when newer guests sit under the new name (GAP-OP-015).
  In a cluster (/etc/pve/corosync.conf exists) the other node directories
  belong to the other nodes.
* Each hostname is its ssh.targets.yaml id, unless naming.policy.yaml records a
  `system_hostname` exception for that host (after the GAP-OP-015 fix
  proxmox-home is called `pve`).
* Hostnames and machine IDs are unique across the hypervisors; a hostname an
  exception allows may repeat (both hypervisors say `pve`), a machine ID never.
"""

from __future__ import annotations

from ...findings import Finding
from ...hostfacts.guests import GuestConfig
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


def _by_dir(configs: list[GuestConfig]) -> str:
    dirs: dict[str, list[int]] = {}
    for config in configs:
        dirs.setdefault(config.dir, []).append(config.vmid)
    return "; ".join(f"{d}: {', '.join(f'{v}.conf' for v in vmids)}" for d, vmids in dirs.items())


def check_node_dir(view: HostView) -> list[Finding]:
    nodes = view.node_configs
    here = view.hostname
    elsewhere = [c for node, held in sorted(nodes.items()) if node != here for c in held]
    if here in nodes and (not elsewhere or view.clustered):
        return []
    old = sorted({c.node for c in elsewhere})
    if nodes.get(here):
        fix = (f"move {', '.join(c.path for c in elsewhere)} under /etc/pve/nodes/{here}/ on {view.name} "
               "(they are guests qm and pct no longer list), or remove them if they are gone (GAP-OP-015)")  # fmt: skip
    else:
        fix = (f"set the hostname of {view.name} back to the node name ({', '.join(old) or '?'}) and record it as a "
               "system_hostname exception in naming.policy.yaml, or migrate the node (GAP-OP-015)")  # fmt: skip
    return [
        Finding(
            view.where(f"/etc/pve/nodes/{here}"), None,
            f"guest configs of {view.name} sit under /etc/pve/nodes/{', '.join(old)}, not under its node {here}"
            if nodes.get(here) else f"hostname {here} of {view.name} does not name the PVE node that holds its guests",
            expected=f"every guest config under /etc/pve/nodes/{here}/ (qemu-server/, lxc/): on a standalone node "
            "qm, pct and vzdump look only under the node named like the host",
            found=f"hostname {here}; " + (_by_dir(elsewhere) or f"node directories: {', '.join(sorted(nodes)) or 'none'}"),
            fix=fix,
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
