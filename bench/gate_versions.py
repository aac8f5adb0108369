"""Every version of each re-implemented gate's source on the public spine's first-parent history.

For each first-parent commit that touched surfaces/verify/ (from the one in effect on FIRST_DAY to the
head), resolve each gate's source as the suite does (ssot_audit.gate_versions.gate_source) and print
each distinct fingerprint once, with the first commit and date it appeared at and whether
ssot_audit/gate_versions.yaml knows it. Reads the mirror only; never run by the tests.

    python bench/gate_versions.py MIRROR.git [--head a00cb7b7] [--since 2026-02-07]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ssot_audit import catalogue, gate_versions  # noqa: E402


class Mirror:
    def __init__(self, git_dir: Path):
        self.git_dir = str(git_dir)
        self.blobs: dict[str, str] = {}

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "--git-dir", self.git_dir, *args], check=True, capture_output=True,
                              text=True, errors="replace").stdout  # fmt: skip

    def listing(self, sha: str) -> dict[str, str]:
        """surfaces/verify/ file name -> blob id."""
        rows = self.git("ls-tree", sha, f"{gate_versions.VERIFY}/").splitlines()
        return {row.split("\t")[1].rsplit("/", 1)[1]: row.split()[2] for row in rows if " blob " in row}

    def blob(self, oid: str) -> str:
        if oid not in self.blobs:
            self.blobs[oid] = self.git("cat-file", "blob", oid)
        return self.blobs[oid]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path)
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--since", default="2026-02-07")
    options = parser.parse_args()
    mirror = Mirror(options.mirror)
    log = mirror.git("log", "--first-parent", "--reverse", "--format=%h %ad", "--date=short", options.head, "--",
                     f"{gate_versions.VERIFY}/").splitlines()  # fmt: skip
    before = [line for line in log if line.split()[1] < options.since][-1:]
    commits = [line.split() for line in before + [line for line in log if line.split()[1] >= options.since]]
    gates = [e.id for e in catalogue.load().of_kind("gate")]
    seen: dict[str, dict[str, tuple[str, str, str]]] = {g: {} for g in gates}
    for sha, day in commits:
        files = mirror.listing(sha)

        def read(rel: str, files=files) -> str | None:
            name = rel.rsplit("/", 1)[1]
            return mirror.blob(files[name]) if rel.startswith(gate_versions.VERIFY) and name in files else None

        for gate in gates:
            source = gate_versions.gate_source(gate, read, list(files))
            if source is not None:
                mark = gate_versions.fingerprint(source.text, source.helpers_from)
                seen[gate].setdefault(mark, (sha, day, source.path))
    for gate in gates:
        for mark, (sha, day, path) in seen[gate].items():
            known = any(mark in v["fingerprints"] for v in gate_versions.versions().get(gate) or [])
            print(f"{gate:<4} {mark} {sha} {day} {path} {'known' if known else 'NEW'}")


if __name__ == "__main__":
    main()
