"""Governance docs: one canonical place per fact, quarantined history, agents routed to the spine
(D16, D26, D27, D38)."""

from __future__ import annotations

import re

from ...findings import Finding
from ...gate_versions import settings
from ...repo import Repo
from ...spine import SERVICE_REGISTRY, Spine
from ..sources import declared
from .scan import forbid_dir, missing_binding, require_file, rule, scan, visible
from .sources import FACT_LOCK, READ_SURFACE, STACK_REGISTRY

# D16 ------------------------------------------------------------------------------
CANONICAL_DOCS = "docs/core/CANONICAL_DOCS.md"
_LEGACY_MARKER = rule(
    "legacy-marker", r"(ronny-ops|LaunchAgents|launchd|\.plist)", "legacy ronny-ops / launchd marker outside quarantine",
    "move the text under docs/legacy/ (or docs/governance/ if it governs), or drop the legacy reference",
)  # fmt: skip


def check_no_root_imports(spine: Spine) -> list[Finding]:
    return forbid_dir(
        spine.repo, "_imports", "imports are quarantined", "move it to docs/legacy/_imports or .archive/_imports"
    )


def check_canonical_docs_index(spine: Spine) -> list[Finding]:
    return require_file(spine.repo, CANONICAL_DOCS, "the pointer to the canonical docs")


def open_docs(spine: Spine) -> list[str]:
    """Docs outside the quarantined and governed areas (what agents and people read as current)."""
    quarantine = tuple(f"docs/{area}/" for area in settings(spine.repo, "D16")["quarantine"])
    return [rel for rel in spine.repo.tree.files_under("docs") if visible(rel) and not rel.startswith(quarantine)]


def check_open_doc(spine: Spine, rel: str) -> list[Finding]:
    return scan(spine.repo, [rel], [_LEGACY_MARKER], code_only=False)


# D26 ------------------------------------------------------------------------------
GOVERNANCE_INDEX = "docs/governance/GOVERNANCE_INDEX.md"
UPDATE_TEMPLATE = "docs/governance/SSOT_UPDATE_TEMPLATE.md"


def read_surface(spine: Spine) -> dict:
    return spine.doc(READ_SURFACE).data or {}


def startup_surface(spine: Spine) -> list[str]:
    return list(dict.fromkeys(read_surface(spine).get("startup_read_surface") or []))


def fact_routes(spine: Spine) -> list[str]:
    routes = read_surface(spine).get("host_fact_routes") or {}
    paths = [*(routes.get("host_detail") or []), routes.get("identity"), routes.get("services")]
    return list(dict.fromkeys(p for p in paths if p))


def entrypoint_repos(spine: Spine) -> list[str]:
    return list(dict.fromkeys(str(e.get("repo")) for e in read_surface(spine).get("external_entrypoints") or []))


def forbidden_terms(spine: Spine) -> list[str]:
    return list(dict.fromkeys(read_surface(spine).get("forbidden_terms") or []))


def check_read_surface_binding(spine: Spine) -> list[Finding]:
    """The binding exists, names both fact routes, and lists the external front doors."""
    missing = missing_binding(spine.repo, READ_SURFACE, "it defines what agents read first")
    if missing is not None:
        return missing
    doc = spine.doc(READ_SURFACE)
    findings = [
        Finding(doc.file, doc.line("host_fact_routes"), f"host_fact_routes.{key} is not set", f"host_fact_routes.{key}: <spine path>",
                "missing or null", f"route {key} facts to their SSOT file")
        for key in ("identity", "services")
        if not (doc.data.get("host_fact_routes") or {}).get(key)
    ]  # fmt: skip
    if not doc.data.get("external_entrypoints"):
        findings.append(Finding(doc.file, doc.line("external_entrypoints") or doc.line(), "no external entrypoints",
                                "the workbench and mint-modules AGENT_ENTRY.md files", "an empty list",
                                "list every other repo's agent front door"))  # fmt: skip
    return findings


def _mentions(spine: Spine, doc_rel: str, needle: str, what: str, why: str) -> list[Finding]:
    text = spine.repo.tree.text(doc_rel)
    if text is None:
        return require_file(spine.repo, doc_rel, why)
    if needle in text:
        return []
    return [Finding(spine.repo.display(doc_rel), None, f"{what} is not referenced", f"the text `{needle}`", "absent",
                    f"reference {needle} in {doc_rel}")]  # fmt: skip


def check_startup_file(spine: Spine, rel: str) -> list[Finding]:
    """A startup read file exists and the governance index points at it."""
    return require_file(spine.repo, rel, "agents read it at startup") + _mentions(
        spine, GOVERNANCE_INDEX, rel, f"startup file {rel}", "the governance index lists the startup read surface"
    )


