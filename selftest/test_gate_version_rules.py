"""Each encoded gate version judges as its spine script does: a change that one version forbids and the next
allows (or the reverse) fails under the one and passes under the other, read from gate_versions.yaml's own
settings. The checks run on the aligned estate with one edit, as the version named by its first commit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from selftest.gate_mutations import append, replace, write
from selftest.suite import copy_estate
from ssot_audit import gate_versions
from ssot_audit.checks.gates import governance, layout, secrets, surfaces
from ssot_audit.repo import Repo
from ssot_audit.spine import Spine

SPINE = "agentic-spine"
CAPS = f"{SPINE}/ops/capabilities.yaml"
CLOUDFLARE = f"{SPINE}/ops/plugins/cloudflare/bin/cloudflare-status"
SECRETS_BIN = f"{SPINE}/ops/plugins/secrets/bin"


@dataclass(frozen=True)
class Case:
    gate: str
    edit: Callable[[Path], None]
    check: Callable[[Spine], list]
    fails_under: str  # the version (its first commit) that forbids the edit
    passes_under: str  # the one that allows it


def _describe(old: str, new: str) -> Callable[[Path], None]:
    """One capability's description reworded."""
    return lambda estate: replace(estate, CAPS, f'description: "{old}"', f'description: "{new}"')


_LOOPS, _CLOUDFLARE, _ACTIONS = (
    "Open loop counts from the reduced ledger", "Zones and DNS record counts (no values)", "Latest workflow run conclusions",
)  # fmt: skip


def _secrets_file(text: str) -> Callable[[Path], None]:
    return write(f"{SECRETS_BIN}/secrets-zone-status", f"#!/usr/bin/env bash\n{text}\n", mode=0o755)


def _d20(spine: Spine, name: str = "secrets-zone-status") -> list:
    """D20's findings in one file of the secrets surface (none when the version leaves it out)."""
    rels = [rel for rel in secrets.secrets_surface(spine) if rel.endswith(f"/{name}")]
    return [f for rel in rels for f in secrets.check_secrets_file(spine, rel)]


def _d26(spine: Spine) -> list:
    return governance.check_forbidden_term(spine, "00_CLAUDE.md", [])


def _legacy_doc(rel: str) -> Callable[[Path], None]:
    return write(f"{SPINE}/{rel}", "# Old start\n\nRead 00_CLAUDE.md first.\n")


