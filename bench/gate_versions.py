"""The versions of each re-implemented gate on a mirror of the spine: which ssot-audit knows, which it does not.

Every gate source is resolved as the suite resolves it (ssot_audit.gate_versions: the gate list of the
registry and drift-gate.sh's sections, the section or the script it dispatches to, the fingerprint of
what it decides with). Reads the mirror only; never run by the tests.

    python bench/gate_versions.py MIRROR.git list [--head a00cb7b7] [--since 2026-02-07]
        every version of every gate since the one in effect on --since: fingerprint, first commit, known or NEW
    python bench/gate_versions.py MIRROR.git unknown [RANGE] [--since 2026-02-07]   (RANGE: git revisions, HEAD)
        each version a commit of the first-parent range carries that gate_versions.yaml does not know, with
        the commits carrying it and the diff of its decision text against the nearest known version's
    python bench/gate_versions.py MIRROR.git judged [RANGE] [--since 2026-02-07] [--every]
        per first-parent commit of the range: of the static gates (neither -m local nor -m live) the tree
        runs, how many are judged (a known version); the lowest share, and where each gate is not
"""

from __future__ import annotations

import argparse
import difflib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from ssot_audit import catalogue, gate_sources, gate_versions  # noqa: E402
from ssot_audit.gate_decisions import decision_text  # noqa: E402

WATCHED = [f"{gate_sources.VERIFY}/", gate_sources.REGISTRY]  # what a gate's version and presence depend on


class Mirror:
    def __init__(self, git_dir: Path):
        self.git_dir = str(git_dir)
        self.blobs: dict[str, str] = {}

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "--git-dir", self.git_dir, *args], check=True, capture_output=True,
                              text=True, errors="replace").stdout  # fmt: skip

    def first_parent(self, *args: str) -> list[tuple[str, str]]:
        """(short sha, date) of first-parent commits, oldest first."""
        lines = self.git("log", "--first-parent", "--reverse", "--format=%h %ad", "--date=short", *args)
        return [tuple(line.split()) for line in lines.splitlines()]

    def files(self, sha: str) -> dict[str, str]:
        """Path -> blob id of what WATCHED names."""
        rows = self.git("ls-tree", "-r", sha, "--", *WATCHED).splitlines()
        return {row.split("\t")[1]: row.split()[2] for row in rows if " blob " in row}

    def blob(self, oid: str) -> str:
        if oid not in self.blobs:
            self.blobs[oid] = self.git("cat-file", "blob", oid)
        return self.blobs[oid]


@dataclass
class Seen:
    """One version of one gate: where it first appeared, and every commit (of those walked) carrying it."""

    mark: str
    path: str
    text: str
    helpers_from: str
    commits: list[tuple[str, str]]

    @property
    def decisions(self) -> str:
        return decision_text(self.text, self.helpers_from)


def state(mirror: Mirror, sha: str, gates: list[str]) -> dict[str, tuple[str, gate_sources.GateSource | None]]:
    """Per gate at a commit: ("absent", None) when its gate list leaves it out, else ("source", source or None)."""
    files = mirror.files(sha)

    def read(rel: str) -> str | None:
        return mirror.blob(files[rel]) if rel in files else None

    names = [rel.rsplit("/", 1)[1] for rel in files if rel.startswith(f"{gate_sources.VERIFY}/")]
    listed = gate_sources.gate_ids(
        frozenset(gate_sources.sections(read(gate_sources.DRIFT_GATE) or "")[1]),
        gate_sources.registry_ids(read(gate_sources.REGISTRY)),
    )
    out = {}
    for gate in gates:
        if listed and listed.absent(gate):
            out[gate] = ("absent", None)
        else:
            out[gate] = ("source", gate_sources.gate_source(gate, read, names))
    return out


def walk(mirror: Mirror, commits: list[tuple[str, str]], gates: list[str]):
    """(sha, date, state) for each commit; the state is worked out only where WATCHED changed."""
    changed = {sha for sha, _ in mirror.first_parent(commits[-1][0], "--", *WATCHED)} if commits else set()
    current = None
    for index, (sha, day) in enumerate(commits):
        if current is None or sha in changed or index == 0:
            current = state(mirror, sha, gates)
        yield sha, day, current


def known(gate: str, mark: str) -> bool:
    return any(mark in v["fingerprints"] for v in gate_versions.versions().get(gate) or [])


def versions_seen(mirror: Mirror, commits, gates) -> dict[str, dict[str, Seen]]:
    seen: dict[str, dict[str, Seen]] = {g: {} for g in gates}
    marks: dict[gate_sources.GateSource, str] = {}
    for sha, day, now in walk(mirror, commits, gates):
        for gate, (kind, source) in now.items():
            if kind == "source" and source is not None:
                if source not in marks:
                    marks[source] = gate_versions.fingerprint(source.text, source.helpers_from)
                mark = marks[source]
                entry = seen[gate].setdefault(mark, Seen(mark, source.path, source.text, source.helpers_from, []))
                entry.commits.append((sha, day))
    return seen


