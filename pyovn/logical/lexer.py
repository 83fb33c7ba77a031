"""Lexer for the logical-flow language (match expressions and actions).

Theory of operation: `tokenize(text)` turns the whole input into a tuple of
`Token`s ending with an END token. Lexical problems do not raise: they become
ERROR tokens (message in ``text``) so that a parser reports them at the point
where it meets them, exactly as OVN's lexer does. `TokenStream` is the cursor
parsers use (`peek`, `advance`, `match`, `match_id`, `force_match`,
`force_int`, `force_end`, `syntax_error`); its errors are
`LogicalSyntaxError` with the 1-based column of the offending token.

Token API (stable; the actions parser uses it too):

- ``Token.type``: a `TokenType` (ID, STRING, INTEGER, MASKED_INTEGER,
  MACRO for ``$name``, PORT_GROUP for ``@name``, ERROR, END and punctuation:
  LPAREN RPAREN LCURLY RCURLY LSQUARE RSQUARE EQ NE LT LE GT GE LOG_NOT
  LOG_AND LOG_OR ELLIPSIS COMMA SEMICOLON EQUALS EXCHANGE DECREMENT COLON
  HYPHEN).
- ``Token.text``: identifier / string contents / set or group name / error
  message; "" otherwise.
- ``Token.value`` / ``Token.mask`` (int, up to 128 bits; mask None unless
  MASKED_INTEGER) and ``Token.format`` (`IntFormat`) for integers.
- ``Token.start`` (0-based offset) and ``Token.column`` (1-based);
  ``Token.source`` is the raw text of the token.
- ``Token.format_text()`` re-spells the token so the lexer reads it back
  (canonical form: decimal stays decimal, IPv4 CIDR masks as ``/N``...).

Integer syntax follows OVN: decimal (no leading zeros, < 2**64), ``0x`` hex
(up to 128 bits), IPv4, IPv6, Ethernet; ``/mask`` in the same format, or a
decimal prefix length after an IPv4/IPv6 address.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass
from enum import Enum

from pyovn.logical.errors import LogicalSyntaxError


class TokenType(Enum):
    END = "end"
    ID = "id"
    STRING = "string"
    INTEGER = "integer"
    MASKED_INTEGER = "masked integer"
    MACRO = "$"
    PORT_GROUP = "@"
    ERROR = "error"
    LPAREN = "("
    RPAREN = ")"
    LCURLY = "{"
    RCURLY = "}"
    LSQUARE = "["
    RSQUARE = "]"
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    LOG_NOT = "!"
    LOG_AND = "&&"
    LOG_OR = "||"
    ELLIPSIS = ".."
    COMMA = ","
    SEMICOLON = ";"
    EQUALS = "="
    EXCHANGE = "<->"
    DECREMENT = "--"
    COLON = ":"
    HYPHEN = "-"


class IntFormat(Enum):
    DECIMAL = "decimal"
    HEXADECIMAL = "hexadecimal"
    IPV4 = "IPv4"
    IPV6 = "IPv6"
    ETHERNET = "Ethernet"


# How many low bits a value may use and still print in its format.
_FORMAT_BITS = {
    IntFormat.DECIMAL: 64,
    IntFormat.HEXADECIMAL: 128,
    IntFormat.IPV4: 32,
    IntFormat.IPV6: 128,
    IntFormat.ETHERNET: 48,
}


def format_hex(value: int) -> str:
    """An integer as OVS's mf_format_subvalue writes it: ``0x..`` or ``0``."""
    return hex(value) if value else "0"


def format_int(value: int, fmt: IntFormat) -> str:
    """One integer in format `fmt` (hex when the value does not fit it)."""
    if value >> _FORMAT_BITS[fmt]:
        fmt = IntFormat.HEXADECIMAL
    if fmt is IntFormat.DECIMAL:
        return str(value)
    if fmt is IntFormat.IPV4:
        return str(ipaddress.IPv4Address(value))
    if fmt is IntFormat.IPV6:
        return str(ipaddress.IPv6Address(value))
    if fmt is IntFormat.ETHERNET:
        return ":".join(f"{(value >> s) & 0xFF:02x}" for s in range(40, -8, -8))
    return format_hex(value)


def _cidr_bits(mask: int, width: int) -> int | None:
    """Prefix length if `mask` is a CIDR mask of a `width`-bit field."""
    for n in range(width + 1):
        if mask == ((1 << n) - 1) << (width - n):
            return n
    return None


