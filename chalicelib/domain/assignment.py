"""Deterministic, weighted assignment of a unit (user or session) to a variant.

The variant is a pure function of (experiment, unit, variants): any Lambda,
any time, gives the same answer without reading storage, so the stored
assignment only records the exposure. Hashing the experiment id with the unit
keeps one unit's variants independent across experiments.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

_SCALE = 2**64


@dataclass(frozen=True)
class Variant:
    name: str
    weight: float


def unit_position(experiment_id: str, unit_id: str) -> float:
    """A uniform point in [0, 1) for this unit in this experiment."""
    digest = hashlib.sha256(f"{experiment_id}\x1f{unit_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign_variant(experiment_id: str, unit_id: str, variants: Sequence[Variant]) -> str:
    """Walk the cumulative weights until the unit's point falls inside one variant's share."""
    total = sum(v.weight for v in variants)
    if not variants or total <= 0:
        raise ValueError("variants need a positive total weight")
    point = unit_position(experiment_id, unit_id) * total
    cumulative = 0.0
    for variant in variants:
        cumulative += variant.weight
        if point < cumulative:
            return variant.name
    return variants[-1].name


def unit_key(user_id: str | None, session_id: str | None) -> str:
    """``u:<user>`` when signed in, else ``s:<session>``: the id an assignment is stored under."""
    if user_id:
        return f"u:{user_id}"
    if session_id:
        return f"s:{session_id}"
    raise ValueError("a user or a session is required")
