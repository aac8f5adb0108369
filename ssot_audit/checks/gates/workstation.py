"""Workstation gates (D4, D11, D29-D32, D41, D44, D46): the operator's home, read from `--home`.

The bindings name paths under a hard-coded `host_root` (/Users/ronnyworks); here
every such path is read relative to the home under test instead, so the gates
work on any machine and on a temporary home in the self-tests.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
from datetime import datetime
from fnmatch import fnmatchcase
from pathlib import Path

from ...findings import Finding
from ...hostfacts.cron import parse_crontab
from ...redact import MASK
from ...spine import Spine
from ...timestamps import parse_utc
from ...tree import read_regular
from .scan import missing_binding, require_file
from .sources import CLI_TOOLS, EXCEPTIONS, HOST_ALLOWLIST, OUTPUT_SINKS

LEGACY_RUNTIME = re.compile(r"(/Users/ronnyworks/ronny-ops|~/ronny-ops|\$HOME/ronny-ops|/ronny-ops/)")


def at_home(path: str, host_root: str, home: Path) -> Path:
    """A binding path under host_root (or ~) as the same path under the home being checked."""
    root = host_root.rstrip("/")
    if path == root:
        return home
    if path.startswith(f"{root}/"):
        return home / path[len(root) + 1 :]
    if path.startswith("~/"):
        return home / path[2:]
    return Path(path)


def home_relative(path: str, host_root: str) -> str:
    """How a binding path is named in test ids: relative to host_root where it lies under it."""
    root = host_root.rstrip("/")
    return path[len(root) + 1 :] if path.startswith(f"{root}/") else path


def _shown(path: Path, home: Path) -> str:
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


# D4 ---------------------------------------------------------------------------------
WATCHER = "com.ronny.agent-inbox"


def _text(path: Path) -> str:
    """A home file's text, read as the checkout's are: a regular file under the size cap, never a FIFO or device
    (an `is_file()` before it follows links, and the path may change in between)."""
    return read_regular(path, str(path)).decode("utf-8", errors="replace")


def watcher_warning(dump: str | None) -> str | None:
    """D4 (warn-only by design): the inbox watcher is loaded and running with a pid."""
    if dump is None:
        return f"launchd job {WATCHER} is not loaded"
    state = re.search(r"state = (\S+)", dump)
    pid = re.search(r"\bpid = (\d+)", dump)
    if state and state[1] == "running" and pid:
        return None
    return f"launchd job {WATCHER} is loaded but state={state[1] if state else '?'} pid={pid[1] if pid else 'none'}"


# D11 --------------------------------------------------------------------------------
def check_home_agent(home: Path) -> list[Finding]:
    """D11: ~/agent, where it exists, is a symlink into the spine mailroom."""
    agent = home / "agent"
    if agent.is_symlink():
        target = os.readlink(agent)
        if "agentic-spine/mailroom" in target:
            return []
        return [Finding(str(agent), None, "~/agent points elsewhere", "a symlink to <spine>/mailroom", f"-> {target}",
                        f"ln -sfn <spine>/mailroom {agent}")]  # fmt: skip
    return [Finding(str(agent), None, "~/agent is a real directory", "a symlink to <spine>/mailroom", "a directory or file",
                    f"move its content into the spine mailroom, then ln -s <spine>/mailroom {agent}")]  # fmt: skip


# D29, D36: exceptions ---------------------------------------------------------------------
def _exceptions(spine: Spine) -> tuple[list[dict], list[Finding]]:
    missing = missing_binding(spine.repo, EXCEPTIONS, "it lists the allowed legacy entrypoints")
    if missing is not None:
        return [], missing
    return spine.doc(EXCEPTIONS).data.get("exceptions") or [], []


def exception_allows(exceptions: list[dict], label: str, payload: str, now: datetime) -> bool:
    """A current exception for `label` whose allowed_paths appear in what the entrypoint runs."""
    spec = next((e for e in exceptions if e.get("label") == label), None)
    expires = parse_utc(spec.get("expires_at")) if spec else None
    if expires is None or expires <= now:
        return False
    return any(path and path in payload for path in spec.get("allowed_paths") or [])


def check_crontab(spine: Spine, crontab: str, now: datetime) -> list[Finding]:
    """D29: no active (uncommented) crontab line runs from ronny-ops without a current `user-crontab` exception."""
    exceptions, missing = _exceptions(spine)
    if missing:
        return missing
    active = [job for job in parse_crontab(crontab, "crontab -l") if LEGACY_RUNTIME.search(job.command)]
    if not active or exception_allows(exceptions, "user-crontab", crontab, now):
        return []
    return [Finding("crontab -l", active[0].line, "the user crontab runs from the legacy repo", "no ronny-ops entrypoint, or a current "
                    f"`user-crontab` exception in {spine.repo.display(EXCEPTIONS.rel)}",
                    f"{active[0].schedule} {active[0].command}",
                    "repoint the job at the spine, or add a time-boxed exception with allowed_paths")]  # fmt: skip


def check_launchd_job(spine: Spine, label: str, dump: str, now: datetime) -> list[Finding]:
    """D29: a loaded com.ronny*/works.ronny* job does not execute from ronny-ops without a current exception."""
    exceptions, missing = _exceptions(spine)
    if missing:
        return missing
    if not LEGACY_RUNTIME.search(dump) or exception_allows(exceptions, label, dump, now):
        return []
    return [Finding(f"launchd gui/{label}", None, f"{label} executes from the legacy repo", "a spine-native program path",
                    LEGACY_RUNTIME.search(dump)[0], "repoint the job's plist at the spine and reload it")]  # fmt: skip


# D30 ------------------------------------------------------------------------------
_CONFIG_RULES = (
    ("legacy-runtime-path", LEGACY_RUNTIME, "legacy runtime path"),
    ("legacy-start-doc", re.compile(r"(00_CLAUDE\.md|AGENT_CONTEXT_PACK\.md)"), "legacy start doc"),
    ("jwt-token", re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"), "JWT-like plaintext token"),
    ("secret-assignment", re.compile(r"(API_KEY|TOKEN|SECRET|PASSWORD|HA_API_TOKEN)[^=\n]{0,20}[=:][^\n]{8,}"),
     "plaintext credential assignment"),
)  # fmt: skip
_SECRET_RULES = {"jwt-token", "secret-assignment"}


def allowlist(spine: Spine) -> dict:
    return spine.doc(HOST_ALLOWLIST).data


def config_files(spine: Spine, key: str) -> list[str]:
    data = allowlist(spine)
    return list(dict.fromkeys(home_relative(p, data["host_root"]) for p in data.get(key) or []))


def _binding_path(spine: Spine, key: str, named: str) -> str:
    data = allowlist(spine)
    return next(p for p in data.get(key) or [] if home_relative(p, data["host_root"]) == named)


def config_path(spine: Spine, key: str, named: str, home: Path) -> Path:
    return at_home(_binding_path(spine, key, named), allowlist(spine)["host_root"], home)


def _withheld(line: str, match: re.Match, rule: str) -> str:
    """The line up to the secret, never the secret itself: reports and CI logs must not carry it."""
    if rule == "secret-assignment":
        cut = re.search(r"[=:]", match[0]).end()  # through the first `=` or `:`
        return f"{(line[: match.start()] + match[0][:cut]).strip()}{MASK}"
    return f"{line[: match.start()].strip()} {MASK}".strip()


def check_config_file(path: Path, home: Path) -> list[Finding]:
    """D30: an active config file names no legacy runtime path or start doc and holds no plaintext secret."""
    findings = []
    is_zshrc = path == home / ".zshrc"
    for number, line in enumerate(_text(path).splitlines(), start=1):
        for name, pattern, says in _CONFIG_RULES:
            match = pattern.search(line)
            # The declared LEGACY_ROOT variable in ~/.zshrc is a contract exception, not an entrypoint.
            if not match or (name == "legacy-runtime-path" and is_zshrc and "export LEGACY_ROOT=" in line):
                continue
            found = _withheld(line, match, name) if name in _SECRET_RULES else line.strip()[:200]
            findings.append(Finding(_shown(path, home), number, f"{says} ({name})", "no legacy references or plaintext secrets",
                                    found, "load secrets through the spine's secrets tooling; point configs at the spine"))  # fmt: skip
    return findings


def check_forbidden_config(path: Path, home: Path) -> list[Finding]:
    if not (path.exists() or path.is_symlink()):
        return []
    return [Finding(_shown(path, home), None, "a pre-spine config file still exists", "absent", _shown(path, home),
                    f"remove {_shown(path, home)} (its content moved to the spine)")]  # fmt: skip


# D31 ------------------------------------------------------------------------------
_LOG_NAMES = ("*.log", "*.out", "*.err")


def _sink_allowed(spine: Spine, path: Path, home: Path) -> bool:
    """Whether an output file in the home is allowlisted. Only prefixes inside the home count: a prefix
    such as /tmp/ allows sinks there, not a whole home that happens to lie under it."""
    data = spine.doc(OUTPUT_SINKS).data
    root = data["host_root"]
    prefixes = [at_home(p, root, home) for p in data.get("allowed_prefixes") or []]
    files = [at_home(f, root, home) for f in data.get("allowed_files") or []]
    return any(p.is_relative_to(home) and path.is_relative_to(p) for p in prefixes) or path in files


def check_home_logs(spine: Spine, home: Path) -> list[Finding]:
    """D31: no *.log / *.out / *.err file sits directly in the home unless allowlisted."""
    strays = sorted(p for p in home.iterdir() if p.is_file() and not p.is_symlink()
                    and any(fnmatchcase(p.name, g) for g in _LOG_NAMES) and not _sink_allowed(spine, p, home))  # fmt: skip
    sinks = spine.repo.display(OUTPUT_SINKS.rel)
    return [Finding(_shown(p, home), None, "log artifact in the home root", f"logs under an allowed prefix of {sinks}",
                    _shown(p, home), "send the job's output to <spine>/mailroom/logs/ and delete the file") for p in strays]  # fmt: skip


def check_launchd_sinks(spine: Spine, label: str, dump: str, home: Path) -> list[Finding]:
    """D31: a ronny job's stdout/stderr under the home go to an allowed sink."""
    findings = []
    for key in ("stdout path", "stderr path"):
        match = re.search(rf"{key} = (.+)", dump)
        sink = Path(match[1].strip()) if match else None
        if sink and sink.is_relative_to(home) and not _sink_allowed(spine, sink, home):
            findings.append(Finding(f"launchd gui/{label}", None, f"{label} writes its {key.split()[0]} to the home",
                                    f"an allowed sink ({spine.repo.display(OUTPUT_SINKS.rel)})", str(sink),
                                    "point the plist's StandardOutPath/StandardErrorPath at <spine>/mailroom/logs/"))  # fmt: skip
    return findings


