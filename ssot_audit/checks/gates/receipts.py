"""Receipts and the loop ledger: runtime evidence the spine keeps out of git (D6, D9, D34)."""

from __future__ import annotations

from ...findings import Finding
from ...spine import LEDGER, Spine
from .scan import require_file, rule, scan

SESSIONS = "receipts/sessions"
RECENT = 5  # D6 looks at the five newest sessions
STAMPS = ("Run ID", "Generated", "Status", "Model", "Inputs", "Outputs")  # D9, the core-v1.0 receipt contract
REDUCER = "ops/plugins/loops/bin/loops-ledger-reduce"
LOOPS_COMMAND = "ops/commands/loops.sh"
_RAW_COUNT = rule(
    "raw-count", r"grep -c.*status.*open", "the loop summary counts raw ledger rows",
    "count open loops from loops-ledger-reduce --counts, never with grep -c over the append-only ledger",
)  # fmt: skip


def sessions_newest_first(spine: Spine) -> list[str]:
    """Visible entries of receipts/sessions/, newest first (as `ls -1t`).

    Equal times (a fresh checkout) fall back to the name: session names start
    with their timestamp, so the later name is the later session.
    """
    nodes = [n for n in spine.repo.tree.children(SESSIONS) if not n.name.startswith(".")]
    return [n.name for n in sorted(nodes, key=lambda n: (n.mtime, n.name), reverse=True)]


def recent_sessions(spine: Spine) -> list[str]:
    return sessions_newest_first(spine)[:RECENT]


def latest_session(spine: Spine) -> list[str]:
    return sessions_newest_first(spine)[:1]


def receipt_of(spine: Spine, session: str) -> str | None:
    rel = f"{SESSIONS}/{session}/receipt.md"
    return rel if spine.repo.tree.is_file(rel) else None


def check_session_has_receipt(spine: Spine, session: str) -> list[Finding]:
    """D6: each recent session left its receipt.md."""
    if receipt_of(spine, session):
        return []
    return [
        Finding(
            spine.repo.display(f"{SESSIONS}/{session}"), None, f"session {session} has no receipt.md",
            expected="receipt.md in every session directory", found="no receipt.md",
            fix="re-run the capability through `ops cap run` (it writes the receipt), or remove the partial session",
        )
    ]  # fmt: skip


def check_receipt_stamp(spine: Spine, receipt: str, stamp: str) -> list[Finding]:
    """D9: the newest receipt carries each field of the receipt contract (case-sensitive, anywhere)."""
    if stamp in (spine.repo.tree.text(receipt) or ""):
        return []
    return [
        Finding(
            spine.repo.display(receipt), None, f"newest receipt lacks the `{stamp}` stamp",
            expected=f"a `{stamp}` field (receipt contract core-v1.0: {', '.join(STAMPS)})",
            found=f"no `{stamp}` in the receipt",
            fix="write receipts with ops/lib/receipt_stamps.sh so every field is present",
        )
    ]  # fmt: skip


# D34 ------------------------------------------------------------------------------
def check_reducer(spine: Spine) -> list[Finding]:
    """D34: the canonical reducer the loop summary delegates to is there and executable."""
    return require_file(spine.repo, REDUCER, "the loop summary delegates its counts to it", executable=True)


def check_summary_counts_by_reducer(spine: Spine) -> list[Finding]:
    """D34: `ops loops summary` does not count raw rows (commented-out lines do not count)."""
    missing = require_file(spine.repo, LOOPS_COMMAND, "it prints the loop summary")
    return missing or scan(spine.repo, [LOOPS_COMMAND], [_RAW_COUNT], code_only=True)


def check_ledger_reduces(spine: Spine) -> list[Finding]:
    """D34: every ledger row reduces cleanly, so Open + Closed = Total in any summary.

    The reduction is the spine's: later `loop_id` rows merge over earlier ones,
    `{"id": X, "action": "close"}` rows close X. A close row for a loop never
    registered closes nothing and adds a phantom; a loop left without an
    open/closed status is counted in Total but in neither Open nor Closed.
    """
    doc = spine.doc(LEDGER)
    registered: set[str] = set()
    findings = []
    for index, row in enumerate(doc.data):
        line = doc.line(index)
        if row.get("action") == "close":
            if row.get("id") not in registered:
                findings.append(Finding(doc.file, line, f"close row for {row.get('id')!r}, a loop never registered",
                                        "a close row naming a loop registered by an earlier loop_id row",
                                        f'{{"id": {row.get("id")!r}, "action": "close"}}',
                                        "correct the id, or register the loop before closing it"))  # fmt: skip
        elif row.get("loop_id"):
            registered.add(row["loop_id"])
        else:
            findings.append(Finding(doc.file, line, "row names no loop", 'a "loop_id" (or a close row with "id")',
                                    str(sorted(row)), "give the row its loop_id, or remove it"))  # fmt: skip
    for loop_id, (record, line) in spine.loops.items():
        if loop_id in registered and record.get("status") not in ("open", "closed"):
            findings.append(Finding(doc.file, line, f"{loop_id} reduces to status {record.get('status')!r}",
                                    "status open or closed after reduction (Open + Closed = Total)",
                                    f"status {record.get('status')!r}",
                                    f'append {{"loop_id": "{loop_id}", "status": "open"}} or close it'))  # fmt: skip
    return findings
