"""The spine's own gate scripts, run contained: each containment guarantee proven on a small spine built
here (a registry naming small gate scripts, an inline drift-gate.sh) whose gates pass, fail, warn, time
out, reach for the network, write into the tree, look for the caller's secrets, leave children behind and
need tools this machine lacks. One Runner runs them all side by side; the tests read its results."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import textwrap
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from selftest.yq_shim import install
from ssot_audit.gate_sources import sections
from ssot_audit.spine_gates import Runner, ScriptRequest, runner, snapshot

CLOCK = datetime(2026, 3, 5, 10, 51, 47, tzinfo=timezone.utc)
TIMEOUT = 5
SECRET = "tok-3b1f9e0c-planted-caller-secret"
KEY = "PLANTED-PRIVATE-KEY-LINE"
GIT_ENV = {"GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1", "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@t.invalid", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t.invalid",
           "GIT_AUTHOR_DATE": "2026-02-01T00:00:00Z", "GIT_COMMITTER_DATE": "2026-02-01T00:00:00Z"}  # fmt: skip

DRIFT_GATE = """\
#!/usr/bin/env bash
# drift-gate.sh - test spine
set -euo pipefail
SP="${SPINE_ROOT:-$HOME/code/agentic-spine}"
cd "$SP"
FAIL=0
pass(){ echo "PASS"; }
fail(){ echo "FAIL $*"; FAIL=1; }
warn(){ echo "WARN $*"; }
echo "=== DRIFT GATE (test) ==="

# D1: Top-level directory policy
echo -n "D1 top-level dirs... "
EXTRA="$(ls -1d */ 2>/dev/null | grep -v -E '^(docs|ops|runs|surfaces)/$' || true)"
if [[ -z "$EXTRA" ]]; then pass; else fail "extra dirs: $EXTRA"; fi

# D2: No runs/ trace
echo -n "D2 one trace (no runs/)... "
if [[ ! -d runs ]]; then pass; else fail "runs/ exists"; fi

# D4: Watcher (warn only)
echo -n "D4 watcher... "
warn "(service not loaded)"

# D5: docs exist
echo -n "D5 docs... "
if [[ -x "$SP/surfaces/verify/d5-docs.sh" ]]; then bash "$SP/surfaces/verify/d5-docs.sh" >/dev/null && pass || fail "d5"; fi

echo
[[ "$FAIL" -eq 0 ]] && echo "DRIFT GATE: PASS" || echo "DRIFT GATE: FAIL"
exit "$FAIL"
"""
PROBE = """\
import socket, sys
for host in sys.argv[2:]:
    try:
        socket.create_connection((host, int(sys.argv[1])), timeout=3).close()
        print(f"CONNECTED to {host}")
    except OSError as exc:
        print(f"no connection to {host}: {exc}")
