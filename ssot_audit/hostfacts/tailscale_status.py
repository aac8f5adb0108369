"""`tailscale status --json`: the backend state, this node and its peers.

The CLI exits 0 whatever the state (`Stopped`, `NeedsLogin`...), so
`BackendState` has to be read. Peers are keyed by node key, which says nothing:
a node is found by its MagicDNS name (`DNSName`, an FQDN with a trailing dot,
unique in the tailnet), else by `HostName`, which is the OS hostname and need
not be unique (after GAP-OP-015 both hypervisors call themselves `pve`).
Unknown and missing fields are tolerated: the format is "subject to change".
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class Node:
    dns_name: str
    host_name: str
    ips: tuple[str, ...]
    online: bool
    is_self: bool = False

    @property
    def name(self) -> str:
        """The MagicDNS machine name: the first label of DNSName."""
        return self.dns_name.split(".", 1)[0]


@dataclass(frozen=True)
class Status:
    backend_state: str
    nodes: tuple[Node, ...]  # self first, then the peers

    def find(self, name: str) -> Node | None:
        by_dns = [n for n in self.nodes if n.name == name]
        if by_dns:
            return by_dns[0]
        by_host = [n for n in self.nodes if n.host_name == name]
        return by_host[0] if len(by_host) == 1 else None


def _node(spec: dict, is_self: bool) -> Node:
    return Node(
        str(spec.get("DNSName") or ""), str(spec.get("HostName") or ""),
        tuple(spec.get("TailscaleIPs") or ()), bool(spec.get("Online")), is_self,
    )  # fmt: skip


def parse_status(text: str) -> Status:
    data = json.loads(text)
    nodes = [_node(data["Self"], True)] if data.get("Self") else []
    nodes += [_node(peer, False) for peer in (data.get("Peer") or {}).values()]
    return Status(str(data.get("BackendState", "")), tuple(nodes))
