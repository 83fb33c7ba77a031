"""Immutable trees for match expressions, and their canonical text.

Theory of operation: two trees, one per level of meaning.

- The *syntax tree* (`Compare`, `Range`, `Not`, `And`, `Or`, `Bool`,
  `ChassisResident`) is what the user wrote, already type checked: constants
  keep their written format and sets keep their braces, so `format_syntax`
  prints the canonical source form (``ip4.src == 10.0.0.0/8 && tcp.dst ==
  {80, 443}``) that reparses to the same tree.
- The *expression tree* (`Cmp`, `StrCmp`, `AndOr`, `Boolean`, `Condition`)
  is OVN's `struct expr`: comparisons of a symbol's bits against a value and
  mask, sets already turned into disjunctions, negation pushed to the leaves.
  `format_expr` prints it exactly as OVN's expr_format does
  (``tcp.dst == 0x50 || tcp.dst == 0x1bb``, ``vlan.tci[12]``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from pyovn.logical.lexer import IntFormat, format_hex, format_int, format_masked, quote_string


class Relop(Enum):
    EQ = "=="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    def turn(self) -> Relop:
        """The operator after swapping the operands (``a < b`` is ``b > a``)."""
        return _TURN[self]

    def invert(self) -> Relop:
        """The operator of the negated comparison."""
        return _INVERT[self]


_TURN = {
    Relop.EQ: Relop.EQ,
    Relop.NE: Relop.NE,
    Relop.LT: Relop.GT,
    Relop.LE: Relop.GE,
    Relop.GT: Relop.LT,
    Relop.GE: Relop.LE,
}
_INVERT = {
    Relop.EQ: Relop.NE,
    Relop.NE: Relop.EQ,
    Relop.LT: Relop.GE,
    Relop.LE: Relop.GT,
    Relop.GT: Relop.LE,
    Relop.GE: Relop.LT,
}


# --- syntax tree -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Constant:
    """One written constant: integer (maybe masked), string, $set or @group."""

    kind: str  # "int", "string", "address_set", "port_group"
    value: int = 0
    mask: int | None = None
    fmt: IntFormat = IntFormat.HEXADECIMAL
    text: str = ""

    def format(self) -> str:
        if self.kind == "string":
            return quote_string(self.text)
        if self.kind == "address_set":
            return "$" + self.text
        if self.kind == "port_group":
            return "@" + self.text
        if self.mask is not None:
            return format_masked(self.value, self.mask, self.fmt)
        return format_int(self.value, self.fmt)


@dataclass(frozen=True, slots=True)
class FieldRef:
    name: str
    ofs: int
    n_bits: int
    subscript: bool  # written with [..]
    column: int = 0

    def format(self) -> str:
        if not self.subscript:
            return self.name
        if self.n_bits == 1:
            return f"{self.name}[{self.ofs}]"
        return f"{self.name}[{self.ofs}..{self.ofs + self.n_bits - 1}]"


@dataclass(frozen=True, slots=True)
class ConstantSet:
    values: tuple[Constant, ...]
    curlies: bool

    def format(self) -> str:
        inner = ", ".join(c.format() for c in self.values)
        return "{" + inner + "}" if self.curlies or len(self.values) != 1 else inner


@dataclass(frozen=True, slots=True)
class Compare:
    """``field RELOP constants``; relop None is a bare field (``ct.new``)."""

    field: FieldRef
    relop: Relop | None
    constants: ConstantSet
    constant_first: bool = False


@dataclass(frozen=True, slots=True)
class Range:
    """``low R1 field R2 high`` (``1 < vlan.pcp < 4``)."""

    low: ConstantSet
    r1: Relop
    field: FieldRef
    r2: Relop
    high: ConstantSet


@dataclass(frozen=True, slots=True)
class Not:
    item: Syntax


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Syntax, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Syntax, ...]


@dataclass(frozen=True, slots=True)
class Bool:
    value: bool


@dataclass(frozen=True, slots=True)
class ChassisResident:
    port: str


Syntax = Compare | Range | Not | And | Or | Bool | ChassisResident


def format_syntax(node: Syntax) -> str:
    """Canonical source text of a syntax tree."""
    if isinstance(node, Compare):
        if node.relop is None:
            return node.field.format()
        if node.constant_first:
            return f"{node.constants.format()} {node.relop.value} {node.field.format()}"
        return f"{node.field.format()} {node.relop.value} {node.constants.format()}"
    if isinstance(node, Range):
        return (
            f"{node.low.format()} {node.r1.value} {node.field.format()} "
            f"{node.r2.value} {node.high.format()}"
        )
    if isinstance(node, Not):
        # `!' takes an atomic operand: a bare field, a constant, a function or
        # anything parenthesized (OVN rejects `!x == 1').
        inner = format_syntax(node.item)
        item = node.item
        atomic = isinstance(item, (Bool, ChassisResident)) or (
            isinstance(item, Compare) and item.relop is None
        )
        return "!" + (inner if atomic else f"({inner})")
    if isinstance(node, (And, Or)):
        op = " && " if isinstance(node, And) else " || "
        return op.join(
            f"({format_syntax(i)})" if isinstance(i, (And, Or)) else format_syntax(i)
            for i in node.items
        )
    if isinstance(node, Bool):
        return "1" if node.value else "0"
    return f"is_chassis_resident({quote_string(node.port)})"


# --- expression tree (OVN's struct expr) -----------------------------------


@dataclass(frozen=True, slots=True)
class Cmp:
    """Integer comparison: ``symbol & mask RELOP value`` (value within mask)."""

    symbol: str
    width: int
    relop: Relop
    value: int
    mask: int


@dataclass(frozen=True, slots=True)
class StrCmp:
    symbol: str
    relop: Relop
    string: str


@dataclass(frozen=True, slots=True)
class AndOr:
    """A conjunction (is_and) or disjunction of two or more sub-expressions."""

    is_and: bool
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Boolean:
    value: bool


@dataclass(frozen=True, slots=True)
class Condition:
    port: str  # is_chassis_resident(port)
    negated: bool = False


Expr = Cmp | StrCmp | AndOr | Boolean | Condition

TRUE = Boolean(True)
FALSE = Boolean(False)


def combine(is_and: bool, a: Expr | None, b: Expr | None) -> Expr | None:
    """``a && b`` (or ``a || b``), flattening nested nodes of the same kind."""
    if a is None:
        return b
    if b is None:
        return a
    left = a.items if isinstance(a, AndOr) and a.is_and == is_and else (a,)
    right = b.items if isinstance(b, AndOr) and b.is_and == is_and else (b,)
    return AndOr(is_and, left + right)


def combine_all(is_and: bool, items: list[Expr]) -> Expr:
    """Combination of `items` (flattened); an empty list is the operator's identity."""
    flat: list[Expr] = []
    for item in items:
        if isinstance(item, AndOr) and item.is_and == is_and:
            flat.extend(item.items)
        else:
            flat.append(item)
    if not flat:
        return Boolean(is_and)
    return flat[0] if len(flat) == 1 else AndOr(is_and, tuple(flat))


