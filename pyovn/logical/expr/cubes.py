"""Sets of ternary cubes (value/mask pairs) over one field.

Theory of operation: a cube ``(value, mask)`` is the set of field values x
with ``x & mask == value``; a list of cubes is their union. The complement
of a union (what ``x != a && x != b && ...`` means) is computed by splitting
on the mask bits one at a time, like walking a binary trie: a subspace no
cube touches is one output cube, a subspace some cube covers entirely yields
nothing, anything else splits on the next bit. The work and the output are
O(n * bits) for n cubes, where distributing the negated terms one by one
costs exponential time.
"""

from __future__ import annotations

Cube = tuple[int, int]  # (value, mask), value within mask


def complement(cubes: list[Cube]) -> list[Cube]:
    """Cubes covering exactly the values in no cube of `cubes`."""
    used = 0
    for _, mask in cubes:
        used |= mask
    bits = [1 << i for i in range(used.bit_length() - 1, -1, -1) if used >> i & 1]
    out: list[Cube] = []
    # Explicit stack: (cubes still relevant, index of next bit, prefix value, prefix mask)
    stack: list[tuple[list[Cube], int, int, int]] = [(cubes, 0, 0, 0)]
    while stack:
        live, i, value, mask = stack.pop()
        if not live:
            out.append((value, mask))
            continue
        rest = sum(bits[i:])
        if any(m & rest == 0 for _, m in live):
            continue  # some cube covers this whole subspace
        bit = bits[i]
        zero = [c for c in live if not c[1] & bit or not c[0] & bit]
        one = [c for c in live if not c[1] & bit or c[0] & bit]
        stack.append((one, i + 1, value | bit, mask | bit))
        stack.append((zero, i + 1, value, mask | bit))
    return out