# D32 ------------------------------------------------------------------------------
_CODEX_LEGACY = re.compile(r"(ronny-ops|00_CLAUDE\.md|NO GITHUB ISSUE = NO WORK)")
_LEGACY_SESSION = '"user_instructions":"# AGENTS.md - ronny-ops Repository Instructions'


def check_codex_agents(spine: Spine, home: Path) -> list[Finding]:
    """D32: Codex's global instructions are the spine's AGENTS.md itself, free of legacy directives."""
    spine_agents = spine.repo.root / "AGENTS.md"
    codex = home / ".codex" / "AGENTS.md"
    if not spine_agents.is_file():
        return require_file(spine.repo, "AGENTS.md", "Codex reads it as its global instructions")
    if not codex.exists():
        return [Finding(_shown(codex, home), None, "Codex has no global AGENTS.md", f"a symlink to {spine_agents}",
                        "missing (or a dangling link)", f"ln -sfn {spine_agents} {codex}")]  # fmt: skip
    if not os.path.samefile(codex, spine_agents):
        return [Finding(_shown(codex, home), None, "Codex instructions are not the spine's AGENTS.md", str(spine_agents),
                        str(codex.resolve()), f"ln -sfn {spine_agents} {codex}")]  # fmt: skip
    return [
        Finding(_shown(codex, home), number, "legacy directive in the Codex instructions", "no ronny-ops or 00_CLAUDE directives",
                line.strip()[:200], "remove the legacy directive from the spine AGENTS.md")
        for number, line in enumerate(_text(codex).splitlines(), start=1)
        if _CODEX_LEGACY.search(line)
    ]  # fmt: skip


