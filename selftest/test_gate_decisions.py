"""A gate's version is what it decides with: rewording what it prints keeps it, changing a rule does not.

The scripts here are written for these tests, in the shape of the spine's gates (not copies of them).
"""

import pytest

from ssot_audit.gate_decisions import decision_text, helpers_of
from ssot_audit.gate_versions import fingerprint

GATE = r"""#!/usr/bin/env bash
# TRIAGE: keep the docs free of legacy markers.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
FAIL=0
fail() { echo "FAIL: $*" >&2; exit 1; }
warn() { printf 'WARN: %s\n' "$*"; WARN_COUNT=$((WARN_COUNT + 1)); }
err() { echo "  FAIL: $1" >&2; FAIL=1; }

[[ -f "$ROOT/docs/core/INDEX.md" ]] || fail "missing docs/core/INDEX.md"
FORBID_RE='(legacy-ops|LaunchAgents|\.plist)'
if rg -n -S "$FORBID_RE" "$ROOT/docs" -g'!docs/legacy/**' >/dev/null 2>&1; then
  echo "forbidden markers found outside docs/legacy:" >&2
  rg -n -S "$FORBID_RE" "$ROOT/docs" -g'!docs/legacy/**' | head -20 >&2
  exit 1
fi
count="$(yq e '.hosts | length' "$ROOT/ops/bindings/naming.policy.yaml")"
for ((i=0; i<count; i++)); do
  name="$(yq -r ".hosts[$i].canonical_name" "$ROOT/ops/bindings/naming.policy.yaml")"
  grep -q "\`$name\`" "$ROOT/docs/governance/DEVICE_IDENTITY_SSOT.md" || err "$name: not in DEVICE_IDENTITY_SSOT.md"
done
[[ -z "$(ls "$ROOT"/*.log 2>/dev/null)" ]] || warn "logs at the root"
exit "$FAIL"
"""

# Each rewrites only what the gate prints, its comments or its layout.
WORDING = {
    "message": ('fail "missing docs/core/INDEX.md"', 'fail "docs/core/INDEX.md is missing (restore it)"'),
    "helper-prefix": ('echo "  FAIL: $1" >&2', 'echo "  D16 FAIL: $1" >&2'),
    "echo-to-stdout": ('echo "forbidden markers found outside docs/legacy:" >&2', 'echo "D16 FAIL: markers found"'),
    "printf-format": ("printf 'WARN: %s\\n' \"$*\"", "printf '  WARN [D16]: %s\\n' \"$*\""),
    "added-echo": ("exit \"$FAIL\"\n", 'echo "D16 PASS: $count hosts checked"\nexit "$FAIL"\n'),
    "split-message": ('echo "forbidden markers found outside docs/legacy:" >&2',
                      'echo "forbidden markers found" >&2; echo "outside docs/legacy:" >&2'),
    "triage-and-comments": ("# TRIAGE: keep the docs free of legacy markers.",
                            "# TRIAGE: move legacy text under docs/legacy/.\n# D16: docs quarantine"),
    "layout": ('[[ -f "$ROOT/docs/core/INDEX.md" ]] || fail "missing docs/core/INDEX.md"',
               '[[ -f "$ROOT/docs/core/INDEX.md" ]] \\\n  || fail   "missing docs/core/INDEX.md"   # the pointer'),
}  # fmt: skip

# Each changes what decides the verdict.
DECISIONS = {
    "pattern": ("FORBID_RE='(legacy-ops|LaunchAgents|\\.plist)'", "FORBID_RE='(legacy-ops|LaunchAgents|launchd|\\.plist)'"),
    "exclusion": ("-g'!docs/legacy/**' >/dev/null", "-g'!docs/legacy/**' -g'!docs/planning/**' >/dev/null"),
    "path": ('"$ROOT/docs/core/INDEX.md" ]]', '"$ROOT/docs/core/CANONICAL_DOCS.md" ]]'),
    "yq-expression": ("'.hosts | length'", "'.hosts | map(select(.active)) | length'"),
    "exit-code": ('exit "$FAIL"', "exit 0"),
    "fail-becomes-warn": ('|| err "$name', '|| warn "$name'),
    "helper-no-longer-fails": ("FAIL=1; }", "}"),
    "grep-pattern-in-loop": ('grep -q "\\`$name\\`"', 'grep -qi "$name"'),
}  # fmt: skip


def _edit(old: str, new: str) -> str:
    assert GATE.count(old) == 1, old
    return GATE.replace(old, new)


@pytest.mark.parametrize("old, new", WORDING.values(), ids=WORDING.keys())
def test_rewording_keeps_the_version(old, new):
    assert fingerprint(_edit(old, new)) == fingerprint(GATE)


