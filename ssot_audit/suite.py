"""The suite's test functions as the engine knows them: where each is, what it takes, how it is marked.

The pytest plugin builds a `Spec` from each test function pytest collects; the in-process run and the
history collect the same functions here, by importing the suite's modules.
"""

from __future__ import annotations

import importlib.util
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from pathlib import Path

from . import items as items_mod
from .gitobjects import toplevel

# The suite's directories the in-process run and the history judge (with the top-level tests: the waivers
# test). Live and local tests need hosts and a workstation: pytest runs them, with testinfra.
FILE_DIRS = ("static", "crossrepo")


# The markers the suite registers (the plugin does) and a -m expression may name, in every path.
SCOPE_MARKERS = {
    "static": "reads only the agentic-spine checkout (fast; pre-commit)",
    "crossrepo": "compares the spine with the workbench checkout",
    "live": "asks hosts, read-only, over SSH (needs --hosts)",
    "local": "reads the operator's workstation ($HOME, launchd, crontab)",
}
MARKERS = {
    **SCOPE_MARKERS,
    "disconnect": "disconnect(ID, ...): the loop document's disconnects this test covers (A1-F1)",
    "gate": "gate(ID, ...): the spine drift gates this test re-implements (D1-D47)",
    "runs_on": "runs_on(role): a live test for the hosts the spine gives this role only",
}


def suite_dir() -> Path:
    """The tests: shipped inside the wheel as ssot_audit/suite, or tests/ beside an editable checkout."""
    packaged = Path(str(resources.files("ssot_audit") / "suite"))
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "tests"


def checkout_roots(here: Path, args: list[str]) -> list[str]:
    """The root option of the checkout `here` is in, as a run started there takes it: inside a spine checkout
    that checkout is --spine-root (whatever SPINE_ROOT says: a hook checks the commit being made, not another
    tree); inside a workbench, --workbench-root. A root the user gave stands."""
    top = toplevel(here) or here
    given = " ".join(args)
    if (top / "ops" / "bindings").is_dir():
        return [] if "--spine-root" in given else ["--spine-root", str(top)]
    if (top / "infra").is_dir() or (top / "dotfiles").is_dir():
        return [] if "--workbench-root" in given else ["--workbench-root", str(top)]
    return []


def _marks(obj) -> list:
    found = getattr(obj, "pytestmark", [])
    return [getattr(m, "mark", m) for m in (found if isinstance(found, list) else [found])]


def suite_nodeid(path: Path, nodeid: str) -> str:
    """A node ID relative to the suite's own directory (the one holding its pytest.ini), whatever pytest took
    for the rootdir: `pytest tests --spine-root DIR` makes it the common ancestor of `tests` and `DIR`."""
    for parent in path.parents:
        if (parent / "pytest.ini").is_file():
            return f"{path.relative_to(parent).as_posix()}::{nodeid.partition('::')[2]}"
    return nodeid


@dataclass(frozen=True, eq=False)
class Spec:
    """One test function. `nodeid` is relative to the suite's directory, as `ssot-audit` (whose rootdir that
    is) and every report name it."""

    nodeid: str
    function: Callable
    module_marks: tuple = ()

    @classmethod
    def of(cls, function: Callable, module, nodeid: str) -> Spec:
        return cls(suite_nodeid(Path(module.__file__), nodeid), function, tuple(_marks(module)))

    @property
    def name(self) -> str:
        return self.function.__name__

    @cached_property
    def argnames(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.function).parameters)

    @cached_property
    def item_args(self) -> tuple[str, ...]:
        """The arguments the engine parametrizes with items from the sources of truth, in signature order."""
        return tuple(a for a in self.argnames if items_mod.is_item(a))

    @cached_property
    def marks(self) -> tuple:
        """What pytest's -m and -k see before the engine marks an item: the module's marks, then the function's."""
        return (*self.module_marks, *_marks(self.function))

    def marked(self, name: str) -> list:
        return [m for m in self.marks if m.name == name]


def collect(suite: Path, dirs: tuple[str, ...] = FILE_DIRS) -> list[Spec]:
    """The test functions of the suite's top level and of `dirs`, in the order pytest collects them."""
    paths = [*suite.glob("test_*.py"), *(p for d in dirs for p in (suite / d).glob("test_*.py"))]
    specs = []
    for path in sorted(paths, key=lambda p: p.relative_to(suite).as_posix()):
        rel = path.relative_to(suite).as_posix()
        spec = importlib.util.spec_from_file_location(f"ssot_audit_suite.{rel[:-3].replace('/', '.')}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name, function in vars(module).items():
            if name.startswith("test_") and inspect.isfunction(function):
                specs.append(Spec.of(function, module, f"{rel}::{name}"))
    return specs