def codex_session_warning(home: Path) -> str | None:
    """D32's advisory: the newest recorded Codex session was seeded by the legacy AGENTS."""
    sessions = sorted(glob.glob(str(home / ".codex" / "sessions" / "**" / "*.jsonl"), recursive=True))
    if not sessions:
        return None
    try:
        text = _text(Path(sessions[-1]))
    except OSError as exc:  # (a FIFO, a file over the cap): the advisory says so rather than wait or fill memory
        return f"{sessions[-1]}: the latest Codex session cannot be read: {exc.strerror}"
    if _LEGACY_SESSION in text:
        return f"{sessions[-1]}: the latest Codex session was seeded by the legacy AGENTS.md (pre-cutover)"
    return None


# D41 ------------------------------------------------------------------------------
def check_hidden_roots(spine: Spine, home: Path) -> list[Finding]:
    """D41 tier 1: every top-level dot entry of the home is managed, excluded, volatile, or else reported."""
    data = allowlist(spine)
    root = data["host_root"]
    managed = {at_home(p, root, home) for p in data.get("managed_hidden_roots") or []}
    excluded = {at_home(p, root, home) for p in data.get("scan_exclusions") or []}
    forbidden = data.get("forbidden_hidden_patterns") or []
    volatile = data.get("volatile_hidden_patterns") or []
    binding = spine.repo.display(HOST_ALLOWLIST.rel)
    findings = []
    for entry in sorted(p for p in home.iterdir() if p.name.startswith(".")):
        if entry in excluded or entry in managed:
            continue
        if any(fnmatchcase(entry.name, pattern) for pattern in forbidden):
            findings.append(Finding(_shown(entry, home), None, "forbidden hidden entry",
                                    f"nothing matching forbidden_hidden_patterns ({binding})", entry.name,
                                    f"remove {_shown(entry, home)}"))  # fmt: skip
        elif not any(fnmatchcase(entry.name, pattern) for pattern in volatile):
            findings.append(Finding(_shown(entry, home), None, "unmanaged hidden entry",
                                    f"listed in managed_hidden_roots, scan_exclusions or volatile_hidden_patterns ({binding})",
                                    entry.name, f"classify {entry.name} in {binding}, or remove it"))  # fmt: skip
    return findings