def check_fact_route(spine: Spine, rel: str) -> list[Finding]:
    """A fact route file exists and the SSOT update template names it."""
    base = rel.rsplit("/", 1)[-1]
    return require_file(spine.repo, rel, "host facts are updated there") + _mentions(
        spine, UPDATE_TEMPLATE, base, f"route {base}", "the SSOT update template routes every fact"
    )


def check_entrypoint(spine: Spine, repo_key: str, repo: Repo | None) -> list[Finding]:
    """Another repo's agent front door exists and sends agents to the spine's session protocol."""
    doc = spine.doc(READ_SURFACE)
    index, entry = next(
        (i, e) for i, e in enumerate(doc.data["external_entrypoints"]) if str(e.get("repo")) == repo_key
    )
    line = doc.line("external_entrypoints", index)
    if repo is None:
        return [Finding(doc.file, line, f"unknown repo key {repo_key!r}", "repo: workbench or mint_modules",
                        f"repo: {repo_key}", "name one of the repos the audit knows")]  # fmt: skip
    unset = [key for key in ("path", "must_reference") if not entry.get(key)]
    if unset:
        return [Finding(doc.file, line, f"external_entrypoints[{index}] lacks {', '.join(unset)}", "repo, path and must_reference",
                        str(entry), "complete the entry")]  # fmt: skip
    text = repo.tree.text(entry["path"]) if repo.tree.is_file(entry["path"]) else None
    if text is None:
        return [Finding(repo.display(entry["path"]), None, f"{repo_key} has no agent front door", f"{entry['path']} in {repo.root}",
                        "no such file", f"create {entry['path']} pointing at {entry['must_reference']}")]  # fmt: skip
    if entry["must_reference"] in text:
        return []
    return [Finding(repo.display(entry["path"]), None, f"{repo_key} front door does not redirect to the spine",
                    f"the text {entry['must_reference']} (from {doc.file}:{line})", "absent",
                    f"point {entry['path']} at {entry['must_reference']}")]  # fmt: skip


def _active_files(repo: Repo, inactive: list[str], areas: list[str]) -> list[str]:
    """Files the term scan covers: hidden ones included, inactive directories (at any depth) excluded."""
    rels = [rel for area in areas for rel in (repo.tree.files_under(area) if area else repo.tree.files)]
    return [rel for rel in rels if not any(f"/{part}/" in f"/{rel}" for part in inactive)]


def check_forbidden_term(spine: Spine, term: str, others: list[Repo]) -> list[Finding]:
    """A legacy start-file name appears nowhere in the active surfaces of the spine or the other repos (the
    areas and the inactive directories are the gate version's: the original's rg roots and exclusion globs)."""
    config = settings(spine.repo, "D26")
    term_rule = rule("forbidden-term", re.escape(term), f"legacy start file `{term}` named in an active surface",
                     "remove the reference; agents start from the spine's SESSION_PROTOCOL.md")  # fmt: skip
    findings = scan(spine.repo, _active_files(spine.repo, config["inactive"], config["spine_areas"]), [term_rule],
                    code_only=False)  # fmt: skip
    for repo in others:
        findings += scan(repo, _active_files(repo, config["inactive"], [""]), [term_rule], code_only=False)
    return findings


# D27 ------------------------------------------------------------------------------
_IP = re.compile(
    r"\b(100\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|10\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}|192\.168\.[0-9]{1,3}\.[0-9]{1,3})\b"
)
_PORT_TEXT = re.compile(r"\bport\s+[0-9]{2,5}\b")


def fact_lock(spine: Spine) -> dict:
    return spine.doc(FACT_LOCK).data or {}


def fact_lock_docs(spine: Spine) -> list[str]:
    data = fact_lock(spine)
    docs = [*(data.get("canonical_fact_docs") or []), *(data.get("no_fact_docs") or []), data.get("service_registry")]
    return list(dict.fromkeys(d for d in docs if d))


def no_fact_docs(spine: Spine) -> list[str]:
    return list(dict.fromkeys(fact_lock(spine).get("no_fact_docs") or []))


def check_fact_lock_binding(spine: Spine) -> list[Finding]:
    missing = missing_binding(spine.repo, FACT_LOCK, "it says which docs may hold host facts")
    if missing is not None:
        return missing
    doc = spine.doc(FACT_LOCK)
    return [
        Finding(doc.file, doc.line(key) or doc.line(), f"{key} is empty", f"{key} listing at least one doc",
                "missing or empty", f"restore {key}")
        for key in ("canonical_fact_docs", "no_fact_docs", "service_registry")
        if not doc.data.get(key)
    ]  # fmt: skip


def check_fact_lock_doc(spine: Spine, rel: str) -> list[Finding]:
    return require_file(spine.repo, rel, "the fact lock names it")


