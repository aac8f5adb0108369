"""The spine's gates in a run's reports: how many it lists, who judged each (ssot-audit's re-implementation,
the spine's own script, or both), and why the others were not judged."""

from __future__ import annotations

import re

from ..gate_registry import GateList
from .results import EntryStatus

JUDGES = ("ssot-audit", "spine script", "both")


def _why(status: EntryStatus) -> str:
    """One reason per gate not judged, without the test ID it came from and the gate's own ID and files, so
    that like reasons add up."""
    reason = status.reasons[0] if status.reasons else status.status
    reason = reason.split(" skipped: ", 1)[-1].split(" error: ", 1)[-1]
    reason = re.sub(rf"\b{status.entry.id}\b", "the gate", reason)
    return re.sub(r" \((?:agentic-spine/)?surfaces/verify/[^)]*\)", "", reason)


def coverage(listed: GateList | None, statuses: list[EntryStatus], seconds: dict[str, float], wall: float,
             containment: str, allowed: bool) -> dict | None:  # fmt: skip
    """results.json's `gate_coverage`; None without a spine to read a gate list from."""
    if listed is None:
        return None
    active = {g.id for g in listed.active}
    gates = [s for s in statuses if s.entry.kind == "gate" and s.entry.id in active]
    judged = {judge: sorted((s.entry.id for s in gates if s.judged_by == judge), key=_order) for judge in JUDGES}
    not_judged: dict[str, list[str]] = {}
    for status in gates:
        if status.judged_by is None and status.status != "not applicable":
            not_judged.setdefault(_why(status), []).append(status.entry.id)
    return {
        "source": listed.source,
        "active": len(active),
        "retired": [g.id for g in listed.retired],
        "judged_by": judged,
        "not_judged": dict(sorted(not_judged.items(), key=lambda kv: -len(kv[1]))),
        "not_applicable": sorted((s.entry.id for s in gates if s.status == "not applicable"), key=_order),
        "spine_scripts": {"allowed": allowed, "containment": containment, "wall_seconds": round(wall, 3),
                          "seconds": round(sum(seconds.values()), 3),
                          "per_gate": {g: round(s, 3) for g, s in sorted(seconds.items(), key=lambda kv: _order(kv[0]))}},
    }  # fmt: skip


def _order(gate: str) -> int:
    return int(gate[1:])


def statement(cover: dict) -> str:
    """One line for the terminal and the environment table."""
    if not cover["active"]:  # a data-only extract, or a registry that cannot be read: the catalogue's gates stand
        return f"{cover['source']}; ssot-audit's re-implemented gates stand"
    judged = {k: len(v) for k, v in cover["judged_by"].items()}
    total = sum(judged.values())
    not_judged = sum(len(v) for v in cover["not_judged"].values())
    text = (f"{total} of {cover['active']} active gates judged (by ssot-audit {judged['ssot-audit']}, by the spine's "
            f"script {judged['spine script']}, by both {judged['both']}); {not_judged} not judged; "
            f"{len(cover['not_applicable'])} not applicable ({cover['source']})")  # fmt: skip
    if cover["retired"]:
        text += f"; retired: {', '.join(cover['retired'])}"
    scripts = cover["spine_scripts"]
    if scripts["per_gate"]:
        slowest = max(scripts["per_gate"], key=scripts["per_gate"].get)
        text += (f"; the spine's scripts: {len(scripts['per_gate'])} run side by side in {scripts['wall_seconds']:.0f} "
                 f"s ({scripts['seconds']:.0f} s of gate time; slowest {slowest}, "
                 f"{scripts['per_gate'][slowest]:.0f} s), {scripts['containment']}")  # fmt: skip
    return text


def reasons(cover: dict) -> list[str]:
    """Why the gates not judged were not judged: each reason once, with how many gates it holds for."""
    return [f"{len(gates)} gate(s): {why}" for why, gates in cover["not_judged"].items()]
