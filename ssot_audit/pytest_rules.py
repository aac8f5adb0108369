"""What pytest decides that the engine decides the same way, by asking pytest's own code.

How a parameter ID reads in a node ID, and which items `-m` and `-k` select. These parts of pytest
have no public API; they are used here and nowhere else, under the pinned pytest major version, and
selftest/test_one_engine.py holds the engine's answers to pytest's on the same tests.
"""

from __future__ import annotations

from functools import lru_cache

from _pytest.compat import ascii_escaped
from _pytest.mark import KeywordMatcher, MarkMatcher
from _pytest.mark.expression import Expression

from .estate import UsageError
from .suite import MARKERS

# Markers a -m expression may name besides the suite's own: pytest's.
PYTEST_MARKERS = ("skip", "skipif", "xfail", "parametrize", "usefixtures", "filterwarnings", "tryfirst", "trylast")
IGNORED_ATTRIBUTES = frozenset({"pytestmark", "cache_parameters"})  # as pytest's -k ignores them


def in_node_id(raw_id: str) -> str:
    """A parameter ID as pytest writes it into the node ID: non-ASCII and control characters escaped."""
    return ascii_escaped(raw_id)


@lru_cache(maxsize=64)
def _compile(text: str, flag: str) -> Expression:
    try:
        return Expression.compile(text)
    except SyntaxError as e:  # pytest's own wording
        raise UsageError(f"Wrong expression passed to '{flag}': {e.text}: at column {e.offset}: {e.msg}") from None


class Selection:
    """-m and -k, as pytest reads them."""

    def __init__(self, markexpr: str = "", keyword: str = ""):
        self.markexpr = markexpr or ""
        self.keyword = (keyword or "").lstrip()
        self._marks = _compile(self.markexpr, "-m") if self.markexpr else None
        self._keywords = _compile(self.keyword, "-k") if self.keyword else None
        unknown = self._marks.idents() - {*MARKERS, *PYTEST_MARKERS} if self._marks else set()
        if unknown:
            raise UsageError(f"Unknown marker(s) in '-m' expression: {', '.join(sorted(unknown))}. "
                             "Use 'pytest --markers' to see available markers.")  # fmt: skip

    def selects_function(self, marks) -> bool:
        return self._marks is None or self._marks.evaluate(MarkMatcher.from_markers(marks))

    def selects(self, nodeid: str, function, marks, case_id: str) -> bool:
        """Whether -m and -k keep the item `nodeid` (with the parameter ID `case_id`, as in the node ID)."""
        if not self.selects_function(marks):
            return False
        if self._keywords is None:
            return True
        path, _, name = nodeid.partition("::")
        names = {*path.split("/"), name, *(m.name for m in marks)}
        names |= {a for a in vars(function) if not a.startswith("_") and a not in IGNORED_ATTRIBUTES}
        if case_id:
            names.add(case_id)
        return self._keywords.evaluate(KeywordMatcher(frozenset(names)))

    @property
    def why_deselected(self) -> str:
        """Why a test of the suite did not run: this selection, or nothing (a run of some of its files)."""
        given = [f"{flag} {text!r}" for flag, text in (("-m", self.markexpr), ("-k", self.keyword)) if text]
        return f"deselected by {' '.join(given)}" if given else "not collected in this run"