"""


def _gates(source: Path, port: int, hosts: str, marker_dir: Path) -> dict[str, str]:
    """check_script text per gate: the behaviour each test reads."""
    return {
        "D5": 'test -f docs/a.md && echo "D5 PASS"',
        "D10": 'echo "D10 FAIL: docs/b.md is stale" >&2\nexit 1',
        "D11": 'echo "D11 WARN: runbook index is long"\necho "D11 PASS"',
        "D12": "echo starting\nsleep 60\necho never",
        "D13": f'python3 "$SPINE_ROOT/surfaces/verify/lib/probe.py" {port} {hosts}',
        "D14": 'echo x > "$SPINE_ROOT/planted-root"\necho x > planted-cwd\necho x > "$(dirname "$0")/planted-dir"\n'
        f'echo x > "{source}/planted-abs" 2>&1 || echo "absolute write refused"\necho done',
        "D15": 'env | sort\ncat "$HOME/.ssh/id_ed25519" 2>&1 || true\nls -a "$HOME" 2>&1\necho "sock=${SSH_AUTH_SOCK:-none}"',
        "D16": f'(sleep 2; touch "{marker_dir}/child") &\nsetsid sh -c \'sleep 2; touch "{marker_dir}/setsid"\' &\n'
        "sleep 0.5\necho parent exits",  # the children are on their way (one has left the process group)
        "D17": "frobnicate-xyz --check docs",
        "D18": 'launchctl print "gui/$(id -u)/com.example.watcher"',
        "D19": "ssh -o BatchMode=yes pve true",
        "D20": 'n="$(yq e \'.gates | length\' ops/bindings/gate.registry.yaml)"\necho "D20 PASS: $n gates"',
        "D22": "git rev-parse HEAD\ngit symbolic-ref --short HEAD\ngit branch --format='%(refname:short)' | sort | "
        "tr '\\n' ' '; echo\ngit remote get-url origin\ngit status --porcelain\ngit log --oneline | wc -l\n"
        "git diff --stat | tail -1",
        "D23": 'date -u +%Y-%m-%dT%H:%M\necho "age=$(( $(date +%s) - $(stat -c %Y docs/a.md) ))"\n'
        "python3 -c 'import time; time.sleep(0.1); print(int(time.time()))'",
        "D24": "head -c 200000 /dev/zero | tr '\\0' x\necho",
        "D25": 'echo "sleeper"\nsleep 1',
        "D26": 'echo "sleeper"\nsleep 1',
    }


def _git(repo: Path, *args: str) -> str:
    env = {"PATH": os.environ["PATH"], "HOME": str(repo), **GIT_ENV}
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True, env=env).stdout


def _tree_hash(root: Path) -> dict[str, str]:
    """Every file and symlink under root, .git included, by content."""
    digest = {}
    for top, _, files in os.walk(root):
        for name in files:
            path = Path(top) / name
            data = os.readlink(path).encode() if path.is_symlink() else path.read_bytes()
            digest[str(path.relative_to(root))] = hashlib.sha256(data).hexdigest()
    return digest


def _write(root: Path, rel: str, text: str, mode: int = 0o644) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)


def build_spine(root: Path, gates: dict[str, str]) -> list[ScriptRequest]:
    """A spine checkout: the gates' scripts, a registry naming them, drift-gate.sh; committed on main with a
    second branch and a remote; then a tracked change and an untracked file. Returns the registry's
    requests, as the engine makes them (inline gates with their drift-gate.sh block)."""
    registry = []
    for gate, body in gates.items():
        rel = f"surfaces/verify/{gate.lower()}-test.sh"
        _write(root, rel, f"#!/usr/bin/env bash\n# {gate}: test gate\nset -euo pipefail\n{body}\n", 0o755)
        registry.append({"id": gate, "check_script": rel, "inline": False})
    for gate in ("D1", "D2", "D4"):
        registry.append({"id": gate, "check_script": "surfaces/verify/drift-gate.sh", "inline": True})
    _write(root, "surfaces/verify/drift-gate.sh", DRIFT_GATE, 0o755)
    _write(root, "surfaces/verify/lib/probe.py", PROBE)
    _write(root, "ops/bindings/gate.registry.yaml", yaml.safe_dump({"gates": registry}, sort_keys=False))
    _write(root, "docs/a.md", "# a\n")
    _write(root, "docs/b.md", "# b\n")
    (root / "runs").mkdir()
    _write(root, "runs/.keep", "")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "spine")
    _git(root, "branch", "feature/x")
    _git(root, "remote", "add", "origin", "https://git.example.invalid/spine.git")
    _write(root, "docs/b.md", "# b, changed\n")
    _write(root, "docs/untracked.md", "new\n")
    requests = []
    text = (root / "surfaces/verify/drift-gate.sh").read_text()
    for entry in registry:
        block = sections(text)[1][entry["id"]] if entry["inline"] else None
        requests.append(ScriptRequest(entry["id"], entry["check_script"], block))
    return requests


def make_hostile(root: Path, markers: Path) -> None:
    """The checkout's own git config names programs: an fsmonitor, hooks, filter drivers, a textconv."""
    hooks = root / ".git" / "evil-hooks"
    hooks.mkdir()
    for hook in ("post-checkout", "pre-commit", "post-commit", "reference-transaction", "post-index-change"):
        _write(hooks, hook, f'#!/bin/sh\ntouch "{markers}/hook-{hook}"\n', 0o755)
    with open(root / ".git" / "config", "a") as config:
        config.write(
            textwrap.dedent(f"""\
            [core]
                fsmonitor = "touch {markers}/fsmonitor; false"
                hooksPath = {hooks}
            [filter "evil"]
                clean = "touch {markers}/clean; cat"
                smudge = "touch {markers}/smudge; cat"
            [diff "evil"]
                textconv = "touch {markers}/textconv; cat"
            """)
        )
    _write(root, ".gitattributes", "*.md filter=evil diff=evil\n")


