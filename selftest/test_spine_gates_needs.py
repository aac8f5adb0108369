"""`needs()`: what a gate script needs, read from its text. The scripts are written here in the shapes the
spine's gates use (a yq-reading lock, an ssh probe behind a sourced guard, a launchd check behind
`command -v`), never copied from the spine."""

from __future__ import annotations

import textwrap

import pytest

from ssot_audit.spine_gates import Needs, needs


def _needs(script: str, files: dict[str, str] | None = None, path: str = "surfaces/verify/d9-x.sh"):
    return needs(textwrap.dedent(script), (files or {}).get, path)


FILE_ONLY = """\
    #!/usr/bin/env bash
    # TRIAGE: keep ssh.targets.yaml in step with the naming policy; never ssh here.
    set -euo pipefail
    ROOT="${SPINE_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
    TARGETS="$ROOT/ops/bindings/ssh.targets.yaml"
    fail() { echo "D9 FAIL: $*" >&2; exit 1; }
    command -v yq >/dev/null 2>&1 || fail "missing dependency: yq"
    n="$(yq -r '.ssh.targets | length' "$TARGETS")"
    for id in $(yq -r '.ssh.targets[].id' "$TARGETS"); do
      case "$id" in
        ssh|curl) fail "reserved id $id" ;;
        (*-nas) echo "WARN: ssh to $id goes over the LAN" ;;
      esac
    done
    if rg -q 'ssh -o StrictHostKeyChecking=no' "$ROOT/ops"; then fail "curl | ssh pattern found"; fi
    echo "D9 PASS: $n targets (see https://example.invalid/docs)"
"""


def test_a_file_only_script_needs_its_tools_and_nothing_else():
    assert _needs(FILE_ONLY) == Needs(None, None, ("rg", "yq"))


@pytest.mark.parametrize(
    ("line", "command"),
    [
        ('ssh -o BatchMode=yes "$ref" hostname', "ssh"),
        ('out="$(timeout 10 ssh "${opts[@]}" "$ref" true 2>&1 || true)"', "ssh"),
        ('code=$(curl -fsS -o /dev/null -w "%{http_code}" "$url")', "curl"),
        ('if ping -c1 -W1 "$host" >/dev/null; then :; fi', "ping"),
        ("tailscale status --json | jq -r .Self.Online", "tailscale"),
        ("git fetch --prune origin main >/dev/null 2>&1 || true", "git fetch"),
        ('git -C "$ROOT" ls-remote github', "git -C"),
        ('rsync -a "$ROOT/x/" "ubuntu@$host:/srv/x/"', "rsync"),
        ('find "$ROOT" -name "*.conf" -exec scp {} nas:/backup/ \\;', "scp"),
        ("xargs -I{} nc -z {} 22 < hosts.txt", "nc"),
        ("env TOKEN=x wget -q -O- https://api.example.invalid/x", "wget"),
        ("./bin/ops cap run infra.hypervisor.identity", "cap run"),
        ('exec 3<>"/dev/tcp/$host/993"', "/dev/tcp"),
        ("bash -c 'dig +short pve.lan'", "dig"),
    ],
)
def test_a_command_that_reaches_a_host_is_named_with_its_line(line, command):
    found = _needs(f"#!/usr/bin/env bash\nset -euo pipefail\n{line}\n")
    assert found.network is not None and found.network.startswith("line 3: ")
    assert command in found.network


@pytest.mark.parametrize(
    "line",
    [
        "yq -r '.ssh.targets[] | .host' ops/bindings/ssh.targets.yaml",
        'echo "run: ssh root@pve hostname; curl https://x"',
        "# ssh root@pve",
        'grep -q "git fetch" README.md',
        'rsync -a "$ROOT/a/" "$TMPDIR/b/"',
        "git log -1 --format=%H",
        'msg="use curl -fsS https://status.example.invalid"',
        "cat <<EOF\nssh root@pve uptime\nEOF",
        "command -v curl >/dev/null || echo 'no curl'",
    ],
)
def test_the_network_only_as_a_command_not_as_a_word(line):
    assert _needs(f"#!/usr/bin/env bash\n{line}\n").network is None


def test_python_that_opens_connections_needs_the_network_and_python_that_reads_yaml_does_not():
    opens = "python3 - \"$ROOT\" <<'PY'\nimport urllib.request\nurllib.request.urlopen('http://ha:8123/api')\nPY\n"
    runs = 'python3 -c \'import subprocess; subprocess.run(["ssh", "pve", "true"])\'\n'
    reads = 'python3 - <<\'PY\'\nimport yaml\nssh = doc.get("ssh", {}).get("targets", [])\nPY\n'
    assert "Python that opens connections" in _needs(opens).network
    assert _needs(runs).network is not None
    assert _needs(reads) == _needs("python3 -c 'print(1)'\n")
    assert _needs(reads).network is None and _needs(reads).tools == ("python3",)


GUARD = """\
    require_tailscale() {
      command -v tailscale >/dev/null 2>&1 || { echo "SKIP: no tailscale"; exit 0; }
      [[ "$(tailscale status --json | jq -r '.Self.Online')" == true ]] || { echo "SKIP: offline"; exit 0; }
    }
    ssh_ref_for() {
      yq -r ".ssh.targets[] | select(.id == \\"$1\\") | .host" "$ROOT/ops/bindings/ssh.targets.yaml"
    }
"""