def format_masked(value: int, mask: int, fmt: IntFormat) -> str:
    """``value/mask`` as OVN's lexer writes a masked integer."""
    if (value | mask) >> _FORMAT_BITS[fmt]:
        fmt = IntFormat.HEXADECIMAL
    head = format_int(value, fmt) + "/"
    if fmt in (IntFormat.IPV4, IntFormat.IPV6):
        bits = _cidr_bits(mask, 32 if fmt is IntFormat.IPV4 else 128)
        if bits is not None:
            return head + str(bits)
    return head + format_int(mask, fmt)


def quote_string(s: str) -> str:
    """A string as a JSON string literal (OVN's json_string_escape)."""
    return json.dumps(s, ensure_ascii=False)


@dataclass(frozen=True, slots=True)
class Token:
    type: TokenType
    start: int
    end: int
    source: str
    text: str = ""
    value: int = 0
    mask: int | None = None
    format: IntFormat | None = None

    @property
    def column(self) -> int:
        return self.start + 1

    def format_text(self) -> str:
        t = self.type
        if t is TokenType.END:
            return "$"
        if t is TokenType.ID:
            return self.text
        if t is TokenType.ERROR:
            return f"error({quote_string(self.text)})"
        if t is TokenType.STRING:
            return quote_string(self.text)
        if t is TokenType.INTEGER:
            return format_int(self.value, self.format or IntFormat.HEXADECIMAL)
        if t is TokenType.MASKED_INTEGER:
            assert self.mask is not None
            return format_masked(self.value, self.mask, self.format or IntFormat.HEXADECIMAL)
        if t is TokenType.MACRO:
            return "$" + self.text
        if t is TokenType.PORT_GROUP:
            return "@" + self.text
        return t.value


_MAC_RE = re.compile(r"[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}")
_ID1 = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_.")
_HEXDIGITS = frozenset("0123456789abcdefABCDEF")
_DIGITS = frozenset("0123456789")
_SPACE = frozenset(" \t\n\r\v\f")
# Two-character operators first, then one-character ones.
_OPERATORS: tuple[tuple[str, TokenType], ...] = (
    ("<->", TokenType.EXCHANGE),
    ("==", TokenType.EQ),
    ("!=", TokenType.NE),
    ("<=", TokenType.LE),
    (">=", TokenType.GE),
    ("&&", TokenType.LOG_AND),
    ("||", TokenType.LOG_OR),
    ("..", TokenType.ELLIPSIS),
    ("--", TokenType.DECREMENT),
    ("(", TokenType.LPAREN),
    (")", TokenType.RPAREN),
    ("{", TokenType.LCURLY),
    ("}", TokenType.RCURLY),
    ("[", TokenType.LSQUARE),
    ("]", TokenType.RSQUARE),
    ("=", TokenType.EQUALS),
    ("!", TokenType.LOG_NOT),
    ("<", TokenType.LT),
    (">", TokenType.GT),
    (",", TokenType.COMMA),
    (";", TokenType.SEMICOLON),
    ("-", TokenType.HYPHEN),
)
_LONE_ERRORS = {
    "&": "`&' is only valid as part of `&&'.",
    "|": "`|' is only valid as part of `||'.",
    ".": "`.' is only valid as part of `..' or a number.",
}


class _Bad(Exception):
    """Internal: a lexical error message for the token being scanned."""


def _integer_extent(text: str, pos: int) -> int:
    """End of an integer-like run (see OVN: stop at `..` and at `:` after `.`)."""
    end, saw_dot, n = pos, False, len(text)
    while end < n:
        c = text[end]
        if c.isascii() and c.isalnum():
            end += 1
        elif c == ":" and not saw_dot:
            end += 1
        elif c == "." and not text.startswith("..", end):
            saw_dot = True
            end += 1
        else:
            break
    return end


def _parse_plain_integer(word: str) -> tuple[int, IntFormat]:
    if not word:
        raise _Bad("Integer constant expected.")
    if len(word) == 17 and _MAC_RE.fullmatch(word):
        return int(word.replace(":", ""), 16), IntFormat.ETHERNET
    if all(c in _DIGITS for c in word):
        if word[0] == "0" and len(word) > 1:
            raise _Bad("Decimal constants must not have leading zeros.")
        value = int(word)
        if value >= 1 << 64:
            raise _Bad("Decimal constants must be less than 2**64.")
        return value, IntFormat.DECIMAL
    if word[:2] in ("0x", "0X"):
        digits = word[2:]
        if not digits:
            raise _Bad(f"Hex digits expected following 0{word[1]}.")
        if not all(c in _HEXDIGITS for c in digits):
            raise _Bad("Invalid syntax in hexadecimal constant.")
        value = int(digits, 16)
        if value >> 128:
            raise _Bad("Hexadecimal constant requires more than 128 bits.")
        return value, IntFormat.HEXADECIMAL
    if len(word) < 46:
        try:
            return int(ipaddress.IPv4Address(word)), IntFormat.IPV4
        except ValueError:
            pass
        try:
            return int(ipaddress.IPv6Address(word)), IntFormat.IPV6
        except ValueError:
            pass
    raise _Bad("Invalid numeric constant.")


