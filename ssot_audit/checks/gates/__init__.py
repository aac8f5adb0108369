"""The spine's drift gates D1-D47 (no D21) as pure checks over the spine tree and its bindings.

Each module covers one theme; every function returns findings and never runs a
spine program, never writes into the tree, and never evaluates strings it reads.
"""

import warnings


class Advisory(UserWarning):
    """A gate's WARN line: shown in the warnings summary, never a failure (as in the original)."""


def advise(message: str | None) -> None:
    if message:
        warnings.warn(Advisory(message), stacklevel=2)
