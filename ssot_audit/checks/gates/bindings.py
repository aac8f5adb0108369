"""Bindings that must agree with each other or with the clock (D3, D28 queue, D33, D35, D36, D45)."""

from __future__ import annotations

from datetime import datetime, timedelta

from ...findings import Finding
from ...gate_versions import settings
from ...spine import COMPOSE_TARGETS, PLACEMENT, RELOCATION, SERVICE_REGISTRY, SSH_TARGETS, Spine
from ...timestamps import parse_utc
from .scan import missing_binding, require_file
from .sources import EXCEPTIONS, EXTRACTION_MODE, EXTRACTION_QUEUE, NAMING, SSOT_REGISTRY

# D3 ---------------------------------------------------------------------------------
# What `bin/ops preflight` needs to print its governance banner: the dispatcher (run), the command and
# libraries it sources, and the two documents it hashes.
PREFLIGHT_FILES = (
    "bin/ops", "ops/commands/preflight.sh", "ops/lib/governance.sh", "ops/lib/registry.sh",
    "docs/governance/SSOT_REGISTRY.yaml", "docs/governance/INFRASTRUCTURE_MAP.md",
)  # fmt: skip
PREFLIGHT_SERVICES = ("mint-os-api", "minio")


def check_preflight_file(spine: Spine, rel: str) -> list[Finding]:
    return require_file(spine.repo, rel, "`ops preflight` reads it", executable=rel == "bin/ops")


def check_preflight_manifest(spine: Spine) -> list[Finding]:
    """The banner's `N docs in manifest` counts SSOT_REGISTRY's ssots[]; zero means governance did not load."""
    missing = missing_binding(spine.repo, SSOT_REGISTRY, "the preflight banner hashes and counts it")
    if missing is not None:
        return missing
    doc = spine.doc(SSOT_REGISTRY)
    if doc.data["ssots"]:
        return []
    return [Finding(doc.file, doc.line("ssots"), "the governance manifest lists no SSOT", "at least one ssots[] entry",
                    "ssots: []", "restore the registry entries")]  # fmt: skip


def check_preflight_service(spine: Spine, service: str) -> list[Finding]:
    """The banner's service hints resolve: the service has a host and a port in SERVICE_REGISTRY."""
    doc = spine.doc(SERVICE_REGISTRY)
    spec = (doc.data.get("services") or {}).get(service)
    if spec and spec.get("host") and spec.get("port"):
        return []
    return [
        Finding(doc.file, doc.line("services", service) or doc.line("services"), f"{service} has no health hint",
                "services.<name> with host and port (the preflight prints its health URL)",
                f"{service}: {spec!r}" if spec else "no such service", f"give {service} a host and a port")
    ]  # fmt: skip


# D28 (queue half) -------------------------------------------------------------------
QUEUE_KEYS = ("canonical_target_path", "parity_check_command", "rollback_command")


def queue_items(spine: Spine) -> list[str]:
    return [f"items[{i}]" for i, _ in enumerate(spine.doc(EXTRACTION_QUEUE).data.get("items") or [])]


def check_queue_binding(spine: Spine) -> list[Finding]:
    return missing_binding(spine.repo, EXTRACTION_QUEUE, "the archive runway contract") or []


def check_queue_item(spine: Spine, item: str) -> list[Finding]:
    """D28: each extraction item has exactly the three contract keys."""
    doc = spine.doc(EXTRACTION_QUEUE)
    index = int(item[len("items[") : -1])
    keys = set(doc.data["items"][index])
    if keys == set(QUEUE_KEYS):
        return []
    found = ", ".join([*(f"extra key {k}" for k in sorted(keys - set(QUEUE_KEYS))),
                       *(f"missing key {k}" for k in sorted(set(QUEUE_KEYS) - keys))])  # fmt: skip
    return [Finding(doc.file, doc.line("items", index), f"{item} breaks the queue contract", f"exactly {', '.join(QUEUE_KEYS)}",
                    found, "keep only the three contract keys; move notes to the loop scope")]  # fmt: skip


