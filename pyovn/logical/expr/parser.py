"""Parser for match expressions: text -> type-checked syntax and expression trees.

Theory of operation: a recursive-descent parser over `TokenStream` following
OVN's grammar (lib/expr.c): ``expr := not ((&& not)* | (|| not)*)``,
``not := ! primary | primary``, ``primary := ( expr ) | field relop
constants | field | constants relop field [relop constants] | 0 | 1 |
is_chassis_resident("port")``. Mixing `&&` and `||` without parentheses is
an error, as in OVN. Each comparison is type checked when parsed, because
some rules depend on the enclosing `!` operators (nominal fields may only be
tested for equality after negations are taken into account). The parser
returns both trees of `ast`: the syntax tree (for the canonical source text)
and OVN's expression tree (sets as disjunctions, negation pushed down).
Errors raise `LogicalSyntaxError` / `LogicalTypeError` with a column.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pyovn.logical.errors import LogicalTypeError
from pyovn.logical.expr import ast, kinds
from pyovn.logical.expr.ast import Relop
from pyovn.logical.expr.symbols import SYMTAB, Level, Symbol
from pyovn.logical.lexer import IntFormat, Token, TokenStream, TokenType, tokenize

MAX_PAREN_DEPTH = 100

_RELOPS = {
    TokenType.EQ: Relop.EQ,
    TokenType.NE: Relop.NE,
    TokenType.LT: Relop.LT,
    TokenType.LE: Relop.LE,
    TokenType.GT: Relop.GT,
    TokenType.GE: Relop.GE,
}


@dataclass(frozen=True, slots=True)
class ParsedMatch:
    syntax: ast.Syntax
    expr: ast.Expr
    address_sets: frozenset[str] = frozenset()
    port_groups: frozenset[str] = frozenset()


def parse_address_set(values: list[str] | tuple[str, ...]) -> tuple[ast.Constant, ...]:
    """Address-set members (``"10.0.0.1"``, ``"10.0.0.0/8"``...) as constants.

    Entries the lexer does not read as one integer raise LogicalSyntaxError.
    """
    out = []
    for text in values:
        tokens = tokenize(text)
        head = tokens[0]
        if head.type not in (TokenType.INTEGER, TokenType.MASKED_INTEGER) or len(tokens) != 2:
            stream = TokenStream(text)
            raise stream.syntax_error("expecting address set member")
        out.append(_int_constant(head))
    return tuple(out)


def _int_constant(token: Token) -> ast.Constant:
    return ast.Constant("int", token.value, token.mask, token.format or IntFormat.HEXADECIMAL)


@dataclass
class _Context:
    stream: TokenStream
    symtab: Mapping[str, Symbol]
    address_sets: Mapping[str, tuple[ast.Constant, ...]]
    port_groups: Mapping[str, tuple[str, ...]]
    negated: bool = False
    depth: int = 0
    sets_used: set[str] = field(default_factory=set)
    groups_used: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class _Values:
    """A parsed constant set: as written, and expanded (sets and groups inlined)."""

    written: ast.ConstantSet
    expanded: tuple[ast.Constant, ...]
    is_string: bool
    columns: tuple[int, ...] = ()  # of each expanded constant (a set's: the $name)


def parse_match(
    text: str,
    symtab: Mapping[str, Symbol] = SYMTAB,
    address_sets: Mapping[str, tuple[ast.Constant, ...]] | None = None,
    port_groups: Mapping[str, tuple[str, ...]] | None = None,
) -> ParsedMatch:
    """Parse and type check a whole match expression."""
    ctx = _Context(TokenStream(text), symtab, address_sets or {}, port_groups or {})
    syntax, expr = _parse_expr(ctx)
    ctx.stream.force_end()
    return ParsedMatch(syntax, expr, frozenset(ctx.sets_used), frozenset(ctx.groups_used))


def _parse_expr(ctx: _Context) -> tuple[ast.Syntax, ast.Expr]:
    syntax, expr = _parse_not(ctx)
    kind = ctx.stream.token.type
    if kind not in (TokenType.LOG_AND, TokenType.LOG_OR):
        return syntax, expr
    is_and = kind is TokenType.LOG_AND
    items, exprs = [syntax], [expr]
    while ctx.stream.match(kind):
        s, e = _parse_not(ctx)
        items.append(s)
        exprs.append(e)
    if ctx.stream.token.type in (TokenType.LOG_AND, TokenType.LOG_OR):
        raise ctx.stream.error("&& and || must be parenthesized when used together.")
    node: ast.Syntax = ast.And(tuple(items)) if is_and else ast.Or(tuple(items))
    return node, ast.combine_all(is_and, exprs)


def _parse_not(ctx: _Context) -> tuple[ast.Syntax, ast.Expr]:
    bang = ctx.stream.token
    if not ctx.stream.match(TokenType.LOG_NOT):
        syntax, expr, _ = _parse_primary(ctx)
        return syntax, expr
    ctx.negated = not ctx.negated
    syntax, expr, atomic = _parse_primary(ctx)
    ctx.negated = not ctx.negated
    if not atomic:
        raise ctx.stream.error("Missing parentheses around operand of !.", bang)
    return ast.Not(syntax), ast.negate(expr)


def _parse_primary(ctx: _Context) -> tuple[ast.Syntax, ast.Expr, bool]:
    stream = ctx.stream
    if stream.token.type is TokenType.LPAREN:
        if ctx.depth >= MAX_PAREN_DEPTH:
            raise stream.error("Parentheses nested too deeply.")
        stream.advance()
        ctx.depth += 1
        syntax, expr = _parse_expr(ctx)
        ctx.depth -= 1
        stream.force_match(TokenType.RPAREN)
        return syntax, expr, True
    if stream.token.type is TokenType.ID:
        if stream.lookahead().type is TokenType.LPAREN:
            return _parse_function(ctx)
        return _parse_field_first(ctx)
    return _parse_constant_first(ctx)


def _parse_function(ctx: _Context) -> tuple[ast.Syntax, ast.Expr, bool]:
    stream = ctx.stream
    name = stream.token
    if not stream.match_id("is_chassis_resident"):
        raise stream.error(f"Unknown function `{name.text}'.")
    stream.advance()  # "("
    if stream.token.type is not TokenType.STRING:
        raise stream.syntax_error("expecting string")
    port = stream.advance().text
    stream.force_match(TokenType.RPAREN)
    return ast.ChassisResident(port), ast.Condition(port), True


def _parse_field_first(ctx: _Context) -> tuple[ast.Syntax, ast.Expr, bool]:
    stream = ctx.stream
    ref = _parse_field(ctx)
    symbol = ctx.symtab[ref.name]
    relop = _RELOPS.get(stream.token.type)
    if relop is None:
        if symbol.is_string or stream.token.type is TokenType.EQUALS:
            raise stream.syntax_error("expecting relational operator")
        if ref.n_bits > 1 and not ctx.negated:
            raise stream.error(
                "Explicit `!= 0' is required for inequality test of multibit field against 0."
            )
        zero = ast.Constant("int", 0, None, IntFormat.HEXADECIMAL)
        values = _Values(ast.ConstantSet((zero,), False), (zero,), False, (ref.column,))
        expr = _make_cmp(ctx, ref, Relop.NE, values)
        return ast.Compare(ref, None, values.written), expr, True
    stream.advance()
    values = _parse_constant_set(ctx)
    expr = _make_cmp(ctx, ref, relop, values)
    return ast.Compare(ref, relop, values.written), expr, False


def _parse_constant_first(ctx: _Context) -> tuple[ast.Syntax, ast.Expr, bool]:
    stream = ctx.stream
    first = _parse_constant_set(ctx)
    if stream.token.type not in _RELOPS and _is_boolean_literal(first):
        value = first.written.values[0].value == 1
        return ast.Bool(value), ast.Boolean(value), True
    r1 = _force_relop(ctx)
    ref = _parse_field(ctx)
    r2 = _RELOPS.get(stream.token.type)
    if r2 is None:
        expr = _make_cmp(ctx, ref, r1.turn(), first)
        return ast.Compare(ref, r1, first.written, constant_first=True), expr, False
    stream.advance()
    second = _parse_constant_set(ctx)
    lows = (Relop.LT, Relop.LE)
    highs = (Relop.GT, Relop.GE)
    if not ((r1 in lows and r2 in lows) or (r1 in highs and r2 in highs)):
        raise LogicalTypeError(
            "Range expressions must have the form `x < field < y' or `x > field > y', with "
            "each `<' optionally replaced by `<=' or `>' by `>=').",
            ref.column,
        )
    e1 = _make_cmp(ctx, ref, r1.turn(), first)
    e2 = _make_cmp(ctx, ref, r2, second)
    both = ast.combine_all(True, [e1, e2])
    return ast.Range(first.written, r1, ref, r2, second.written), both, False


def _is_boolean_literal(values: _Values) -> bool:
    written = values.written
    if written.curlies or len(written.values) != 1:
        return False
    c = written.values[0]
    return c.kind == "int" and c.fmt is IntFormat.DECIMAL and c.mask is None and c.value <= 1


def _force_relop(ctx: _Context) -> Relop:
    relop = _RELOPS.get(ctx.stream.token.type)
    if relop is None:
        raise ctx.stream.syntax_error("expecting relational operator")
    ctx.stream.advance()
    return relop


def _parse_field(ctx: _Context) -> ast.FieldRef:
    stream = ctx.stream
    token = stream.token
    if token.type is not TokenType.ID or token.text not in ctx.symtab:
        raise stream.syntax_error("expecting field name")
    stream.advance()
    symbol = ctx.symtab[token.text]
    if not stream.match(TokenType.LSQUARE):
        return ast.FieldRef(symbol.name, 0, symbol.width, False, token.column)
    if symbol.is_string:
        raise stream.error(f"Cannot select subfield of string field {symbol.name}.", token)
    low = stream.force_int()
    high = stream.force_int() if stream.match(TokenType.ELLIPSIS) else low
    stream.force_match(TokenType.RSQUARE)
    if low > high:
        raise stream.error(f"Invalid bit range {low} to {high}.", token)
    if high >= symbol.width:
        raise stream.error(
            f"Cannot select bits {low} to {high} of {symbol.width}-bit field {symbol.name}.",
            token,
        )
    if symbol.level is Level.NOMINAL and (low != 0 or high != symbol.width - 1):
        raise stream.error(f"Cannot select subfield of nominal field {symbol.name}.", token)
    return ast.FieldRef(symbol.name, low, high - low + 1, True, token.column)


def _parse_constant_set(ctx: _Context) -> _Values:
    stream = ctx.stream
    written: list[ast.Constant] = []
    expanded: list[ast.Constant] = []
    kinds: set[bool] = set()
    columns: list[int] = []
    curlies = stream.match(TokenType.LCURLY)
    while True:
        start = stream.token.column
        n = len(expanded)
        _parse_constant(ctx, written, expanded, kinds)
        columns.extend([start] * (len(expanded) - n))
        if not curlies:
            break
        stream.match(TokenType.COMMA)
        if stream.match(TokenType.RCURLY):
            break
    return _Values(
        ast.ConstantSet(tuple(written), curlies), tuple(expanded), True in kinds, tuple(columns)
    )


def _assign_type(ctx: _Context, kinds: set[bool], is_string: bool) -> None:
    if kinds and is_string not in kinds:
        raise ctx.stream.syntax_error("expecting string" if True in kinds else "expecting integer")
    kinds.add(is_string)


def _parse_constant(
    ctx: _Context, written: list[ast.Constant], expanded: list[ast.Constant], kinds: set[bool]
) -> None:
    stream = ctx.stream
    token = stream.token
    if token.type is TokenType.STRING:
        _assign_type(ctx, kinds, True)
        constant = ast.Constant("string", text=token.text)
        expanded.append(constant)
    elif token.type in (TokenType.INTEGER, TokenType.MASKED_INTEGER):
        _assign_type(ctx, kinds, False)
        constant = _int_constant(token)
        expanded.append(constant)
    elif token.type is TokenType.MACRO:
        ctx.sets_used.add(token.text)
        members = ctx.address_sets.get(token.text)
        if members is None:
            raise stream.syntax_error("expecting address set name")
        _assign_type(ctx, kinds, False)
        constant = ast.Constant("address_set", text=token.text)
        expanded.extend(members)
    elif token.type is TokenType.PORT_GROUP:
        ctx.groups_used.add(token.text)
        ports = ctx.port_groups.get(token.text)
        if ports is None:
            raise stream.syntax_error("expecting port group name")
        _assign_type(ctx, kinds, True)
        constant = ast.Constant("port_group", text=token.text)
        expanded.extend(ast.Constant("string", text=p) for p in ports)
    else:
        raise stream.syntax_error("expecting constant")
    written.append(constant)
    stream.advance()


def _constant_width(c: ast.Constant) -> int:
    if c.mask is not None:
        return c.mask.bit_length()
    if c.fmt is IntFormat.IPV4:
        return 32
    if c.fmt is IntFormat.IPV6:
        return 128
    if c.fmt is IntFormat.ETHERNET:
        return 48
    return c.value.bit_length()


def _check_kinds(symtab: Mapping[str, Symbol], ref: ast.FieldRef, values: _Values) -> None:
    """Each constant's format suits the field; masks only where OpenFlow allows them."""
    kind = kinds.field_kind(symtab, ref.name)
    maskable = kinds.is_maskable(symtab, ref.name)
    for c, column in zip(values.expanded, values.columns, strict=True):
        problem = kinds.constant_error(kind, ref.format(), c.fmt, c.format())
        if problem is not None:
            raise LogicalTypeError(problem, column)
        if c.mask is not None and not maskable:
            raise LogicalTypeError(kinds.mask_error(ref.format()), column)