def check_forbidden_hidden(spine: Spine, home: Path) -> list[Finding]:
    """D41 tier 2: no path under the home matches a forbidden hidden pattern (e.g. a leftover legacy env.sh)."""
    patterns = allowlist(spine).get("forbidden_hidden_patterns") or []
    # Top-level matches are tier 1's findings; this tier reports what lies deeper.
    hits = sorted({Path(m) for p in patterns for m in glob.glob(str(home / p)) if Path(m).parent != home})
    binding = spine.repo.display(HOST_ALLOWLIST.rel)
    return [Finding(_shown(hit, home), None, "forbidden hidden artifact", f"nothing matching forbidden_hidden_patterns ({binding})",
                    _shown(hit, home), f"remove {_shown(hit, home)}") for hit in hits]  # fmt: skip


# D44 ------------------------------------------------------------------------------
_PROBE = re.compile(r"^\s*command\s+-v\s+([A-Za-z0-9._+-]+)\s*$")


def cli_tools(spine: Spine) -> list[dict]:
    return spine.doc(CLI_TOOLS).data["tools"]


def source_bindings(spine: Spine) -> list[str]:
    return list(dict.fromkeys(t["source_binding"] for t in cli_tools(spine) if t.get("source_binding")))


def probed_tools(spine: Spine) -> list[str]:
    """Cross-domain tools that need no hardware: the ones D44 probes."""
    tools = cli_tools(spine)
    return list(
        dict.fromkeys(
            t["id"] for t in tools if t.get("cross_domain") is True and t.get("hardware_required") is not True
        )
    )


def check_source_binding(spine: Spine, rel: str) -> list[Finding]:
    return require_file(spine.repo, rel, "the CLI tools inventory cross-references it")


def probed_command(tool: dict) -> str | None:
    """The command a tool's `command -v <name>` probe looks up."""
    match = _PROBE.match(str(tool.get("probe") or ""))
    return match[1] if match else None


