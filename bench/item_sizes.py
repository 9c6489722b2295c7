"""DynamoDB item sizes and write units, the way DynamoDB bills them.

Shared by the benches that model cost from what the code really writes: a write
unit covers 1 KB of item, rounded up per item (attribute names count, numbers
take about one byte per two significant digits plus one).
"""

from __future__ import annotations

import math
from typing import Any


def value_size(value: dict[str, Any]) -> int:
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        digits = len(str(inner).lstrip("-").replace(".", "").lstrip("0")) or 1
        return 1 + math.ceil(digits / 2)
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(value_size({"N": n}) for n in inner)
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + 1 + value_size(v) for k, v in inner.items())
    return 0


def item_size(item: dict[str, Any]) -> int:
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def units(size: int) -> int:
    """Write units for one item of ``size`` bytes (reads: halve for eventually consistent, 4 KB units)."""
    return max(1, math.ceil(size / 1024))