# D33 ------------------------------------------------------------------------------
def check_extraction_paused(spine: Spine, now: datetime) -> tuple[list[Finding], str | None]:
    """D33: extraction stays paused with an end date. From the gate version that accepts `active` (its
    settings' modes), extraction may resume once previous_pause.expired_at has passed. Also says (as a
    warning) when a pause's end date has passed, which the original never compares."""
    missing = missing_binding(spine.repo, EXTRACTION_MODE, "it holds the extraction pause")
    if missing is not None:
        return missing, None
    doc = spine.doc(EXTRACTION_MODE)
    modes = settings(spine.repo, "D33")["modes"]
    mode = doc.data.get("mode")
    if mode == "active" and "active" in modes:
        return _resumed(doc, now), None
    findings = []
    if mode != "paused":
        want = " or ".join(f'mode: "{m}"' for m in modes)
        findings.append(Finding(doc.file, doc.line("mode"), "extraction is not paused", want, f"mode: {mode!r}",
                                'set mode: "paused" until the stabilization window ends'))  # fmt: skip
    until = doc.data.get("until_utc")
    if until in (None, ""):
        findings.append(Finding(doc.file, doc.line("until_utc") or doc.line(), "the pause has no end date",
                                "until_utc: <ISO-8601 UTC>", "missing or null", "set until_utc"))  # fmt: skip
    end = parse_utc(until)
    warning = None
    if not findings and end is not None and end <= now:
        warning = (
            f"{doc.file}:{doc.line('until_utc')}: the extraction pause ended {until}; renew it or resume extraction"
        )
    return findings, warning


def _resumed(doc, now: datetime) -> list[Finding]:
    """Active extraction needs proof the pause completed: previous_pause.expired_at, readable and past."""
    expired = (doc.data.get("previous_pause") or {}).get("expired_at")
    line = doc.line("previous_pause", "expired_at") or doc.line("mode")
    end = parse_utc(expired)
    if end is not None and end <= now:
        return []
    found = "missing" if expired in (None, "") else f"expired_at: {expired}" + (" (unreadable)" if end is None else "")
    return [Finding(doc.file, line, "extraction is active without a completed pause",
                    f"previous_pause.expired_at: an ISO-8601 UTC time before {now.isoformat(timespec='seconds')}",
                    found, 'record previous_pause.expired_at, or set mode: "paused" until the window ends')]  # fmt: skip


# D35 ------------------------------------------------------------------------------
ACTIVE_STATES = ("preflight", "cutover", "cleanup")


def relocation_state(spine: Spine) -> str | None:
    return (spine.doc(RELOCATION).data.get("active_relocation") or {}).get("state")


def required_updates(spine: Spine) -> list[str]:
    if relocation_state(spine) not in ACTIVE_STATES:
        return []
    return list(dict.fromkeys(str(p) for p in spine.doc(RELOCATION).data.get("required_updates") or []))


def moved_services(spine: Spine) -> list[str]:
    if relocation_state(spine) not in ACTIVE_STATES:
        return []
    services = spine.doc(RELOCATION).data["services"]
    return list(dict.fromkeys(s["service"] for s in services if s.get("status") != "planned"))


def check_required_update(spine: Spine, rel: str) -> list[Finding]:
    """D35: a file the active relocation must update exists."""
    if not rel.startswith("/") and spine.repo.tree.is_file(rel):
        return []
    doc = spine.doc(RELOCATION)
    index = [str(p) for p in doc.data.get("required_updates") or []].index(rel)
    found = "an absolute path (the spine cannot vouch for it)" if rel.startswith("/") else "no such file"
    return [Finding(doc.file, doc.line("required_updates", index), f"required update {rel} is not a spine file",
                    "every required_updates[] entry a file in the spine", found,
                    f"create {rel} or correct the path (relative to the spine root)")]  # fmt: skip


def check_service_parity(spine: Spine, service: str) -> list[Finding]:
    """D35: a moved service is where the manifest says, in the registry and in the SSH targets."""
    doc = spine.doc(RELOCATION)
    index, spec = next((i, s) for i, s in enumerate(doc.data["services"]) if s.get("service") == service)
    line = doc.line("services", index)
    to_host = spec.get("to_host")
    if not to_host:
        return [Finding(doc.file, line, f"{service} ({spec.get('status')}) has no to_host", "the host it moved to",
                        "to_host empty", f"set services[{index}].to_host")]  # fmt: skip
    registry = spine.doc(SERVICE_REGISTRY)
    findings = []
    reg_host = spine.service_host(service)
    if reg_host != to_host:
        findings.append(Finding(registry.file, registry.line("services", service, "host") or registry.line("services"),
                                f"{service}: registry host {reg_host or '(none)'} != manifest to_host {to_host}",
                                f"host: {to_host} (from {doc.file}:{line})",
                                f"host: {reg_host}" if reg_host else "no registry entry",
                                f"set services.{service}.host to {to_host}"))  # fmt: skip
    if to_host not in {t.get("id") for t in spine.ssh_targets}:
        ssh = spine.doc(SSH_TARGETS)
        findings.append(Finding(ssh.file, ssh.line("ssh", "targets"), f"{service}: to_host {to_host} is not an SSH target",
                                f"an ssh.targets[] entry with id {to_host}", "none", f"add an ssh target for {to_host}"))  # fmt: skip
    return findings


