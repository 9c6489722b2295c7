"""How a packed roll-up bucket is stored: attribute types, compression, and parts under the item limit.

A bucket's counters are one zlib-compressed JSON binary attribute (``n``); each
sketch is a binary attribute under its packed name. DynamoDB items stop at
400 KB, so a bucket fuller than ``PART_LIMIT_BYTES`` continues in parts
``<bucket>#1``, ``#2`` … whose merge is the whole (domain.tiers.merge).
"""

from __future__ import annotations

import json
import zlib

from chalicelib.domain.tiers import Packed

COUNTERS_ATTRIBUTE = "n"
RESERVED = {"pk", "sk", "expires_at", "version", "parts", COUNTERS_ATTRIBUTE}
PART_LIMIT_BYTES = 300_000  # DynamoDB items stop at 400 KB; a bucket continues in parts below it


def encode(packed: Packed) -> dict:
    """Attributes (DynamoDB JSON) of a packed bucket, without keys."""
    body = json.dumps(packed.counters, separators=(",", ":"), sort_keys=True).encode()
    attributes: dict = {COUNTERS_ATTRIBUTE: {"B": zlib.compress(body, 6)}}
    for name, blob in packed.sketches.items():
        attributes[name] = {"B": blob}
    return attributes


def decode(item: dict | None) -> Packed:
    if not item:
        return Packed()
    counters = {}
    raw = item.get(COUNTERS_ATTRIBUTE, {}).get("B")
    if raw:
        counters = json.loads(zlib.decompress(bytes(raw)))
    blobs = {name: bytes(value["B"]) for name, value in item.items() if name not in RESERVED and "B" in value}
    return Packed(counters, blobs)


def encoded_size(attributes: dict) -> int:
    return sum(len(name) + len(value.get("B", b"")) for name, value in attributes.items())


def split_parts(packed: Packed, limit: int = PART_LIMIT_BYTES) -> list[Packed]:
    """Disjoint parts, each small enough for one item (a merge of the parts is the whole)."""
    if encoded_size(encode(packed)) <= limit:
        return [packed]
    parts: list[Packed] = []
    current = Packed()
    size = 0
    entries: list[tuple[str, float | bytes]] = [*packed.counters.items(), *packed.sketches.items()]
    for name, value in entries:
        cost = len(name) + (len(value) if isinstance(value, bytes) else 12)
        if size and size + cost > limit // 3:  # counters compress ≈ 3×; stay well under the limit
            parts.append(current)
            current, size = Packed(), 0
        if isinstance(value, bytes):
            current.sketches[name] = value
        else:
            current.counters[name] = value
        size += cost
    parts.append(current)
    return parts


def part_sk(bucket: str, index: int) -> str:
    """Part 0 is the bucket's own sort key; further parts sort right after it."""
    return bucket if index == 0 else f"{bucket}#{index}"


def bucket_of_sk(sk: str) -> str:
    return sk.split("#", 1)[0]