@pytest.mark.parametrize("old, new", DECISIONS.values(), ids=DECISIONS.keys())
def test_changing_a_rule_changes_the_version(old, new):
    assert fingerprint(_edit(old, new)) != fingerprint(GATE)


def test_what_the_decision_text_keeps():
    text = decision_text(GATE)
    assert "fail() { exit 1; }" in text  # a helper's body stays, without its message
    assert '[[ -f "$ROOT/docs/core/INDEX.md" ]] || fail\n' in text  # its call stays, without its arguments
    assert "|| err\n" in text and "|| warn\n" in text
    assert 'rg -n -S "$FORBID_RE" "$ROOT/docs" -g\'!docs/legacy/**\' | head -20 >&2' in text  # what it greps
    assert "echo" not in text and "printf" not in text and "TRIAGE" not in text


# What an echo or printf prints is data, not a message, where its output is read: (script, a change of it).
DATA = {
    "piped": ('echo "$name" | grep -q "^pve$" || exit 1', '"$name"', '"$other"'),
    "substituted": ('kind="$(echo "$spec" | cut -d: -f1)"; [[ "$kind" == vm ]] || exit 1', '"$spec"', '"$entry"'),
    "written-to-a-file": ('echo "$name" >> "$TMP/names"; sort -u "$TMP/names" | wc -l', '"$name"', '"$other"'),
    "printf-to-a-variable": ('printf -v key "%s.%s" "$host" "$svc"; [[ -n "${seen[$key]:-}" ]] || exit 1',
                             '"%s.%s"', '"%s/%s"'),
    "loop-output-piped": ('for h in $HOSTS; do echo "$h"; done | sort -u > "$TMP/hosts"', '"$h"', '"h=$h"'),
    "group-written-to-a-file": ('{ echo "a"; echo "b"; } > "$TMP/expected"; diff -q "$TMP/expected" "$TMP/found"',
                                '"a"', '"c"'),
    "function-output-captured": ('host_of() { echo "${1%%:*}"; }\n[[ "$(host_of "$entry")" == pve ]] || exit 1',
                                 '"${1%%:*}"', '"${1%%/*}"'),
    "function-output-piped": ('list() { echo "$1"; echo "$2"; }\nlist a b | grep -q b || exit 1', '"$2"', '"$3"'),
}  # fmt: skip


@pytest.mark.parametrize("script, old, new", DATA.values(), ids=DATA.keys())
def test_output_that_is_read_is_kept(script, old, new):
    assert script.count(old) == 1
    assert fingerprint(script.replace(old, new)) != fingerprint(script)


def test_a_helper_that_does_more_than_print_keeps_its_arguments():
    script = 'need() { [[ -f "$1" ]] || { echo "missing $1" >&2; exit 1; }; rg -q "$2" "$1"; }\nneed a.yaml "^x:"\n'
    assert fingerprint(script) != fingerprint(script.replace('"^x:"', '"^y:"'))
    assert fingerprint(script) == fingerprint(script.replace('"missing $1"', '"not found: $1"'))


def test_a_section_uses_the_helpers_of_its_preamble():
    preamble = 'pass(){ echo "PASS"; }\nfail(){ echo "FAIL $*"; FAIL=1; }\nwarn(){ echo "WARN $*"; }\n'
    section = (
        '# D2: no runs/\necho -n "D2 one trace... "\nif [[ ! -d runs ]]; then pass; else fail "runs/ exists"; fi\n'
    )
    reworded = section.replace('"runs/ exists"', '"runs/ exists; traces belong in receipts/"')
    assert helpers_of(preamble) == {"pass", "fail", "warn"}
    assert fingerprint(section, preamble) == fingerprint(reworded, preamble)
    assert fingerprint(section) != fingerprint(reworded)  # without the preamble, fail is no known helper
    assert fingerprint(section, preamble) != fingerprint(section.replace("fail", "warn"), preamble)


def test_quotes_heredocs_and_nesting_are_read_whole():
    script = """
check() {
  python3 - "$1" <<'PY'
import sys  # a comment of the Python, kept: it is the here-document's text
print("echo )'", sys.argv[1])
PY
}
value="$(yq e '.a # not a comment' "$F")"   # a comment
[[ "${value#\\#}" == "$(printf '%s' "x)")" ]] || { echo "it's (not) it" >&2; exit 2; }
case "$value" in a|b) echo "ab";; *) exit 3;; esac
"""
    text = decision_text(script)
    assert "# a comment of the Python, kept" in text and 'print("echo )\'", sys.argv[1])' in text
    assert "'.a # not a comment'" in text and "# a comment\n" not in text
    assert "$(printf '%s' \"x)\")" in text and "it's (not) it" not in text
    assert "{ exit 2; }" in text and "exit 3" in text and '"ab"' not in text
