"""The cross-repo authority contract and the supporting copies it governs (D1-D3)."""

from __future__ import annotations

from ..findings import Finding
from ..repo import SourceError, SourceMissing, SourceUnavailable
from ..spine import AUTHORITY, BACKUP, HEALTH, SERVICE_REGISTRY, Spine
from ..workbench import Workbench
from .inventories import endpoint_url, workbench_backups


def check_domain_declared(spine: Spine, workbench: Workbench, domain: str) -> list[Finding]:
    """The contract names an existing spine file as authoritative and the workbench copies as supporting."""
    contract = spine.repo.try_load(AUTHORITY)
    file = spine.repo.display(AUTHORITY.rel)
    if isinstance(contract, SourceMissing):
        return [Finding(file, None, "the cross-repo authority contract is missing",
                        f"`domains.{domain}` with authoritative agentic-spine file and supporting workbench files",
                        "no contract: both repos can claim the same data", f"create {AUTHORITY.rel} (loop P2)")]  # fmt: skip
    if isinstance(contract, SourceError):
        raise SourceUnavailable(contract)
    spec = (contract.data.get("domains") or {}).get(domain)
    if spec is None:
        return [Finding(file, contract.line("domains"), f"no `{domain}` domain", f"`domains.{domain}`",
                        f"domains: {', '.join(contract.data.get('domains') or {})}",
                        f"declare which repo owns {domain}")]  # fmt: skip
    findings = []
    authoritative = spec.get("authoritative") or {}
    line = contract.line("domains", domain, "authoritative")
    if authoritative.get("repo") != "agentic-spine" or not spine.repo.exists(str(authoritative.get("file"))):
        findings.append(Finding(file, line, f"{domain}: authoritative file is not a spine file",
                                "repo agentic-spine and a file that exists in the spine",
                                f"repo {authoritative.get('repo')}, file {authoritative.get('file')}",
                                "name the spine file that owns this data"))  # fmt: skip
    for rel in workbench.files(domain):
        if not workbench.repo.glob(rel):
            findings.append(Finding(file, contract.line("domains", domain), f"{domain}: workbench file {rel} does not exist",
                                    "every supporting file to exist in the workbench", "no such file",
                                    f"correct the path or remove the entry for {rel}"))  # fmt: skip
    return findings


# What each supporting copy shares with its authority, keyed the same way on both sides.
def _service_registry(spine: Spine, workbench: Workbench):
    def view(data):
        services = data.get("services") or {}
        return {n: {k: s[k] for k in ("host", "port") if k in s} for n, s in services.items() if isinstance(s, dict)}

    doc = workbench.doc("service_registry")
    return view(spine.registry.data), view(doc.data), SERVICE_REGISTRY.rel, lambda key: doc.line("services", key)


def _backup_inventory(spine: Spine, workbench: Workbench):
    fields = ("host", "classification", "stale_after_hours")
    spine_view = {v: {k: t[k] for k in fields if k in t} for v, (t, _) in spine.vzdump_targets().items()}
    entries = workbench_backups(workbench)
    wb_view = {v: {k: e[k] for k in fields if k in e} for v, (e, _) in entries.items()}
    return spine_view, wb_view, BACKUP.rel, lambda key: entries[key][1]


def _monitoring(spine: Spine, workbench: Workbench):
    spine_view = {e["id"]: e.get("url") for e in spine.health_endpoints}
    doc = workbench.doc("monitoring")
    endpoints = list(enumerate(doc.data.get("health_endpoints") or []))
    lines = {e.get("service"): doc.line("health_endpoints", i) for i, e in endpoints}
    return spine_view, {e.get("service"): endpoint_url(e) for _, e in endpoints}, HEALTH.rel, lines.get


COMPARATORS = {"service_registry": _service_registry, "backup_inventory": _backup_inventory, "monitoring": _monitoring}


def check_supporting_agrees(spine: Spine, workbench: Workbench, domain: str) -> list[Finding]:
    """On the items and fields both files hold, the supporting copy says what the authority says."""
    authority, supporting, authority_rel, line_of = COMPARATORS[domain](spine, workbench)
    # In a fixed order: the diff is shown as DeepDiff lists it, and a set's order changes from run to run.
    shared = sorted(set(authority) & set(supporting), key=str)
    left = {k: authority[k] for k in shared}
    right = {k: supporting[k] for k in shared}
    if isinstance(next(iter(left.values()), None), dict):  # compare only fields present on both sides
        for key in shared:
            common = sorted(set(left[key]) & set(right[key]), key=str)
            left[key] = {f: left[key][f] for f in common}
            right[key] = {f: right[key][f] for f in common}
    from deepdiff import DeepDiff  # here, not at the top: the static runs (the pre-commit hook) never need it

    diff = DeepDiff(left, right, ignore_order=True, verbose_level=2)
    if not diff:
        return []
    doc = workbench.doc(domain)
    changed = sorted({key for key in shared if any(f"root[{key!r}]" in str(p) for p in diff.affected_paths)}, key=str)
    return [
        Finding(
            doc.file,
            line_of(changed[0]) if changed else None,
            f"{domain}: supporting copy disagrees with the spine on {', '.join(map(str, changed))}",
            expected=f"the values of {spine.repo.display(authority_rel)} (authoritative)",
            found=f"{len(diff.affected_paths)} differing value(s), shown below as spine -> workbench",
            fix=f"update {doc.file} from the spine (the spine wins, per the authority contract)",
            detail=diff.pretty(),
        )
    ]