CASES = {
    "D17-infra-at-root": Case("D17", write(f"{SPINE}/infra/README.md", "# infra\n"),
                              lambda s: layout.check_root_dir(s, "infra", "D17"), "38069179", "bfff5fb3"),
    "D16-planning-quarantined": Case(
        "D16", write(f"{SPINE}/docs/planning/NOTES.md", "The watcher ran as a launchd job.\n"),
        lambda s: [f for rel in governance.open_docs(s) for f in governance.check_open_doc(s, rel)],
        "38069179", "ba050c62"),
    "D14-agent-path": Case("D14", append(CLOUDFLARE, 'INBOX="$SPINE_ROOT/mailroom/agent/inbox"\n'),
                           lambda s: surfaces.check_no_smells(s, "ops/plugins/cloudflare/bin/cloudflare-status", "D14"),
                           "38069179", "0d0beebb"),
    "D14-other-capability": Case("D14", _describe(_LOOPS, "Open loop counts from mailroom/state/open_loops.jsonl"),
                                 lambda s: surfaces.check_no_smells(s, surfaces.CAPABILITIES_FILE, "D14"),
                                 "0d0beebb", "d23d6cee"),
    "D15-other-capability": Case("D15", _describe(_CLOUDFLARE, "Zones and DNS records (see receipts/ for runs)"),
                                 lambda s: surfaces.check_no_smells(s, surfaces.CAPABILITIES_FILE, "D15"),
                                 "0d0beebb", "d23d6cee"),
    "D20-cohort-tool-excluded": Case("D20", append(f"{SECRETS_BIN}/secrets-cohort-copy-first", 'echo "$ACCESS_TOKEN"\n'),
                                     lambda s: _d20(s, "secrets-cohort-copy-first"), "4cb13368", "5b274288"),
    "D20-cleanup-tool-excluded": Case("D20", append(f"{SECRETS_BIN}/secrets-p1-root-cleanup", 'echo "$ACCESS_TOKEN"\n'),
                                      lambda s: _d20(s, "secrets-p1-root-cleanup"), "6b647959", "4cb13368"),
    "D20-vv-is-no-word": Case("D20", _secrets_file('curl -vvs "$URL" >/dev/null'), _d20, "5b274288", "05cc70da"),
}  # fmt: skip
# The reverse: what a newer version forbids and an older one allowed; and what a version narrowing its scan
# still forbids (the same version twice).
STRICTER = {
    "D14-own-capability": Case("D14", _describe(_CLOUDFLARE, "Zones and DNS records (see receipts/ for runs)"),
                               lambda s: surfaces.check_no_smells(s, surfaces.CAPABILITIES_FILE, "D14"),
                               "d23d6cee", "d23d6cee"),
    "D15-own-capability": Case("D15", _describe(_ACTIONS, "Latest workflow run conclusions (cron'd hourly)"),
                               lambda s: surfaces.check_no_smells(s, surfaces.CAPABILITIES_FILE, "D15"),
                               "d23d6cee", "d23d6cee"),
    "D20-printf-braced": Case("D20", _secrets_file('printf "%s\\n" "${INFISICAL_TOKEN}"'), _d20, "05cc70da",
                              "5b274288"),
    "D20-curl-trace": Case("D20", _secrets_file('curl --trace-ascii - "$URL"'), _d20, "05cc70da", "5b274288"),
    "D20-api-key": Case("D20", _secrets_file('echo "key: $api_key"'), _d20, "05cc70da", "5b274288"),
}  # fmt: skip
D26 = {
    "D26-archive": Case("D26", _legacy_doc("ops/plugins/archive/OLD.md"), _d26, "38069179", "e88a13b8"),
    "D26-docs-outside-core": Case("D26", _legacy_doc("docs/planning/START.md"), _d26, "e88a13b8", "4652ef97"),
    "D26-governance-audits": Case("D26", _legacy_doc("docs/governance/_audits/2026-02.md"), _d26, "e88a13b8",
                                  "4652ef97"),
    "D26-archive-immutable": Case("D26", _legacy_doc("bin/.archive-immutable/OLD.md"), _d26, "4652ef97", "dff4f6fb"),
    "D26-governance-still-read": Case("D26", _legacy_doc("docs/governance/START.md"), _d26, "dff4f6fb", "dff4f6fb"),
}  # fmt: skip


def as_version(monkeypatch, gate: str, since: str) -> None:
    """Every check reads `gate` as the encoded version first seen at `since` (the real table's settings)."""
    table = gate_versions.versions()[gate]
    index = next(i for i, v in enumerate(table) if v["since"].split()[0] == since)
    known = gate_versions.resolve(gate, None, {gate: table[: index + 1]})
    real = gate_versions.knowledge
    monkeypatch.setattr(gate_versions, "knowledge", lambda repo, g: known if g == gate else real(repo, g))


ALL = {**CASES, **STRICTER, **D26}


@pytest.mark.parametrize("name", ALL)
def test_each_version_judges_the_edit_as_its_script_does(name, tmp_path, monkeypatch):
    case = ALL[name]
    estate = copy_estate(tmp_path)
    case.edit(estate)
    as_version(monkeypatch, case.gate, case.fails_under)
    assert case.check(Spine(Repo(SPINE, estate / SPINE))), f"{case.gate} as of {case.fails_under} lets it pass"
    if case.passes_under != case.fails_under:
        as_version(monkeypatch, case.gate, case.passes_under)
        assert not case.check(Spine(Repo(SPINE, estate / SPINE))), f"{case.gate} as of {case.passes_under} fails"


def test_every_version_sets_what_the_first_one_does():
    """Settings are inherited: a version may change a setting, never add one its predecessors leave unset."""
    for gate, versions in gate_versions.versions().items():
        first = set(versions[0].get("settings") or {})
        for version in versions[1:]:
            assert set(version.get("settings") or {}) <= first, (gate, version["since"])
