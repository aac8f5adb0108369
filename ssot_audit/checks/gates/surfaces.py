"""Plugin hygiene: each capability surface stays read-only, spine-native and quiet about secrets.

D14 cloudflare, D15 github actions, D18 docker compose, D19 backup, D22 ssh
(nodes), D23 services (health), D24 github labels, D40 maker tools. Patterns
and case sensitivity are the originals' (rg's smart case: a pattern with an
uppercase letter is case-sensitive). Where the original filters comments (D22,
D23, D24) the filter works here; the others scan every line, as they did.
"""

from __future__ import annotations

import json
import re
from fnmatch import fnmatchcase
from functools import lru_cache

from ...findings import Finding
from ...gate_versions import settings
from ...repo import SourceError
from ...spine import BACKUP, Spine
from .scan import Rule, missing_binding, require_file, rule, scan
from .sources import CAPABILITIES, MAKER_TOOLS

CAPABILITIES_FILE = "ops/capabilities.yaml"
CLOUDFLARE_STATUS = "ops/plugins/cloudflare/bin/cloudflare-status"
ACTIONS_STATUS = "ops/plugins/github/bin/github-actions-status"
LABELS_STATUS = "ops/plugins/github/bin/github-labels-status"
LABELS_FILE = ".github/labels.yml"
COMPOSE_STATUS = "ops/plugins/docker/bin/docker-compose-status"
BACKUP_STATUS = "ops/plugins/backup/bin/backup-status"
MAKER_BIN = "ops/plugins/maker/bin"
MAKER_SCRIPTS = ("maker-tools-status", "maker-qr-generate", "maker-label-print")

_READ_ONLY = "keep the status surface read-only; mutations belong to a separate, approval-gated capability"
_NO_SECRETS = "print only whether a secret is present, never its value; drop set -x"


# D14, D15: the legacy/runtime denylist over a plugin directory and the capability registry. The gate's version
# says which denylist (settings `deny`) and whether the whole registry is scanned or only the plugin's own
# capabilities (`capability_keys`, a regex on their names: from d23d6cee, as yq renders them in JSON).
@lru_cache(maxsize=8)  # one Rule per denylist: scans key their cached hits by rule
def _deny(pattern: str) -> Rule:
    return rule(
        "legacy-or-runtime-smell", pattern, "legacy or runtime path in a plugin surface",
        "reference spine-native paths only (no ronny-ops, launchd, cron, ~/agent, state/, receipts/ or logs/)",
    )  # fmt: skip


def plugin_surface(spine: Spine, plugin: str) -> list[str]:
    """Every file of a plugin directory, plus the capability registry (D14, D15)."""
    return [*spine.repo.tree.files_under(f"ops/plugins/{plugin}"), CAPABILITIES_FILE]


def check_no_smells(spine: Spine, rel: str, gate: str) -> list[Finding]:
    config = settings(spine.repo, gate)
    deny = _deny(config["deny"])
    if rel == CAPABILITIES_FILE and config["capability_keys"]:
        return _capability_smells(spine, deny, re.compile(config["capability_keys"]))
    return scan(spine.repo, [rel], [deny], code_only=False)


def _capability_smells(spine: Spine, deny: Rule, keys: re.Pattern[str]) -> list[Finding]:
    """The denylist over the JSON of the capabilities whose names match (an unreadable registry is its own
    test's failure: the gate's `yq ... || true` reads it as no capabilities)."""
    loaded = spine.repo.try_load(CAPABILITIES)
    if isinstance(loaded, SourceError) or not isinstance(loaded.data, dict):
        return []
    findings = []
    for name, spec in (loaded.data.get("capabilities") or {}).items():
        if not keys.search(str(name)):
            continue
        rendered = json.dumps({str(name): spec}, indent=2, ensure_ascii=False, default=str)
        findings += [
            Finding(loaded.file, loaded.line("capabilities", name), f"{deny.says} ({deny.name})",
                    expected=f"no line of capability {name} (as JSON) matching /{deny.pattern.pattern}/",
                    found=line.strip()[:200], fix=deny.fix)
            for line in rendered.splitlines() if deny.pattern.search(line)
        ]  # fmt: skip
    return findings


