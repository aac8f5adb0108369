"""`ssot-audit`: the packaged suite against the checkout you are in, with pytest's own arguments.

    cd ~/code/agentic-spine && ssot-audit -m static
    cd ~/code/workbench && ssot-audit -m crossrepo     # spine from SPINE_ROOT or ~/code/agentic-spine

Inside a spine checkout it audits that checkout, whatever SPINE_ROOT says (a hook
checks the commit being made, not another tree); inside a workbench checkout, likewise
--workbench-root. The other repo still comes from its option, variable or default.
Reports go under the checkout's .git/ssot-audit/ unless --ssot-report-dir says
otherwise: the suite never writes into the tree it checks.
"""

from __future__ import annotations

import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest


def suite_dir() -> Path:
    """The tests: shipped inside the wheel as ssot_audit/suite, or tests/ beside an editable checkout."""
    packaged = Path(str(resources.files("ssot_audit") / "suite"))
    return packaged if packaged.is_dir() else Path(__file__).resolve().parent.parent / "tests"


def _git(cwd: Path, *args: str) -> Path | None:
    done = subprocess.run(["git", "-C", str(cwd), "rev-parse", *args], capture_output=True, text=True)
    return (cwd / done.stdout.strip()).resolve() if done.returncode == 0 else None


def current_repo(cwd: Path) -> Path:
    return _git(cwd, "--show-toplevel") or cwd


def defaults(args: list[str], cwd: Path) -> list[str]:
    given = " ".join(args)
    repo = current_repo(cwd)
    out = []
    if (repo / "ops" / "bindings").is_dir():
        if "--spine-root" not in given:
            out += ["--spine-root", str(repo)]
    elif (repo / "infra").is_dir() or (repo / "dotfiles").is_dir():
        if "--workbench-root" not in given:
            out += ["--workbench-root", str(repo)]
    git_dir = _git(cwd, "--git-dir")
    if "--ssot-report-dir" not in given and git_dir:
        out += ["--ssot-report-dir", str(git_dir / "ssot-audit")]
    return out


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    suite = suite_dir()
    config = Path(str(resources.files("ssot_audit") / "suite.ini"))
    return int(
        pytest.main([str(suite), "-c", str(config), "--rootdir", str(suite), *defaults(args, Path.cwd()), *args])
    )


if __name__ == "__main__":
    sys.exit(main())
