"""D25: the secrets CLIs are canonical in the spine; the workbench copies are advisory."""

from __future__ import annotations

import hashlib

from ...findings import Finding
from ...repo import Repo
from ...spine import Spine
from .scan import require_file

CANONICAL_TOOLS = ("infisical-agent.sh", "cloudflare-agent.sh")


def check_canonical_tool(spine: Spine, name: str) -> list[Finding]:
    return require_file(spine.repo, f"ops/tools/{name}", "the canonical secrets CLI agents call", executable=True)


def _digest(repo: Repo, rel: str) -> str:
    return hashlib.sha256(repo.tree.raw(rel)).hexdigest()


def vendored_copy_warning(spine: Spine, workbench: Repo, name: str) -> str | None:
    """The workbench copy, when there is one, should be byte-identical; a difference is advisory only
    (the spine copy stays the source of truth), as in the original."""
    canonical, vendored = f"ops/tools/{name}", f"scripts/agents/{name}"
    if not workbench.tree.is_file(vendored):
        return f"{workbench.display(vendored)} is missing; the spine canonical {canonical} remains the source of truth"
    if not spine.repo.tree.is_file(canonical):
        return None
    try:
        if _digest(spine.repo, canonical) == _digest(workbench, vendored):
            return None
    except OSError as exc:  # (a copy over the size cap: refused unread, and the source tests name it)
        return f"{spine.repo.display(canonical)} and {workbench.display(vendored)} cannot be compared: {exc.strerror}"
    return (
        f"{workbench.display(vendored)} differs from {spine.repo.display(canonical)} (sha256); sync it from the spine"
    )
