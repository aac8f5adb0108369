"""Drift history: every first-parent commit of a range judged at its own date, and where each verdict changed.

The trees come from git objects (gitobjects.py, gittree.py), moved commit by commit; the tests run
through the engine's grid and runner without a pytest session (judge.py), each only when the commit
touched what it read or when it is judged against the clock. Per commit, the results are folded into
entry statuses exactly as a run's reports fold them (report/results.py); `history.json` keeps, for
each catalogue entry and each finding beyond the catalogue, the commits where that changed.
"""

from __future__ import annotations

import time
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from . import __version__, gate_runs, gitobjects, history_cache
from . import catalogue as catalogue_mod
from . import waivers as waivers_mod
from .baseline import key
from .estate import Estate, UsageError
from .gate_runs import GateRuns
from .gittree import Delta, Deps, GitTree, Snapshot
from .judge import Judge
from .pytest_rules import Selection
from .redact import neutralise
from .repo import Repo
from .report.results import Results
from .sources import read_error
from .spine import Spine
from .suite import collect, suite_dir
from .timestamps import parse_utc
from .workbench import Workbench

FORGET_EVERY = 50  # commits between dropping cached contents the trees no longer hold


class HistoryError(Exception):
    """A range or repository that gives no history: the message says what to change."""


@dataclass
class Side:
    """One repository followed through a history: where it is, its current tree, its blobs."""

    name: str
    root: Path
    git: Path
    snapshot: Snapshot | None = None
    blobs: gitobjects.Blobs | None = None

    def __post_init__(self):
        self.contents: dict = {}  # blob id -> content, shared by every commit's tree
        self.documents: dict = {}  # (Source, blob id) -> parsed document
        self.derived: dict = {}  # (blob id, key) -> what a check computed of that content (Tree.derived)

    def forget(self) -> None:
        """Drop what is cached of blobs the current tree no longer has: a history moves forward, and
        holding every version of every file it read would grow with the range."""
        live = set(self.snapshot.blobs.values())
        self.contents = {sha: v for sha, v in self.contents.items() if sha in live}
        self.documents = {k: v for k, v in self.documents.items() if k[1] is None or k[1] in live}
        self.derived = {k: v for k, v in self.derived.items() if k[0] in live}

    def tree(self, deps: Deps) -> GitTree:
        return GitTree(self.root, self.snapshot, self.blobs, self.contents, deps, self.derived)


def _finding(test: str, finding: dict) -> dict:
    kept = {k: finding.get(k) for k in ("file", "line", "message", "expected", "found", "fix")}
    return {"test": test, **kept, **({"diff": finding["diff"]} if finding.get("diff") else {})}


def _state(status: str, findings: list[dict], reasons: list[str] | None) -> tuple:
    return status, sorted((f["test"], f["file"], f["message"]) for f in findings), tuple(reasons or ())


class Timeline:
    """Changes of one thing (an entry, or a finding beyond the catalogue) over the commits."""

    def __init__(self):
        self.changes: list[dict] = []
        self._last = None

    @classmethod
    def resumed(cls, changes: list[dict]) -> Timeline:
        """A timeline that goes on from changes recorded before (a cached history's)."""
        timeline = cls()
        timeline.changes = list(changes)
        if changes:
            last = changes[-1]
            timeline._last = _state(last["status"], last["findings"], last.get("reasons"))
        return timeline

    def see(self, commit: dict, status: str, findings: list[dict], reasons: list[str] | None = None) -> None:
        state = _state(status, findings, reasons)
        if state == self._last:
            return
        self._last = state
        change = {"sha": commit["sha"], "date": commit["date"], "status": status, "findings": findings}
        if reasons:
            change["reasons"] = reasons
        self.changes.append(change)


