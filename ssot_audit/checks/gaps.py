"""operational.gaps.yaml: a recorded gap is a known disconnect until it is fixed (C1-C3)."""

from __future__ import annotations

from ..findings import Finding
from ..spine import GAPS, Spine

# `closed` is how later trees of the spine resolve a gap; `accepted` keeps it, by decision, unfixed.
RESOLVED = ("fixed", "closed")


def check_gap_fixed(spine: Spine, gap_id: str) -> list[Finding]:
    file = spine.repo.display(GAPS.rel)
    gap, line = spine.gap(gap_id)
    if gap is None and (refused := spine.refused_gap(gap_id)):
        return [Finding(file, refused.line, f"{gap_id}'s record does not match the schema: it may not be fixed",
                        f"{gap_id} recorded with status fixed, in the shape of schemas/{GAPS.schema}",
                        f"{refused.path}: {refused.problem}", f"correct the record of {gap_id}")]  # fmt: skip
    if gap is None:
        return [Finding(file, None, f"{gap_id} is not recorded", f"{gap_id} recorded with status fixed",
                        "no such gap", f"restore {gap_id}; fixed gaps stay in the tracker as history")]  # fmt: skip
    # A status the suite does not know (a later spine's `pending`) is no resolution: the gap stays unresolved,
    # and the file's own test reports the value.
    if gap.get("status") in RESOLVED:
        return []
    doc = spine.doc(GAPS)
    index = doc.data["gaps"].index(gap)
    where = f" on `{gap['doc']}`" if gap.get("doc") else ""
    return [
        Finding(
            file,
            doc.line("gaps", index, "status") or line,
            f"{gap_id} ({gap.get('severity', '?')}) is {gap.get('status')}{where}",
            expected="status: fixed, with fixed_in naming the loop or change that fixed it",
            found=f"status: {gap.get('status')}, fixed_in: {gap.get('fixed_in')}",
            fix=f"fix what {gap_id} describes{where}, then set status: fixed and fixed_in",
        )
    ]
