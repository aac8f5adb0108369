"""The waivers file (ops/bindings/ssot-audit.waivers.yaml or --waivers): no waiver outlives its date."""

import pytest

from ssot_audit.findings import Finding, expect

pytestmark = [pytest.mark.static, pytest.mark.crossrepo, pytest.mark.live, pytest.mark.local]


def test_waiver_is_current(waiver, waivers_file, audit_now):
    """An expired waiver (at --now, like every other date) fails under the ID it waived, and stops waiving it."""
    if not waiver.expired(audit_now.date()):
        return
    expect([
        Finding(waivers_file, waiver.line, f"waiver for {waiver.label} expired on {waiver.expires}",
                "a waiver whose expiry date has not passed", f"expires: {waiver.expires} ({waiver.reason})",
                f"fix {waiver.label} (owner: {waiver.owner_loop}) or renew the waiver with a new date and reason")
    ])  # fmt: skip
