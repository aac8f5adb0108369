"""Per-entry verdicts of `-m static` on real commits of a spine clone, for the README's real-history table.

    python bench/verdicts.py /path/to/agentic-spine.git 38069179 bda8af8d 4312bfe1

Each commit's tree is taken with `git archive` (nothing is checked out in the clone), judged at the
commit's own date, and summarised from results.json: the disconnects and gates with their status,
and the drift beyond the catalogue. Not run by the tests: it needs a clone of the public spine.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def git(git_dir: str, *args: str) -> bytes:
    return subprocess.run(["git", "--git-dir", git_dir, *args], check=True, capture_output=True).stdout


def judge(git_dir: str, commit: str, work: Path) -> dict:
    tree = work / commit
    tree.mkdir(parents=True)
    # tar keeps the spine's own absolute symlinks as they are (the suite never follows them out of the root)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=git(git_dir, "archive", commit), check=True)
    when = git(git_dir, "log", "-1", "--format=%cI", commit).decode().strip()
    reports = work / f"{commit}-reports"
    subprocess.run(
        [sys.executable, "-m", "pytest", str(REPO / "tests"), "-c", str(REPO / "tests" / "pytest.ini"), "--rootdir", str(REPO / "tests"),
         "-m", "static", "-q", "-p", "no:cacheprovider", "--spine-root", str(tree), "--now", when,
         "--ssot-report-dir", str(reports)],
        capture_output=True, check=False,
    )  # fmt: skip
    document = json.loads((reports / "results.json").read_text())
    document["judged_at"] = when
    return document


def summary(commit: str, document: dict) -> list[str]:
    lines = [f"### {commit} (judged at {document['judged_at']})", "", f"**{document['verdict']}**", ""]
    lines += ["| entry | status | evidence |", "|---|---|---|"]
    for e in document["entries"]:
        if e["kind"] == "disconnect" or e["status"] == "failed":
            lines.append(f"| {e['kind']} {e['id']} | {e['status']} | {e['evidence'][:160].replace('|', '/')} |")
    lines += ["", f"Drift beyond the catalogue ({len(document['beyond'])}):", ""]
    lines += [f"- `{f['file']}:{f['line']}`: {f['message']}" for f in document["beyond"]] or ["- none"]
    return lines + [""]


def main() -> None:
    git_dir, *commits = sys.argv[1:]
    with tempfile.TemporaryDirectory() as tmp:
        for commit in commits:
            print("\n".join(summary(commit, judge(git_dir, commit, Path(tmp)))))


if __name__ == "__main__":
    main()
