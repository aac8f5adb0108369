"""Workbench compose files against where the spine runs their services (B6, B7).

The authority contract says live compose truth is on the target host
(`/opt/stacks/`); a workbench copy of a stack the spine places is a reference
copy and must say so, or it will be mistaken for a deployment.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..findings import Finding
from ..repo import Source
from ..spine import COMPOSE_TARGETS, Spine
from ..workbench import Workbench

_MARKER = re.compile(r"\b(legacy|reference copy|reference only|not (?:a )?live)\b", re.IGNORECASE)


def compose_services(workbench: Workbench, rel: str) -> set[str]:
    """Names a compose file's services go by: service key, container_name, image name."""
    data = workbench.repo.load(Source(rel)).data
    names = set()
    for key, spec in ((data or {}).get("services") or {}).items():
        names.add(str(key))
        if isinstance(spec, dict):
            if spec.get("container_name"):
                names.add(str(spec["container_name"]))
            if spec.get("image"):
                names.add(str(spec["image"]).rsplit("/", 1)[-1].split(":")[0].split("@")[0])
    return names


def placed_service(spine: Spine, workbench: Workbench, rel: str) -> str | None:
    registry = spine.registry.data.get("services") or {}
    for name in sorted(compose_services(workbench, rel)):
        if name in registry:
            return name
        owner = next(
            (s for s, spec in registry.items() if isinstance(spec, dict) and spec.get("container") == name), None
        )
        if owner:
            return owner
    return None


def placed_compose_files(spine: Spine, workbench: Workbench) -> list[str]:
    return [rel for rel in workbench.compose_files() if placed_service(spine, workbench, rel)]


def _live_path(spine: Spine, host: str, service: str) -> str:
    targets = spine.doc(COMPOSE_TARGETS).data.get("targets") or {}
    compose = str((spine.registry.data.get("services") or {}).get(service, {}).get("compose") or "")
    for stack in (targets.get(host) or {}).get("stacks") or []:
        if stack.get("name") == service or (compose and compose.startswith(str(stack.get("path")))):
            return f"{host}:{stack['path']}"
    return f"{host}:{compose.rsplit('/', 1)[0]}" if compose else host


def check_compose_is_reference(spine: Spine, workbench: Workbench, rel: str) -> list[Finding]:
    service = placed_service(spine, workbench, rel)
    if service is None:
        return []
    text = workbench.repo.load(Source(rel)).text
    header = "\n".join(line for line in text.splitlines()[:10] if line.lstrip().startswith("#"))
    folder = PurePosixPath(rel).parent
    readmes = [r for r in workbench.repo.glob(f"{folder}/*.md")]
    notes = [workbench.repo.load(Source(r)).text for r in readmes]
    if _MARKER.search(header) or any(_MARKER.search(n) for n in notes):
        return []
    host = spine.service_host(service)
    live = _live_path(spine, host, service)
    return [
        Finding(
            workbench.repo.display(rel), 1, f"{service} compose is not marked as a reference copy",
            expected=f"a legacy/reference marker (header comment or {folder}/README.md): the live {service} stack is {live}",
            found="no marker; reads as a deployment",
            fix=f"add `# LEGACY reference copy — live stack: {live}` at the top, or a README.md beside it",
        )
    ]  # fmt: skip
