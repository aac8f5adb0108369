"""Tailscale on a host (the live side of B1): the daemon is Running, and every tailnet host ssh.targets.yaml
lists is on the tailnet under its id, with the IP the spine gives, and online."""

from __future__ import annotations

import ipaddress

from ...findings import Finding
from ...hostview import HostView
from ...selectors import facets
from ...spine import SSH_TARGETS, Spine

TAILNET = ipaddress.ip_network("100.64.0.0/10")  # Tailscale's CGNAT range


def tailnet_targets(spine: Spine) -> list[tuple[str, str, int | None]]:
    """(id, Tailscale IP, line) of every ssh target addressed by a tailnet IP."""
    doc = spine.doc(SSH_TARGETS)
    out = []
    for index, target in enumerate(spine.ssh_targets):
        try:
            address = ipaddress.ip_address(str(target.get("host")))
        except ValueError:
            continue  # no address yet, or a name
        if address in TAILNET:
            out.append((target["id"], str(address), doc.line("ssh", "targets", index)))
    return out


def check_tailnet(spine: Spine, view: HostView) -> list[Finding]:
    status = view.tailnet
    targets = spine.repo.display(SSH_TARGETS.rel)
    if status.backend_state != "Running":
        return [
            Finding(
                view.where("tailscale status --json"), None, f"Tailscale is not running on {view.name}",
                expected="BackendState Running", found=f"BackendState {status.backend_state or '(none)'}",
                fix=f"`tailscale up` on {view.name} (log in again if it says NeedsLogin)",
                # from this host no target can be seen on the tailnet: every target's check is this finding
                about=facets(target=[host for host, _, _ in tailnet_targets(spine)]),
            )
        ]  # fmt: skip
    findings = []
    for host, ip, line in tailnet_targets(spine):
        node = status.find(host)
        if node is None:
            found, fix = f"no node named {host} on the tailnet", f"join {host} to the tailnet, or fix its id"
        elif ip not in node.ips:
            found = f"{node.dns_name or node.host_name} has {', '.join(node.ips) or 'no IP'}"
            fix = f"set host: {node.ips[0] if node.ips else '?'} for {host} in ssh.targets.yaml (and the workbench ssh config)"
        elif not node.online:
            found, fix = f"{node.dns_name or host} is offline", f"bring {host} back online"
        else:
            continue
        findings.append(
            Finding(targets, line, f"{host} is not on the tailnet as the spine says (seen from {view.name})",
                    expected=f"{host} online at {ip}", found=found, fix=fix, about=facets(target=host))
        )  # fmt: skip
    return findings
