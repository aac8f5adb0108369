"""D37: the relocation manifest against the placement policy, re-implemented from
`infra-placement-policy-check --check all` (the suite never runs the checker itself).

Every VM target must sit on a hypervisor of its own site, inside that site's
VMID range and as its vm_target_requirements say; every service must target its
primary site, roll back only to a DR site, and (once it is no longer planned) be
where the service registry says.
"""

from __future__ import annotations

from ...findings import Finding
from ...spine import PLACEMENT, RELOCATION, SERVICE_REGISTRY, Spine
from .scan import require_file

CHECKER = "ops/plugins/infra/bin/infra-placement-policy-check"


def check_checker(spine: Spine) -> list[Finding]:
    """The checker the capability runs is there (as the original requires), though it is not run here."""
    return require_file(spine.repo, CHECKER, "the infra placement capability runs it", executable=True)


def vm_targets(spine: Spine) -> list[str]:
    return list(dict.fromkeys(str(t["hostname"]) for t in spine.doc(RELOCATION).data["vm_targets"]))


def relocation_services(spine: Spine) -> list[str]:
    return list(dict.fromkeys(str(s["service"]) for s in spine.doc(RELOCATION).data["services"]))


class _Policy:
    def __init__(self, spine: Spine):
        self.doc = spine.doc(PLACEMENT)
        self.data = self.doc.data

    def guard(self, name: str) -> bool:
        return (self.data.get("guards") or {}).get(name) is True

    def site(self, host) -> str | None:
        return ((self.data.get("hosts") or {}).get(host) or {}).get("site") if host else None

    def kind(self, host) -> str | None:
        return ((self.data.get("hosts") or {}).get(host) or {}).get("kind")


def _finding(spine: Spine, path: tuple, summary: str, expected: str, found: str, fix: str) -> Finding:
    doc = spine.doc(RELOCATION)
    return Finding(doc.file, doc.line(*path), summary, expected, found, fix)


def check_vm_target(spine: Spine, hostname: str) -> list[Finding]:
    manifest = spine.doc(RELOCATION)
    index, target = next((i, t) for i, t in enumerate(manifest.data["vm_targets"]) if str(t["hostname"]) == hostname)
    policy = _Policy(spine)
    at = ("vm_targets", index)
    proxmox, vmid = target.get("proxmox_host") or "", str(target.get("vm_id"))
    where = f"{policy.doc.file}"

    def fail(summary: str, expected: str, found: str, fix: str) -> Finding:
        return _finding(spine, at, f"{hostname}: {summary}", f"{expected} ({where})", found, fix)

    target_site, proxmox_site = policy.site(hostname), policy.site(proxmox)
    if not target_site:
        return [
            fail(
                "no site in the placement policy",
                f"hosts.{hostname}.site",
                "none",
                f"add hosts.{hostname} with its site",
            )
        ]
    if not proxmox_site:
        return [fail(f"hypervisor {proxmox or '(none)'} has no site", f"hosts.{proxmox}.site", "none",
                     "name a hypervisor the policy knows in proxmox_host")]  # fmt: skip
    findings = []
    if policy.kind(proxmox) != "proxmox":
        findings.append(fail(f"{proxmox} is not a hypervisor", "kind: proxmox", f"kind: {policy.kind(proxmox)}",
                             "place the VM on a proxmox host"))  # fmt: skip
    site_spec = (policy.data.get("sites") or {}).get(proxmox_site) or {}
    if proxmox not in (site_spec.get("proxmox_hosts") or []):
        findings.append(fail(f"{proxmox} is not listed under its site {proxmox_site}",
                             f"sites.{proxmox_site}.proxmox_hosts containing {proxmox}",
                             f"proxmox_hosts: {site_spec.get('proxmox_hosts')}", f"list {proxmox} under sites.{proxmox_site}"))  # fmt: skip
    if policy.guard("enforce_vm_site_matches_hypervisor_site") and target_site != proxmox_site:
        findings.append(fail("VM and hypervisor sites differ", f"site {proxmox_site} (the hypervisor's)",
                             f"site {target_site}", "place the VM on a hypervisor of its own site"))  # fmt: skip
    requirement = (policy.data.get("vm_target_requirements") or {}).get(hostname)
    if policy.guard("require_explicit_vm_target_requirements") and not isinstance(requirement, dict):
        findings.append(fail("no vm_target_requirements entry", f"vm_target_requirements.{hostname}", "none",
                             f"add vm_target_requirements.{hostname} (required_site, required_proxmox_host)"))  # fmt: skip
    if isinstance(requirement, dict):
        if requirement.get("required_site") and requirement["required_site"] != target_site:
            findings.append(fail("site differs from its requirement", f"required_site {requirement['required_site']}",
                                 f"site {target_site}", "move the VM or correct the requirement"))  # fmt: skip
        if requirement.get("required_proxmox_host") and requirement["required_proxmox_host"] != proxmox:
            findings.append(fail("hypervisor differs from its requirement",
                                 f"required_proxmox_host {requirement['required_proxmox_host']}",
                                 f"proxmox_host {proxmox}", "set proxmox_host to the required hypervisor"))  # fmt: skip
    if policy.guard("enforce_vmid_ranges"):
        low, high = site_spec.get("vmid_min"), site_spec.get("vmid_max")
        if not (isinstance(low, int) and isinstance(high, int) and vmid.isdigit() and low <= int(vmid) <= high):
            findings.append(fail(f"VMID {vmid} outside site {proxmox_site}'s range", f"VMID {low}-{high}",
                                 f"VMID {vmid}", "pick a VMID in the hypervisor site's range"))  # fmt: skip
    return findings


