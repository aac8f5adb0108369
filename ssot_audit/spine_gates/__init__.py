"""The spine's own gate scripts, run on a snapshot of the tree being judged, contained (`--ssot-run-spine-gates`).

classify.py decides from a script's text what it needs (the network, macOS, tools); snapshot.py copies the
checkouts; sandbox.py contains and bounds each run; runner.py puts them together.
"""

from .classify import Needs, needs
from .runner import Runner, ScriptRequest, ScriptRun, runnable_inline, verdict

__all__ = ["Needs", "Runner", "ScriptRequest", "ScriptRun", "needs", "runnable_inline", "verdict"]