def _combine_mask(
    value: int, fmt: IntFormat, mask: int, mask_fmt: IntFormat
) -> tuple[int, int, IntFormat]:
    if fmt is mask_fmt:
        pass
    elif fmt is IntFormat.IPV4 and mask_fmt is IntFormat.DECIMAL and mask <= 32:
        mask = ((1 << mask) - 1) << (32 - mask)
    elif fmt is IntFormat.IPV6 and mask_fmt is IntFormat.DECIMAL and mask <= 128:
        mask = ((1 << mask) - 1) << (128 - mask)
    elif fmt is IntFormat.DECIMAL and mask_fmt is IntFormat.HEXADECIMAL and value == 0:
        fmt = IntFormat.HEXADECIMAL
    else:
        raise _Bad("Value and mask have incompatible formats.")
    return value & mask, mask, fmt


def _lex_integer(text: str, pos: int) -> tuple[Token, int]:
    end = max(_integer_extent(text, pos), pos + 1)  # always make progress
    try:
        value, fmt = _parse_plain_integer(text[pos:end])
        if end < len(text) and text[end] == "/":
            mask_end = _integer_extent(text, end + 1)
            mask, mask_fmt = _parse_plain_integer(text[end + 1 : mask_end])
            end = mask_end
            value, mask, fmt = _combine_mask(value, fmt, mask, mask_fmt)
            return (
                Token(TokenType.MASKED_INTEGER, pos, end, text[pos:end], "", value, mask, fmt),
                end,
            )
    except _Bad as bad:
        return Token(TokenType.ERROR, pos, end, text[pos:end], str(bad)), end
    return Token(TokenType.INTEGER, pos, end, text[pos:end], "", value, None, fmt), end


def _lex_string(text: str, pos: int) -> tuple[Token, int]:
    p = pos + 1
    while p < len(text):
        c = text[p]
        if c == '"':
            raw = text[pos : p + 1]
            try:
                value = json.loads(raw)
            except ValueError:
                return Token(TokenType.ERROR, pos, p + 1, raw, "Invalid escape in string."), p + 1
            return Token(TokenType.STRING, pos, p + 1, raw, value), p + 1
        p += 2 if c == "\\" else 1
    end = len(text)
    return Token(TokenType.ERROR, pos, end, text[pos:], "Input ends inside quoted string."), end


_ID_TAIL = re.compile(r"[A-Za-z0-9_.]*")
_SPACES = re.compile(r"[ \t\n\r\v\f]*")
# Operators by length, longest first: text -> token type.
_OPERATOR_TABLE = [{op: kind for op, kind in _OPERATORS if len(op) == n} for n in (3, 2, 1)]


def _lex_id(text: str, pos: int, kind: TokenType, name_start: int) -> tuple[Token, int]:
    tail = _ID_TAIL.match(text, name_start + 1)
    end = tail.end() if tail else name_start + 1
    return Token(kind, pos, end, text[pos:end], text[name_start:end]), end


def _skip_space_and_comments(text: str, pos: int) -> tuple[int, Token | None]:
    """Skip blanks and comments; an unterminated `/*` is an ERROR token."""
    n = len(text)
    while pos < n:
        if text[pos] in _SPACE:
            spaces = _SPACES.match(text, pos)
            pos = spaces.end() if spaces else pos + 1
        elif text.startswith("//", pos):
            nl = text.find("\n", pos)
            pos = n if nl < 0 else nl
        elif text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            nl = text.find("\n", pos + 2)
            if close < 0 or 0 <= nl < close:
                stop = n if nl < 0 else nl
                msg = "`/*' without matching `*/'."
                return stop, Token(TokenType.ERROR, pos, stop, text[pos:stop], msg)
            pos = close + 2
        else:
            break
    return pos, None