# D14 ------------------------------------------------------------------------------
CLOUDFLARE_VERBS = ("POST", "PUT", "PATCH", "DELETE")
_CF_LEAKS = [
    rule("echo-cloudflare-var", r"^\s*echo\s+.*\$CLOUDFLARE", "a Cloudflare variable is echoed", _NO_SECRETS,
         allowed=r"not present|missing|STOP|>&2"),
    rule("echo-cloudflare-braced", r"^\s*echo\s+.*\$\{CLOUDFLARE", "a Cloudflare variable is echoed", _NO_SECRETS),
    rule("printf-token", r"^\s*printf?\s+.*\$.*TOKEN", "a token is printed", _NO_SECRETS),
    rule("print-token", r"^\s*print\s+.*\$.*TOKEN", "a token is printed", _NO_SECRETS),
]  # fmt: skip


def check_cloudflare_status_exists(spine: Spine) -> list[Finding]:
    return require_file(spine.repo, CLOUDFLARE_STATUS, "the cloudflare.status capability runs it")


def check_cloudflare_verb(spine: Spine, verb: str) -> list[Finding]:
    """No HTTP mutation verb anywhere in cloudflare-status (`-X VERB` included)."""
    verb_rule = rule(f"http-{verb}", rf"\b{verb}\b", f"cloudflare-status uses HTTP {verb}", _READ_ONLY)
    return scan(spine.repo, _present(spine, CLOUDFLARE_STATUS), [verb_rule], code_only=False)


def check_cloudflare_token_quiet(spine: Spine) -> list[Finding]:
    return scan(spine.repo, _present(spine, CLOUDFLARE_STATUS), _CF_LEAKS, code_only=False)


# D15 ------------------------------------------------------------------------------
ACTIONS_LEAK_FIELDS = ("url", "displayTitle", "workflowName", "headBranch", "actor", "event", "databaseId", "headSha")
_GH_MUTATION = rule(
    "gh-mutation", r"(gh\s+(api|workflow)\s+.*-X\s+(POST|PUT|PATCH|DELETE)|gh\s+workflow\s+(enable|disable|run))",
    "github-actions-status mutates workflows", _READ_ONLY,
)  # fmt: skip
_GH_ECHO_LEAK = rule(
    "echo-leak-field", r"^\s*echo.*(url|displayTitle|workflowName|headBranch|actor|event)",
    "github-actions-status echoes a field that identifies people, branches or URLs",
    "print only status, conclusion and createdAt",
)  # fmt: skip
_GH_JSON = re.compile(r"gh run list.*--json\s+([a-zA-Z,]+)")


def actions_status_present(spine: Spine) -> bool:
    return spine.repo.tree.is_file(ACTIONS_STATUS)


def check_actions_read_only(spine: Spine) -> list[Finding]:
    return scan(spine.repo, [ACTIONS_STATUS], [_GH_MUTATION, _GH_ECHO_LEAK], code_only=False)


def check_actions_json_field(spine: Spine, field: str) -> list[Finding]:
    """The first `gh run list --json` field list does not request `field` (as the original reads it)."""
    for number, line in enumerate(spine.repo.tree.lines(ACTIONS_STATUS), start=1):
        match = _GH_JSON.search(line)
        if not match:
            continue
        if field not in match[1].split(","):
            return []
        return [Finding(spine.repo.display(ACTIONS_STATUS), number, f"`gh run list --json` requests `{field}`",
                        "only status, conclusion, createdAt", line.strip(), f"drop {field} from the --json field list")]  # fmt: skip
    return []


# D18 ------------------------------------------------------------------------------
_SMELLS = rule(
    "legacy-or-runtime-smell",
    r"(ronny-ops|~/agent|/agent/|LaunchAgents|launchd|\.plist\b|cron\b|state/|/state/|receipts/|/receipts/)",
    "legacy or runtime path in a status script",
    "keep the status script free of ronny-ops, launchd, cron, ~/agent, state/ and receipts/ references",
)
_HTTP_MUTATION = rule(
    "http-mutation", r"\bcurl\b.*\s-X\s*(POST|PUT|PATCH|DELETE)\b", "mutating HTTP request", _READ_ONLY
)
_DOCKER_DESTRUCTIVE = rule(
    "destructive-docker",
    r"\bdocker\s+(system\s+prune|volume\s+rm|network\s+rm|image\s+rm|container\s+rm)\b",
    "destructive docker command", _READ_ONLY, ignore_case=True,
)  # fmt: skip
COMPOSE_VERBS = ("up", "down", "restart", "rm", "stop", "start", "kill", "pull", "build", "create", "run", "exec")


