"""Spine ssh.targets.yaml against the workbench ssh config (B1)."""

from __future__ import annotations

from ..findings import Finding
from ..spine import SSH_TARGETS, Spine
from ..workbench import Workbench

DOMAIN = "ssh_targets"


def target_ids(spine: Spine) -> list[str]:
    return [t["id"] for t in spine.ssh_targets if t.get("host")]


def check_target_in_config(spine: Spine, workbench: Workbench, target_id: str) -> list[Finding]:
    """`ssh <id>` from the workbench config reaches the host and user the spine names."""
    target = next((t for t in spine.ssh_targets if t["id"] == target_id), None)
    if target is None or not target.get("host"):
        return []
    doc = workbench.doc(DOMAIN)
    want = f"Host {target_id} / HostName {target['host']} / User {target.get('user') or '(default)'}"
    spine_at = f"{spine.repo.display(SSH_TARGETS.rel)}:{spine.doc(SSH_TARGETS).line('ssh', 'targets', spine.ssh_targets.index(target))}"
    entry = next((e for e in doc.data if e["alias"] == target_id), None)
    if entry is None:
        return [
            Finding(
                doc.file, None, f"no Host entry for {target_id}",
                expected=f"{want} (from {spine_at})",
                found=f"no Host line names {target_id}",
                fix=f"add `Host {target_id}` with `HostName {target['host']}` and `User {target.get('user')}`",
            )
        ]  # fmt: skip
    wrong = []
    if entry["hostname"] != str(target["host"]):
        wrong.append(f"HostName {entry['hostname']}")
    if target.get("user") and entry["user"] != target["user"]:
        wrong.append(f"User {entry['user'] or '(unset)'}")
    if not wrong:
        return []
    return [
        Finding(doc.file, entry["line"], f"Host {target_id} resolves elsewhere", expected=f"{want} (from {spine_at})",
                found=", ".join(wrong), fix=f"correct the `Host {target_id}` stanza, or the spine target if the host moved")
    ]  # fmt: skip
