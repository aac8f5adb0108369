"""A `yq` for the self-tests and the bench only: a TEST-ONLY STAND-IN for mikefarah's yq v4.

The spine's scripts call mikefarah's yq (the Go binary). CI has no Go yq, and Debian's `yq` package is a
different program (kislyuk's jq wrapper), so the self-tests and bench/spine_gates.py put this shim first
on PATH: it runs yaqpy (the `dev` extra), a pure-Python implementation of mikefarah's expression
language, with the interpreter running the tests. Nothing outside selftest/ and bench/ uses it.
"""

from __future__ import annotations

import sys
from pathlib import Path


def install(directory: Path) -> Path:
    """Write the shim as `directory/yq` (executable) and return the directory, to put first on PATH."""
    directory.mkdir(parents=True, exist_ok=True)
    shim = directory / "yq"
    shim.write_text(
        "#!/bin/sh\n"
        "# TEST-ONLY stand-in for mikefarah's yq v4: yaqpy (see selftest/yq_shim.py)\n"
        # --lint off: yaqpy's own warnings about likely mistakes, which mikefarah's yq never prints
        f'exec "{sys.executable}" -m yaqpy --lint off "$@"\n'
    )
    shim.chmod(0o755)
    return directory
