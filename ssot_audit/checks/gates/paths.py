"""Path hygiene in code: no coupling to the legacy repo, the old ~/agent inbox, the old brain dir,
or the uppercase ~/Code checkout (D5, D28, D42, D47)."""

from __future__ import annotations

import re
from functools import lru_cache

from ...findings import Finding
from ...gate_versions import settings
from ...repo import SourceMissing
from ...spine import Spine
from .scan import rule, scan, visible
from .sources import CAPABILITIES

# D5 ---------------------------------------------------------------------------------
HOME_AGENT_SCOPES = ("bin", "ops", "surfaces/verify")
# `$HOME/agent` and `~/agent` as a path, not as the start of `~/agentic-spine`.
_HOME_AGENT = rule(
    "home-agent", r"(\$HOME/agent|~/agent)(?![\w.-])", "executable coupling to the legacy ~/agent inbox",
    "use the spine mailroom ($SPINE_ROOT/mailroom) instead of ~/agent",
)  # fmt: skip


def check_no_home_agent(spine: Spine, scope: str) -> list[Finding]:
    """D5: no code line under the scope references ~/agent (comments do not count); the files that name
    it to forbid it (the gate version's exempt_names) aside."""
    exempt = settings(spine.repo, "D5")["exempt_names"]
    files = [
        rel for rel in spine.repo.tree.files_under(scope)
        if visible(rel) and rel.rsplit("/", 1)[-1] not in exempt
    ]  # fmt: skip
    return scan(spine.repo, files, [_HOME_AGENT], code_only=True)


# D28 ------------------------------------------------------------------------------
LEGACY_SCOPES = ("bin", "ops", "surfaces", "docs/core", "docs/governance", ".github")
# The original's rg exclusion globs: history and runtime areas, and the files that name the path to forbid it.
_EXEMPT_DIRS = (".archive", "docs/legacy", "docs/governance/_audits", "docs/governance/_receipts_meta", "receipts",
                "mailroom")  # fmt: skip
_LEGACY_PATH = rule(
    "legacy-absolute-path", re.escape("/Users/ronnyworks/ronny-ops"), "active reference to the legacy repo's absolute path",
    "point at the spine or workbench path; keep history under docs/legacy/ or .archive/",
)  # fmt: skip


@lru_cache(maxsize=65536)  # asked of every file of six scopes, at every commit of a history
def _exempt(rel: str, files: tuple[str, ...]) -> bool:
    anchored = f"/{rel}"
    return any(f"/{d}/" in anchored for d in _EXEMPT_DIRS) or any(anchored.endswith(f"/{f}") for f in files)


def check_no_legacy_root(spine: Spine, scope: str) -> list[Finding]:
    """D28: no file in an active scope names the legacy repo's absolute path (the gate version's exempt_files aside)."""
    exempt = tuple(settings(spine.repo, "D28")["exempt_files"])
    files = [
        rel for rel in spine.repo.tree.files_under(scope)
        if visible(rel.removeprefix(".github/")) and not _exempt(rel, exempt)
    ]  # fmt: skip
    return scan(spine.repo, files, [_LEGACY_PATH], code_only=False)


# D42 ------------------------------------------------------------------------------
CODE_CASE_SCOPES = ("bin", "ops", "surfaces/verify")
_UPPER_CODE = rule(
    "uppercase-code-dir", r"Home/Code|HOME/Code|ronnyworks/Code", "uppercase ~/Code path in a runtime script",
    "use the lowercase checkout path ~/code/", allowed=r"\.archive/|docs/|receipts/",
)  # fmt: skip


def check_code_path_case(spine: Spine, scope: str) -> list[Finding]:
    """D42: `*.sh` code lines use ~/code, not ~/Code (history under .archive/, docs/, receipts/ aside)."""
    files = [
        rel for rel in spine.repo.tree.files_under(scope)
        if rel.endswith(".sh") and not rel.endswith("d42-code-path-case-lock.sh")
    ]  # fmt: skip
    return scan(spine.repo, files, [_UPPER_CODE], code_only=True)


def check_capability_code_case(spine: Spine) -> list[Finding]:
    """D42: no capability's `cwd` or `command` value names an uppercase Code directory."""
    if isinstance(spine.repo.try_load(CAPABILITIES), SourceMissing):
        return []  # as the original: no registry, nothing to check here (D43 reports it missing)
    doc = spine.doc(CAPABILITIES)
    findings = []
    for name, spec in (doc.data.get("capabilities") or {}).items():
        for key in ("cwd", "command"):
            value = str((spec or {}).get(key) or "")
            if "Code" in value:
                findings.append(Finding(doc.file, doc.line("capabilities", name, key), f"{name}.{key} names a Code path",
                                        "a lowercase ~/code path (or $SPINE_REPO)", f"{key}: {value}",
                                        f"rewrite {name}.{key} with ~/code or $SPINE_REPO"))  # fmt: skip
    return findings


# D47 ------------------------------------------------------------------------------
BRAIN_SCRIPTS = (
    "ops/runtime/inbox/launch-agent.sh",
    "ops/runtime/inbox/hot-folder-watcher.sh",
    "ops/runtime/inbox/close-session.sh",
)
SESSION_PROTOCOL = "docs/governance/SESSION_PROTOCOL.md"
BRAIN_FILES = (*BRAIN_SCRIPTS, SESSION_PROTOCOL)
_BRAIN = rule(
    "brain-dir", r"\.brain/", "reference to the retired .brain/ directory",
    "use docs/brain/ (tracked in the spine) instead of .brain/",
)  # fmt: skip


def check_no_brain_dir(spine: Spine, rel: str) -> list[Finding]:
    """D47: the inbox runtime scripts (code lines) and the session protocol (all lines) never name .brain/."""
    return scan(spine.repo, [rel], [_BRAIN], code_only=rel.endswith(".sh"))
