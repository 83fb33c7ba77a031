"""Parser of logical actions: text to `ActionList`, type-checked.

Theory of operation: the shared lexer (`pyovn.logical.lexer.TokenStream`)
gives tokens; `Parser` reads ``action; action; ...`` up to a sentinel (end of
input, or ``}`` for nested lists), dispatching on the leading keyword through
`KEYWORDS` (filled by this module and by `parse_ct` and `parse_calls`).
An identifier followed by ``=``, ``<->``, ``[`` or ``--`` starts an
assignment-like action. Fields are checked against the symbol table through a
`Resolver` as they are read, so every error names the column of the token at
fault. Errors are `LogicalSyntaxError` (grammar) or `LogicalTypeError`
(fields, widths, values); nothing else escapes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pyovn.logical.actions import ast
from pyovn.logical.actions.fields import FieldInfo, Resolver, symtab_resolver
from pyovn.logical.actions.format import format_constant, format_field
from pyovn.logical.errors import LogicalSyntaxError, LogicalTypeError
from pyovn.logical.expr import kinds
from pyovn.logical.expr.symbols import SYMTAB
from pyovn.logical.lexer import IntFormat, Token, TokenStream, TokenType

__all__ = ["KEYWORDS", "Parser", "parse_actions"]

# Fields the controller interprets inside packet-generating actions.
OVN_FIELDS: dict[str, int] = {"icmp4.frag_mtu": 16, "icmp6.frag_mtu": 32}

NESTED_KINDS = frozenset(
    {
        "clone", "arp", "nd_ns", "nd_na", "nd_na_router", "icmp4", "icmp4_error",
        "icmp6", "icmp6_error", "tcp_reset", "reject", "sctp_abort",
    }
)

KeywordParser = Callable[["Parser", Token], ast.Action]
ResultParser = Callable[["Parser", Token, ast.FieldRef, FieldInfo], ast.Action]
# keyword -> parser of the action it starts (the keyword already consumed)
KEYWORDS: dict[str, KeywordParser] = {}
# function name -> parser of ``R = name(...)`` (name already consumed)
RESULT_FUNCTIONS: dict[str, ResultParser] = {}


class Parser:
    """Reads actions from one token stream; keeps the nesting context."""

    def __init__(self, text: str, resolve: Resolver) -> None:
        self.ts = TokenStream(text)
        self.resolve = resolve
        self.in_ct_commit = False

    # --- lists --------------------------------------------------------

    def parse_list(self, sentinel: TokenType) -> ast.ActionList:
        actions: list[ast.Action] = []
        while not self.ts.match(sentinel):
            tok = self.ts.token
            if tok.type is TokenType.ID and tok.text == "drop":
                if actions:
                    raise self.ts.syntax_error("expecting action")
                self.ts.advance()
                self.expect(TokenType.SEMICOLON)
                if not self.ts.match(sentinel):
                    end = "end of input" if sentinel is TokenType.END else "`}'"
                    raise self.ts.syntax_error(f"expecting {end}")
                return ast.ActionList((ast.Drop(),))
            if tok.type is TokenType.END:
                raise self.ts.syntax_error(f"expecting `{sentinel.value}'")
            actions.append(self.parse_action())
            self.expect(TokenType.SEMICOLON)
        return ast.ActionList(tuple(actions))

    def parse_nested(self) -> ast.ActionList:
        """``{ actions }``; an empty list means ``drop``."""
        self.expect(TokenType.LCURLY)
        inner = self.parse_list(TokenType.RCURLY)
        return inner if len(inner) else ast.ActionList((ast.Drop(),))

    def parse_action(self) -> ast.Action:
        tok = self.ts.token
        if tok.type is not TokenType.ID:
            raise self.ts.syntax_error("expecting action")
        following = self.ts.lookahead().type
        if following in (TokenType.EQUALS, TokenType.EXCHANGE, TokenType.LSQUARE,
                         TokenType.DECREMENT):
            return self.parse_assignment()
        if self.in_ct_commit:
            raise self.ts.error("ct_commit { } may only set ct_mark and ct_label.")
        handler = KEYWORDS.get(tok.text)
        if handler is None:
            raise self.ts.syntax_error("expecting action")
        self.ts.advance()
        return handler(self, tok)

    # --- small helpers --------------------------------------------------

    def expect(self, kind: TokenType) -> None:
        self.ts.force_match(kind)

    def type_error(self, message: str, token: Token) -> LogicalTypeError:
        return LogicalTypeError(message, token.column)

    def parse_int(self, what: str, lo: int, hi: int) -> int:
        tok = self.ts.token
        if tok.type is not TokenType.INTEGER or tok.format not in (
            IntFormat.DECIMAL, IntFormat.HEXADECIMAL
        ):
            raise self.ts.syntax_error(f"expecting {what}")
        if not lo <= tok.value <= hi:
            raise self.ts.error(f"{what} {tok.value} is not in valid range {lo} to {hi}.")
        self.ts.advance()
        return tok.value

    def parse_string(self, what: str) -> str:
        tok = self.ts.token
        if tok.type is not TokenType.STRING:
            raise self.ts.syntax_error(f"expecting {what}")
        self.ts.advance()
        return tok.text

    def parse_id(self, what: str, choices: frozenset[str] | None = None) -> str:
        tok = self.ts.token
        if tok.type is not TokenType.ID or (choices is not None and tok.text not in choices):
            raise self.ts.syntax_error(f"expecting {what}")
        self.ts.advance()
        return tok.text

    # --- fields ---------------------------------------------------------

    def parse_field(self) -> tuple[ast.FieldRef, FieldInfo, Token]:
        """A field reference ``name`` or ``name[lo]`` or ``name[lo..hi]``."""
        tok = self.ts.token
        info = self.resolve(tok.text) if tok.type is TokenType.ID else None
        if info is None:
            raise self.ts.syntax_error("expecting field name")
        self.ts.advance()
        if not self.ts.match(TokenType.LSQUARE):
            return ast.FieldRef(tok.text), info, tok
        if info.is_string:
            raise self.type_error(f"Cannot select subfield of string field {tok.text}.", tok)
        if info.is_predicate:
            raise self.type_error(f"Cannot select subfield of predicate {tok.text}.", tok)
        lo = self.ts.force_int()
        hi = self.ts.force_int() if self.ts.match(TokenType.ELLIPSIS) else lo
        self.expect(TokenType.RSQUARE)
        if hi < lo or hi >= info.width:
            raise self.type_error(
                f"Invalid subfield {tok.text}[{lo}..{hi}] of {info.width}-bit field.", tok
            )
        return ast.FieldRef(tok.text, lo, None if hi == lo else hi), info, tok

    def check_lvalue(self, ref: ast.FieldRef, info: FieldInfo, tok: Token) -> None:
        if info.is_predicate:
            raise self.type_error(f"Predicate symbol {ref.name} used where lvalue required.", tok)
        ct_field = info.storage is not None and info.storage.field in ("ct_mark", "ct_label")
        if self.in_ct_commit:
            if not ct_field:
                raise self.type_error(f"Field {ref.name} is not modifiable.", tok)
        elif not info.writable:
            raise self.type_error(f"Field {ref.name} is not modifiable.", tok)

    def check_rvalue(self, ref: ast.FieldRef, info: FieldInfo, tok: Token) -> None:
        if info.is_predicate:
            raise self.type_error(f"Predicate symbol {ref.name} used where lvalue required.", tok)

    # --- assignments ------------------------------------------------------

    def parse_assignment(self) -> ast.Action:
        first = self.ts.token
        if first.text in OVN_FIELDS:
            return self.parse_ovn_field()
        dst, dst_info, dst_tok = self.parse_field()
        if self.ts.match(TokenType.DECREMENT):
            if dst.name != "ip.ttl" or dst.lo is not None:
                raise self.type_error(f"`--' applies only to ip.ttl, not {dst.name}.", dst_tok)
            return ast.DecTtl()
        if self.ts.match(TokenType.EXCHANGE):
            return self.parse_exchange(dst, dst_info, dst_tok)
        if not self.ts.match(TokenType.EQUALS):
            raise self.ts.syntax_error("expecting `=' or `<->'")
        tok = self.ts.token
        if tok.type is TokenType.ID and self.ts.lookahead().type is TokenType.LPAREN:
            result_parser = RESULT_FUNCTIONS.get(tok.text)
            if result_parser is not None:
                self.check_lvalue(dst, dst_info, dst_tok)
                self.ts.advance()
                return result_parser(self, tok, dst, dst_info)
        self.check_lvalue(dst, dst_info, dst_tok)
        if tok.type is TokenType.ID:
            src, src_info, src_tok = self.parse_field()
            self.check_rvalue(src, src_info, src_tok)
            self.check_move(dst, dst_info, src, src_info, src_tok)
            return ast.Assign(dst, src)
        const = self.parse_constant()
        self.check_constant(dst, dst_info, const, tok)
        return ast.Assign(dst, const)

    def parse_ovn_field(self) -> ast.Action:
        tok = self.ts.advance()
        self.expect(TokenType.EQUALS)
        value = self.parse_int(f"integer for {tok.text}", 0, (1 << OVN_FIELDS[tok.text]) - 1)
        return ast.OvnFieldAssign(tok.text, value)

    def parse_exchange(self, a: ast.FieldRef, a_info: FieldInfo, a_tok: Token) -> ast.Action:
        b, b_info, b_tok = self.parse_field()
        self.check_lvalue(a, a_info, a_tok)
        self.check_lvalue(b, b_info, b_tok)
        if a_info.is_string != b_info.is_string:
            s, i = (a, b) if a_info.is_string else (b, a)
            raise self.type_error(
                f"Can't exchange string field ({s.name}) with integer field ({i.name}).", b_tok
            )
        wa, wb = width_of(a, a_info), width_of(b, b_info)
        if wa != wb:
            raise self.type_error(f"Can't exchange {wa}-bit field with {wb}-bit field.", b_tok)
        return ast.Exchange(a, b)

    def check_move(
        self, dst: ast.FieldRef, dst_info: FieldInfo, src: ast.FieldRef, src_info: FieldInfo,
        tok: Token,
    ) -> None:
        if dst_info.is_string != src_info.is_string:
            kind = "string" if src_info.is_string else "integer"
            other = "integer" if src_info.is_string else "string"
            raise self.type_error(
                f"Can't assign {kind} field ({src.name}) to {other} field ({dst.name}).", tok
            )
        wd, ws = width_of(dst, dst_info), width_of(src, src_info)
        if wd != ws:
            raise self.type_error(f"Can't assign {ws}-bit value to {wd}-bit destination.", tok)

    def parse_constant(self) -> ast.Constant:
        tok = self.ts.token
        if tok.type is TokenType.STRING:
            self.ts.advance()
            return ast.Constant(string=tok.text)
        if tok.type is TokenType.INTEGER:
            self.ts.advance()
            fmt = tok.format
            if fmt is IntFormat.HEXADECIMAL and tok.value == 0:
                fmt = IntFormat.DECIMAL  # "0x0" prints as "0": keep round trips equal
            return ast.Constant(tok.value, None, fmt)
        if tok.type is TokenType.MASKED_INTEGER:
            self.ts.advance()
            return ast.Constant(tok.value, tok.mask, tok.format)
        raise self.ts.syntax_error("expecting constant")

    def check_constant(
        self, dst: ast.FieldRef, info: FieldInfo, const: ast.Constant, tok: Token
    ) -> None:
        if info.is_string:
            if not const.is_string:
                raise self.type_error(
                    f"String field {dst.name} is not compatible with integer constant.", tok
                )
            if const.mask is not None:
                raise self.type_error("String constants cannot be masked.", tok)
            return
        if const.is_string:
            raise self.type_error(
                f"Integer field {dst.name} is not compatible with string constant.", tok
            )
        # The same rules as the match parser's (pyovn.logical.expr.kinds).
        field = format_field(dst)
        fmt = const.format or IntFormat.HEXADECIMAL
        problem = kinds.constant_error(info.kind, field, fmt, format_constant(const))
        if problem is not None:
            raise self.type_error(problem, tok)
        if const.mask is not None and not info.maskable:
            raise self.type_error(kinds.mask_error(field), tok)
        width = width_of(dst, info)
        bits = (const.value | (const.mask or 0)).bit_length()
        if bits > width:
            raise self.type_error(
                f"{bits}-bit constant is not compatible with {width}-bit field {dst.name}.", tok
            )


def width_of(ref: ast.FieldRef, info: FieldInfo) -> int:
    if ref.lo is None:
        return info.width
    return (ref.lo if ref.hi is None else ref.hi) - ref.lo + 1


def parse_actions(
    text: str,
    symtab: Mapping[str, Any] | None = None,
    *,
    resolve: Resolver | None = None,
    address_sets: Mapping[str, Any] | None = None,
    port_groups: Mapping[str, Any] | None = None,
) -> ast.ActionList:
    """Parse and type-check logical actions; raise `LogicalError` with a column.

    `symtab` is the match-expression symbol table (default: the shared one);
    `resolve` replaces it entirely when given (tests, custom fields).
    `address_sets` and `port_groups` are accepted for symmetry with the match
    parser; no action refers to them (``$set``/``@group`` are syntax errors).
    """
    del address_sets, port_groups
    # Importing registers the keyword parsers defined in the sibling modules.
    import pyovn.logical.actions.parse_calls
    import pyovn.logical.actions.parse_ct  # noqa: F401

    if resolve is None:
        resolve = symtab_resolver(SYMTAB if symtab is None else symtab)
    parser = Parser(text, resolve)
    try:
        return parser.parse_list(TokenType.END)
    except RecursionError:
        raise LogicalSyntaxError("Actions nested too deeply.", parser.ts.token.column) from None


# --- keyword actions that need nothing but this module ----------------------


def _keyword(name: str) -> Callable[[KeywordParser], KeywordParser]:
    def register(fn: KeywordParser) -> KeywordParser:
        KEYWORDS[name] = fn
        return fn

    return register


@_keyword("next")
def _parse_next(p: Parser, tok: Token) -> ast.Action:
    if not p.ts.match(TokenType.LPAREN):
        return ast.Next()
    if p.ts.token.type is TokenType.INTEGER:
        table = p.parse_int("table number", 0, 255)
        p.expect(TokenType.RPAREN)
        return ast.Next(None, table)
    pipeline: str | None = None
    table_n: int | None = None
    while not p.ts.match(TokenType.RPAREN):
        if pipeline is not None or table_n is not None:
            p.expect(TokenType.COMMA)
        if p.ts.match_id("pipeline"):
            p.expect(TokenType.EQUALS)
            pipeline = p.parse_id("\"ingress\" or \"egress\"", frozenset({"ingress", "egress"}))
        elif p.ts.match_id("table"):
            p.expect(TokenType.EQUALS)
            table_n = p.parse_int("table number", 0, 255)
        else:
            raise p.ts.syntax_error('expecting "pipeline" or "table"')
    if pipeline is None and table_n is None:
        raise p.ts.syntax_error('expecting "pipeline" or "table"')
    return ast.Next(pipeline, table_n)


@_keyword("output")
def _parse_output(p: Parser, tok: Token) -> ast.Action:
    return ast.Output()


def _parse_nested(p: Parser, tok: Token) -> ast.Action:
    return ast.Nested(tok.text, p.parse_nested())


for _kind in NESTED_KINDS:
    KEYWORDS[_kind] = _parse_nested


def _parse_stack(p: Parser, tok: Token) -> ast.Action:
    p.expect(TokenType.LPAREN)
    ref, info, ftok = p.parse_field()
    if tok.text == "pop":
        p.check_lvalue(ref, info, ftok)
    else:
        p.check_rvalue(ref, info, ftok)
    p.expect(TokenType.RPAREN)
    return ast.StackOp(tok.text, ref)


KEYWORDS["push"] = _parse_stack
KEYWORDS["pop"] = _parse_stack


@_keyword("set_queue")
def _parse_set_queue(p: Parser, tok: Token) -> ast.Action:
    p.expect(TokenType.LPAREN)
    queue = p.parse_int("Queue ID", 0, 61440)
    p.expect(TokenType.RPAREN)
    return ast.SetQueue(queue)
