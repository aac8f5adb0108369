"""Running one case: the test function called on its values, and what came of it.

The one place an exception becomes an outcome: passed, failed (with findings), skipped or not applicable
(with the reason), waived, known (every finding already in the baseline), or error (the check could not
run). The pytest plugin runs every call through here and raises what pytest needs to show the same; the
in-process run and the history keep the result as it is.
"""

from __future__ import annotations

import traceback
import warnings
from dataclasses import dataclass, field

import pytest

from .baseline import Baseline
from .checks.gates import Advisory
from .estate import FIXTURES, Estate
from .findings import Drift, Finding
from .grid import Case, Missing, Unreadable, attribute
from .probe import CommandMissing, ProbeError
from .pytest_rules import Selection, in_node_id
from .repo import SourceUnavailable
from .report.results import TestResult, says_inapplicable
from .suite import Spec


@dataclass
class Ran:
    result: TestResult
    raised: BaseException | None = None  # what the test raised, for pytest to show as it would
    advisories: list[Warning] = field(default_factory=list)  # the gates' WARN lines, never failures


def _host(case: Case) -> str:
    return next(iter(sorted(case.facets.get("host", ()))), "the host")


def _unreadable_fact(case: Case, error: ProbeError) -> Finding:
    name = _host(case)
    return Finding(f"host {name}", None, f"could not read a fact from {name}",
                   expected="the read-only command to succeed", found=str(error),
                   fix=f"run the command by hand on {name} to see why it fails")  # fmt: skip


def _call(case: Case, kwargs: dict) -> tuple[str, list[Finding], str, BaseException | None]:
    try:
        case.spec.function(**kwargs)
    except Drift as drift:
        return "failed", drift.findings, "", drift
    except SourceUnavailable as exc:  # a source its check needs is broken: that source's own test fails
        return "skipped", [], f"needs {exc.error.location}: {exc.error.message}", exc
    except CommandMissing as exc:  # the fact does not apply on this host (zpool on a VM)
        return "skipped", [], str(exc), exc
    except ProbeError as exc:
        finding = _unreadable_fact(case, exc)
        return "failed", [finding], "", Drift([finding])
    except pytest.skip.Exception as exc:
        return ("n/a" if says_inapplicable(str(exc.msg)) else "skipped"), [], str(exc.msg), exc
    except pytest.fail.Exception as exc:
        return "error", [], (str(exc.msg).strip() or "failed").splitlines()[-1], exc
    except Exception as exc:  # noqa: BLE001 - any other error is the check's failure to run, as in pytest
        return "error", [], traceback.format_exception_only(exc)[-1].strip(), exc
    return "passed", [], "", None


def run(case: Case, fixtures: dict, nodeid: str | None = None, baseline: Baseline | None = None) -> Ran:
    """Run `case`; `fixtures`: what its function takes besides its item arguments; `nodeid`: pytest's, where it
    differs from the case's (a live test's host ID)."""
    values = case.values
    advisories: list[Warning] = []
    unreadable = [v.error for v in (*values.values(), *fixtures.values()) if isinstance(v, Unreadable)]
    missing = [v.finding for v in values.values() if isinstance(v, Missing)]
    raised: BaseException | None = None
    if case.skip:
        outcome, found, reason = ("n/a" if says_inapplicable(case.skip) else "skipped"), [], case.skip
    elif unreadable:
        outcome, found, reason = "error", [], unreadable[0]
    elif missing:  # a missing thing fails as what it is, without a check on a thing that is not there
        outcome, found, reason, raised = "failed", missing, "", Drift(missing)
    else:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", Advisory)
            outcome, found, reason, raised = _call(case, {**fixtures, **values})
        advisories = [w.message for w in caught if isinstance(w.message, Advisory)]
        for other in (w for w in caught if not isinstance(w.message, Advisory)):  # not ours to keep
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    findings = attribute(case.spec.name, case.claims, case.facets, found) if found else []
    if outcome == "failed" and case.waived:  # a waiver waives findings; a check that broke stays an error
        outcome, reason = "waived", case.waived
    if baseline is not None and findings:
        for finding in findings:
            finding["known"] = baseline.knows(nodeid or case.nodeid, finding)
        if outcome == "failed" and all(f["known"] for f in findings):
            outcome, reason = "known", f"known drift: in the baseline {baseline.path}"
    result = TestResult(nodeid or case.nodeid, case.spec.name, outcome, case.claim_ids, findings, reason)
    return Ran(result, raised, advisories)


def fixtures(spec: Spec, estate: Estate) -> dict:
    """What `spec`'s function takes from the estate (its item arguments come from its cases); an argument the
    estate does not give stands as an Unreadable value, so each case is an error saying so, as pytest's is."""
    return {a: estate.fixture(a) if a in FIXTURES else Unreadable(f"fixture '{a}' not found")
            for a in spec.argnames if a not in spec.item_args}  # fmt: skip


def judge(spec: Spec, cases: list[Case], estate: Estate, selection: Selection,
          baseline: Baseline | None = None) -> list[TestResult]:  # fmt: skip
    """The results of the cases -m and -k keep, run without a pytest session. (The fold says of a test none
    of whose cases ran that the selection left it out: Results.unseen.)"""
    given = fixtures(spec, estate)
    return [run(case, given, baseline=baseline).result for case in cases
            if selection.selects(case.nodeid, spec.function, spec.marks, in_node_id(case.id))]  # fmt: skip
