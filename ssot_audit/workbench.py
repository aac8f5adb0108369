"""Typed view of the workbench checkout, located through the spine's authority contract."""

from __future__ import annotations

from .repo import Repo, Source, SourceError, SourceUnavailable
from .sources import Document
from .spine import AUTHORITY, Spine

# Schemas of the workbench files the contract names today. A file the contract
# starts naming later is still read, just without a schema.
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
        return self.spine.doc(AUTHORITY).data.get("domains") or {}

    def files(self, domain: str) -> list[str]:
        """Workbench files the contract pairs with `domain` (supporting or related)."""
        spec = self.domains.get(domain) or {}
        entries = (spec.get("supporting") or []) + (spec.get("related") or [])
        return [e["file"] for e in entries if e.get("repo") == "workbench" and e.get("file")]

    def source(self, domain: str) -> Source:
        concrete = [f for f in self.files(domain) if not any(ch in f for ch in "*?[")]
        if not concrete:
            contract = self.spine.repo.display(AUTHORITY.rel)
            raise SourceUnavailable(SourceError(contract, f"pairs no workbench file with domain {domain!r}"))
        return Source(concrete[0], SCHEMAS.get(concrete[0]))

    def doc(self, domain: str) -> Document:
        return self.repo.load(self.source(domain))

    def sources(self) -> list[Source]:
        """Every concrete workbench file the contract names: what test_sources validates."""
        rels = {f for d in self.domains for f in self.files(d) if not any(ch in f for ch in "*?[")}
        return [Source(rel, SCHEMAS.get(rel)) for rel in sorted(rels)]

    def source_of(self, rel: str) -> Source:
        return Source(rel, SCHEMAS.get(rel))

    def compose_files(self) -> list[str]:
        found = {rel for pattern in COMPOSE_GLOBS for rel in self.repo.glob(pattern)}
        return sorted(rel for rel in found if not rel.startswith(".archive/") and "/.archive/" not in rel)
