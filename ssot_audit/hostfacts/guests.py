"""The guests a Proxmox host knows: `pvesh get /cluster/resources --type vm --output-format json`, or `qm list`,
and the guest config files under /etc/pve/nodes/<node>/{qemu-server,lxc}/.

`qm list` is human output (qemu-server `qm.pm`): padded, not fixed, columns
`VMID NAME STATUS MEM(MB) BOOTDISK(GB) PID`; an unnamed VM is called `VM <vmid>`
(a space in the name), a name over 20 characters pushes the later columns right,
rows end in spaces, and no VMs means no output at all, header included. So the
parser anchors on the first field and the last four, and the name is whatever
lies between. It lists only the local node's VMs, and knows no pools.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Guest:
    vmid: int
    name: str
    status: str  # running, stopped, paused...
    node: str | None = None
    pool: str | None = None
    template: bool = False


def parse_cluster_resources(text: str) -> dict[int, Guest]:
    out = {}
    for entry in json.loads(text):
        if entry.get("type") not in ("qemu", "lxc") or "vmid" not in entry:
            continue
        vmid = int(entry["vmid"])
        out[vmid] = Guest(
            vmid, str(entry.get("name") or f"VM {vmid}"), str(entry.get("status", "")),
            entry.get("node"), entry.get("pool"), bool(entry.get("template")),
        )  # fmt: skip
    return out


_QM_ROW = re.compile(r"^\s*(\d+)\s+(.*?)\s+(\S+)\s+(\d+)\s+(\d+(?:\.\d+)?)\s+(\d+)\s*$")


def parse_qm_list(text: str) -> dict[int, Guest]:
    out = {}
    for line in text.splitlines():
        row = _QM_ROW.match(line)
        if row:
            out[int(row[1])] = Guest(int(row[1]), row[2], row[3])
    return out


# Where pmxcfs keeps a node's guest configs: VMs, then containers (pve-docs pmxcfs.adoc).
CONFIG_DIRS = ("qemu-server", "lxc")


@dataclass(frozen=True)
class GuestConfig:
    node: str
    kind: str  # one of CONFIG_DIRS
    vmid: int

    @property
    def dir(self) -> str:
        return f"/etc/pve/nodes/{self.node}/{self.kind}"

    @property
    def path(self) -> str:
        return f"{self.dir}/{self.vmid}.conf"


def guest_configs(node: str, kind: str, names: list[str]) -> list[GuestConfig]:
    """`<vmid>.conf` entries of a config directory listing, in VMID order."""
    vmids = sorted(int(n[:-5]) for n in names if n.endswith(".conf") and n[:-5].isdigit())
    return [GuestConfig(node, kind, vmid) for vmid in vmids]
