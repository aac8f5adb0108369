"""The spine's own gate scripts, run on a snapshot of the tree being judged, contained (`--ssot-run-spine-gates`).

classify.py decides from a script's text what it needs (the network, macOS, tools).
"""

from .classify import Needs, needs

__all__ = ["Needs", "needs"]