def _secret_print(extra: str = "") -> Rule:
    return rule(
        "secret-print-or-trace", rf"(echo|printf).*(TOKEN|SECRET|API_KEY|PASSWORD{extra})|set\s+-x",
        "secret printing or debug tracing", _NO_SECRETS,
    )  # fmt: skip


COMPOSE_RULES = {r.name: r for r in (_SMELLS, _DOCKER_DESTRUCTIVE, _HTTP_MUTATION, _secret_print())}


def check_compose_status_exists(spine: Spine) -> list[Finding]:
    return require_file(spine.repo, COMPOSE_STATUS, "the docker.compose.status capability runs it", executable=True)


def check_compose_verb(spine: Spine, verb: str) -> list[Finding]:
    verb_rule = rule(
        f"compose-{verb}", rf"\bdocker(\s+-[^\n]+)?\s+(compose|stack)\s+{verb}\b",
        f"docker compose/stack `{verb}` mutates the stack", "allow only ps, ls, inspect, config and version",
        ignore_case=True,
    )  # fmt: skip
    return scan(spine.repo, _present(spine, COMPOSE_STATUS), [verb_rule], code_only=False)


def check_compose_rule(spine: Spine, name: str) -> list[Finding]:
    return scan(spine.repo, _present(spine, COMPOSE_STATUS), [COMPOSE_RULES[name]], code_only=False)


# D19 ------------------------------------------------------------------------------
BACKUP_COMMANDS = ("rm", "mv", "cp", "rsync", "scp", "restic", "zfs", "rclone", "dd", "mkfs", "mount", "umount",
                   "truncate")  # fmt: skip
BACKUP_RULES = {r.name: r for r in (_SMELLS, _HTTP_MUTATION, _secret_print("|INFISICAL_|CLOUDFLARE_"))}


def check_backup_surface_exists(spine: Spine) -> list[Finding]:
    return require_file(spine.repo, BACKUP_STATUS, "the backup.status capability runs it", executable=True) + (
        require_file(spine.repo, BACKUP.rel, "backup-status reads its targets from it")
    )


def check_backup_command(spine: Spine, command: str) -> list[Finding]:
    command_rule = rule(
        f"runs-{command}", rf"\b{command}\b", f"backup-status runs `{command}`",
        "backup.status is an inventory: allow only ssh, ls, stat, find, test, cat, head, tail, awk, sed, grep, yq, date",
        ignore_case=True,
    )  # fmt: skip
    return scan(spine.repo, _present(spine, BACKUP_STATUS), [command_rule], code_only=False)


def check_backup_rule(spine: Spine, name: str) -> list[Finding]:
    return scan(spine.repo, _present(spine, BACKUP_STATUS), [BACKUP_RULES[name]], code_only=False)


# D22, D23: a plugin's scripts plus its bindings, code lines only ----------------------------
NODES_RULES = [
    rule("verbose-ssh", r"\bssh\b.*\s-v\b", "verbose ssh leaks the handshake and keys", "drop -v; use -o LogLevel=ERROR",
         allowed="LogLevel"),
    rule("ssh-credential-read", r"cat\s+.*\.ssh/", "reads SSH credential files", "never read ~/.ssh; let ssh use its agent"),
    rule("env-dump", r"\b(printenv|^env\s|set\s+-x)\b", "dumps the environment or traces commands", _NO_SECRETS),
    rule("power-command", r"\b(reboot|shutdown|halt|poweroff)\b", "remote power command", _READ_ONLY),
    rule("destructive-rm", r"\brm\s+-[rf]", "destructive rm", _READ_ONLY),
    rule("proxmox-stop-destroy", r"\b(pct\s+stop|qm\s+stop|pct\s+destroy|qm\s+destroy)\b", "Proxmox guest mutation",
         _READ_ONLY),
    rule("secret-print", r"(echo|printf).*(TOKEN|SECRET|API_KEY|PASSWORD|PRIVATE_KEY)", "secret printing", _NO_SECRETS),
]  # fmt: skip
HEALTH_RULES = [
    rule("verbose-curl", r"\bcurl\b.*\s(-v|--verbose)\b", "verbose curl dumps headers", "drop -v/--verbose"),
    rule("auth-print", r"(echo|printf).*(Authorization|Bearer|X-Auth)", "prints an auth header", _NO_SECRETS),
    rule("http-mutation", r"\bcurl\b.*\s-X\s*(POST|PUT|PATCH|DELETE)\b", "mutating HTTP request", _READ_ONLY),
    rule("debug-trace", r"\bset\s+-x\b", "debug tracing prints values", "drop set -x"),
    rule("secret-print", r"(echo|printf).*(TOKEN|SECRET|API_KEY|PASSWORD)", "secret printing", _NO_SECRETS),
]  # fmt: skip