def _listen() -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("0.0.0.0", 0))
    server.listen(8)
    server.setblocking(False)
    return server


def _own_address() -> str | None:
    """This machine's address on its way out, if it has one (no packet is sent)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))
            return probe.getsockname()[0]
    except OSError:
        return None


@dataclass
class Spine:
    root: Path
    markers: Path
    before: dict[str, str]  # the checkout's files before the run
    facts: dict[str, str]  # git facts of the checkout, read before it turned hostile
    runs: dict
    runner: Runner
    wall: float
    ended: float  # time.monotonic() when the runs returned
    server: socket.socket
    snapshot_root: str


@pytest.fixture(scope="module")
def gates(tmp_path_factory) -> Spine:
    base = tmp_path_factory.mktemp("spine-gates")
    root, markers, home = base / "agentic-spine", base / "markers", base / "caller-home"
    markers.mkdir()
    _write(home, ".ssh/id_ed25519", f"-----BEGIN OPENSSH PRIVATE KEY-----\n{KEY}\n")
    server = _listen()
    hosts = " ".join(filter(None, ["127.0.0.1", _own_address()]))
    requests = build_spine(root, _gates(root, server.getsockname()[1], hosts, markers))
    facts = {"head": _git(root, "rev-parse", "HEAD").strip(), "status": _git(root, "status", "--porcelain")}
    make_hostile(root, markers)
    before = _tree_hash(root)
    shim = install(base / "shim")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{shim}{os.pathsep}{os.environ['PATH']}")
        patch.setenv("HOME", str(home))
        patch.setenv("SSOT_PLANTED_TOKEN", SECRET)
        patch.setenv("SSH_AUTH_SOCK", str(home / "agent.sock"))
        patch.setenv("https_proxy", "http://proxy.example.invalid:3128")
        start = time.monotonic()
        with Runner(root, None, CLOCK, timeout=TIMEOUT, workers=8) as run:
            runs = run.run(requests)
            ended = time.monotonic()
            snapshot_root = runs["D22"].output and str(run._spine)
    yield Spine(root, markers, before, facts, runs, run, ended - start, ended, server, snapshot_root)
    server.close()


def test_verdicts_keep_the_spine_meaning(gates):
    runs = gates.runs
    assert (runs["D5"].verdict, runs["D5"].output.strip()) == ("PASS", "D5 PASS")
    assert (runs["D10"].verdict, runs["D10"].output.strip()) == ("FAIL", "D10 FAIL: docs/b.md is stale")
    assert runs["D11"].verdict == "WARN"  # exit 0 with a WARN line: a warning, never a failure
    assert runs["D20"].verdict == "PASS" and runs["D20"].output.strip() == f"D20 PASS: {len(runs)} gates"
    assert all(run.seconds >= 0 for run in runs.values()) and gates.runner.seconds > 0


@pytest.mark.parametrize(
    ("output", "verdict"),
    [
        ("D45 WARN: pve missing from DEVICE_IDENTITY_SSOT.md\n", "WARN"),
        ("  D83 WARN: stale\nD83 PASS\n", "WARN"),
        ("D123-R4 WARN: no owner\n", "WARN"),
        ("\x1b[1;33mWARN:\x1b[0m pattern not found\n", "WARN"),
        ("RESULT: WARNING - Non-critical issues found\n", "WARN"),
        ("D4 watcher... WARN (launchd service not loaded)\n", "WARN"),
        ("Warnings: 0\n  WARNINGS: 0 gate(s)\nD9 PASS: no warnings\n", "PASS"),
        ("PASS: 3 files, 0 WARN\n", "PASS"),
    ],
)
def test_warn_lines_in_the_spine_wording(output, verdict):
    assert runner.verdict(0, output) == verdict
    assert runner.verdict(1, output) == "FAIL"


def test_inline_gates_run_alone_with_drift_gate_helpers(gates):
    runs = gates.runs
    assert (runs["D1"].verdict, runs["D1"].output.strip()) == ("PASS", "D1 top-level dirs... PASS")
    assert (runs["D2"].verdict, runs["D2"].output.strip()) == ("FAIL", "D2 one trace (no runs/)... FAIL runs/ exists")
    assert (runs["D4"].verdict, runs["D4"].output.strip()) == ("WARN", "D4 watcher... WARN (service not loaded)")


def test_a_timed_out_gate_is_killed_at_its_limit(gates):
    run = gates.runs["D12"]
    assert run.verdict == "TIMEOUT" and run.reason == f"did not finish within {TIMEOUT} s; its processes were killed"
    assert run.output.strip() == "starting" and TIMEOUT <= run.seconds < TIMEOUT + 3


def test_gates_run_side_by_side(gates):
    assert gates.wall < sum(run.seconds for run in gates.runs.values())
    assert gates.runs["D25"].seconds >= 1 and gates.runs["D26"].seconds >= 1


def test_no_network_inside(gates):
    if not gates.runner.contained:
        pytest.skip(f"this machine grants no network namespace: {gates.runner.containment}")
    assert gates.runner.containment.startswith("network namespace (no interfaces but lo")
    run = gates.runs["D13"]
    assert run.verdict == "PASS" and "CONNECTED" not in run.output
    assert "no connection to 127.0.0.1" in run.output
    with pytest.raises(BlockingIOError):
        gates.server.accept()  # nothing reached the port listening outside, on loopback or any address


def test_the_checkout_stays_byte_identical(gates):
    run = gates.runs["D14"]
    assert run.verdict == "PASS" and run.output.strip().endswith("done")
    assert _tree_hash(gates.root) == gates.before
    if gates.runner._sandbox.mounts:
        assert "absolute write refused" in run.output  # even by its absolute path: read-only for the gate


def test_nothing_the_checked_repository_configures_runs(gates):
    assert gates.runs["D22"].verdict == "PASS"  # it ran git status and git diff in the snapshot
    assert sorted(p.name for p in gates.markers.iterdir()) == []


def test_the_snapshot_is_the_tree_being_judged_as_a_checkout(gates):
    lines = gates.runs["D22"].output.splitlines()
    assert lines[0] == gates.facts["head"]
    assert lines[1:4] == ["main", "feature/x main ", "https://git.example.invalid/spine.git"]
    status = lines[4:-2]  # the uncommitted change and the untracked file, as in the checkout
    assert status == [" M docs/b.md", "?? .gitattributes", "?? docs/untracked.md"]
    assert gates.facts["status"].splitlines() == [" M docs/b.md", "?? docs/untracked.md"]
    assert lines[-2].strip() == "1" and "1 file changed" in lines[-1]


def test_the_snapshot_is_removed_at_the_end(gates):
    assert gates.snapshot_root and not Path(gates.snapshot_root).exists()


def test_the_scripts_see_the_audit_clock(gates):
    if gates.runs["D23"].reason:
        pytest.skip(gates.runs["D23"].reason)  # .ci/run installs faketime
    date, age, python_now = gates.runs["D23"].output.split()
    assert date == "2026-03-05T10:51" or date == "2026-03-05T10:52"
    assert 0 <= int(age.removeprefix("age=")) < 60  # the snapshot's files carry the clock's time
    assert abs(int(python_now) - CLOCK.timestamp()) < 60


def test_nothing_of_the_caller_environment_leaks_in(gates):
    run = gates.runs["D15"]
    assert SECRET not in run.output and KEY not in run.output and "proxy" not in run.output
    assert "sock=none" in run.output
    names = {line.split("=", 1)[0] for line in run.output.splitlines() if re.match(r"^[A-Za-z_]+=", line)}
    assert names <= {"PATH", "HOME", "TMPDIR", "LANG", "TZ", "SPINE_ROOT", "SPINE_REPO", "SPINE_CODE",
                     "WORKBENCH_ROOT", "SPINE_WORKBENCH", "PWD", "SHLVL", "_", "OLDPWD", "LD_PRELOAD",
                     "FAKETIME", "FAKETIME_SHARED", "NO_FAKE_STAT", "sock"}  # fmt: skip


def test_no_background_child_outlives_its_gate(gates):
    assert gates.runs["D16"].verdict == "PASS"
    time.sleep(max(0.0, gates.ended + 3 - time.monotonic()))
    survivors = sorted(p.name for p in gates.markers.iterdir())
    assert "child" not in survivors  # its process group was killed
    if gates.runner._sandbox.mounts:
        assert "setsid" not in survivors  # left the group, but not the pid namespace


@pytest.mark.parametrize(
    ("gate", "reason"),
    [
        ("D17", "needs frobnicate-xyz, which is not on PATH"),
        ("D18", 'runs only on macOS: line 4: launchctl print "gui/$(id -u)/com.example.watcher"'),
        ("D19", "needs the network or a host: line 4: ssh -o BatchMode=yes pve true"),
    ],
)
def test_a_gate_that_cannot_run_here_is_not_run_and_says_why(gates, gate, reason):
    run = gates.runs[gate]
    assert (run.verdict, run.reason, run.output, run.seconds) == ("NOT RUN", reason, "", 0.0)


def test_output_is_bounded(gates):
    run = gates.runs["D24"]
    assert run.verdict == "PASS" and len(run.output) < 66 << 10
    assert run.output.endswith("[output cut: 134,465 more bytes not kept]")


def _small_spine(root: Path, gates: dict[str, str], git: bool = True) -> list[ScriptRequest]:
    for gate, body in gates.items():
        _write(root, f"surfaces/verify/{gate.lower()}.sh", f"#!/usr/bin/env bash\n{body}\n", 0o755)
    _write(root, "docs/a.md", "# a\n")
    if git:
        _git(root, "init", "-q", "-b", "main")
        _git(root, "add", "-A")
        _git(root, "commit", "-q", "-m", "spine")
    return [ScriptRequest(gate, f"surfaces/verify/{gate.lower()}.sh") for gate in gates]


def test_bad_requests_are_refused_with_the_reason(tmp_path):
    root = tmp_path / "spine"
    _small_spine(root, {"D1": "echo ok"})
    (root / "surfaces/verify/escape.sh").symlink_to("/etc/passwd")
    (root / "surfaces/verify/inside.sh").symlink_to("d1.sh")
    requests = [
        ScriptRequest("D2", "../outside.sh"),
        ScriptRequest("D3", "/etc/passwd"),
        ScriptRequest("D4", "surfaces/verify/escape.sh"),
        ScriptRequest("D5", "surfaces/verify/missing.sh"),
        ScriptRequest("D6", "surfaces/verify"),
        ScriptRequest("D7", None),
        ScriptRequest("D8", "surfaces/verify/d1.sh", "if true; then"),
        ScriptRequest("D9", "surfaces/verify/d1.sh", "echo inline"),
        ScriptRequest("D10", "surfaces/verify/inside.sh"),
    ]
    with Runner(root, None, None, timeout=TIMEOUT) as run:
        runs = run.run(requests)
    reasons = {gate: r.reason for gate, r in runs.items() if r.verdict == "ERROR"}
    assert reasons == {
        "D2": "check_script '../outside.sh' refused: it climbs out of the tree (`..`)",
        "D3": "check_script '/etc/passwd' refused: not a path relative to the spine root",
        "D4": "check_script 'surfaces/verify/escape.sh' refused: a symlink leads out of the tree",
        "D5": "check_script surfaces/verify/missing.sh cannot be read (missing, not a regular file, or over 1 MiB)",
        "D6": "check_script surfaces/verify cannot be read (missing, not a regular file, or over 1 MiB)",
        "D7": "the registry names no check_script for this gate",
        "D8": "surfaces/verify/d1.sh has no gate sections to take D8's setup from",
        "D9": "surfaces/verify/d1.sh has no gate sections to take D9's setup from",
    }
    assert runs["D10"].verdict == "PASS"  # a symlink inside the tree is the script it names


def test_an_inline_block_that_does_not_stand_alone_is_an_error(tmp_path):
    root = tmp_path / "spine"
    _small_spine(root, {})
    _write(root, "surfaces/verify/drift-gate.sh", DRIFT_GATE, 0o755)
    with Runner(root, None, None, timeout=TIMEOUT) as run:
        got = run.run([ScriptRequest("D3", "surfaces/verify/drift-gate.sh", "# D3: x\nif true; then\n")])["D3"]
    assert got.verdict == "ERROR" and got.reason.startswith("D3's block of surfaces/verify/drift-gate.sh does not run")


def test_a_tree_that_is_not_a_checkout_becomes_one_commit(tmp_path):
    root = tmp_path / "extract"
    gates = {"D1": "git log --oneline | wc -l\ngit status --porcelain\ngit rev-parse --abbrev-ref HEAD"}
    requests = _small_spine(root, gates, git=False)
    _write(root, ".gitignore", "state/\n")
    _write(root, "state/ledger.jsonl", "{}\n")  # runtime data, ignored: present, untracked, not committed
    with Runner(root, None, CLOCK, timeout=TIMEOUT) as run:
        got = run.run(requests)["D1"]
    assert got.output.split() == ["1", "main"]
    assert not (root / ".git").exists()


def test_what_the_snapshot_leaves_out_is_named(tmp_path, monkeypatch):
    root = tmp_path / "spine"
    requests = _small_spine(root, {"D1": "ls docs | sort | tr '\\n' ' '"}, git=False)
    _write(root, "docs/big.bin", "x" * 4096)
    (root / "docs/key").symlink_to(tmp_path / "outside-key")
    (root / "docs/same").symlink_to("a.md")
    os.mkfifo(root / "docs/pipe")
    monkeypatch.setattr(snapshot, "FILE_LIMIT", 1024)
    with Runner(root, None, None, timeout=TIMEOUT) as run:
        got = run.run(requests)["D1"]
    assert got.output.split() == ["a.md", "same"]
    assert sorted(run.left_out) == [
        "agentic-spine/docs/big.bin: 4,096 bytes, over the 0 MiB limit",
        "agentic-spine/docs/key: a symlink that leads out of the tree",
        "agentic-spine/docs/pipe: not a regular file, directory or symlink",
    ]


def test_an_uncopyable_tree_fails_every_run_with_the_reason(tmp_path):
    with Runner(tmp_path / "nowhere", None, None) as run:
        got = run.run([ScriptRequest("D1", "surfaces/verify/d1.sh")])["D1"]
    assert got.verdict == "ERROR" and got.reason.startswith("the checkouts could not be copied: ")
    outside = Runner(tmp_path, None, None).run([ScriptRequest("D1", "x.sh")])["D1"]
    assert outside.reason == "the runner is not started (use it in a `with` block)"


def test_without_libfaketime_a_run_says_it_saw_the_real_clock(tmp_path, monkeypatch):
    requests = _small_spine(tmp_path / "spine", {"D1": "date -u +%Y"})
    monkeypatch.setattr(runner, "_LIBFAKETIME", re.compile(rb"(?!)"))
    with Runner(tmp_path / "spine", None, CLOCK, timeout=TIMEOUT) as run:
        got = run.run(requests)["D1"]
    assert got.verdict == "PASS" and got.output.strip() == str(datetime.now(timezone.utc).year)
    assert got.reason == (
        "libfaketime (Debian's faketime) is not installed: the script saw this machine's clock, "
        "not 2026-03-05T10:51:47Z"
    )


def test_a_yq_that_is_not_mikefarahs_is_not_trusted(tmp_path, monkeypatch):
    requests = _small_spine(tmp_path / "spine", {"D1": "yq e '.x' docs/a.md", "D2": "echo no yq here"})
    fake = tmp_path / "bin"
    _write(fake, "yq", "#!/bin/sh\necho 'usage: yq [-h] [jq_filter] [files ...]' >&2\nexit 2\n", 0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    with Runner(tmp_path / "spine", None, None, timeout=TIMEOUT) as run:
        runs = run.run(requests)
    assert runs["D1"].verdict == "NOT RUN"
    assert runs["D1"].reason.startswith(f"needs mikefarah's yq v4; the yq on PATH ({fake}/yq) does not read")
    assert runs["D2"].verdict == "PASS"


def test_path_entries_a_checked_tree_could_plant_are_dropped(tmp_path, monkeypatch):
    requests = _small_spine(tmp_path / "spine", {"D1": "planted-tool"})
    _write(tmp_path / "spine", "bin/planted-tool", "#!/bin/sh\necho planted\n", 0o755)
    monkeypatch.setenv("PATH", f"bin:{tmp_path / 'spine' / 'bin'}:{os.environ['PATH']}")
    with Runner(tmp_path / "spine", None, None, timeout=TIMEOUT) as run:
        got = run.run(requests)["D1"]
    assert (got.verdict, got.reason) == ("NOT RUN", "needs planted-tool, which is not on PATH")
