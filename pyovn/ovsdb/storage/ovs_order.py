"""The order in which OVS walks the members of a JSON object it parsed.

Theory of operation
-------------------
OVS keeps a parsed JSON object in a ``shash``: an ``hmap`` keyed by the
member name's ``hash_string(name, 0)`` (Murmur3-style ``mhash`` over 4-byte
little-endian words, finished with the length).  Iteration walks the
buckets in index order and each bucket's chain from its head; insertion
puts a node at the head of bucket ``hash & mask``, and when the count
exceeds twice the mask the table grows (``mask`` from ``calc_mask``) by
re-inserting every node, bucket by bucket, which reverses chains.  So the
order ``ovsdb-tool show-log`` prints tables, rows and columns is a pure
function of the member names in file order, reproduced here so pyovn's
show-log is byte-identical to OVS's.
"""

from __future__ import annotations

from collections.abc import Iterable

_MASK32 = 0xFFFFFFFF


def _rotate(x: int, k: int) -> int:
    return ((x << k) | (x >> (32 - k))) & _MASK32


def _mhash_add(hash_: int, data: int) -> int:
    if data:
        data = (data * 0xCC9E2D51) & _MASK32
        data = _rotate(data, 15)
        data = (data * 0x1B873593) & _MASK32
        hash_ ^= data
    hash_ = _rotate(hash_, 13)
    return (hash_ * 5 + 0xE6546B64) & _MASK32


def _mhash_finish(hash_: int) -> int:
    hash_ ^= hash_ >> 16
    hash_ = (hash_ * 0x85EBCA6B) & _MASK32
    hash_ ^= hash_ >> 13
    hash_ = (hash_ * 0xC2B2AE35) & _MASK32
    return hash_ ^ (hash_ >> 16)


def hash_bytes(data: bytes, basis: int = 0) -> int:
    """OVS's ``hash_bytes`` (the portable, non-CRC32 build Debian ships)."""
    hash_ = basis
    whole = len(data) - len(data) % 4
    for i in range(0, whole, 4):
        hash_ = _mhash_add(hash_, int.from_bytes(data[i : i + 4], "little"))
    if whole < len(data):
        hash_ = _mhash_add(hash_, int.from_bytes(data[whole:], "little"))
    return _mhash_finish(hash_ ^ len(data))


def _calc_mask(capacity: int) -> int:
    mask = capacity // 2
    for shift in (1, 2, 4, 8, 16, 32):
        mask |= mask >> shift
    return mask | (mask & 1) << 1


def shash_order(names: Iterable[str]) -> list[str]:
    """``names`` (distinct, in insertion order) in the order OVS iterates them."""
    mask = 0
    buckets: list[list[tuple[str, int]]] = [[]]
    count = 0
    for name in names:
        hashed = hash_bytes(name.encode("utf-8"))
        buckets[hashed & mask].insert(0, (name, hashed))
        count += 1
        if count // 2 > mask and _calc_mask(count) > mask:
            mask = _calc_mask(count)
            grown: list[list[tuple[str, int]]] = [[] for _ in range(mask + 1)]
            for bucket in buckets:
                for node in bucket:
                    grown[node[1] & mask].insert(0, node)
            buckets = grown
    return [name for bucket in buckets for name, _ in bucket]
