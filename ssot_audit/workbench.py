"""Typed view of the workbench checkout.

Its files live at the paths the loop document names, whether or not the spine's
authority contract exists yet (it did not before 2026-02-08) or lists them (the
real contract never listed secrets_inventory.json). Whether the contract governs
them is a check of its own (disconnects D1-D3), not a condition of reading them.
"""

from __future__ import annotations

from .repo import Repo, Source
from .sources import Document
from .spine import AUTHORITY, Spine

# Where each kind of workbench data lives, by the contract's domain names.
KNOWN = {
    "device_identity": "infra/data/CONTAINER_INVENTORY.yaml",
    "service_registry": "infra/data/SERVICE_REGISTRY.yaml",
    "backup_inventory": "infra/data/backup_inventory.json",
    "monitoring": "infra/data/monitoring_inventory.json",
    "secrets_inventory": "infra/data/secrets_inventory.json",
    "ssh_targets": "dotfiles/ssh/config.d/tailscale.conf",
}
# Schemas of the workbench files. A file the contract starts naming later is still
# read, just without a schema.
SCHEMAS = {
    "infra/data/CONTAINER_INVENTORY.yaml": "workbench.container.inventory.schema.json",
    "infra/data/SERVICE_REGISTRY.yaml": "workbench.service.registry.schema.json",
    "infra/data/backup_inventory.json": "workbench.backup.inventory.schema.json",
    "infra/data/monitoring_inventory.json": "workbench.monitoring.inventory.schema.json",
    "infra/data/secrets_inventory.json": "workbench.secrets.inventory.schema.json",
}
COMPOSE_GLOBS = ("**/docker-compose.yml", "**/docker-compose.yaml", "**/docker-compose.*.yml")


class Workbench:
    def __init__(self, repo: Repo, spine: Spine):
        self.repo = repo
        self.spine = spine

    @property
    def domains(self) -> dict:
        """The contract's domains; none when there is no readable contract (D1-D3 report that)."""
        contract = self.spine.repo.try_load(AUTHORITY)
        return (contract.data.get("domains") or {}) if isinstance(contract, Document) else {}

    def files(self, domain: str) -> list[str]:
        """Workbench files the contract pairs with `domain` (supporting or related)."""
        spec = self.domains.get(domain) or {}
        entries = (spec.get("supporting") or []) + (spec.get("related") or [])
        return [e["file"] for e in entries if e.get("repo") == "workbench" and e.get("file")]

    def doc(self, domain: str) -> Document:
        return self.repo.load(self.source_of(KNOWN[domain]))

    def sources(self) -> list[Source]:
        """Every workbench file the suite reads, and every concrete one the contract names."""
        named = {f for d in self.domains for f in self.files(d) if not any(ch in f for ch in "*?[")}
        return [self.source_of(rel) for rel in sorted(named | set(KNOWN.values()))]

    def source_of(self, rel: str) -> Source:
        return Source(rel, SCHEMAS.get(rel))

    def compose_files(self) -> list[str]:
        found = {rel for pattern in COMPOSE_GLOBS for rel in self.repo.glob(pattern)}
        return sorted(rel for rel in found if not rel.startswith(".archive/") and "/.archive/" not in rel)