def run(spine: Side, workbench: Side | None, revisions: list[str], since: str | None, until: str | None,
        selection: Selection, suite: Path, mint_modules, waivers_option: str | None) -> dict:  # fmt: skip
    """The history document (history.schema.json) of the range."""
    started = time.perf_counter()
    commits = gitobjects.commits(spine.git, revisions, since, until)
    if not commits:
        span = " ".join([*(revisions or ["HEAD"]), *([f"--since {since}"] if since else []),
                         *([f"--until {until}"] if until else [])])  # fmt: skip
        raise HistoryError(f"no first-parent commits in {span} of {spine.root}")
    wb_commits = gitobjects.commits(workbench.git, ["HEAD"], None, commits[-1].date) if workbench else []
    listed = [{"sha": c.sha, "date": c.date, "subject": c.subject, "workbench": paired}
              for c, paired in zip(commits, _pairing(wb_commits, commits), strict=True)]  # fmt: skip
    gates = _Gates(spine)
    judge = Judge(collect(suite), selection)
    kept = history_cache.key(selection.markexpr, selection.keyword, workbench.root if workbench else None,
                             waivers_option, mint_modules.root if mint_modules else None)  # fmt: skip
    cached = history_cache.load(spine.git, kept)
    reused = history_cache.reusable(cached, listed)
    entries, beyond = _resumed(cached, listed[:reused])
    titles = {(e["kind"], e["id"]): e["title"] for e in (cached or {}).get("entries", []) if "title" in e}
    wb_index = -1
    with gitobjects.Blobs(spine.git) as spine.blobs, _blobs(workbench) as wb_blobs:
        if workbench:
            workbench.blobs = wb_blobs
        for number, commit in enumerate(commits[reused:], start=reused):
            if number == reused:
                spine.snapshot = Snapshot(gitobjects.tree_of(spine.git, commit.sha))
                spine_delta = None
            else:
                spine_delta = spine.snapshot.apply(commit.changes)
            if number % FORGET_EVERY == 0:
                for side in (spine, workbench) if workbench and workbench.snapshot else (spine,):
                    side.forget()
            when = parse_utc(commit.date)
            wb_delta, wb_index = _follow(workbench, wb_commits, wb_index, when)
            waivers = _waivers(spine, waivers_option)

            def views(spine_deps: Deps, wb_deps: Deps, when=when, waivers=waivers, wb_index=wb_index) -> Estate:
                return _estate(spine, workbench if wb_index >= 0 else None, spine_deps, wb_deps, when, waivers,
                               mint_modules)  # fmt: skip

            in_force = (tuple(waivers.active(when.date())), waivers.unusable)
            results = judge.judge(views, (spine_delta, wb_delta), in_force)
            catalogue, listing_changed = gates.at(spine_delta)
            if judge.changed or listing_changed:  # else every status and finding is the previous commit's
                _record(listed[number], results, judge, catalogue, entries, beyond)
                titles.update({(e.kind, e.id): e.title for e in catalogue.entries.values() if e.title})
    document = {
        "loop": catalogue_mod.load().loop,
        "ssot_audit": __version__,
        "spine": {
            "root": str(spine.root),
            "range": " ".join(revisions or ["HEAD"]),
            "since": since,
            "until": until,
            "shallow": gitobjects.is_shallow(spine.git),
        },  # fmt: skip
        "workbench": {"root": str(workbench.root)} if workbench else None,
        "selection": {"markers": selection.markexpr, "keywords": selection.keyword},
        "commits": listed,
        "entries": [
            {"kind": k, "id": i, **({"title": titles[k, i]} if titles.get((k, i)) else {}), "changes": t.changes}
            for (k, i), t in entries.items()
            if t.changes
        ],  # fmt: skip
        "beyond": [{"test": k[0], "file": k[1], "message": k[2], "changes": t.changes} for k, t in beyond.items()],
        "run": {
            "seconds": round(time.perf_counter() - started, 3),
            "test_functions": len(judge.specs),
            "reruns": judge.reruns,
            "reused": reused,
        },  # fmt: skip
    }
    history_cache.save(spine.git, kept, document)
    return document


def _pairing(wb_commits: list, commits: list) -> list[str | None]:
    """Each spine commit's workbench commit: the newest at or before its date."""
    out, index = [], -1
    for commit in commits:
        when = parse_utc(commit.date)
        while index + 1 < len(wb_commits) and parse_utc(wb_commits[index + 1].date) <= when:
            index += 1
        out.append(wb_commits[index].sha if index >= 0 else None)
    return out