def _type_check(
    symtab: Mapping[str, Symbol], ref: ast.FieldRef, symbol: Symbol, values: _Values
) -> None:
    if values.expanded or values.written.values:
        if values.is_string != symbol.is_string:
            raise LogicalTypeError(
                f"{'String' if symbol.is_string else 'Integer'} field {symbol.name} is not "
                f"compatible with {'string' if values.is_string else 'integer'} constant.",
                ref.column,
            )
    if symbol.is_string:
        return
    # Before the width check: "IPv4 address ... for Ethernet field" says more
    # than OVN's "32-bit constant is not compatible with 16-bit field".
    _check_kinds(symtab, ref, values)
    for c in values.expanded:
        width = _constant_width(c)
        if width > ref.n_bits:
            raise LogicalTypeError(
                f"{width}-bit constant is not compatible with {ref.n_bits}-bit field "
                f"{ref.format()}.",
                ref.column,
            )


def _check_relop(ctx: _Context, ref: ast.FieldRef, symbol: Symbol, r: Relop, v: _Values) -> None:
    col = ref.column
    if r not in (Relop.EQ, Relop.NE):
        if v.written.curlies:
            raise LogicalTypeError("Only == and != operators may be used with value sets.", col)
        if symbol.level in (Level.NOMINAL, Level.BOOLEAN):
            raise LogicalTypeError(
                f"Only == and != operators may be used with {symbol.level.describe()} "
                f"field {symbol.name}.",
                col,
            )
        if not v.expanded:
            raise LogicalTypeError(
                "Only == and != operators may be used to compare a field against an "
                "empty value set.",
                col,
            )
        if v.expanded[0].mask is not None:
            raise LogicalTypeError(
                "Only == and != operators may be used with masked constants.  Consider using "
                "subfields instead (e.g. eth.src[0..15] > 0x1111 in place of "
                "eth.src > 00:00:00:00:11:11/00:00:00:00:ff:ff).",
                col,
            )
    if symbol.level is not Level.NOMINAL:
        return
    if symbol.predicate is not None:
        for c in v.expanded:
            positive = bool(c.value & 1) ^ (r is Relop.NE) ^ ctx.negated
            if not positive:
                n = symbol.name
                raise LogicalTypeError(
                    f"Nominal predicate {n} may only be tested positively, e.g. `{n}' or "
                    f"`{n} == 1' but not `!{n}' or `{n} == 0'.",
                    col,
                )
    elif r is not (Relop.NE if ctx.negated else Relop.EQ):
        raise LogicalTypeError(
            f"Nominal field {symbol.name} may only be tested for equality (taking enclosing "
            "`!' operators into account).",
            col,
        )


def _make_cmp(ctx: _Context, ref: ast.FieldRef, r: Relop, values: _Values) -> ast.Expr:
    symbol = ctx.symtab[ref.name]
    _type_check(ctx.symtab, ref, symbol, values)
    _check_relop(ctx, ref, symbol, r, values)
    if not values.expanded:
        return ast.Boolean(r is Relop.NE)
    is_and = r is not Relop.EQ
    items: list[ast.Expr] = []
    for c in values.expanded:
        if symbol.is_string:
            items.append(ast.StrCmp(symbol.name, r, c.text))
            continue
        field_mask = (1 << ref.n_bits) - 1
        mask = field_mask if c.mask is None else c.mask & field_mask
        value = c.value & mask
        items.append(ast.Cmp(symbol.name, symbol.width, r, value << ref.ofs, mask << ref.ofs))
    # A set becomes a disjunction for ==, a conjunction for the other operators.
    return ast.combine_all(is_and, items)
