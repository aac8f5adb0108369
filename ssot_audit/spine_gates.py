"""PLACEHOLDER until the contained runner lands: reads what a script needs; runs nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass

_NETWORK = re.compile(r"^(?!\s*#).*\b(ssh|scp|curl|wget|nc|ping|tailscale)\b.*$", re.M)


@dataclass(frozen=True)
class Needs:
    network: str | None = None
    macos: str | None = None
    tools: tuple[str, ...] = ()


def needs(script: str) -> Needs:
    found = _NETWORK.search(script)
    return Needs(network=f"`{found[0].strip()[:80]}`" if found else None)


@dataclass(frozen=True)
class ScriptRequest:
    gate: str
    script: str | None
    inline: str | None


@dataclass(frozen=True)
class ScriptRun:
    gate: str
    verdict: str
    output: str
    seconds: float
    reason: str = ""
