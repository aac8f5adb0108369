"""Each source file is read once per session, however many checks use it."""

from collections import Counter
from pathlib import Path

from selftest.suite import DRIFTED, run_suite


def test_every_file_is_read_once(pytester, monkeypatch):
    reads: Counter = Counter()
    original = Path.read_bytes

    def counting(self):
        reads[self.resolve()] += 1
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    outcome = run_suite(pytester, DRIFTED)
    assert outcome.failed()  # the run did real work
    estate_reads = {p: n for p, n in reads.items() if DRIFTED.resolve() in p.parents}
    assert estate_reads, "the suite read no estate file through the loaders"
    assert max(estate_reads.values()) == 1, {str(p): n for p, n in estate_reads.items() if n > 1}