def negate(expr: Expr) -> Expr:
    """``!expr`` with the negation pushed down to the leaves (De Morgan)."""
    if isinstance(expr, Cmp):
        return Cmp(expr.symbol, expr.width, expr.relop.invert(), expr.value, expr.mask)
    if isinstance(expr, StrCmp):
        return StrCmp(expr.symbol, expr.relop.invert(), expr.string)
    if isinstance(expr, AndOr):
        return AndOr(not expr.is_and, tuple(negate(i) for i in expr.items))
    if isinstance(expr, Boolean):
        return Boolean(not expr.value)
    return Condition(expr.port, not expr.negated)


def bit_range(mask: int, width: int) -> tuple[int, int]:
    """(start, n_bits) of the one run of 1-bits in `mask`; (0, 0) if not one run."""
    mask &= (1 << width) - 1
    if not mask:
        return 0, 0
    start = (mask & -mask).bit_length() - 1
    run = mask >> start
    if run & (run + 1):
        return 0, 0
    return start, run.bit_length()


def format_cmp(cmp: Cmp) -> str:
    start, n = bit_range(cmp.mask, cmp.width)
    if n == 1 and cmp.relop in (Relop.EQ, Relop.NE):
        positive = bool(cmp.value >> start & 1) ^ (cmp.relop is Relop.NE)
        sub = f"[{start}]" if cmp.width > 1 else ""
        return ("" if positive else "!") + cmp.symbol + sub
    text = cmp.symbol
    if 0 < n < cmp.width:
        text += f"[{start}..{start + n - 1}]" if n > 1 else f"[{start}]"
    text += f" {cmp.relop.value} "
    if n:
        return text + format_hex((cmp.value >> start) & ((1 << n) - 1))
    return text + f"{format_hex(cmp.value)}/{format_hex(cmp.mask)}"


def format_expr(expr: Expr) -> str:
    """OVN's expr_format: the text OVN's test-ovn prints for `expr`."""
    if isinstance(expr, Cmp):
        return format_cmp(expr)
    if isinstance(expr, StrCmp):
        return f"{expr.symbol} {expr.relop.value} {quote_string(expr.string)}"
    if isinstance(expr, AndOr):
        op = " && " if expr.is_and else " || "
        return op.join(
            f"({format_expr(i)})" if isinstance(i, AndOr) else format_expr(i) for i in expr.items
        )
    if isinstance(expr, Boolean):
        return "1" if expr.value else "0"
    bang = "!" if expr.negated else ""
    return f"{bang}is_chassis_resident({quote_string(expr.port)})"