def plugin_files(spine: Spine, plugin: str, script_glob: str, binding_glob: str) -> list[str]:
    """`ops/plugins/<plugin>/bin/<script_glob>` and `ops/bindings/<binding_glob>`, as the gates' globs expand."""
    tree = spine.repo.tree
    scripts = [n.rel for n in tree.children(f"ops/plugins/{plugin}/bin") if fnmatchcase(n.name, script_glob)]
    bindings = [n.rel for n in tree.children("ops/bindings") if fnmatchcase(n.name, binding_glob)]
    return [rel for rel in scripts + bindings if tree.is_file(rel)]


def check_surface_present(spine: Spine, what: str, files: list[str], globs: str) -> list[Finding]:
    if files:
        return []
    return [Finding(spine.repo.display("ops"), None, f"no {what} surface files to check", f"files matching {globs}",
                    "none", f"restore the {what} plugin scripts and bindings")]  # fmt: skip


def check_code_rules(spine: Spine, rel: str, rules: list[Rule]) -> list[Finding]:
    return scan(spine.repo, [rel], rules, code_only=True)


# D24 ------------------------------------------------------------------------------
LABELS_RULES = {
    r.name: r
    for r in (
        rule("gh-label-mutation", r"gh\s+label\s+(create|delete|edit)", "mutates GitHub labels",
             "list labels only; .github/labels.yml is synced by its workflow"),
        rule("legacy-coupling", r"(ronny-ops|~/agent\b|/agent/|\$HOME/agent)", "legacy coupling",
             "reference spine-native paths only"),
        rule("secret-print", r"(echo|printf).*(TOKEN|SECRET|API_KEY|PASSWORD|BEARER)", "secret printing", _NO_SECRETS,
             ignore_case=True),
    )
}  # fmt: skip


def check_labels_file(spine: Spine, rel: str) -> list[Finding]:
    return require_file(spine.repo, rel, "the github.labels.status capability compares the two")


def check_labels_rule(spine: Spine, name: str) -> list[Finding]:
    return scan(spine.repo, _present(spine, LABELS_STATUS), [LABELS_RULES[name]], code_only=True)


# D40 ------------------------------------------------------------------------------
MAKER_RULES = [
    rule("debug-trace", r"set\s+-x", "debug tracing in a maker script", "drop set -x"),
    rule("secret-print", r"(echo|printf).*(TOKEN|SECRET|API_KEY|PASSWORD)", "secret printing", _NO_SECRETS),
    rule("tmp-path", r"/tmp/", "hard-coded /tmp/ output path", "write under the inventory's output_dir (mailroom/outbox/maker)"),
]  # fmt: skip


def maker_scripts(spine: Spine) -> list[str]:
    """Files directly in the maker plugin's bin/ (the gate's `bin/*`, which skips dotfiles)."""
    return [n.rel for n in spine.repo.tree.children(MAKER_BIN) if n.is_file and not n.name.startswith(".")]


def check_maker_script_executable(spine: Spine, name: str) -> list[Finding]:
    return require_file(spine.repo, f"{MAKER_BIN}/{name}", "a maker capability runs it", executable=True)


def check_maker_script(spine: Spine, rel: str) -> list[Finding]:
    return scan(spine.repo, [rel], MAKER_RULES, code_only=False)


def _present(spine: Spine, rel: str) -> list[str]:
    """The file to scan, if it is there: its absence is its own test's finding."""
    return [rel] if spine.repo.tree.is_file(rel) else []


def check_maker_inventory(spine: Spine) -> list[Finding]:
    """D40: the maker tools inventory exists and lists at least one tool."""
    missing = missing_binding(spine.repo, MAKER_TOOLS, "the maker capabilities read it")
    if missing is not None:
        return missing
    doc = spine.doc(MAKER_TOOLS)
    if doc.data.get("tools"):
        return []
    return [Finding(doc.file, doc.line("tools") or doc.line(), "the maker inventory lists no tool", "tools: [...]",
                    "none", "restore the tool entries")]  # fmt: skip
