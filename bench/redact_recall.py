"""Redaction measured on other projects' secret examples: recall and false positives, now and at a git revision.

The corpus (gitleaks', trufflehog's and detect-secrets' test data, gathered outside this repository) is a
directory with corpus.jsonl and its check.py: --corpus, else $SECRETS_PEER, else the team's shared copy. A true
positive counts as caught when check.py's `leaked` finds nothing of its secret left (neither the secret nor an
8-character piece of it that the rest of the text does not hold); a false positive counts when redaction changes
anything but control characters.

    python bench/redact_recall.py [--corpus DIR] [--against REV]
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import os
from pathlib import Path
from types import ModuleType

from redact import load, source

SHARED = Path("/work/shared/corpora/secrets-peer")


def checker(corpus: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("peer_check", corpus / "check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(redact: ModuleType, rows: list[dict], leaked) -> tuple[set[str], set[str]]:
    """The ids of the true positives caught, and of the false positives masked."""
    caught = {
        r["id"] for r in rows if r["kind"] == "tp" and not leaked(r["text"], redact.redact(r["text"]), r["secret"])
    }
    masked = {r["id"] for r in rows if r["kind"] == "fp" and redact.redact(r["text"]) != redact.neutralise(r["text"])}
    return caught, masked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(os.environ.get("SECRETS_PEER", SHARED)))
    parser.add_argument("--against", metavar="REV", help="also measure redact.py at this git revision")
    options = parser.parse_args()
    rows = [json.loads(line) for line in (options.corpus / "corpus.jsonl").read_text().splitlines() if line.strip()]
    leaked = checker(options.corpus).leaked
    tps = [r for r in rows if r["kind"] == "tp"]
    fps = [r for r in rows if r["kind"] == "fp"]
    sources = {"checkout": source(None)} | ({options.against: source(options.against)} if options.against else {})
    results = {name: measure(load(code, f"redact_{name}"), rows, leaked) for name, code in sources.items()}
    print(f"corpus: {options.corpus} ({len(tps)} true positives, {len(fps)} false positives)")
    for name, (caught, masked) in results.items():
        print(f"  {name:10} recall {100 * len(caught) / len(tps):5.1f}% ({len(caught)}), "
              f"false positives masked {100 * len(masked) / len(fps):5.1f}% ({len(masked)})")  # fmt: skip
        by_source = collections.Counter(r["source"].split(":")[0] for r in tps if r["id"] in caught)
        totals = collections.Counter(r["source"].split(":")[0] for r in tps)
        print("             " + ", ".join(f"{s} {100 * by_source[s] / n:.1f}%" for s, n in sorted(totals.items())))
    if options.against:
        (now, _), (then, _) = results["checkout"], results[options.against]
        gained = collections.Counter(r["family"] for r in tps if r["id"] in now - then)
        lost = collections.Counter(r["family"] for r in tps if r["id"] in then - now)
        print(f"caught now, not at {options.against}: {sum(gained.values())}; most by family: "
              + ", ".join(f"{f} {n}" for f, n in gained.most_common(12)))  # fmt: skip
        print(f"caught at {options.against}, not now: {sum(lost.values())}: "
              + ", ".join(f"{f} {n}" for f, n in lost.most_common()))  # fmt: skip
    misses = collections.Counter(r["family"] for r in tps if r["id"] not in results["checkout"][0])
    print("missed now, by family: " + ", ".join(f"{f} {n}" for f, n in misses.most_common(15)))


if __name__ == "__main__":
    main()
