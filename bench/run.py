"""Wall time of the static + cross-repo audit on the bundled estate, next to bare pytest.

Bare pytest runs one trivial test with the same plugins installed (ours, testinfra,
pytest-html, xdist), so the difference is what the audit itself costs. Medians over
several runs, because the machine is noisy.

    python bench/run.py [--runs 9]
"""

from __future__ import annotations

import argparse

from timing import PYTEST, REPO, bare_pytest, median_of

ESTATE = REPO / "fixtures" / "estate-2026-02-08"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    runs = parser.parse_args().runs
    bare = bare_pytest(runs)
    audit = median_of(
        [*PYTEST, "tests", "-m", "static or crossrepo", "--now", "2026-02-08T12:00:00Z",
         "--spine-root", str(ESTATE / "agentic-spine"), "--workbench-root", str(ESTATE / "workbench"),
         "--mint-modules-root", str(ESTATE / "mint-modules")],
        runs,
    )  # fmt: skip
    print(f"runs per command:               {runs}")
    print(f"bare pytest, one trivial test:  {bare:.3f} s (median)")
    print(f"audit, static + crossrepo:      {audit:.3f} s (median)")
    print(f"audit / bare:                   {audit / bare:.2f}x  (+{audit - bare:.3f} s)")


if __name__ == "__main__":
    main()
