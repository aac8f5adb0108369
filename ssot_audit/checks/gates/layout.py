"""Tree layout gates: what may exist at the root and where scripts may live (D1, D2, D7, D8, D10, D12, D17)."""

from __future__ import annotations

import re

from ...findings import Finding
from ...gate_versions import settings
from ...spine import Spine
from .scan import forbid_dir, require_file

# D1 and D17 allow the same visible directories; D17 also names hidden ones (.archive, .git, .spine),
# which neither `ls -1d */` nor this listing shows.
DRIFT_MAGNETS = ("agents", "_imports", "runs", "scripts", "lib", "src")  # D17
SCRIPT_ZONES = ("bin/", "ops/", "surfaces/verify/")  # D7
ROOT_FILES = "(root)"  # D7's name for scripts lying at the top of the tree
_BACKUP = re.compile(r"\.bak|fix_bak")


def root_dirs(spine: Spine) -> list[str]:
    """Visible directories at the root (symlinks to directories count, as in `ls -1d */`)."""
    tree = spine.repo.tree
    return [n.name for n in tree.children() if not n.name.startswith(".") and tree.is_dir(n.rel)]


def check_root_dir(spine: Spine, name: str, gate: str) -> list[Finding]:
    """D1/D17: a visible root directory is one the constitution allows (each gate's version says which: the two
    lists changed together at bfff5fb3, but a tree may carry one gate's new version and the other's old one)."""
    allowed = settings(spine.repo, gate)["root_dirs"]
    if name in allowed or not spine.repo.tree.is_dir(name):
        return []
    return [
        Finding(
            spine.repo.display(f"{name}/"), None, f"unexpected top-level directory {name}/",
            expected=f"only {', '.join(d + '/' for d in allowed)} at the root",
            found=f"{name}/",
            fix=f"move {name}/ under docs/legacy/ or .archive/, or into one of the allowed directories",
        )
    ]  # fmt: skip


def check_no_runs(spine: Spine) -> list[Finding]:
    """D2: one trace. Runs are receipts; a runs/ directory is a second, competing trace."""
    return forbid_dir(
        spine.repo, "runs", "runs are recorded as receipts only", "move its content to receipts/ and remove runs/"
    )


def check_no_root_logs(spine: Spine) -> list[Finding]:
    """D10: logs live under mailroom/logs/, not at the root."""
    return forbid_dir(
        spine.repo, "logs", "logs belong under mailroom/logs/", "move the logs to mailroom/logs/ and remove logs/"
    )


def check_drift_magnet(spine: Spine, name: str) -> list[Finding]:
    """D17: none of the legacy catch-all directories at the root."""
    return forbid_dir(
        spine.repo, name, "a legacy catch-all directory", f"quarantine {name}/ under .archive/ or remove it"
    )


def check_core_lock(spine: Spine) -> list[Finding]:
    """D12: docs/core/CORE_LOCK.md marks a valid spine checkout."""
    return require_file(spine.repo, "docs/core/CORE_LOCK.md", "the marker of a valid spine")


# D7 ---------------------------------------------------------------------------------
def script_areas(spine: Spine) -> list[str]:
    """Top-level directories D7 looks into (everything not exempt), plus the root's own files."""
    tree = spine.repo.tree
    exempt = settings(spine.repo, "D7")["exempt_dirs"]
    dirs = [n.name for n in tree.children() if n.is_dir and n.name not in exempt]
    return [ROOT_FILES, *dirs]


def check_scripts_in_bounds(spine: Spine, area: str) -> list[Finding]:
    """D7: every `*.sh` lives under bin/, ops/ or surfaces/verify/ (or an exempt archive/doc area)."""
    tree = spine.repo.tree
    if area == ROOT_FILES:
        candidates = [n.rel for n in tree.children() if n.is_file]
    else:
        candidates = tree.files_under(area)
    return [
        Finding(
            spine.repo.display(rel), None, f"shell script outside the executable zones: {rel}",
            expected=f"*.sh only under {', '.join(SCRIPT_ZONES)}",
            found=rel,
            fix="move it under ops/ (or bin/, surfaces/verify/), or archive it under .archive/",
        )
        for rel in candidates
        if rel.endswith(".sh") and not rel.startswith(SCRIPT_ZONES)
    ]  # fmt: skip


# D8 ---------------------------------------------------------------------------------
def check_no_backup_clutter(spine: Spine, directory: str) -> list[Finding]:
    """D8: no `.bak` / `fix_bak` files directly in bin/ or ops/."""
    return [
        Finding(
            spine.repo.display(node.rel), None, f"backup file in {directory}/: {node.name}",
            expected=f"no *.bak or *fix_bak* files directly in {directory}/",
            found=node.rel,
            fix=f"delete {node.rel} (git keeps the history)",
        )
        for node in spine.repo.tree.children(directory)
        if node.is_file and _BACKUP.search(node.rel)
    ]  # fmt: skip
