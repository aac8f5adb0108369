"""VMIDs as people write them in Markdown: `VMs 200-203`, `VMID 204`, `vmid 200,201,204`, `209, 210`.

A number is a VMID only where the text says it names VMs: after `VM`, `VMs`,
`VMID(s)`, `--vmid` or `vzdump`, or as the whole of a VM field or VM column. So
the year and day in a job name (`backup-ronny-daily-2026-01-22`), an IP, a size
(`2048 MB`) or a count (`max 2`) are never read as VMs. Proxmox VMIDs start at
100 (pve-docs qm.adoc: lower ones are reserved).
"""

from __future__ import annotations

import re

_NUM = r"[1-9]\d{2,8}"
# A VMID or a range of them; not part of a word, path, date, version or address, and not a size.
_ITEM = (
    rf"(?P<low>{_NUM})(?:\s*(?:-|–|\.\.|to)\s*(?P<high>{_NUM}))?"
    r"(?![\w:/-]|\.\d)(?!\s*(?:[KMGT]i?B|vCPUs?|cores?|[MG]Hz|%)\b)"
)
_LIST = _ITEM.replace("?P<low>", "?:").replace("?P<high>", "?:")
_LIST = rf"{_LIST}(?:\s*(?:,|;|&|/|\band\b|\s)\s*{_LIST})*"
_MARKED = re.compile(rf"(?<![\w-])(?:--)?(?:vm\s*ids?|vms?|vzdump)(?![\w-])[\s:=#`(]*(?P<list>{_LIST})", re.I)
_WHOLE = re.compile(rf"^[\s`]*(?P<list>{_LIST})[\s`.]*$")
_LEADING = re.compile(rf"^[\s`(]*(?P<list>{_LIST})")
_PARENTHESISED = re.compile(rf"\((?P<list>{_LIST})\)")
_ITEMS = re.compile(_ITEM)


def _expand(span: str) -> list[int]:
    out = []
    for item in _ITEMS.finditer(span):
        low = int(item["low"])
        high = int(item["high"]) if item["high"] else low
        out += range(low, high + 1) if 0 <= high - low < 1000 else [low]
    return out


def read_vmids(text: str, field: bool = False) -> list[int]:
    """The VMIDs `text` names, in order, each once. A text that is nothing but a list (a table cell
    `200, 201, 204`) names VMs.

    `field`: the text is a VM field's value or a VM column's cell, so a list at
    its start (`209, 210`, `205 (observability)`) or in parentheses
    (`infra-core (204)`) names VMs too.
    """
    spans = [*_MARKED.finditer(text), *filter(None, [_WHOLE.match(text)])]
    if field:
        spans += [m for m in (_LEADING.match(text),) if m] + list(_PARENTHESISED.finditer(text))
    found: dict[int, None] = {}
    for match in sorted(spans, key=lambda m: m.start("list")):
        found.update(dict.fromkeys(_expand(match["list"])))
    return list(found)