def probed_commands(spine: Spine) -> list[str]:
    tools = {t["id"]: t for t in cli_tools(spine)}
    return [c for tool_id in probed_tools(spine) if (c := probed_command(tools[tool_id]))]


def check_tool_installed(spine: Spine, tool_id: str) -> list[Finding]:
    """D44: the tool's probe (`command -v <name>`) finds it on PATH, looked up with shutil.which, never eval."""
    doc = spine.doc(CLI_TOOLS)
    index, tool = next((i, t) for i, t in enumerate(doc.data["tools"]) if t["id"] == tool_id)
    line = doc.line("tools", index, "probe") or doc.line("tools", index)
    command = probed_command(tool)
    if command is None:
        return [Finding(doc.file, line, f"{tool_id}: probe is not `command -v <name>`", "probe: command -v <name>",
                        f"probe: {tool.get('probe')!r}", "use a `command -v` probe; the suite never evaluates shell strings")]  # fmt: skip
    if shutil.which(command):
        return []
    return [Finding(doc.file, line, f"{tool_id} is not installed", f"`{command}` on PATH", "not found on PATH",
                    tool.get("install_command") or f"install {command}")]  # fmt: skip


# D46 ------------------------------------------------------------------------------
CLAUDE_REFERENCES = ("AGENTS.md", "SESSION_PROTOCOL.md")
CLAUDE_FORBIDDEN_HEADINGS = (
    "Authority Order",
    "Immutable Invariants",
    "Operating Loop",
    "Safety Defaults",
    "What You Must Not Do",
)


def check_claude_instructions(home: Path) -> list[Finding]:
    """D46: ~/.claude/CLAUDE.md is a shim: it points at the spine and restates no governance."""
    claude_md = home / ".claude" / "CLAUDE.md"
    if not claude_md.is_file():
        return [Finding(_shown(claude_md, home), None, "CLAUDE.md is missing", "a shim pointing at the spine",
                        "missing", "restore the CLAUDE.md shim (docs/governance/CLAUDE_ENTRYPOINT_SHIM.md)")]  # fmt: skip
    text = _text(claude_md)
    findings = [
        Finding(_shown(claude_md, home), None, f"CLAUDE.md does not reference {ref}", f"a reference to {ref}", "absent",
                f"point CLAUDE.md at the spine's {ref}")
        for ref in CLAUDE_REFERENCES if ref not in text
    ]  # fmt: skip
    for number, line in enumerate(text.splitlines(), start=1):
        heading = next((h for h in CLAUDE_FORBIDDEN_HEADINGS if re.match(rf"^#{{1,3}}\s+{re.escape(h)}", line)), None)
        if heading:
            findings.append(Finding(_shown(claude_md, home), number, f"CLAUDE.md restates governance ({heading})",
                                    "no governance sections: the spine's AGENTS.md is the authority", line.strip(),
                                    f"remove the `{heading}` section"))  # fmt: skip
    return findings


def check_claude_paths(spine: Spine, home: Path) -> list[Finding]:
    """D46: the governed Claude files name neither the uppercase ~/Code checkout nor the legacy repo."""
    claude = home / ".claude"
    files = [claude / "CLAUDE.md", *sorted((claude / "commands").glob("*.md")), claude / "settings.json",
             claude / "settings.local.json"]  # fmt: skip
    roots = {str(home), allowlist(spine)["host_root"].rstrip("/")}
    upper = [f"{root}/Code/" for root in sorted(roots)]
    legacy = re.compile(
        "|".join(["~/ronny-ops", r"\$HOME/ronny-ops", *(re.escape(f"{r}/ronny-ops") for r in sorted(roots))])
    )
    findings = []
    for path in (p for p in files if p.is_file()):
        for number, line in enumerate(_text(path).splitlines(), start=1):
            hit = next((u for u in upper if u in line), None) or (m[0] if (m := legacy.search(line)) else None)
            if hit:
                findings.append(Finding(_shown(path, home), number, f"stale path {hit}", "~/code/agentic-spine paths only",
                                        line.strip()[:200], "rewrite the path to the lowercase spine checkout"))  # fmt: skip
    return findings
