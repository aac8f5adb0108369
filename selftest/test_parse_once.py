"""Each source file is read once per session, however many checks use it."""

import os
from collections import Counter
from pathlib import Path

from selftest.suite import DRIFTED, run_suite


def test_every_file_is_read_once(pytester, monkeypatch):
    reads: Counter = Counter()
    original = os.open

    def counting(path, flags, *args, **kwargs):
        reads[Path(path).resolve()] += 1
        return original(path, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", counting)  # every file is opened by tree.read_regular, the one reader
    outcome = run_suite(pytester, DRIFTED)
    assert outcome.failed()  # the run did real work
    estate_reads = {p: n for p, n in reads.items() if DRIFTED.resolve() in p.parents}
    assert estate_reads, "the suite read no estate file through the loaders"
    assert max(estate_reads.values()) == 1, {str(p): n for p, n in estate_reads.items() if n > 1}
