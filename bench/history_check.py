"""Does the history say what a normal run says? Each sampled commit of a history.json, run as a user would.

For every sampled commit: `git archive` of the commit, `ssot-audit`'s suite run on it with pytest (the
same selection, `--now` the commit's date), and each entry's status in its results.json compared with
the status history.json gives at that commit. Prints every disagreement; exits 1 if there is one.

    python bench/history_check.py HISTORY_JSON --git-dir GIT_DIR [--samples 12]
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from ssot_audit.suite import suite_dir


def status_at(history: dict, index: int) -> dict[tuple[str, str], str]:
    """Each entry's status at the index-th commit: its last change at or before that commit."""
    position = {c["sha"]: i for i, c in enumerate(history["commits"])}
    out = {}
    for entry in history["entries"]:
        current = None
        for change in entry["changes"]:
            if position[change["sha"]] <= index:
                current = change["status"]
        out[(entry["kind"], entry["id"])] = current
    return out


def normal_run(git_dir: Path, commit: dict, markers: str, work: Path) -> dict[tuple[str, str], str]:
    tree = work / commit["sha"][:12]
    archive = subprocess.run(["git", "--git-dir", str(git_dir), "archive", commit["sha"]], check=True,
                             capture_output=True).stdout  # fmt: skip
    tree.mkdir()
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tree, filter="tar")
    reports = work / f"{commit['sha'][:12]}-reports"
    suite = suite_dir()
    config = suite / "pytest.ini"
    subprocess.run([sys.executable, "-m", "pytest", str(suite), "-c", str(config), "--rootdir", str(suite), "-q",
                    "-m", markers, "--spine-root", str(tree), "--now", commit["date"], "--ssot-report-dir",
                    str(reports), "-p", "no:html", "-p", "no:xdist"], capture_output=True)  # fmt: skip
    results = json.loads((reports / "results.json").read_text())
    return {(e["kind"], e["id"]): e["status"] for e in results["entries"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("history", type=Path)
    parser.add_argument("--git-dir", type=Path, required=True)
    parser.add_argument("--samples", type=int, default=12)
    options = parser.parse_args()
    history = json.loads(options.history.read_text())
    commits = history["commits"]
    # commits where some status changed, and others, spread evenly over the range
    changed = {c["sha"] for e in history["entries"] for c in e["changes"]}
    pool = sorted({i for i, c in enumerate(commits) if c["sha"] in changed} | set(range(0, len(commits), 50)))
    picks = sorted({pool[round(k * (len(pool) - 1) / max(1, options.samples - 1))] for k in range(options.samples)})
    disagreements = 0
    with tempfile.TemporaryDirectory() as tmp:
        for index in picks:
            commit = commits[index]
            ours, theirs = (
                status_at(history, index),
                normal_run(options.git_dir, commit, history["selection"]["markers"] or "static", Path(tmp)),
            )
            bad = {k: (ours.get(k), theirs.get(k)) for k in theirs if ours.get(k) != theirs.get(k)}
            disagreements += len(bad)
            print(
                f"{commit['sha'][:8]} {commit['date']}: {len(theirs) - len(bad)}/{len(theirs)} entries agree"
                + "".join(f"\n    {k[0]} {k[1]}: history {a!r}, run {b!r}" for k, (a, b) in sorted(bad.items()))
            )
    return 1 if disagreements else 0


if __name__ == "__main__":
    sys.exit(main())
