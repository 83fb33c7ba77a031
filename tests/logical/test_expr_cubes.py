"""Complement of a union of value/mask cubes, checked by brute force."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pyovn.logical.expr.cubes import complement
from pyovn.logical.expr.pipeline import MatchEnv, compile_match, normalized

WIDTH = 6
CUBES = st.lists(
    st.tuples(st.integers(0, 63), st.integers(0, 63)).map(lambda vm: (vm[0] & vm[1], vm[1])),
    max_size=8,
)


def covered(cubes: list[tuple[int, int]]) -> set[int]:
    return {x for x in range(1 << WIDTH) if any(x & m == v for v, m in cubes)}


@given(CUBES)
def test_complement_is_exact(cubes: list[tuple[int, int]]) -> None:
    out = complement(cubes)
    assert covered(out) == set(range(1 << WIDTH)) - covered(cubes)
    # disjoint output: no value is matched by two output cubes
    assert sum(len(covered([c])) for c in out) == len(covered(out))


def test_excluding_a_set_stays_linear() -> None:
    members = [f"10.{i // 250}.{i % 250}.{(i * 7) % 250 + 1}" for i in range(300)]
    env = MatchEnv.from_strings({"s": members}, {})
    compiled = compile_match("ip4.src != $s && tcp", env, lambda port: None)
    assert 300 <= len(compiled.plain) <= 300 * 32
    text = normalized("tcp.dst != {1, 2, 3} && ip4", env)
    assert text == (
        "(tcp.dst == 0 || tcp.dst[2..15] == 0x1 || tcp.dst[3..15] == 0x1 || "
        "tcp.dst[4..15] == 0x1 || tcp.dst[5..15] == 0x1 || tcp.dst[6..15] == 0x1 || "
        "tcp.dst[7..15] == 0x1 || tcp.dst[8..15] == 0x1 || tcp.dst[9..15] == 0x1 || "
        "tcp.dst[10..15] == 0x1 || tcp.dst[11..15] == 0x1 || tcp.dst[12..15] == 0x1 || "
        "tcp.dst[13..15] == 0x1 || tcp.dst[14..15] == 0x1 || tcp.dst[15]) && ip.proto == 0x6 "
        "&& eth.type == 0x800"
    )