@pytest.mark.parametrize(
    "source",
    [
        '"${SPINE_ROOT:-$HOME/code/agentic-spine}/surfaces/verify/lib/guard.sh"',
        '"$ROOT/surfaces/verify/lib/guard.sh"',
        '"$(dirname "$0")/lib/guard.sh"',
        '"$GUARD"',
    ],
)
def test_a_sourced_helper_lends_the_needs_of_the_functions_the_script_calls(source):
    script = f'ROOT="${{SPINE_ROOT:-x}}"\nGUARD="$ROOT/surfaces/verify/lib/guard.sh"\nsource {source}\n'
    helper = {"surfaces/verify/lib/guard.sh": textwrap.dedent(GUARD)}
    calls_guard = _needs(script + "require_tailscale\n", helper)
    assert calls_guard.network.startswith('surfaces/verify/lib/guard.sh line 3: [[ "$(tailscale status --json')
    resolves_only = _needs(script + 'host="$(ssh_ref_for pve)"\n', helper)
    assert resolves_only.network is None and resolves_only.tools == ("yq",)


def test_helpers_are_followed_through_what_they_source_and_their_functions_are_not_tools():
    files = {
        "ops/lib/resolve-policy.sh": '_DIR="${BASH_SOURCE%/*}"\nsource "$_DIR/yaml.sh"\nresolve() { yaml_query p .x; }\n',
        "ops/lib/yaml.sh": 'yaml_query() { yq -r "$2" "$1"; }\n',
    }
    found = _needs('source "$SP/ops/lib/resolve-policy.sh"\nresolve\n', files)
    assert found == Needs(None, None, ("yq",))


def test_a_helper_outside_the_tree_or_missing_is_not_followed():
    files = {"surfaces/verify/lib/guard.sh": "ssh pve true\n"}
    assert _needs('source "$HOME/.profile"\nsource ../../../etc/x.sh\n', files).network is None


@pytest.mark.parametrize(
    ("script", "macos"),
    [
        ('launchctl print "gui/$(id -u)/com.example.watcher"\n', "line 1: launchctl"),
        ("token=$(security find-generic-password -s svc -w)\n", "line 1: token=$(security"),
        ("defaults read com.example.app Key\n", "line 1: defaults"),
        ('[[ "$(uname)" != "Darwin" ]] && { echo "SKIP: macOS only"; exit 0; }\nls\n', "exits unless"),
        ('if [[ "$OSTYPE" != darwin* ]]; then\n  echo SKIP\n  exit 0\nfi\n', "exits unless"),
        ('command -v plutil >/dev/null || fail "needs plutil"\nplutil -p x.plist\n', "line 2: plutil"),
    ],
)
def test_macos_only(script, macos):
    found = _needs(script)
    assert found.macos is not None and macos in found.macos


@pytest.mark.parametrize(
    "script",
    [
        'if [[ "$(uname)" == "Darwin" ]]; then stat -f %m "$f"; else stat -c %Y "$f"; fi\n',
        'if command -v launchctl >/dev/null 2>&1; then\n  launchctl print "gui/$uid" | grep -c ronny\nfi\n',
        'plist_env() { /usr/libexec/PlistBuddy -c "Print :$2" "$1"; }\n'
        'check() { v="$(plist_env "$1" KEY)"; }\n'
        'if [[ "$OSTYPE" == darwin* && -x /usr/libexec/PlistBuddy ]]; then\n  check a.plist\nfi\n',
        '[[ -x /usr/libexec/PlistBuddy ]] && /usr/libexec/PlistBuddy -c "Print :Label" x.plist\n',
    ],
)
def test_a_macos_branch_of_a_portable_script_is_not_macos_only(script):
    found = _needs(script)
    assert found.macos is None
    assert "launchctl" not in found.tools


@pytest.mark.parametrize(
    ("script", "tools"),
    [
        ("if command -v shellcheck >/dev/null; then shellcheck x.sh; fi\njq -n 1\n", ("jq",)),
        ("command -v shasum >/dev/null && shasum -a 256 f\n", ()),
        ('find . -name "*.yaml" -exec rg -l "ronny-ops" {} +\n', ("rg",)),
        ("printf '%s\\n' a b | xargs -n1 -I{} jq -r . {}\n", ("jq",)),
        ("env FOO=1 timeout -s KILL 5 python3 -c 'print(1)'\n", ("python3",)),
        ('x="${X:-$(git rev-parse --show-toplevel)}"\n', ("git",)),
        ("mapfile -t L < <(sqlite3 db.sqlite 'select 1')\n", ("sqlite3",)),
        ("trap 'cleanup' EXIT\ncleanup() { bc <<< '1+1'; }\n", ("bc",)),
        ("helper() { node x.js; }\n# helper is never called\n", ()),
        ('"$TOOL" --version\n"$ROOT/bin/ops" status\nawk 1 f | sed s/a/b/ | sort -u | wc -l\n', ()),
    ],
)
def test_tools_are_the_external_commands_it_runs(script, tools):
    assert _needs(script).tools == tools


def test_unreadable_shapes_do_not_crash():
    shapes = ["", "\0\0\0", "'unterminated", '"$(', "case x in", "}}}}", "f() {", "<<EOF\n", "\\"]
    deep = ['echo "$(' * 3000, "${a:-" * 3000, "@(" * 3000, "`echo \\`" * 1000, "bash -c '" * 1000]
    for text in shapes + deep:
        assert _needs(text).network is None
