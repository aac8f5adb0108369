"""The cross-repo authority contract and the supporting copies it governs (D1-D3)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..findings import Finding
from ..repo import Source, SourceError, SourceMissing, SourceUnavailable
from ..schema import RecordViolation
from ..spine import AUTHORITY, BACKUP, HEALTH, SERVICE_REGISTRY, Spine, vzdump_vmid
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


@dataclass(frozen=True)
class Pair:
    """An authority and its supporting copy, each as item -> the values the contract governs."""

    noun: str  # what an item is, for messages: "service", "VM", "health endpoint"
    authority: dict
    supporting: dict
    authority_rel: str
    authority_line: Callable[[object], int | None]
    supporting_line: Callable[[object], int | None]  # of an item, or (given None) of the list that holds them
    # Which one-sided items the copy's role allows (README, "What is checked"): a legacy snapshot may leave out
    # what the spine lists; a copy that holds more than the spine's governed list may add what the spine knows.
    may_omit: bool = False
    may_add: Callable[[object], bool] = lambda key: False
    # Items whose record in the authority its schema left out (schema.py): the violation, by item.
    unreadable: dict = field(default_factory=dict)


def _projection(data, fields: tuple[str, ...]) -> dict:
    return {k: data[k] for k in fields if k in data}


def _unreadable(spine: Spine, source: Source, container: str, key_of) -> dict[object, RecordViolation]:
    """Item -> the violation that left its record out of the authority's data."""
    return {key_of(v): v for v in spine.doc(source).record_violations if not v.kept and v.record[0] == container}


def _service_registry(spine: Spine, workbench: Workbench) -> Pair:
    def view(data):
        services = data.get("services") or {}
        return {n: _projection(s, ("host", "port")) for n, s in services.items() if isinstance(s, dict)}

    doc = workbench.doc("service_registry")
    return Pair("service", view(spine.registry.data), view(doc.data), SERVICE_REGISTRY.rel,
                lambda key: spine.registry.line("services", key),
                lambda key: doc.line("services", key) if key is not None else doc.line("services"),
                may_omit=True,
                unreadable=_unreadable(spine, SERVICE_REGISTRY, "services", lambda v: v.record[1]))  # fmt: skip


def _backup_inventory(spine: Spine, workbench: Workbench) -> Pair:
    fields = ("host", "classification", "stale_after_hours")
    targets = spine.vzdump_targets()
    # A target without its own stale_after_hours has the file's default, which the copy may well spell out.
    default = (spine.doc(BACKUP).data.get("defaults") or {}).get("stale_after_hours")
    effective = {v: {"stale_after_hours": default, **t} if default is not None else t for v, (t, _) in targets.items()}
    entries = workbench_backups(workbench)
    doc = workbench.doc("backup_inventory")
    # A VM the copy leaves out is test_backed_up_vm_in_workbench's finding (B3, one per VM), not a second one here.
    return Pair("VM", {v: _projection(t, fields) for v, t in effective.items()},
                {v: _projection(e, fields) for v, (e, _) in entries.items()}, BACKUP.rel,
                lambda key: targets[key][1],
                lambda key: entries[key][1] if key is not None else doc.line("vm_backups"),
                may_omit=True,
                unreadable=_unreadable(spine, BACKUP, "targets",
                                       lambda v: vzdump_vmid(v.value) if isinstance(v.value, dict) else None))  # fmt: skip


def _monitoring(spine: Spine, workbench: Workbench) -> Pair:
    health = spine.doc(HEALTH)
    governed = {e["id"]: (e.get("url"), health.line("endpoints", i)) for i, e in enumerate(spine.health_endpoints)}
    doc = workbench.doc("monitoring")
    endpoints = list(enumerate(doc.data.get("health_endpoints") or []))
    lines = {e.get("service"): doc.line("health_endpoints", i) for i, e in endpoints}
    registered = set(spine.registry.data.get("services") or {})
    return Pair("health endpoint", {k: url for k, (url, _) in governed.items()},
                {e.get("service"): endpoint_url(e) for _, e in endpoints}, HEALTH.rel,
                lambda key: governed[key][1],
                lambda key: lines[key] if key is not None else doc.line("health_endpoints"),
                may_add=lambda key: key in registered,
                unreadable=_unreadable(spine, HEALTH, "endpoints",
                                       lambda v: v.value.get("id") if isinstance(v.value, dict) else None))  # fmt: skip


