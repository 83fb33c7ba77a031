"""Lexer golden cases: input text -> tokens re-spelled by Token.format_text()."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pyovn.logical.errors import LogicalSyntaxError
from pyovn.logical.lexer import IntFormat, TokenStream, TokenType, tokenize

GOLDEN = [
    ("reg3 eth.src _x a9.b", "reg3 eth.src _x a9.b"),
    ("0 7 4294967296 18446744073709551615", "0 7 4294967296 18446744073709551615"),
    ("18446744073709551616", 'error("Decimal constants must be less than 2**64.")'),
    ("007", 'error("Decimal constants must not have leading zeros.")'),
    ("0x00ff 0X1", "0xff 0x1"),
    ("0x", 'error("Hex digits expected following 0x.")'),
    ("0xfg", 'error("Invalid syntax in hexadecimal constant.")'),
    ("0x" + "1" * 33, 'error("Hexadecimal constant requires more than 128 bits.")'),
    ("192.168.10.9 10.1.0.0/16 10.1.2.3/255.255.0.0", "192.168.10.9 10.1.0.0/16 10.1.0.0/16"),
    ("10.0.0.0/255.0.255.0", "10.0.0.0/255.0.255.0"),
    ("2001:db8::1 ::1 fe80::/64 ::", "2001:db8::1 ::1 fe80::/64 ::"),
    ("aa:bb:CC:dd:ee:0f", "aa:bb:cc:dd:ee:0f"),
    ("01:00:00:00:00:00/01:00:00:00:00:00", "01:00:00:00:00:00/01:00:00:00:00:00"),
    ("0x12/0xf0", "0x10/0xf0"),
    ("0/0xff00", "0/0xff00"),
    ("10/8", "8/8"),
    ("10/0x8", 'error("Value and mask have incompatible formats.")'),
    ("1.2.3.4/33", 'error("Value and mask have incompatible formats.")'),
    ("1.2.3.4:80", "1.2.3.4 : 80"),
    ("1..5", "1 .. 5"),
    ("1.2.3", 'error("Invalid numeric constant.")'),
    ('"x y" "a\\"b" "\\u0041"', '"x y" "a\\"b" "A"'),
    ('"open', 'error("Input ends inside quoted string.")'),
    ("$as_1 @pg.x", "$as_1 @pg.x"),
    (
        "$ @9",
        'error("`$\' must be followed by a valid identifier.") '
        'error("`@\' must be followed by a valid identifier.") 9',
    ),
    (
        "== != < <= > >= ! && || ( ) { } [ ] , ; = <-> -- : -",
        "== != < <= > >= ! && || ( ) { } [ ] , ; = <-> -- : -",
    ),
    ("a&b", "a error(\"`&' is only valid as part of `&&'.\") b"),
    ("a|b", "a error(\"`|' is only valid as part of `||'.\") b"),
    ("x /* c */ y // rest", "x y"),
    ("x /* open", "x error(\"`/*' without matching `*/'.\")"),
    ("x / y", "x error(\"`/' is only valid as part of `//' or `/*'.\") y"),
    ("#", 'error("Invalid character `#\' in input.")'),
    ("reg0[0..15]", "reg0 [ 0 .. 15 ] "),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN)
def test_lexer_golden(text: str, expected: str) -> None:
    tokens = tokenize(text)
    assert tokens[-1].type is TokenType.END
    assert " ".join(t.format_text() for t in tokens[:-1]) == expected.strip()


def test_token_positions_and_values() -> None:
    tokens = tokenize("  ip4.src == 10.0.0.0/8")
    assert [t.column for t in tokens] == [3, 11, 14, 24]
    masked = tokens[2]
    assert masked.type is TokenType.MASKED_INTEGER
    assert (masked.value, masked.mask, masked.format) == (0x0A000000, 0xFF000000, IntFormat.IPV4)


def test_stream_errors_carry_column() -> None:
    stream = TokenStream("a b")
    stream.advance()
    with pytest.raises(LogicalSyntaxError) as info:
        stream.force_end()
    assert info.value.column == 3
    assert info.value.message == "Syntax error at `b' expecting end of input."


@given(st.text(max_size=40))
def test_lexer_never_raises_and_reformats_stably(text: str) -> None:
    tokens = tokenize(text)
    assert tokens[-1].type is TokenType.END
    good = [t for t in tokens[:-1] if t.type is not TokenType.ERROR]
    again = tokenize(" ".join(t.format_text() for t in good))
    assert [t.format_text() for t in again[:-1]] == [t.format_text() for t in good]
