"""Gate verdicts at sampled commits of the public spine: ssot-audit's static gates against the spine's own.

For each commit the tree is exported with `git archive` (no .git) into a work directory. Both sides are
judged at the commit's own time: ours is `pytest tests -m static --spine-root <tree> --now <commit time>`,
read from results.json; the original is each gate's section of that commit's
`surfaces/verify/drift-gate.sh` (the shared preamble plus the one section, so that D13+ run through the
commit's own `gate_script` dispatch), run under faketime at the commit time with DRIFT_VERBOSE=1 (D25,
D26 and D32 run only then), SPINE_ROOT and SPINE_REPO at the tree (D13, D34, D37 read the latter), an
empty HOME, a time limit, and, when run as root, in a network namespace of its own (`unshare -n`), so
nothing can leave the machine. The originals need mikefarah's yq on PATH: pass --yq-dir (a directory
whose `yq` is it, or a compatible stand-in such as yaqpy's).

Per commit it also says how much of the static gates (neither -m local nor -m live) ours judges: of those
the tree runs (its gate list), the share whose version ssot-audit encodes (ssot_audit.gate_versions).

Never run by the tests: it needs the mirror, and it runs the spine's scripts.

    python bench/gate_history.py MIRROR.git [--commits SHA ...] [--work /tmp/gate-history] [--yq-dir DIR]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ssot_audit import gate_versions  # noqa: E402
from ssot_audit.catalogue import load  # noqa: E402
from ssot_audit.gate_sources import sections  # noqa: E402
from ssot_audit.repo import Repo  # noqa: E402

FIRST_DAY = "2026-02-07"
VERDICT = re.compile(r"^(D\d+) [^\n]*?\.\.\. ?(PASS|FAIL|WARN)", re.MULTILINE)
OURS = {"passed": "P", "failed": "F", "not proven": "S", "not applicable": "-", "waived": "W"}
LOCAL_ONLY = {"D4", "D11", "D29", "D30", "D31", "D32", "D41", "D44", "D46"}  # read the workstation, not the tree


def git(mirror: Path, *args: str, env: dict | None = None) -> str:
    return subprocess.run(["git", "--git-dir", str(mirror), *args], check=True, capture_output=True, text=True,
                          env=env).stdout  # fmt: skip


def sample(mirror: Path, head: str) -> list[str]:
    """The last first-parent commit of each day from FIRST_DAY to head's day."""
    last: dict[str, str] = {}
    for line in git(mirror, "log", "--first-parent", "--format=%h %ad", "--date=short", head).splitlines():
        sha, day = line.split()
        if day >= FIRST_DAY:
            last.setdefault(day, sha)
    return [last[day] for day in sorted(last)]


def export(mirror: Path, sha: str, dest: Path) -> Path:
    if not dest.is_dir():
        archive = subprocess.run(["git", "--git-dir", str(mirror), "archive", sha], check=True, capture_output=True)
        dest.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(dest, filter="tar")
    return dest


def ours(tree: Path, reports: Path, now: str) -> dict[str, str]:
    cmd = [sys.executable, "-m", "pytest", "tests", "-m", "static", "--spine-root", str(tree), "-q", "--now", now,
           "-p", "no:cacheprovider", "--ssot-report-dir", str(reports)]  # fmt: skip
    subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
    entries = json.loads((reports / "results.json").read_text())["entries"]
    return {e["id"]: OURS.get(e["status"], e["status"]) for e in entries if e["kind"] == "gate"}


def judged(tree: Path, gates: list[str]) -> tuple[list[str], list[str]]:
    """(the gates the tree does not run, those it runs in a version ssot-audit does not encode)."""
    repo = Repo("agentic-spine", tree)
    known = {g: gate_versions.knowledge(repo, g) for g in gates}
    return [g for g in gates if known[g].absent], [g for g in gates if not known[g].absent and known[g].stale]