COMPARATORS = {"service_registry": _service_registry, "backup_inventory": _backup_inventory, "monitoring": _monitoring}


def check_supporting_agrees(spine: Spine, workbench: Workbench, domain: str) -> list[Finding]:
    """The supporting copy holds the spine's items (as its role allows) and says what the spine says of them.

    Items on one side only are findings unless the copy's role allows them; a copy that holds items but
    shares none with the spine compared nothing, and fails."""
    pair = COMPARATORS[domain](spine, workbench)
    doc = workbench.doc(domain)
    authority_file = spine.repo.display(pair.authority_rel)
    # In a fixed order: findings and the diff are listed as sorted here, and a set's order changes from run to run.
    shared = sorted(set(pair.authority) & set(pair.supporting), key=str)
    findings = []
    if pair.supporting and not shared:
        held = ", ".join(map(str, sorted(pair.supporting, key=str)))
        findings.append(Finding(doc.file, pair.supporting_line(None),
                                f"{domain}: supporting copy shares no {pair.noun} with the spine",
                                f"{pair.noun}s of {authority_file} ({', '.join(map(str, sorted(pair.authority, key=str))) or 'none'})",
                                f"only {held}: nothing could be compared",
                                f"rewrite {doc.file} from {authority_file} (the spine wins, per the authority contract)"))  # fmt: skip
    for key in sorted(set(pair.supporting) - set(pair.authority), key=str):
        if key in pair.unreadable:
            violation = pair.unreadable[key]
            findings.append(Finding(doc.file, pair.supporting_line(key),
                                    f"{domain}: {pair.noun} {key} cannot be compared: the spine's record of it does "
                                    "not match its schema",
                                    f"a record of {pair.noun} {key} in {authority_file} that matches its schema",
                                    f"{authority_file}:{violation.line}: {violation.path}: {violation.problem}",
                                    f"correct {pair.noun} {key}'s record in {authority_file}"))  # fmt: skip
        elif not pair.may_add(key):
            findings.append(Finding(doc.file, pair.supporting_line(key),
                                    f"{domain}: {pair.noun} {key} is in the supporting copy only",
                                    f"only {pair.noun}s that {authority_file} lists (authoritative)",
                                    f"{pair.noun} {key}, which {authority_file} does not list",
                                    f"remove {pair.noun} {key} from {doc.file}, or add it to {authority_file} first"))  # fmt: skip
    if not pair.may_omit:
        for key in sorted(set(pair.authority) - set(pair.supporting), key=str):
            value = pair.authority[key]
            shown = ", ".join(f"{f} {v}" for f, v in value.items()) if isinstance(value, dict) else value
            findings.append(Finding(doc.file, None, f"{domain}: {pair.noun} {key} is missing from the supporting copy",
                                    f"an entry for {pair.noun} {key} ({authority_file}:{pair.authority_line(key)}: "
                                    f"{shown})", f"no entry for {pair.noun} {key}",
                                    f"add {pair.noun} {key} to {doc.file} as the spine gives it"))  # fmt: skip
    left = {k: pair.authority[k] for k in shared}
    right = {k: pair.supporting[k] for k in shared}
    # A field the copy leaves out is one it does not claim; a field it adds, that the spine does not give, is a
    # second truth and shows in the diff.
    left = {k: {f: v for f, v in left[k].items() if f in right[k]} if isinstance(left[k], dict) else left[k]
            for k in shared}  # fmt: skip
    from deepdiff import DeepDiff  # here, not at the top: the static runs (the pre-commit hook) never need it

    diff = DeepDiff(left, right, ignore_order=True, verbose_level=2)
    if diff:
        changed = sorted({k for k in shared if any(f"root[{k!r}]" in str(p) for p in diff.affected_paths)}, key=str)
        findings.append(
            Finding(
                doc.file,
                pair.supporting_line(changed[0]) if changed else None,
                f"{domain}: supporting copy disagrees with the spine on {', '.join(map(str, changed))}",
                expected=f"the values of {authority_file} (authoritative)",
                found=f"{len(diff.affected_paths)} differing value(s), shown below as spine -> workbench",
                fix=f"update {doc.file} from the spine (the spine wins, per the authority contract)",
                detail=diff.pretty(),
            )
        )
    return findings