def next_token(text: str, pos: int) -> tuple[Token, int]:
    """The token starting at or after `pos`, and where the next one starts."""
    pos, err = _skip_space_and_comments(text, pos)
    if err is not None:
        return err, err.end
    if pos >= len(text):
        return Token(TokenType.END, pos, pos, ""), pos
    c = text[pos]
    if c in _DIGITS or (c == ":" and text.startswith("::", pos)):
        return _lex_integer(text, pos)
    if c in _HEXDIGITS:
        # A MAC or IPv6 address starts with hex digits then ':'; an id never does.
        p = pos
        while p < len(text) and text[p] in _HEXDIGITS:
            p += 1
        if p < len(text) and text[p] == ":":
            return _lex_integer(text, pos)
    if c in _ID1 and not text.startswith("..", pos) and c != ".":
        return _lex_id(text, pos, TokenType.ID, pos)
    if c == '"':
        return _lex_string(text, pos)
    if c in "$@":
        kind = TokenType.MACRO if c == "$" else TokenType.PORT_GROUP
        if pos + 1 < len(text) and text[pos + 1] in _ID1:
            return _lex_id(text, pos, kind, pos + 1)
        msg = f"`{c}' must be followed by a valid identifier."
        return Token(TokenType.ERROR, pos, pos + 1, c, msg), pos + 1
    if c == "/":
        msg = "`/' is only valid as part of `//' or `/*'."
        return Token(TokenType.ERROR, pos, pos + 1, c, msg), pos + 1
    if c == ":":
        return Token(TokenType.COLON, pos, pos + 1, c), pos + 1
    for size, table in zip((3, 2, 1), _OPERATOR_TABLE, strict=True):
        op = text[pos : pos + size]
        found = table.get(op)
        if found is not None:
            return Token(found, pos, pos + size, op), pos + size
    if c in _LONE_ERRORS:
        return Token(TokenType.ERROR, pos, pos + 1, c, _LONE_ERRORS[c]), pos + 1
    if c.isprintable() and c.isascii():
        msg = f"Invalid character `{c}' in input."
    else:
        msg = f"Invalid byte 0x{ord(c):x} in input."
    return Token(TokenType.ERROR, pos, pos + 1, c, msg), pos + 1


def tokenize(text: str) -> tuple[Token, ...]:
    """All tokens of `text`, the last one END."""
    tokens: list[Token] = []
    pos = 0
    while True:
        token, new_pos = next_token(text, pos)
        tokens.append(token)
        if token.type is TokenType.END:
            return tuple(tokens)
        pos = max(new_pos, pos + 1)  # guarantees termination on any input


class TokenStream:
    """A cursor over the tokens of one input, with OVN-style error helpers."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def lookahead(self, k: int = 1) -> Token:
        return self.tokens[min(self.index + k, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.token
        if token.type is not TokenType.END:
            self.index += 1
        return token

    def match(self, kind: TokenType) -> bool:
        if self.token.type is kind:
            self.advance()
            return True
        return False

    def match_id(self, name: str) -> bool:
        if self.token.type is TokenType.ID and self.token.text == name:
            self.advance()
            return True
        return False

    def error(self, message: str, token: Token | None = None) -> LogicalSyntaxError:
        """An error at `token` (default: the current one); lexical errors win."""
        token = token or self.token
        if self.token.type is TokenType.ERROR:
            return LogicalSyntaxError(self.token.text, self.token.column)
        return LogicalSyntaxError(message, token.column)

    def syntax_error(self, expecting: str = "") -> LogicalSyntaxError:
        """``Syntax error at `TOKEN' expecting ...`` as OVN words it."""
        token = self.token
        if token.type is TokenType.END:
            msg = "Syntax error at end of input"
        else:
            msg = f"Syntax error at `{token.source}'"
        if expecting:
            msg += " " + expecting
        return self.error(msg + ".")

    def force_match(self, kind: TokenType) -> None:
        if kind is TokenType.END:
            self.force_end()
        elif not self.match(kind):
            raise self.syntax_error(f"expecting `{kind.value}'")

    def force_end(self) -> None:
        if self.token.type is not TokenType.END:
            raise self.syntax_error("expecting end of input")

    def is_int(self) -> bool:
        t = self.token
        is_decimal = t.type is TokenType.INTEGER and t.format is IntFormat.DECIMAL
        return is_decimal and t.value <= 2**31 - 1

    def force_int(self) -> int:
        if not self.is_int():
            raise self.syntax_error("expecting small integer")
        return self.advance().value
