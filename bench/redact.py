"""Redaction's cost: on the texts of a normal report, and how it grows on long runs of keyword-like text.

Normal reports: every text the reports of a run on the bundled drifted estate hold (the terminal
output, each line of closeout.md, every string in results.json) and every line of the estate's files
(what findings quote), redacted one by one with the caches emptied first, as at the start of a run.
Growth: one line of each keyword-like run (`mysql mysql ...`, `password.password...`, a 10 KB value
after `token=`, ...) at each size; a linear redaction takes ~10 times as long at 100 KB as at 10 KB.
Medians of several runs. `--against REV` also measures ssot_audit/redact.py as it is at that git
revision (e.g. main), on the same texts.

    python bench/redact.py [--runs 5] [--sizes 10 100] [--against REV]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from timing import PYTEST, REPO

sys.path.insert(0, str(REPO))
from selftest.suite import every_string  # noqa: E402

ESTATE = REPO / "fixtures" / "estate-2026-02-08"

# Units that a pattern could take for the start of a match, again and again; each repeated to the size.
UNITS = {
    "database word": "mysql ",
    "database word, flag": "mysql -u ",
    "secret name run": "password.",
    "secret names": "password ",
    "value after token=": "token=" + "x" * 10_000_000,
    "flags": "--password-",
    "url schemes": "a.",
    "url userinfo": "https://:",
    "bearer": "Bearer ",
    "authorization": "authorization: ",
    "jwt starts": "eyJ",
    "infisical starts": "st.abcd",
    "base64 run": "aB3+",
    "key header": "-----BEGIN RSA PRIVATE KEY-----",
    "references": "${",
    "glued colons": "pass:",
    "spaces after a key": "key" + " " * 10_000_000,
    "provider prefixes": "sk-AKIAxoxb-1-",
    "digits and colons": "12345678:",
}


def source(revision: str | None) -> str:
    """ssot_audit/redact.py of the checkout, or as it is at a git revision."""
    if revision is None:
        return (REPO / "ssot_audit" / "redact.py").read_text()
    return subprocess.run(["git", "show", f"{revision}:ssot_audit/redact.py"], cwd=REPO, capture_output=True,
                          text=True, check=True).stdout  # fmt: skip


def load(code: str, name: str) -> ModuleType:
    module = sys.modules[name] = ModuleType(name)  # where dataclasses look their module up
    module.__package__ = "ssot_audit"  # its relative imports: the installed package's modules
    exec(compile(code, name, "exec"), module.__dict__)
    return module


# A fresh interpreter that has loaded what every run of the suite loads (pytest, yaml, jsonschema) loads the module
# and redacts one text: the import, and whatever is built on first use.
_FIRST_USE = """
import sys, time, types
import jsonschema, pytest, yaml
code = sys.stdin.read()
start = time.perf_counter()
module = sys.modules["redact"] = types.ModuleType("redact")
module.__package__ = "ssot_audit"
exec(compile(code, "redact.py", "exec"), module.__dict__)
module.redact("DB_PASS=x")
print(time.perf_counter() - start)
"""


def first_use(code: str, runs: int) -> float:
    """Median seconds from nothing loaded to the first text redacted."""
    times = [float(subprocess.run([sys.executable, "-c", _FIRST_USE], input=code, capture_output=True, text=True,
                                  check=True, cwd=REPO).stdout) for _ in range(runs)]  # fmt: skip
    return statistics.median(times)


def report_texts() -> list[str]:
    """The texts a run's reports redact, and the lines of the files its findings quote."""
    with tempfile.TemporaryDirectory() as tmp:
        reports = Path(tmp) / "reports"
        run = subprocess.run(
            [*PYTEST, "tests", "-m", "static or crossrepo", "--now", "2026-02-08T20:00:00Z",
             "--spine-root", str(ESTATE / "agentic-spine"), "--workbench-root", str(ESTATE / "workbench"),
             "--mint-modules-root", str(ESTATE / "mint-modules"), "--ssot-report-dir", str(reports)],
            cwd=REPO, capture_output=True, text=True,
        )  # fmt: skip
        texts = [run.stdout, *(reports / "closeout.md").read_text().split("\n")]
        texts += list(every_string(json.loads((reports / "results.json").read_text())))
    for path in sorted(ESTATE.rglob("*")):
        if path.is_file():
            texts += path.read_text(errors="replace").split("\n")
    return texts


def cold(module: ModuleType) -> None:
    """Empty the module's caches of texts, as at the start of a run; what it builds once stays built."""
    for value in vars(module).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()
    module.redact("")
    module.redact.cache_clear()


def timed(module: ModuleType, texts: list[str], runs: int) -> float:
    """Median seconds to redact every text, starting cold."""
    results = []
    for _ in range(runs):
        cold(module)
        start = time.perf_counter()
        for text in texts:
            module.redact(text)
        results.append(time.perf_counter() - start)
    return statistics.median(results)


def repeated(unit: str, size: int) -> str:
    return (unit * (size // len(unit) + 1))[:size]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs=2, default=[10, 100], metavar=("SMALL_KB", "LARGE_KB"))
    parser.add_argument("--against", metavar="REV", help="also measure redact.py at this git revision")
    options = parser.parse_args()
    sources = {"checkout": source(None)} | ({options.against: source(options.against)} if options.against else {})
    modules = {name: load(code, f"redact_{name}") for name, code in sources.items()}
    print(f"first use (import, and redact one text, after pytest is loaded): medians of {options.runs} runs")
    for name, code in sources.items():
        print(f"  {name:10} {first_use(code, options.runs) * 1000:8.1f} ms")
    texts = report_texts()
    print(
        f"normal reports: {len(texts)} texts, {sum(map(len, texts)) / 1e6:.2f} MB; medians of {options.runs} cold runs"
    )
    for name, module in modules.items():
        print(f"  {name:10} {timed(module, texts, options.runs) * 1000:8.1f} ms")
    small, large = (kb * 1000 for kb in options.sizes)
    print(
        f"growth: one line of each run at {small // 1000} KB and {large // 1000} KB (medians; ratio, ~{large / small:.0f} if linear)"
    )
    for name, module in modules.items():
        print(f"  {name}:")
        worst = 0.0
        for label, unit in UNITS.items():
            at_small = timed(module, [repeated(unit, small)], options.runs)
            at_large = timed(module, [repeated(unit, large)], options.runs)
            worst = max(worst, at_large / at_small)
            print(f"    {label:22} {at_small * 1000:9.2f} ms {at_large * 1000:10.2f} ms  x{at_large / at_small:6.1f}")
        print(f"    worst ratio: x{worst:.1f}")


if __name__ == "__main__":
    main()
