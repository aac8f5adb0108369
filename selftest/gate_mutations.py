"""Named mutations for the drift gates: each breaks what one gate guards, in a copy of the aligned estate
or in a temporary home built to satisfy the workstation gates.

As in mutations.py, every edit asserts that the text it replaces is there. Some gates overlap by design
(D1 and D17 apply the same allowlist to the root; D2, D10 and D16 forbid directories D1 does not allow),
so a few mutations name more than one gate.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fixtures.workstation import stub
from selftest.mutations import SPINE, remove, replace, replace_re

WB = "workbench"
CAPS = f"{SPINE}/ops/capabilities.yaml"
PLUGINS = f"{SPINE}/ops/plugins"
BINDINGS = f"{SPINE}/ops/bindings"
RUNTIME = f"{SPINE}/ops/runtime/inbox"
SESSIONS = f"{SPINE}/receipts/sessions"
EXCEPTIONS = f"{BINDINGS}/legacy.entrypoint.exceptions.yaml"


@dataclass(frozen=True)
class GateMutation:
    name: str
    expected: frozenset[str]  # the gate IDs that must fail, and only these (empty: nothing may fail)
    apply: Callable[[Path], None]


def _g(name: str, expected: str, apply: Callable[[Path], None]) -> GateMutation:
    return GateMutation(name, frozenset(expected.split()), apply)


def write(rel: str, text: str, *, mode: int | None = None):
    def mutate(root: Path) -> None:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if mode is not None:
            path.chmod(mode)

    return mutate


def append(rel: str, text: str):
    def mutate(root: Path) -> None:
        path = root / rel
        assert path.is_file(), f"mutation expects {rel}"
        path.write_text(path.read_text() + text)

    return mutate


def chmod_off(rel: str):
    def mutate(root: Path) -> None:
        path = root / rel
        assert path.stat().st_mode & 0o111, f"mutation expects {rel} to be executable"
        path.chmod(0o644)

    return mutate


def both(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        for step in steps:
            step(root)

    return mutate


def _session(name: str, receipt: str | None) -> Callable[[Path], None]:
    """A newer session directory (agent work, not a capability run: F1 does not read it)."""
    steps = [write(f"{SESSIONS}/{name}/output.txt", "ok\n")]
    if receipt is not None:
        steps.append(write(f"{SESSIONS}/{name}/receipt.md", receipt))
    return both(*steps)


_RECEIPT_NO_MODEL = (
    "# Receipt: S-20260208-020000-docs-review\n\n| Field | Value |\n|-------|-------|\n"
    "| Run ID | S-20260208-020000-docs-review |\n| Generated | 2026-02-08T02:00:00Z |\n| Status | done |\n"
    "| Inputs | mailroom/inbox/queued/docs-review.md |\n| Outputs | output.txt |\n"
)
_CLOSE_UNKNOWN = {"id": "OL_20260207_000000_typo", "action": "close", "closed_at": "2026-02-08T05:00:00Z"}

ESTATE_MUTATIONS = [
    # tree layout
    _g("extra-top-level-dir", "D1 D17", write(f"{SPINE}/tmp/notes.txt", "scratch\n")),
    _g("runs-trace", "D1 D2 D17", write(f"{SPINE}/runs/2026-02-08.log.md", "run\n")),
    _g("script-out-of-bounds", "D7", write(f"{SPINE}/setup.sh", "#!/usr/bin/env bash\necho setup\n", mode=0o755)),
    _g("backup-clutter-in-bin", "D8", write(f"{SPINE}/bin/ops.bak", "#!/usr/bin/env bash\n")),
    _g("top-level-logs", "D1 D10 D17", write(f"{SPINE}/logs/watcher.txt", "started\n")),
    _g("core-lock-missing", "D12", remove(f"{SPINE}/docs/core/CORE_LOCK.md")),
    _g("drift-magnet-agents", "D1 D17", write(f"{SPINE}/agents/README.md", "old agents\n")),
    _g("imports-at-root", "D1 D16 D17", write(f"{SPINE}/_imports/ronny/README.md", "imported\n")),
    # receipts and the loop ledger
    _g("session-without-receipt", "D6", _session("S-20260208-020000-docs-review", None)),
    _g("receipt-without-model-stamp", "D9", _session("S-20260208-020000-docs-review", _RECEIPT_NO_MODEL)),
    _g("reducer-not-executable", "D34", chmod_off(f"{PLUGINS}/loops/bin/loops-ledger-reduce")),
    _g("summary-counts-raw-rows", "D34",
       lambda e: replace(e, f"{SPINE}/ops/commands/loops.sh", '    "$REDUCER" --summary\n',
                         '    grep -c \'"status": "open"\' "$SPINE_REPO/mailroom/state/open_loops.jsonl"\n')),
    _g("close-row-for-unknown-loop", "D34",
       append(f"{SPINE}/mailroom/state/open_loops.jsonl", json.dumps(_CLOSE_UNKNOWN) + "\n")),
    # plugin surfaces
    _g("home-agent-coupling", "D5",
       lambda e: replace(e, f"{RUNTIME}/hot-folder-watcher.sh", 'INBOX="$SPINE_ROOT/mailroom/inbox"',
                         'INBOX="$HOME/agent/inbox"')),
    _g("cloudflare-status-purges-cache", "D14",
       append(f"{PLUGINS}/cloudflare/bin/cloudflare-status",
              'curl -fsS -X POST -H "Authorization: Bearer ${CLOUDFLARE_API_TOKEN}" "https://api.cloudflare.com/client/v4/zones/x/purge_cache"\n')),
    _g("cloudflare-status-missing", "D14", remove(f"{PLUGINS}/cloudflare/bin/cloudflare-status")),
    _g("actions-status-requests-url", "D15",
       lambda e: replace(e, f"{PLUGINS}/github/bin/github-actions-status", "status,conclusion,createdAt",
                         "status,conclusion,createdAt,url")),
    _g("open-doc-names-launchd", "D16",
       append(f"{SPINE}/docs/README.md", "The inbox watcher runs as a launchd job on the workstation.\n")),
    _g("compose-status-restarts", "D18",
       append(f"{PLUGINS}/docker/bin/docker-compose-status", 'ssh "$ssh_target" "cd $dir && docker compose restart"\n')),
    _g("backup-status-deletes", "D19",
       append(f"{PLUGINS}/backup/bin/backup-status", "ssh \"$host\" \"rm -f '$base'/*.partial\"\n")),
    _g("secrets-binding-prints-token", "D20",
       append(f"{PLUGINS}/secrets/bin/secrets-binding", 'echo "token:       $INFISICAL_TOKEN"\n')),
    _g("ssh-status-verbose", "D22",
       append(f"{PLUGINS}/ssh/bin/ssh-target-status", 'ssh -v "root@100.96.211.33" true\n')),
    _g("health-status-verbose-curl", "D23",
       append(f"{PLUGINS}/services/bin/services-health-status", 'curl -v --max-time 10 "http://100.92.91.128:8088/api/status"\n')),
    _g("labels-status-creates-labels", "D24",
       append(f"{PLUGINS}/github/bin/github-labels-status", 'for name in $missing; do gh label create "$name"; done\n')),
    _g("labels-file-missing", "D24", remove(f"{SPINE}/.github/labels.yml")),
    _g("maker-script-writes-tmp", "D40",
       lambda e: replace(e, f"{PLUGINS}/maker/bin/maker-qr-generate", 'qrencode -o "$OUT_DIR/$NAME.png"',
                         'qrencode -o "/tmp/$NAME.png"')),
    _g("uppercase-code-path", "D42",
       append(f"{SPINE}/ops/lib/governance.sh", 'WORKBENCH_ROOT="$HOME/Code/workbench"\n')),
    _g("capability-cwd-uppercase-code", "D42",
       lambda e: replace(e, CAPS, 'command: "./ops/plugins/loops/bin/loops-ledger-reduce --summary"\n    cwd: "$SPINE_REPO"',
                         'command: "./ops/plugins/loops/bin/loops-ledger-reduce --summary"\n    cwd: "$HOME/Code/agentic-spine"')),
    _g("brain-dir-in-runtime", "D47",
       lambda e: replace(e, f"{RUNTIME}/launch-agent.sh", 'CONTEXT="$SPINE_ROOT/docs/brain/README.md"',
                         'CONTEXT="$SPINE_ROOT/.brain/context.md"')),
    # secrets
    _g("api-capability-without-secrets", "D13",
       lambda e: replace(e, CAPS, "    touches_api: true\n    requires: [secrets.binding, secrets.auth.status]\n  github.actions",
                         "    touches_api: true\n  github.actions")),
    _g("namespace-plugin-not-executable", "D43", chmod_off(f"{PLUGINS}/secrets/bin/secrets-namespace-status")),
    _g("namespace-cohort-dropped", "D43",
       lambda e: replace_re(e, CAPS, r"^  secrets\.p4\.copy_first\.execute: .*\n", "")),
    _g("policy-freeze-list-empty", "D43",
       lambda e: replace_re(e, f"{BINDINGS}/secrets.namespace.policy.yaml", r"  allowed_root_keys:\n(    - .*\n)+",
                            "  allowed_root_keys: []\n")),
    # bindings
    _g("preflight-library-missing", "D3", remove(f"{SPINE}/ops/lib/registry.sh")),
    _g("preflight-manifest-empty", "D3",
       lambda e: replace_re(e, f"{SPINE}/docs/governance/SSOT_REGISTRY.yaml", r"(?s)^ssots:\n.*", "ssots: []\n")),
    _g("preflight-minio-has-no-port", "D3",
       lambda e: replace(e, f"{SPINE}/docs/governance/SERVICE_REGISTRY.yaml", "    port: 9000\n", "")),
    _g("queue-item-extra-key", "D28",
       append(f"{BINDINGS}/extraction.queue.yaml", "    notes: copied by hand\n")),
    _g("legacy-path-in-ops", "D28",
       append(f"{SPINE}/ops/lib/registry.sh", "LEGACY_REGISTRY=/Users/ronnyworks/ronny-ops/infrastructure/SERVICE_REGISTRY.yaml\n")),
    _g("extraction-resumed", "D33",
       lambda e: replace(e, f"{BINDINGS}/extraction.mode.yaml", 'mode: "paused"', 'mode: "active"')),
    _g("required-update-missing", "D35",
       lambda e: replace(e, f"{BINDINGS}/infra.relocation.plan.yaml", '  - "ops/bindings/backup.inventory.yaml"\n',
                         '  - "ops/bindings/backup.inventory.yaml"\n  - "docs/governance/CUTOVER_NOTES.md"\n')),
    _g("exception-expired", "D36",
       lambda e: replace(e, EXCEPTIONS, '"2026-02-12T23:59:59Z"', '"2026-02-01T00:00:00Z"')),
    _g("vm-target-on-home-hypervisor", "D37",
       lambda e: replace_re(e, f"{BINDINGS}/infra.relocation.plan.yaml",
                            r'(hostname: "observability"\n(?:.*\n){2}    proxmox_host: )"pve"', r'\1"proxmox-home"')),
    _g("placement-checker-missing", "D37", remove(f"{PLUGINS}/infra/bin/infra-placement-policy-check")),
    _g("service-docs-folder", "D38", write(f"{SPINE}/docs/Pihole/README.md", "# Pi-hole\n\nBlocklists and local DNS.\n")),
    _g("pillar-incomplete", "D38", remove(f"{SPINE}/docs/pillars/finance/ARCHITECTURE.md")),
    _g("stack-without-binding", "D38", remove(f"{BINDINGS}/mint-os.binding.yaml")),
    _g("tool-source-binding-missing", "D44",
       lambda e: replace(e, f"{BINDINGS}/cli.tools.inventory.yaml", '    probe: "command -v qrencode"\n    source_binding: "ops/bindings/maker.tools.inventory.yaml"',
                         '    probe: "command -v qrencode"\n    source_binding: "ops/bindings/maker.tools.yaml"')),
    _g("naming-host-not-a-compose-target", "D45",
       lambda e: replace_re(e, f"{BINDINGS}/naming.policy.yaml",
                            r"(canonical_name: vault\n(?:.*\n){2}    surfaces: \{ssh_target: true, placement: true, compose_target: )false",
                            r"\1true")),
    # governance docs and the other repos
    _g("no-fact-doc-names-port", "D27",
       append(f"{SPINE}/docs/governance/SESSION_PROTOCOL.md", "\nThe Mint OS API answers on port 3335.\n")),
    _g("canonical-cli-not-executable", "D25", chmod_off(f"{SPINE}/ops/tools/cloudflare-agent.sh")),
    _g("workbench-entry-lost-redirect", "D26",
       lambda e: replace(e, f"{WB}/AGENT_ENTRY.md", "/Users/ronnyworks/code/agentic-spine/docs/governance/SESSION_PROTOCOL.md",
                         "the spine docs")),
    _g("legacy-start-file-in-workbench", "D26",
       write(f"{WB}/docs/OLD_START.md", "# Start here\n\nRead 00_CLAUDE.md first.\n")),
    _g("fact-lock-binding-missing", "D27", remove(f"{BINDINGS}/agent.fact.lock.yaml")),
    _g("startup-file-not-indexed", "D26",
       lambda e: replace(e, f"{SPINE}/docs/governance/GOVERNANCE_INDEX.md", "| `docs/brain/README.md` | what agents remember |\n", "")),
]  # fmt: skip

# The original's comment filters never matched, so each of these lines failed its gate there; here nothing may fail.
COMMENT_MUTATIONS = [
    _g("commented-home-agent", "", append(f"{RUNTIME}/hot-folder-watcher.sh", "# the old inbox was ~/agent/inbox\n")),
    _g("commented-verbose-ssh", "", append(f"{PLUGINS}/ssh/bin/ssh-target-status", '# debug: ssh -v "$user@$host" true\n')),
    _g("commented-verbose-curl", "",
       append(f"{PLUGINS}/services/bin/services-health-status", "  # curl -v shows the headers when debugging\n")),
    _g("commented-label-create", "", append(f"{PLUGINS}/github/bin/github-labels-status", "# never: gh label create\n")),
    _g("trailing-comment-code-path", "", append(f"{SPINE}/ops/lib/governance.sh", "true  # was $HOME/Code/agentic-spine\n")),
    _g("commented-brain-dir", "", append(f"{RUNTIME}/launch-agent.sh", "# note: old path was .brain/context.md\n")),
    _g("commented-raw-count", "", append(f"{SPINE}/ops/commands/loops.sh", "# retired: grep -c status open\n")),
]  # fmt: skip


# --- the workstation --------------------------------------------------------------------
@dataclass(frozen=True)
class HomeMutation:
    name: str
    expected: frozenset[str]
    apply: Callable[[Path, Path], None]  # (home, PATH dir)


def _h(name: str, expected: str, apply: Callable[[Path, Path], None]) -> HomeMutation:
    return HomeMutation(name, frozenset(expected.split()), apply)


def _agent_dir(home: Path, _: Path) -> None:
    os.unlink(home / "agent")
    (home / "agent" / "inbox").mkdir(parents=True)


def _codex_copy(home: Path, _: Path) -> None:
    target = home / ".codex" / "AGENTS.md"
    text = target.read_text()
    target.unlink()
    target.write_text(text)


HOME_MUTATIONS = [
    _h("home-agent-is-a-directory", "D11", _agent_dir),
    _h("crontab-runs-legacy-script", "D29",
       lambda home, bindir: stub(bindir, "crontab", "0 3 * * * /Users/ronnyworks/ronny-ops/scripts/backup.sh\n")),
    _h("zshrc-plaintext-key", "D30",
       lambda home, _: append(".zshrc", "export OPENAI_API_KEY=sk-live-0123456789abcdef\n")(home)),
    # D41 forbids the same leftover by pattern: both gates report it.
    _h("pre-spine-config-left", "D30 D41", lambda home, _: write(".config/ronny-ops/env.sh", "export X=1\n")(home)),
    _h("log-in-home-root", "D31", lambda home, _: write("debug.log", "trace\n")(home)),
    _h("codex-agents-is-a-copy", "D32", _codex_copy),
    _h("unmanaged-hidden-dir", "D41", lambda home, _: write(".oldtool/config", "x\n")(home)),
    _h("forbidden-hidden-backup", "D41", lambda home, _: write(".hammerspoon.backup-20260101/init.lua", "--\n")(home)),
    _h("gh-not-installed", "D44", lambda _, bindir: (bindir / "gh").unlink()),
    _h("claude-restates-governance", "D46",
       lambda home, _: append(".claude/CLAUDE.md", "\n## Authority Order\n\n1. This file.\n")(home)),
    _h("claude-uppercase-code-path", "D46",
       lambda home, _: append(".claude/CLAUDE.md", "Scripts: /Users/ronnyworks/Code/agentic-spine/bin\n")(home)),
]  # fmt: skip