def commits_of(mirror: Mirror, options) -> list[tuple[str, str]]:
    """The first-parent commits of the range, from the --since date (the author's, in its own zone) on."""
    return [c for c in mirror.first_parent(options.range) if c[1] >= options.since]


def cmd_list(mirror: Mirror, options, gates) -> None:
    everything = mirror.first_parent(options.head)
    before = [c for c in everything if c[1] < options.since][-1:]
    seen = versions_seen(mirror, before + [c for c in everything if c[1] >= options.since], gates)
    for gate in gates:
        for mark, entry in seen[gate].items():
            sha, day = entry.commits[0]
            print(f"{gate:<4} {mark} {sha} {day} {entry.path} {'known' if known(gate, mark) else 'NEW'}")


def cmd_unknown(mirror: Mirror, options, gates) -> None:
    # Known versions are looked for over the whole history up to the range's end: the nearest may be older.
    end = options.range.split("..")[-1] or "HEAD"  # (a range A..B: B; one revision: itself)
    everything = versions_seen(mirror, mirror.first_parent(end), gates)
    inside = {sha for sha, _ in commits_of(mirror, options)}
    total = 0
    for gate in gates:
        ours = [e for e in everything[gate].values() if known(gate, e.mark)]
        for entry in everything[gate].values():
            carrying = [c for c in entry.commits if c[0] in inside]
            if known(gate, entry.mark) or not carrying:
                continue
            total += 1
            print(f"=== {gate} {entry.mark} ({entry.path}): on {len(carrying)} commits of the range, "
                  f"{carrying[0][0]} {carrying[0][1]} to {carrying[-1][0]} {carrying[-1][1]}")  # fmt: skip
            if not ours:
                print("    no version of this gate is encoded")
                continue
            new = entry.decisions.splitlines()
            nearest = min(ours, key=lambda e: (_distance(e.decisions.splitlines(), new), -len(e.commits)))
            sha, day = nearest.commits[-1]
            print(f"    against the known {nearest.mark} (last carried by {sha} {day}):")
            for line in difflib.unified_diff(nearest.decisions.splitlines(), new, nearest.mark, entry.mark,
                                             lineterm="", n=1):  # fmt: skip
                print(f"    {line}")
    print(f"{total} unknown versions on {options.range}")


def _distance(a: list[str], b: list[str]) -> int:
    return sum(1 for line in difflib.ndiff(a, b) if line[:1] in "+-")


def cmd_judged(mirror: Mirror, options, gates) -> None:
    static = [e.id for e in catalogue.load().of_kind("gate") if not {"local", "live"} & set(e.markers)]
    static = [g for g in gates if g in static]
    rows, worst, stale = [], None, {}

    def unknown_version(gate: str, source: gate_sources.GateSource | None) -> bool:
        if (gate, source) not in stale:
            stale[gate, source] = source is not None and gate_versions.resolve(gate, source).version is None
        return stale[gate, source]

    for sha, day, now in walk(mirror, commits_of(mirror, options), static):
        absent = [g for g in static if now[g][0] == "absent"]
        unknown = [g for g in static if now[g][0] == "source" and unknown_version(g, now[g][1])]
        runs = len(static) - len(absent)
        judged = runs - len(unknown)
        share = judged / runs if runs else 1.0
        rows.append((sha, day, judged, runs, absent, unknown))
        if worst is None or share < worst[0]:
            worst = (share, sha, day)
    for sha, day, judged, runs, absent, unknown in rows if options.every else _changes(rows):
        print(f"{sha} {day} judged {judged}/{runs} ({judged / runs:.0%})"
              f"{'; not applicable: ' + ' '.join(absent) if absent else ''}"
              f"{'; not proven: ' + ' '.join(unknown) if unknown else ''}")  # fmt: skip
    if worst:
        print(f"{len(rows)} commits, {len(static)} static gates; lowest share judged: {worst[0]:.1%} at "
              f"{worst[1]} {worst[2]}")  # fmt: skip


def _changes(rows):
    """The rows where what is judged changes (with the first and the last)."""
    last = None
    for index, row in enumerate(rows):
        key = (row[2], row[3], row[4], row[5])
        if key != last or index == len(rows) - 1:
            yield row
        last = key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mirror", type=Path)
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list")
    listing.add_argument("--head", default="HEAD")
    listing.add_argument("--since", default="2026-02-07")
    unknown = commands.add_parser("unknown")
    judged = commands.add_parser("judged")
    for each in (unknown, judged):
        each.add_argument("range", nargs="?", default="HEAD", help="a git revision range (default HEAD)")
        each.add_argument("--since", default="", help="only commits of this author date or later (YYYY-MM-DD)")
    judged.add_argument("--every", action="store_true", help="a line for every commit, not only for changes")
    options = parser.parse_args()
    mirror = Mirror(options.mirror)
    gates = [e.id for e in catalogue.load().of_kind("gate") if e.cls != "never-assigned"]
    {"list": cmd_list, "unknown": cmd_unknown, "judged": cmd_judged}[options.command](mirror, options, gates)


if __name__ == "__main__":
    main()