def check_service(spine: Spine, service: str) -> list[Finding]:
    manifest = spine.doc(RELOCATION)
    index, spec = next((i, s) for i, s in enumerate(manifest.data["services"]) if str(s["service"]) == service)
    policy = _Policy(spine)
    at = ("services", index)
    status, to_host, rollback = (
        spec.get("status") or "planned",
        spec.get("to_host") or "",
        spec.get("rollback_to") or "",
    )

    def fail(summary: str, expected: str, found: str, fix: str) -> Finding:
        return _finding(spine, at, f"{service}: {summary}", f"{expected} ({policy.doc.file})", found, fix)

    placement = (policy.data.get("service_placement") or {}).get(service)
    if policy.guard("require_service_policy_for_manifest_services") and not isinstance(placement, dict):
        return [fail("no placement policy", f"service_placement.{service}", "none",
                     f"add service_placement.{service} (primary_site, dr_sites)")]  # fmt: skip
    to_site = policy.site(to_host)
    if not to_site:
        return [fail(f"to_host {to_host or '(none)'} has no site", f"hosts.{to_host}.site", "none",
                     "target a host the placement policy knows")]  # fmt: skip
    findings = []
    if isinstance(placement, dict):
        primary = placement.get("primary_site")
        if policy.guard("enforce_service_primary_site") and primary != to_site:
            findings.append(fail(f"targets site {to_site}, not its primary site", f"primary_site {primary}",
                                 f"to_host {to_host} (site {to_site})", "move the service to its primary site"))  # fmt: skip
        if rollback:
            rollback_site = policy.site(rollback)
            if not rollback_site:
                findings.append(fail(f"rollback host {rollback} has no site", f"hosts.{rollback}.site", "none",
                                     "roll back to a host the placement policy knows"))  # fmt: skip
            elif rollback_site not in (placement.get("dr_sites") or []):
                findings.append(fail(f"rolls back to site {rollback_site}, not a DR site",
                                     f"one of dr_sites {placement.get('dr_sites')}", f"rollback_to {rollback} (site {rollback_site})",
                                     "roll back to a DR site or extend dr_sites"))  # fmt: skip
        elif status == "rolled-back":
            findings.append(fail("rolled back without a rollback host", "rollback_to set", "none", "set rollback_to"))
    if status != "planned":
        expected = rollback if status == "rolled-back" and rollback else to_host
        registry = spine.doc(SERVICE_REGISTRY)
        host = spine.service_host(service)
        if host != expected:
            findings.append(Finding(registry.file, registry.line("services", service, "host") or registry.line("services"),
                                    f"{service}: registry host {host or '(none)'} is not where the manifest placed it",
                                    f"host: {expected} (status {status}, {manifest.file}:{manifest.line(*at)})",
                                    f"host: {host}" if host else "no registry entry", f"set services.{service}.host to {expected}"))  # fmt: skip
    return findings