# D36 ------------------------------------------------------------------------------
NEAR_EXPIRY = timedelta(hours=48)
_NOOP_EXPIRY = "1970-01-01T00:00:00Z"


def live_exceptions(spine: Spine) -> list[str]:
    """Labels of exceptions that allow something: not a placeholder (1970 expiry or no allowed_paths)."""
    return list(dict.fromkeys(
        e["label"] for e in spine.doc(EXCEPTIONS).data.get("exceptions") or []
        if e.get("expires_at") != _NOOP_EXPIRY and e.get("allowed_paths")
    ))  # fmt: skip


def check_exception_current(spine: Spine, label: str, now: datetime) -> tuple[list[Finding], str | None]:
    """D36: a live exception has not expired; one that expires within 48 hours is a warning."""
    doc = spine.doc(EXCEPTIONS)
    index, spec = next((i, e) for i, e in enumerate(doc.data["exceptions"]) if e.get("label") == label)
    line = doc.line("exceptions", index, "expires_at")
    expires = parse_utc(spec["expires_at"])
    if expires is None:
        return [], f"{doc.file}:{line}: cannot read expires_at {spec['expires_at']!r} of {label}; it is not enforced"
    if expires < now:
        return [Finding(doc.file, line, f"exception {label!r} expired {spec['expires_at']}",
                        f"expires_at after {now.isoformat(timespec='seconds')}", f"expires_at: {spec['expires_at']}",
                        f"remove the exception (move {label} off the legacy paths) or renew it with a new expiry")], None  # fmt: skip
    if expires - now < NEAR_EXPIRY:
        hours = int((expires - now).total_seconds() // 3600)
        return [], f"{doc.file}:{line}: exception {label!r} expires in {hours}h ({spec['expires_at']})"
    return [], None


# D45 ------------------------------------------------------------------------------
DEVICE_IDENTITY = "docs/governance/DEVICE_IDENTITY_SSOT.md"


def naming_hosts(spine: Spine) -> list[str]:
    return list(dict.fromkeys(h["canonical_name"] for h in spine.doc(NAMING).data["hosts"]))


def check_naming_binding(spine: Spine) -> list[Finding]:
    return missing_binding(spine.repo, NAMING, "it is the authority for host names") or []


def check_host_name(spine: Spine, name: str) -> list[Finding]:
    """D45: a canonical host name appears on every surface its policy entry flags."""
    naming = spine.doc(NAMING)
    index, host = next((i, h) for i, h in enumerate(naming.data["hosts"]) if h["canonical_name"] == name)
    flags = host.get("surfaces") or {}
    policy = f"policy {naming.file}:{naming.line('hosts', index)}"
    findings = []

    def missing(file: str, line: int | None, surface: str, expected: str, fix: str) -> None:
        findings.append(Finding(file, line, f"{name}: missing from {surface}", f"{expected} ({policy})", "none", fix))

    if flags.get("ssh_target") is True and name not in {t.get("id") for t in spine.ssh_targets}:
        ssh = spine.doc(SSH_TARGETS)
        missing(ssh.file, ssh.line("ssh", "targets"), "the ssh targets", f"a target with id {name}", "add the target")
    if flags.get("placement") is True:
        placement = spine.doc(PLACEMENT)
        placed = (placement.data.get("hosts") or {}).get(name)
        if placed is None:
            missing(
                placement.file,
                placement.line("hosts"),
                "the placement policy",
                f"hosts.{name}",
                "add its site and kind",
            )
        elif placed.get("kind") is not None and placed["kind"] != host.get("kind"):
            findings.append(Finding(placement.file, placement.line("hosts", name, "kind"), f"{name}: kind mismatch",
                                    f"kind: {host.get('kind')} ({policy})", f"kind: {placed['kind']}",
                                    "make the two kinds agree"))  # fmt: skip
    if flags.get("compose_target") is True:
        compose = spine.doc(COMPOSE_TARGETS)
        if name not in (compose.data.get("targets") or {}):
            missing(compose.file, compose.line("targets"), "the compose targets", f"targets.{name}", "add the target")
    if flags.get("device_identity") is True:
        text = spine.repo.tree.text(DEVICE_IDENTITY)
        if text is None:
            findings += require_file(spine.repo, DEVICE_IDENTITY, "the device identity SSOT")
        elif f"`{name}`" not in text:
            missing(spine.repo.display(DEVICE_IDENTITY), None, "the device identity SSOT", f"`{name}`, backticked",
                    f"name the device `{name}` there")  # fmt: skip
    return findings