def _resumed(cached: dict | None, reused: list[dict]) -> tuple[dict, dict]:
    """The timelines as the cached history left them after the commits it judged that this range begins with."""
    shas = {c["sha"] for c in reused}
    entries: dict[tuple[str, str], Timeline] = {}
    beyond: dict[tuple, Timeline] = {}
    if not reused:
        return entries, beyond
    for entry in cached["entries"]:
        changes = [c for c in entry["changes"] if c["sha"] in shas]
        if changes:
            entries[(entry["kind"], entry["id"])] = Timeline.resumed(changes)
    for found in cached["beyond"]:
        changes = [c for c in found["changes"] if c["sha"] in shas]
        if changes:
            beyond[(found["test"], found["file"], found["message"])] = Timeline.resumed(changes)
    return entries, beyond


class _Gates:
    """The commit's catalogue, as a run of its tree reports it (gate_runs.catalogue_of: every gate its list
    names is an entry), worked out again only at a commit that changes a file the last one read."""

    def __init__(self, spine: Side):
        self.spine = spine
        self.deps = Deps()
        self.catalogue: catalogue_mod.Catalogue | None = None

    def at(self, delta: Delta | None) -> tuple[catalogue_mod.Catalogue, bool]:
        """The catalogue, and whether it may differ from the last commit's."""
        if self.catalogue is not None and delta is not None and not self.deps.touched(delta):
            return self.catalogue, False
        self.deps = Deps()
        repo = Repo("agentic-spine", self.spine.root, self.spine.tree(self.deps), self.spine.documents)
        self.catalogue = gate_runs.catalogue_of(repo if repo.tree.is_dir("ops/bindings") else None)
        return self.catalogue, True


def _blobs(side: Side | None):
    return gitobjects.Blobs(side.git) if side else nullcontext()


def _follow(workbench: Side | None, wb_commits: list, index: int, when: datetime):
    """Move the workbench to its newest commit at or before `when`: (its delta, or None when its tree is
    new; the commit's index, -1 before its first commit)."""
    if workbench is None:
        return None, -1
    target = index
    while target + 1 < len(wb_commits) and parse_utc(wb_commits[target + 1].date) <= when:
        target += 1
    if target == index:
        return _EMPTY, index
    if index < 0:
        workbench.snapshot = Snapshot(gitobjects.tree_of(workbench.git, wb_commits[target].sha))
        return None, target
    changed, shape = set(), set()
    for commit in wb_commits[index + 1 : target + 1]:
        delta = workbench.snapshot.apply(commit.changes)
        changed |= delta.changed
        shape |= delta.shape
    return Delta(frozenset(changed), frozenset(shape)), target


def _estate(spine: Side, workbench: Side | None, spine_deps: Deps, wb_deps: Deps, when: datetime,
            waivers: waivers_mod.Waivers, mint_modules) -> Estate:  # fmt: skip
    """The commit's estate for one test function's run, over fresh trees that record what it reads."""
    spine_repo = Repo("agentic-spine", spine.root, spine.tree(spine_deps), spine.documents)
    spine_view = Spine(spine_repo) if spine_repo.tree.is_dir("ops/bindings") else None
    wb_view = None
    if workbench is not None and spine_view is not None:
        wb_view = Workbench(Repo("workbench", workbench.root, workbench.tree(wb_deps), workbench.documents), spine_view)
    return Estate(spine_view, wb_view, mint_modules, None, when, waivers, _NO_SCRIPTS)


def _waivers(spine: Side, option: str | None) -> waivers_mod.Waivers:
    """The commit's waivers (or --waivers'), as a normal run loads them."""
    tree = spine.tree(Deps())
    try:
        raw = None if option or not tree.is_file(waivers_mod.DEFAULT) else tree.raw(waivers_mod.DEFAULT)
    except OSError as exc:  # (a blob over the cap): unusable, as a run finds the checkout's file
        path = str(spine.root / waivers_mod.DEFAULT)
        finding = waivers_mod.unusable(Path(path), waivers_mod.WaiverError(str(read_error(exc, path))))
        return waivers_mod.Waivers((), finding, "none", waivers_mod.DEFAULT)
    if not option and raw is None:
        return waivers_mod.Waivers()
    return waivers_mod.find(option, spine.root, raw)