def originals(
    tree: Path, wanted: list[str], preamble: str, blocks: dict[str, str], home: Path, yq_dir: Path | None, now: str
) -> dict[str, str]:
    """Verdicts of the wanted gates, run in one shell as drift-gate.sh runs them (the preamble, which
    resolves the policy with dozens of yq calls, once); a gate the run never reached is run alone."""
    home.mkdir(parents=True, exist_ok=True)
    env = {"PATH": f"{yq_dir}:{os.environ['PATH']}" if yq_dir else os.environ["PATH"], "HOME": str(home),
           "SPINE_ROOT": str(tree), "SPINE_REPO": str(tree), "DRIFT_VERBOSE": "1", "LANG": "C.UTF-8", "TZ": "UTC"}  # fmt: skip

    def run(gates: list[str]) -> dict[str, str]:
        body = "\n".join([preamble, *(blocks[g] for g in gates), ""])
        cmd = ["faketime", now.replace("T", " ").removesuffix("Z"), "timeout", "900", "bash", "-c", body]
        if os.geteuid() == 0 and shutil.which("unshare"):
            cmd = ["unshare", "-n", *cmd]
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
        with (home.parent / f"{tree.name}.original.log").open("a") as log:
            log.write(done.stdout + done.stderr)
        return {g: {"PASS": "P", "FAIL": "F", "WARN": "W"}[v] for g, v in VERDICT.findall(done.stdout) if g in gates}

    present = [g for g in wanted if g in blocks]
    verdicts = run(present)
    for gate in (g for g in present if g not in verdicts):
        verdicts.update(run([gate]))
    return {g: verdicts.get(g, "E") if g in blocks else "absent" for g in wanted}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path, help="bare git dir of the public spine")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--commits", nargs="*", help="commits to check (default: the last of each day)")
    parser.add_argument("--extra", nargs="*", default=[], help="commits added to the default sample")
    parser.add_argument("--work", type=Path, default=Path("/tmp/gate-history"))
    parser.add_argument("--yq-dir", type=Path)
    parser.add_argument("--no-originals", action="store_true")
    parser.add_argument(
        "--all-originals", action="store_true", help="run every gate's original, not only those ours fails"
    )
    options = parser.parse_args()
    commits = options.commits or [*sample(options.mirror, options.head), *options.extra]
    gates = [e.id for e in load().of_kind("gate") if e.id not in LOCAL_ONLY]
    static = [
        e.id for e in load().of_kind("gate") if e.cls != "never-assigned" and not {"local", "live"} & set(e.markers)
    ]
    rows = {}
    for sha in commits:
        day = git(options.mirror, "show", "-s", "--format=%ad", "--date=short", sha).strip()
        now = git(options.mirror, "show", "-s", "--format=%cd", "--date=format-local:%Y-%m-%dT%H:%M:%SZ", sha,
                  env={**os.environ, "TZ": "UTC"}).strip()  # fmt: skip
        tree = export(options.mirror, sha, options.work / sha)
        mine = ours(tree, options.work / f"{sha}.reports", now)
        absent, unknown = judged(tree, static)
        theirs = {}
        if not options.no_originals:
            preamble, blocks = sections((tree / "surfaces/verify/drift-gate.sh").read_text())
            wanted = gates if options.all_originals else [g for g in gates if mine.get(g) == "F"]
            theirs = originals(tree, wanted, preamble, blocks, options.work / f"{sha}.home", options.yq_dir, now)
        rows[sha] = {"date": day, "ours": {g: mine.get(g, "?") for g in gates}, "original": theirs,
                     "not_applicable": absent, "unknown": unknown, "static": len(static)}  # fmt: skip
        bad = [g for g in gates if mine.get(g) == "F" and theirs.get(g) in ("P", "W")]
        missed = [g for g in gates if mine.get(g) == "P" and theirs.get(g) == "F"]
        print(f"{sha} {day} judged {share(rows[sha])} ours F: {[g for g in gates if mine.get(g) == 'F']} "
              f"original F: {[g for g, v in theirs.items() if v == 'F']} ours-only F: {bad} original-only F: {missed}",
              flush=True)  # fmt: skip
    (options.work / "verdicts.json").write_text(json.dumps(rows, indent=1))
    print(table(rows))


def share(row: dict) -> str:
    """Judged static gates: those in a known version, of those the tree runs."""
    runs = row["static"] - len(row["not_applicable"])
    return f"{runs - len(row['unknown'])}/{runs} ({(runs - len(row['unknown'])) / runs:.0%})"


def table(rows: dict) -> str:
    """Markdown: per commit, the judged share, the gates ours fails, the original's verdict on each, the gates the
    original fails where ours passes, and what ours leaves unproven or not applicable."""
    lines = ["| commit | date | judged | ours fails | original on those | ours fails, original passes "
             "| original fails, ours passes | not proven: unknown version | not applicable |",
             "|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for sha, row in rows.items():
        ours_f = [g for g, v in row["ours"].items() if v == "F"]
        theirs = ", ".join(f"{g} {row['original'].get(g, '?')}" for g in ours_f) or "-"
        bad = [g for g in ours_f if row["original"].get(g) in ("P", "W")]
        missed = [g for g, v in row["ours"].items() if v == "P" and row["original"].get(g) == "F"]
        lines.append(f"| {sha} | {row['date']} | {share(row)} | {', '.join(ours_f) or '-'} | {theirs} "
                     f"| {', '.join(bad) or 'none'} | {', '.join(missed) or 'none'} | {', '.join(row['unknown']) or '-'} "
                     f"| {', '.join(row['not_applicable']) or '-'} |")  # fmt: skip
    return "\n".join(lines)


if __name__ == "__main__":
    main()
