"""Round trips and fuzzing: parse(format(x)) == x; bad text only raises LogicalError."""

from __future__ import annotations

import pytest
from actions_cases import CASES, make_context
from hypothesis import given
from hypothesis import strategies as st

from pyovn.logical.actions import ast, encode_actions_full, format_actions, parse_actions
from pyovn.logical.actions.fields import symtab_resolver
from pyovn.logical.errors import LogicalError
from pyovn.logical.expr.symbols import SYMTAB
from pyovn.logical.lexer import IntFormat

SNIPPETS = [c.text for c in CASES if c.text != "drop;" and "drop" not in c.text]


@pytest.mark.parametrize("text", [c.text for c in CASES])
def test_corpus_round_trip(text: str) -> None:
    once = parse_actions(text)
    assert parse_actions(format_actions(once)) == once
    assert format_actions(parse_actions(format_actions(once))) == format_actions(once)


@given(st.lists(st.sampled_from(SNIPPETS), min_size=1, max_size=6), st.booleans())
def test_random_combinations_round_trip_and_encode(parts: list[str], nest: bool) -> None:
    text = " ".join(parts)
    if nest:
        text = f"clone {{ {text} }}; next;"
    actions = parse_actions(text)
    canonical = format_actions(actions)
    assert parse_actions(canonical) == actions
    result = encode_actions_full(actions, make_context())
    assert isinstance(result.actions, tuple)


_RESOLVE = symtab_resolver(SYMTAB)
WRITABLE = sorted(
    name for name in SYMTAB
    if (info := _RESOLVE(name)) is not None and info.writable and not info.is_predicate
    and not info.is_string
)


@st.composite
def assignments(draw: st.DrawFn) -> ast.Assign:
    name = draw(st.sampled_from(WRITABLE))
    info = _RESOLVE(name)
    assert info is not None
    lo: int | None = None
    hi: int | None = None
    width = info.width
    if width > 1 and draw(st.booleans()):
        lo = draw(st.integers(0, width - 1))
        top = draw(st.integers(lo, width - 1))
        hi = None if top == lo else top
        width = top - lo + 1
    fmt = draw(st.sampled_from([IntFormat.DECIMAL, IntFormat.HEXADECIMAL]))
    limit = (1 << min(width, 64 if fmt is IntFormat.DECIMAL else 128)) - 1
    value = draw(st.integers(0, limit))
    if fmt is IntFormat.HEXADECIMAL and value == 0:
        fmt = IntFormat.DECIMAL
    mask = None
    if fmt is IntFormat.HEXADECIMAL and info.maskable and draw(st.booleans()):
        mask = draw(st.integers(1, limit))
        value &= mask
    return ast.Assign(ast.FieldRef(name, lo, hi), ast.Constant(value, mask, fmt))


@given(st.lists(assignments(), min_size=1, max_size=4))
def test_random_assignments_round_trip(actions: list[ast.Assign]) -> None:
    tree = ast.ActionList(tuple(actions))
    assert parse_actions(format_actions(tree)) == tree
    encode_actions_full(tree, make_context())


TOKENS = [
    "next", "output", "drop", "ct_commit", "ct_lb", "arp", "reg0", "reg0[1]", "ip4.src",
    "inport", "outport", "eth.dst", "=", "<->", "--", ";", "{", "}", "(", ")", ",", "[", "]",
    "..", "1", "0x10", "10.0.0.1", "fe80::1", "ff:ff:ff:ff:ff:ff", '"lp1"', "backends",
    "put_dhcp_opts", "offerip", "log", "verdict", "/", "*", "/*", "$x", "@y", ":", "-",
    "ip.ttl", "ct_mark", "icmp4.frag_mtu", "lookup_arp", "hash_fields", "\"", "\\",
]


@given(st.lists(st.sampled_from(TOKENS), max_size=20))
def test_token_soup_raises_only_logical_errors(tokens: list[str]) -> None:
    _parse_or_logical_error(" ".join(tokens))


@given(st.text(max_size=60))
def test_arbitrary_text_raises_only_logical_errors(text: str) -> None:
    _parse_or_logical_error(text)


def _parse_or_logical_error(text: str) -> None:
    try:
        actions = parse_actions(text)
    except LogicalError as err:
        assert err.column >= 0 and err.message
        return
    assert parse_actions(format_actions(actions)) == actions


def test_deep_nesting_is_an_error_not_a_crash() -> None:
    text = "clone { " * 2000 + "next; " + "}; " * 2000
    with pytest.raises(LogicalError):
        parse_actions(text)


@given(st.sampled_from(SNIPPETS), st.integers(0, 10**6), st.sampled_from(list(
    "abcxyz_.0123456789:;,{}()[]=<->\"\\/* \n$@!&|")), st.integers(0, 3))
def test_mutated_corpus_raises_only_logical_errors(
    text: str, where: int, char: str, cut: int
) -> None:
    pos = where % len(text)
    _parse_or_logical_error(text[:pos] + char + text[pos + cut :])


# Unicode digits other than 0-9 (str.isdigit() is true for them): a lexer
# that dispatched on isdigit() but scanned only ASCII digits made no progress
# and looped forever; st.text() above found such input (commit 1bc0214).
@pytest.mark.parametrize("digit", ["\u0663", "\u00b2", "\uff11", "\u07c0", "\u0e53"])
def test_non_ascii_digits_are_errors_not_hangs(digit: str) -> None:
    with pytest.raises(LogicalError) as info:
        parse_actions(f"reg0 = {digit};")
    assert info.value.column == 8
    _parse_or_logical_error(f"x {digit} y")
