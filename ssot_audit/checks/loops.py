"""Loop scopes and the loop ledger (E1-E4, F1)."""

from __future__ import annotations

import re

from ..findings import Finding
from ..selectors import facets
from ..spine import CAPABILITY, LEDGER, MASTER_PLAN, SCOPES_DIR, Spine
from ..timestamps import parse_utc

_RUN_FAILED = re.compile(r"^Run failed:\s*(?P<key>\S+)")
# The spine's run keys name the capability between double underscores,
# `CAP-20260205-151332__docs.lint__Rvbbs33945` (ops/commands/loops.sh writes them,
# loops-reconcile reads the capability back with this pattern).
_KEY_CAPABILITY = re.compile(rf"__(?P<cap>{CAPABILITY})__")
_CAPABILITY = re.compile(CAPABILITY)


def layer_loop(spine: Spine, layer_key: str) -> tuple[int, str | None]:
    layer = spine.layers[layer_key]
    return layer.loop or ((layer.loop_field or (layer.line, ""))[0], None)


def scope_for(spine: Spine, loop: str) -> str | None:
    """The scope file of `loop`, accepting a name written without its date suffix."""
    if loop in spine.scope_files:
        return loop
    return next((lid for lid in sorted(spine.scope_files) if lid.startswith(loop + "-")), None)


def check_layer_scope(spine: Spine, layer_key: str) -> list[Finding]:
    """Every VM layer of the plan names a loop that has a scope file."""
    plan = spine.repo.display(MASTER_PLAN.rel)
    line, loop = layer_loop(spine, layer_key)
    layer = spine.layers[layer_key]
    if loop is None:
        found = f"Loop: {layer.loop_field[1]}" if layer.loop_field else "no LOOP- id"
        if layer.depends_on:
            found += f" ({', '.join(layer.depends_on)}: named as what the layer waits for, not as its own loop)"
        return [Finding(plan, line, f"{layer.title}: names no loop", "`- **Loop:** LOOP-<NAME>-<YYYYMMDD>`",
                        found, "create a loop scope for the layer and name it here")]  # fmt: skip
    title = layer.title
    if scope_for(spine, loop):
        return []
    return [
        Finding(
            plan,
            line,
            f"{title}: loop {loop} has no scope file",
            expected=f"{SCOPES_DIR}/{loop}*.scope.md (or under _archived/)",
            found="no scope file",
            fix=f"create {SCOPES_DIR}/{loop}-<YYYYMMDD>.scope.md and write its full id in the plan",
        )
    ]


def check_layer_registered(spine: Spine, layer_key: str) -> list[Finding]:
    """The layer's loop is registered in the ledger (open_loops.jsonl)."""
    plan = spine.repo.display(MASTER_PLAN.rel)
    line, loop = layer_loop(spine, layer_key)
    full = scope_for(spine, loop) if loop else None
    if full is None:
        return []  # no loop or no scope: check_layer_scope reports it
    if full in spine.loops:
        return []
    ledger = spine.repo.display(LEDGER.rel)
    return [
        Finding(
            ledger,
            None,
            f"{full} (plan {spine.layers[layer_key].title}, {plan}:{line}) is not registered",
            expected=f'a row {{"loop_id": "{full}", ...}}',
            found="no row for it",
            fix=f"register {full} in {LEDGER.rel} (ops loops register, or append its row)",
        )
    ]


def failed_capability(record: dict) -> str | None:
    """The capability of a `Run failed:` loop, or None for any other loop.

    The title names the run key, `Run failed: CAP-<ts>__<capability>__R<id>`, and
    the row keeps it as `run_key`; older rows named the capability itself,
    `Run failed: docs.lint`. A run key with no capability in it (a session run)
    gives None: no capability run can supersede it.
    """
    title = _RUN_FAILED.match(str(record.get("title", "")))
    if not title:
        return None
    for key in (title["key"], str(record.get("run_key") or "")):
        if in_key := _KEY_CAPABILITY.search(key):
            return in_key["cap"]
    return title["key"] if _CAPABILITY.fullmatch(title["key"]) else None


def check_run_failures(spine: Spine) -> list[Finding]:
    """No `Run failed: <capability>` loop stays open once a later run of its capability supersedes it.

    A later run is a newer failure loop of the same capability, or a capability
    receipt (receipts/sessions/RCAP-<ts>__<capability>__R<n>) with a passing status.
    A ledger with no rows says nothing about its loops: that is a finding too.
    """
    ledger = spine.repo.display(LEDGER.rel)
    if not spine.loops:
        return [Finding(ledger, None, "the ledger has no loop rows", "one JSON row per loop event (ops loops)",
                        "no rows", "restore open_loops.jsonl from the machine that keeps it")]  # fmt: skip
    failures = [
        (cap, loop_id, record, line, parse_utc(record.get("created_at")))
        for loop_id, (record, line) in spine.loops.items()
        if (cap := failed_capability(record))
    ]
    passing = [(run.capability, run.when, f"passing run {run.rel}") for run in spine.capability_runs if run.passed]
    later_runs = [(cap, when, f"loop {loop_id}") for cap, loop_id, _, _, when in failures if when] + passing
    findings = []
    for cap, loop_id, record, line, when in failures:
        if record.get("status") != "open" or when is None:
            continue
        newer = sorted((w, what) for c, w, what in later_runs if c == cap and w > when)
        if newer:
            findings.append(
                Finding(
                    ledger, line, f"{loop_id} ({record.get('title')}, {record.get('created_at')}) is still open",
                    expected=f"closed: superseded by {newer[0][1]}",
                    found="status open after reducing the ledger",
                    fix=f'append {{"id": "{loop_id}", "action": "close", "close_reason": "Superseded by {newer[0][1]}"}}',
                    about=facets(capability=cap, loop=loop_id),
                )
            )  # fmt: skip
    return findings