def _registry_ports(spine: Spine) -> list[str]:
    rel = fact_lock(spine).get("service_registry") or SERVICE_REGISTRY.rel
    services = spine.repo.load(declared(rel)).data.get("services") or {}
    ports = {str(spec.get(key)) for spec in services.values() if isinstance(spec, dict)
             for key in ("port", "console_port") if spec.get(key) not in (None, "")}  # fmt: skip
    return sorted(ports)


def _canonical_ips(spine: Spine) -> list[str]:
    found = set()
    for rel in fact_lock(spine).get("canonical_fact_docs") or []:
        found.update(m[0] for m in _IP.finditer(spine.repo.tree.text(rel) or ""))
    return sorted(found)


def check_no_fact_doc(spine: Spine, rel: str) -> list[Finding]:
    """A no-fact doc carries no IP, no `port N` claim, no registry port and no canonical IP (one finding per line)."""
    ports, ips = tuple(_registry_ports(spine)), tuple(_canonical_ips(spine))
    return [
        Finding(spine.repo.display(rel), number, f"{hit} in a no-fact doc",
                "no host or service facts: link to the canonical fact docs instead",
                line.strip()[:200], "replace the value with a pointer to DEVICE_IDENTITY_SSOT.md / SERVICE_REGISTRY.yaml")
        for number, line, hit in spine.repo.tree.derived(rel, ("no-fact", ports, ips), lambda text: _facts(text, ports, ips))
    ]  # fmt: skip


def _facts(text: str | None, ports: tuple[str, ...], ips: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """(line, text, what) of each line that states a fact; none for an absent doc (check_fact_lock_doc's finding)."""
    patterns = [(p, re.compile(rf"(?<![0-9]){re.escape(p)}(?![0-9])")) for p in ports]
    any_port = re.compile(rf"(?<![0-9])(?:{'|'.join(map(re.escape, ports))})(?![0-9])") if ports else None
    found = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        hit = None
        if match := _IP.search(line):
            hit = f"raw IP {match[0]}"
        elif match := _PORT_TEXT.search(line):
            hit = f"port claim `{match[0]}`"
        elif any_port and any_port.search(line):  # then the first registry port (in order) the line has
            hit = (
                f"service port {next(p for p, pattern in patterns if pattern.search(line))} (from the service registry)"
            )
        elif ip := next((ip for ip in ips if ip in line), None):
            hit = f"canonical IP {ip}"
        if hit:
            found.append((number, line, hit))
    return found


# D38 ------------------------------------------------------------------------------
DOCS_EXEMPT = ("core", "governance", "legacy", "brain", "pillars")
PILLAR_FILES = ("README.md", "ARCHITECTURE.md", "EXTRACTION_STATUS.md")


def registry_services(spine: Spine) -> list[str]:
    return list(spine.registry.data.get("services") or {})


def check_no_service_docs_folder(spine: Spine, service: str) -> list[Finding]:
    """A utility service lives in the registry only, not in a docs/<service>/ folder (case-insensitive)."""
    tree = spine.repo.tree
    folders = [n.name for n in tree.children("docs") if not n.name.startswith(".") and tree.is_dir(n.rel)]
    return [
        Finding(spine.repo.display(f"docs/{name}/"), None, f"docs/{name}/ exists for registry service {service}",
                "utility services documented by their registry entry only (EXTRACTION_PROTOCOL.md)", f"docs/{name}/",
                f"fold docs/{name}/ into the registry entry, or promote it to docs/pillars/{name}/")
        for name in folders
        if name not in DOCS_EXEMPT and name.lower() == service.lower()
    ]  # fmt: skip


def pillars(spine: Spine) -> list[str]:
    tree = spine.repo.tree
    return [n.name for n in tree.children("docs/pillars") if not n.name.startswith(".") and tree.is_dir(n.rel)]


def check_pillar(spine: Spine, name: str) -> list[Finding]:
    return [
        f
        for file in PILLAR_FILES
        for f in require_file(spine.repo, f"docs/pillars/{name}/{file}", "every pillar has it")
    ]


def stacks(spine: Spine) -> list[str]:
    return list(dict.fromkeys(s["stack_id"] for s in spine.doc(STACK_REGISTRY).data["stacks"]))


def check_stack_binding(spine: Spine, stack_id: str) -> list[Finding]:
    """A stack classified `stack` has its own binding (other classifications need none)."""
    doc = spine.doc(STACK_REGISTRY)
    index, spec = next((i, s) for i, s in enumerate(doc.data["stacks"]) if s["stack_id"] == stack_id)
    if spec.get("classification") != "stack":
        return []
    rel = f"ops/bindings/{stack_id}.binding.yaml"
    if spine.repo.tree.is_file(rel):
        return []
    return [Finding(doc.file, doc.line("stacks", index), f"stack {stack_id} has no binding", rel, "no such file",
                    f"create {rel} (or classify {stack_id} differently)")]  # fmt: skip