def _record(commit: dict, results_list: list, judge: Judge, catalogue, entries: dict, beyond: dict) -> None:
    results = Results(judge.selection.why_deselected)  # live and local tests too: hosts keep no git history
    results.tests = results_list
    seen = set()
    for status in results.entries(catalogue):
        findings = [_finding(t.nodeid, f) for t, f in status.findings]
        seen.add(key_ := (status.entry.kind, status.entry.id))
        entries.setdefault(key_, Timeline()).see(commit, status.status, findings, status.reasons)
    for gone in entries.keys() - seen:  # a gate the commit's list no longer names
        entries[gone].see(commit, "absent", [])
    # One thing beyond the catalogue may be found more than once (a key repeated on two lines): all at once.
    present: dict[tuple, list[dict]] = {}
    for test, finding in results.beyond():
        present.setdefault(key(test.nodeid, finding), []).append(_finding(test.nodeid, finding))
    for found, findings in present.items():
        beyond.setdefault(found, Timeline()).see(commit, "failed", findings)
    for found, timeline in beyond.items():
        if found not in present:
            timeline.see(commit, "absent", [])


_EMPTY = Delta(frozenset(), frozenset())  # the workbench did not move
_NO_SCRIPTS = GateRuns(None, why_not=gate_runs.IN_HISTORY)


def summary(document: dict, where: Path) -> str:
    """What the terminal says: the range, each entry failing at its end and since when, and where the files are."""
    commits = document["commits"]
    lines = [f"{len(commits)} commits judged, {commits[0]['sha'][:8]} {commits[0]['date']} .. "
             f"{commits[-1]['sha'][:8]} {commits[-1]['date']} (-m {document['selection']['markers']!r})"]  # fmt: skip
    for entry in document["entries"]:
        streak = failing_since(entry["changes"])
        if streak:
            changes = len(entry["changes"])
            lines.append(f"  {entry['kind']:>10} {entry['id']:<4} failing since {streak['sha'][:8]} {streak['date']}"
                         f" ({changes} change(s) in the range)")  # fmt: skip
    lines.append(f"history.json and history.html in {neutralise(str(where))}")
    return "\n".join(lines)


def since(changes: list[dict]) -> dict:
    """The change that started the status a thing has at the end of the range: the earliest of its last run
    of changes with that status (its findings or reasons may have changed along the way)."""
    start = changes[-1]
    for change in reversed(changes):
        if change["status"] != start["status"]:
            break
        start = change
    return start


def failing_since(changes: list[dict]) -> dict | None:
    """The change that started the failure a thing is in at the end of the range; None if it is not failing."""
    start = since(changes)
    return start if start["status"] == "failed" else None


def failing_since_by_entry(spine_root: Path, workbench_root: Path, since: str, markexpr: str) -> dict | str:
    """For `--ssot-failing-since`: (kind, id) -> "failing since <sha> <date>" for each entry failing at the
    checkout's HEAD, from the history of its commits since `since`; or why there is none."""
    try:
        spine = Side("agentic-spine", spine_root, gitobjects.git_dir(spine_root))
        workbench = None
        if workbench_root.is_dir():
            try:
                workbench = Side("workbench", workbench_root, gitobjects.git_dir(workbench_root))
            except gitobjects.GitError:
                workbench = None  # not a git checkout: its entries have no history
        selection = Selection(markexpr or ("static or crossrepo" if workbench else "static"))
        document = run(spine, workbench, [], since, None, selection, suite_dir(), None, None)
    except (gitobjects.GitError, HistoryError, UsageError) as error:
        return f"failing since: unknown ({error})"
    out = {}
    first = document["commits"][0]["sha"]
    for entry in document["entries"]:
        start = failing_since(entry["changes"])
        if start is None:
            continue
        when = f"{start['sha'][:8]} {start['date']}"
        # failing at the first commit judged: it may have failed long before; the history cannot say
        out[(entry["kind"], entry["id"])] = (f"failing at or before {when} (the history starts there)"
                                             if start["sha"] == first else f"failing since {when}")  # fmt: skip
    return out
