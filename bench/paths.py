"""Do the three paths judge alike on the real spine? `pytest tests`, the hook (`ssot-audit`, in-process) and the
history, each on the same commits of the public spine.

For each sampled first-parent commit (spread evenly over the range): its `git archive` as a one-commit
checkout, judged `-m static` at the commit's date by pytest (results.json) and by the hook (its
results.json under .git/ssot-audit/), and the history of that one commit (`ssot-audit history SHA~1..SHA`
in a clone of the mirror). Compared: every catalogue entry's status, reasons and findings (node ID, file,
line, message), and the findings beyond the catalogue; pytest and the hook also on the whole results.json
but its run record, and on their exit status. Prints one line per commit and every disagreement; exits 1
if there is one.

    python bench/paths.py --mirror GIT_DIR [--since 2026-02-07] [--until 2026-03-05] [--samples 20]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from deepdiff import DeepDiff
from timing import ENV, clone_of, window_options

from ssot_audit import gate_runs
from ssot_audit.suite import suite_dir

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"]
BIN = Path(sys.executable).parent


def commits(git_dir: Path, since: str, until: str, samples: int) -> list[tuple[str, str]]:
    log = subprocess.run(["git", "--git-dir", str(git_dir), "log", "--first-parent", "--reverse", "--format=%H %cI",
                          f"--since={since}", f"--until={until}", "HEAD"], check=True, capture_output=True,
                         text=True).stdout.split("\n")  # fmt: skip
    every = [tuple(line.split()) for line in log if line]
    step = max(1, (len(every) - 1) / max(1, samples - 1))
    return [every[min(len(every) - 1, round(i * step))] for i in range(samples)]


def checkout(git_dir: Path, sha: str, tree: Path) -> Path:
    archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", sha], check=True, capture_output=True)
    tree.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(tree, filter="tar")
    for step in (["init", "-q"], ["add", "-A", "-f"], ["commit", "-qm", sha, "--no-verify"]):
        subprocess.run([*GIT, *step], cwd=tree, check=True, capture_output=True)
    return tree


def by_pytest(tree: Path, when: str, reports: Path) -> tuple[int, dict]:
    suite = suite_dir()
    done = subprocess.run([sys.executable, "-m", "pytest", str(suite), "-c", str(suite / "pytest.ini"), "--rootdir",
                           str(suite), "-q", "-m", "static", "--spine-root", str(tree), "--now", when,
                           "--ssot-report-dir", str(reports), "-p", "no:cacheprovider"], capture_output=True,
                          env=ENV)  # fmt: skip
    return done.returncode, json.loads((reports / "results.json").read_text())


def by_hook(tree: Path, when: str) -> tuple[int, dict]:
    done = subprocess.run([str(BIN / "ssot-audit"), "-m", "static", "-q", "--now", when], cwd=tree,
                          capture_output=True, text=True, env=ENV)  # fmt: skip
    if "(ssot-audit, in-process)" not in done.stdout:
        sys.exit(f"the hook did not run in-process:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.returncode, json.loads((tree / ".git" / "ssot-audit" / "results.json").read_text())


def by_history(clone: Path, sha: str, reports: Path) -> dict:
    subprocess.run([str(BIN / "ssot-audit"), "history", "-m", "static", f"{sha}~1..{sha}", "--ssot-report-dir",
                    str(reports)], cwd=clone, check=True, capture_output=True, env=ENV)  # fmt: skip
    return json.loads((reports / "history.json").read_text())


def _finding(f: dict) -> tuple:
    return (f["test"], f["file"], f["line"], f["message"])


# The one reason the two may word differently: a run says how the user could let the spine's scripts run, a
# history (which never runs them) says that it does not.
def _reasons(reasons: list[str]) -> list[str]:
    return sorted(r.replace(gate_runs.NOT_ALLOWED, "-").replace(gate_runs.IN_HISTORY, "-") for r in reasons)


def entries_of_run(document: dict) -> dict:
    return {(e["kind"], e["id"]): (e["status"], _reasons(e["reasons"]), sorted(map(_finding, e["findings"])))
            for e in document["entries"]}  # fmt: skip


def entries_of_history(document: dict) -> dict:
    out = {}
    for entry in document["entries"]:
        last = entry["changes"][-1]
        if last["status"] == "absent":  # a gate the commit's list no longer names: no entry of a run
            continue
        out[(entry["kind"], entry["id"])] = (last["status"], _reasons(last.get("reasons", [])),
                                             sorted(map(_finding, last["findings"])))  # fmt: skip
    return out


def beyond_of_run(document: dict) -> list:
    return sorted(map(_finding, document["beyond"]))


def beyond_of_history(document: dict) -> list:
    return sorted(_finding(f) for b in document["beyond"] for f in b["changes"][-1]["findings"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    window_options(parser)
    parser.set_defaults(until="2026-03-05T23:59:59-05:00")
    parser.add_argument("--samples", type=int, default=20)
    options = parser.parse_args()
    disagreements = 0
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        clone = clone_of(options, work)
        chosen = commits(options.mirror, options.since, options.until, options.samples)
        for sha, when in chosen:
            tree = checkout(options.mirror, sha, work / sha[:12])
            pytest_code, pytest_doc = by_pytest(tree, when, work / f"{sha[:12]}-r")
            hook_code, hook_doc = by_hook(tree, when)
            history = by_history(clone, sha, work / f"{sha[:12]}-h")
            problems = []
            if pytest_code != hook_code:
                problems.append(f"exit status: pytest {pytest_code}, hook {hook_code}")
            diff = DeepDiff(*({k: v for k, v in d.items() if k != "run"} for d in (pytest_doc, hook_doc)))
            if diff:
                problems.append(f"pytest and the hook: {diff.pretty()[:2000]}")
            diff = DeepDiff(entries_of_run(pytest_doc), entries_of_history(history))
            if diff:
                problems.append(f"pytest and the history (entries): {diff.pretty()[:2000]}")
            diff = DeepDiff(beyond_of_run(pytest_doc), beyond_of_history(history))
            if diff:
                problems.append(f"pytest and the history (beyond): {diff.pretty()[:2000]}")
            failing = sum(1 for e in pytest_doc["entries"] if e["status"] == "failed")
            print(f"{sha[:8]} {when}: exit {pytest_code}, {failing} entries failing, {len(pytest_doc['beyond'])} "
                  f"beyond: {'AGREE' if not problems else 'DISAGREE'}", flush=True)  # fmt: skip
            for problem in problems:
                print(f"    {problem}")
            disagreements += bool(problems)
    print(f"{len(chosen)} commits, {disagreements} with a disagreement, {time.perf_counter() - started:.0f} s")
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
