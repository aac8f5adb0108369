"""Secrets hygiene: API capabilities load their secrets first, the secrets surface is read-only and
quiet, and the namespace policy is wired (D13, D20, D43)."""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import lru_cache

from ...findings import Finding
from ...gate_versions import settings
from ...spine import Spine
from .scan import Rule, missing_binding, require_file, rule, scan
from .sources import CAPABILITIES, SECRETS_POLICY

# D13 ------------------------------------------------------------------------------
API_REQUIREMENTS = ("secrets.binding", "secrets.auth.status")


def capabilities(spine: Spine) -> dict:
    return spine.doc(CAPABILITIES).data.get("capabilities") or {}


def api_capabilities(spine: Spine) -> list[str]:
    return [name for name, spec in capabilities(spine).items() if (spec or {}).get("touches_api") is True]


def check_api_preconditions(spine: Spine, name: str) -> list[Finding]:
    """D13: a capability that calls an API requires the secrets binding and a live auth check first."""
    doc = spine.doc(CAPABILITIES)
    requires = (capabilities(spine).get(name) or {}).get("requires") or []
    missing = [r for r in API_REQUIREMENTS if r not in requires]
    if not missing:
        return []
    return [
        Finding(
            doc.file, doc.line("capabilities", name, "requires") or doc.line("capabilities", name),
            f"{name} touches an API without {' and '.join(missing)}",
            expected=f"requires: [{', '.join(API_REQUIREMENTS)}]",
            found=f"requires: {requires}",
            fix=f"add {', '.join(missing)} to {name}.requires",
        )
    ]  # fmt: skip


# D20 ------------------------------------------------------------------------------
SECRETS_SCRIPT_GLOB = "secrets-*"
SECRETS_BINDING_GLOB = "secrets*.yaml"
_QUIET = "print only whether a secret is present, never its value"
_SECRET_VARS = "(INFISICAL_TOKEN|INFISICAL_UNIVERSAL_AUTH_CLIENT_SECRET|CLIENT_SECRET|ACCESS_TOKEN)"


@lru_cache(maxsize=4)  # one rule list per gate version: scans key their cached hits by rule
def secrets_rules(printf_braced: bool, verbose_curl: str, literals: tuple[str, ...]) -> list[Rule]:
    """The seven rule families, as the gate's version words three of them (settings `printf_braced`,
    `verbose_curl`, `secret_literals`: from 05cc70da, printf "${TOKEN}", curl --trace and api keys too)."""
    printed = rf"echo\s+.*\${_SECRET_VARS}|echo\s+.*\$\{{{_SECRET_VARS}|printf.*\${_SECRET_VARS}"
    return [
        rule("print-secret-variable", printed + (rf"|printf.*\$\{{{_SECRET_VARS}" if printf_braced else ""),
             "prints a secret variable", _QUIET),
        rule("env-dump", r"\bprintenv\b|\benv\s*\||\bset\s*\|", "dumps the environment", "never dump the environment"),
        # The original's own comment filter here works: no `#` before the echo.
        rule("print-auth-header", r"^[^#]*(echo|printf).*(Authorization|Bearer)", "prints an Authorization/Bearer value",
             "pass the header to curl -H only"),
        rule("verbose-curl", rf"curl\s+.*{verbose_curl}", "verbose curl dumps the Authorization header",
             "drop -v/--verbose/--trace"),
        rule("infisical-mutation", r"\binfisical\b.*\b(secrets|projects)\b.*\b(set|update|delete|create)\b",
             "mutating infisical CLI command", "the secrets surface reads; changes go through the guarded migration tools"),
        # Mutating HTTP towards Infisical, except the universal-auth login exchange.
        rule("infisical-http-mutation",
             r"^(?!.*/api/v1/auth/universal-auth/login)(?=.*(?i:infisical|secrets\.ronny\.works|INFISICAL_API_URL|/api/v[0-9]/))"
             r".*curl.*(-X|--request)\s*(POST|PUT|PATCH|DELETE)",
             "mutating HTTP request towards Infisical", "only POST /api/v1/auth/universal-auth/login is allowed"),
        rule("env-file-write", r">\s*\.env\b|tee\s+.*\.env\b|\bsync-secrets-to-env\b|\bdotenv\s+sync\b",
             "writes or syncs a .env file", "inject secrets at run time (secrets-exec); never write .env files"),
        rule("print-secret-literal", rf"(echo|printf).*({'|'.join(literals)})", "prints a token or client secret",
             _QUIET),
    ]  # fmt: skip


def secrets_surface(spine: Spine) -> list[str]:
    """`ops/plugins/secrets/bin/secrets-*` and `ops/bindings/secrets*.yaml`, minus the guarded migration tools
    (D43 governs them; which ones D20 leaves out is its version's `excluded`)."""
    tree = spine.repo.tree
    excluded = settings(spine.repo, "D20")["excluded"]
    scripts = [n.rel for n in tree.children("ops/plugins/secrets/bin") if fnmatchcase(n.name, SECRETS_SCRIPT_GLOB)]
    bindings = [n.rel for n in tree.children("ops/bindings") if fnmatchcase(n.name, SECRETS_BINDING_GLOB)]
    return [rel for rel in scripts + bindings if tree.is_file(rel) and rel not in excluded]


def check_secrets_file(spine: Spine, rel: str) -> list[Finding]:
    """D20: every line of a secrets surface file passes the seven rule families."""
    config = settings(spine.repo, "D20")
    rules = secrets_rules(config["printf_braced"], config["verbose_curl"], tuple(config["secret_literals"]))
    return scan(spine.repo, [rel], rules, code_only=False)


# D43 ------------------------------------------------------------------------------
POLICY_FIELDS = (
    "version", "infisical.project_id", "infisical.environment", "namespace.canonical_base_path", "freeze.root_path",
    "rules.required_key_paths.AUTHENTIK_SECRET_KEY", "rules.required_key_paths.AUTHENTIK_DB_PASSWORD",
    "rules.key_path_overrides.INFISICAL_AUTH_SECRET",
)  # fmt: skip
POLICY_LISTS = ("freeze.allowed_root_keys", "rules.forbidden_root_keys")
NAMESPACE_PLUGINS = ("secrets-namespace-status", "secrets-cohort-copy-first")
# The migration's capabilities, by cohort: P1 cleans the root path up; each later cohort copies first, then cleans up.
NAMESPACE_COHORTS = (
    "namespace", "p1", "p2", "p3", "p4", "p5.immich", "p5.mail_archiver", "p5.finance", "p5.paperless",
    "p5.mcpjungle", "p6.ai",
)  # fmt: skip


def cohort_capabilities(cohort: str) -> list[str]:
    if cohort == "namespace":
        return ["secrets.namespace.status"]
    steps = ("root_cleanup",) if cohort == "p1" else ("copy_first", "root_cleanup")
    return [f"secrets.{cohort}.{step}.{mode}" for step in steps for mode in ("status", "execute")]


NAMESPACE_COMMANDS = ("secrets-namespace-status", "secrets-p1-root-cleanup", "secrets-cohort-copy-first")


def _at(data, dotted: str):
    for key in dotted.split("."):
        data = data.get(key) if isinstance(data, dict) else None
    return data


def check_policy_field(spine: Spine, field: str) -> list[Finding]:
    missing = missing_binding(spine.repo, SECRETS_POLICY, "the secrets namespace policy")
    if missing is not None:
        return missing
    doc = spine.doc(SECRETS_POLICY)
    if _at(doc.data, field) not in (None, ""):
        return []
    return [Finding(doc.file, doc.line(*field.split(".")), f"policy field `{field}` is not set", f"`{field}` with a value",
                    "missing or empty", f"set {field} (see the secrets namespace migration map)")]  # fmt: skip


def check_policy_list(spine: Spine, field: str) -> list[Finding]:
    missing = missing_binding(spine.repo, SECRETS_POLICY, "the secrets namespace policy")
    if missing is not None:
        return missing
    doc = spine.doc(SECRETS_POLICY)
    value = _at(doc.data, field)
    if isinstance(value, list) and value:
        return []
    return [Finding(doc.file, doc.line(*field.split(".")), f"policy list `{field}` is empty", "at least one key",
                    repr(value), f"restore {field}")]  # fmt: skip


def check_namespace_plugin(spine: Spine, name: str) -> list[Finding]:
    return require_file(
        spine.repo, f"ops/plugins/secrets/bin/{name}", "a secrets namespace capability runs it", executable=True
    )


def check_namespace_cohort(spine: Spine, cohort: str) -> list[Finding]:
    """D43: the cohort's capabilities are declared (keys of `capabilities:`, read from the parsed YAML)."""
    missing = missing_binding(spine.repo, CAPABILITIES, "it declares every capability")
    if missing is not None:
        return missing
    doc = spine.doc(CAPABILITIES)
    declared = doc.data.get("capabilities") or {}
    return [
        Finding(doc.file, doc.line("capabilities"), f"capability {name} is not declared", f"`{name}:` under capabilities",
                "no such capability", f"declare {name} (the secrets namespace migration runs it)")
        for name in cohort_capabilities(cohort)
        if name not in declared
    ]  # fmt: skip


def check_namespace_command(spine: Spine, command: str) -> list[Finding]:
    """D43: some capability's command runs the plugin script."""
    missing = missing_binding(spine.repo, CAPABILITIES, "it declares every capability")
    if missing is not None:
        return missing
    doc = spine.doc(CAPABILITIES)
    if any(command in str((spec or {}).get("command", "")) for spec in (doc.data.get("capabilities") or {}).values()):
        return []
    return [Finding(doc.file, doc.line("capabilities"), f"no capability runs {command}", f"a capability whose command runs {command}",
                    "none", f"wire {command} into its namespace capabilities")]  # fmt: skip
