"""Parsers of the connection-tracking actions (ct_next, ct_commit, NAT, LB).

Registered into `parser.KEYWORDS` on import; see `parser` for the design.
"""

from __future__ import annotations

import ipaddress

from pyovn.logical.actions import ast
from pyovn.logical.actions.fields import FieldInfo
from pyovn.logical.actions.parser import KEYWORDS, RESULT_FUNCTIONS, Parser, width_of
from pyovn.logical.lexer import IntFormat, Token, TokenType

NAT_ZONES = frozenset({"dnat", "snat"})
# Fields OVS can hash a select group on (ovs-ofctl's ``fields(...)``).
HASH_FIELDS = frozenset(
    {
        "eth_src", "eth_dst", "ip_src", "ip_dst", "ipv6_src", "ipv6_dst", "nw_proto",
        "tcp_src", "tcp_dst", "udp_src", "udp_dst", "sctp_src", "sctp_dst", "tp_src", "tp_dst",
    }
)


def _zone_arg(p: Parser, name: str, optional: bool) -> str | None:
    """``(dnat)`` / ``(snat)``, or nothing when `optional` and no ``(``."""
    if not p.ts.match(TokenType.LPAREN):
        if optional:
            return None
        raise p.ts.syntax_error("expecting `('")
    tok = p.ts.token
    if tok.type is not TokenType.ID or tok.text not in NAT_ZONES:
        raise p.ts.error(f'"{name}" action accepts only "dnat" or "snat" parameter.')
    p.ts.advance()
    p.expect(TokenType.RPAREN)
    return tok.text


def _ct_next(p: Parser, tok: Token) -> ast.Action:
    return ast.CtNext(_zone_arg(p, "ct_next", optional=True))


def _ct_commit(p: Parser, tok: Token) -> ast.Action:
    if p.ts.token.type is not TokenType.LCURLY:
        if p.ts.token.type is not TokenType.SEMICOLON:
            raise p.ts.syntax_error("expecting `;'")
        return ast.CtCommit()
    p.expect(TokenType.LCURLY)
    outer, p.in_ct_commit = p.in_ct_commit, True
    try:
        inner = p.parse_list(TokenType.RCURLY)
    finally:
        p.in_ct_commit = outer
    for action in inner:
        if not isinstance(action, ast.Assign):
            raise p.ts.error("ct_commit { } may only set ct_mark and ct_label.", tok)
    return ast.CtCommit(inner if len(inner) else None)


def _ct_zone_op(p: Parser, tok: Token) -> ast.Action:
    optional = tok.text == "ct_commit_nat"
    return ast.CtZoneOp(tok.text, _zone_arg(p, tok.text, optional))


def _ip_text(tok: Token) -> str:
    if tok.format is IntFormat.IPV4:
        return str(ipaddress.IPv4Address(tok.value))
    return str(ipaddress.IPv6Address(tok.value))


def _is_ip(tok: Token, *formats: IntFormat) -> bool:
    return tok.type is TokenType.INTEGER and tok.format in (formats or (IntFormat.IPV4,
                                                                        IntFormat.IPV6))


def _port(p: Parser, what: str) -> int:
    tok = p.ts.token
    if tok.type is not TokenType.INTEGER or tok.format is not IntFormat.DECIMAL:
        raise p.ts.syntax_error(f"expecting {what}")
    if tok.value > 65535:
        raise p.ts.syntax_error(f"expecting {what}")
    p.ts.advance()
    return tok.value


def _ct_nat(p: Parser, tok: Token) -> ast.Action:
    if not p.ts.match(TokenType.LPAREN):
        return ast.CtNat(tok.text)
    addr = p.ts.token
    if not _is_ip(addr):
        raise p.ts.syntax_error("expecting IPv4 or IPv6 address")
    p.ts.advance()
    lo = hi = None
    if p.ts.match(TokenType.COMMA):
        lo = _port(p, "Integer for port range")
        if p.ts.match(TokenType.HYPHEN):
            hi_tok = p.ts.token
            hi = _port(p, "Integer for port range")
            if hi <= lo:
                raise p.ts.error(
                    f"Syntax error at `{hi_tok.source}' range high should be greater than "
                    "range low.", hi_tok
                )
    p.expect(TokenType.RPAREN)
    return ast.CtNat(tok.text, _ip_text(addr), lo, hi)


def _backend(p: Parser) -> ast.Backend:
    tok = p.ts.token
    if p.ts.match(TokenType.LSQUARE):
        addr = p.ts.token
        if not _is_ip(addr, IntFormat.IPV6):
            raise p.ts.syntax_error("expecting IPv6 address")
        p.ts.advance()
        p.expect(TokenType.RSQUARE)
        p.expect(TokenType.COLON)
        return ast.Backend(_ip_text(addr), _port(p, "port number"))
    if not _is_ip(tok):
        raise p.ts.syntax_error("expecting IP address")
    p.ts.advance()
    port = None
    if tok.format is IntFormat.IPV4 and p.ts.match(TokenType.COLON):
        port = _port(p, "port number")
    return ast.Backend(_ip_text(tok), port)


def _backends(p: Parser) -> tuple[ast.Backend, ...]:
    backends = [_backend(p)]
    while p.ts.match(TokenType.COMMA):
        if p.ts.token.type in (TokenType.SEMICOLON, TokenType.RPAREN):
            break  # a trailing comma is allowed
        backends.append(_backend(p))
    if len({":" in b.ip for b in backends}) > 1:
        raise p.ts.error("ct_lb backends must be all IPv4 or all IPv6.")
    return tuple(backends)


def _hash_fields(p: Parser) -> str:
    tok = p.ts.token
    if tok.type is not TokenType.STRING:
        raise p.ts.syntax_error("invalid hash_fields")
    names = [n.strip() for n in tok.text.split(",")]
    if not names or any(n not in HASH_FIELDS for n in names):
        raise p.ts.syntax_error("invalid hash_fields")
    p.ts.advance()
    return tok.text


def _ct_lb(p: Parser, tok: Token) -> ast.Action:
    if not p.ts.match(TokenType.LPAREN) or p.ts.match(TokenType.RPAREN):
        return ast.CtLb(tok.text)
    if not p.ts.match_id("backends"):
        raise p.ts.syntax_error("expecting backends")
    p.expect(TokenType.EQUALS)
    backends = _backends(p)
    hash_fields: str | None = None
    flags: set[str] = set()
    while p.ts.match(TokenType.SEMICOLON):
        if p.ts.match_id("hash_fields"):
            p.expect(TokenType.EQUALS)
            hash_fields = _hash_fields(p)
        else:
            flags.add(p.parse_id("hash_fields, skip_snat or force_snat",
                                 frozenset({"skip_snat", "force_snat"})))
    p.expect(TokenType.RPAREN)
    return ast.CtLb(tok.text, backends, hash_fields, "skip_snat" in flags, "force_snat" in flags)


def _select_members(p: Parser, width: int) -> tuple[tuple[int, int], ...]:
    members: list[tuple[int, int]] = []
    while True:
        value = p.parse_int("value", 0, (1 << min(width, 31)) - 1)
        weight = 100
        if p.ts.match(TokenType.EQUALS):
            if p.ts.token.type is TokenType.INTEGER and p.ts.token.value == 0:
                raise p.ts.syntax_error("weight can't be 0")
            weight = p.parse_int("weight", 1, 65535)
        members.append((value, weight))
        if not p.ts.match(TokenType.COMMA) or p.ts.token.type is TokenType.RPAREN:
            break
    if len(members) < 2:
        raise p.ts.syntax_error("expecting at least 2 group members")
    return tuple(members)


def _select(p: Parser, tok: Token, dst: ast.FieldRef, info: FieldInfo) -> ast.Action:
    width = width_of(dst, info)
    if info.is_string or width < 16:
        raise p.type_error(
            f"cannot use {width}-bit field {dst.name} for \"select\", which requires at "
            "least 16 bits.", tok)
    p.expect(TokenType.LPAREN)
    hash_fields = None
    if p.ts.match_id("values"):
        p.expect(TokenType.EQUALS)
        p.expect(TokenType.LPAREN)
        members = _select_members(p, width)
        p.expect(TokenType.RPAREN)
        p.expect(TokenType.SEMICOLON)
        if not p.ts.match_id("hash_fields"):
            raise p.ts.syntax_error("expecting hash_fields")
        p.expect(TokenType.EQUALS)
        hash_fields = _hash_fields(p)
    else:
        members = _select_members(p, width)
    p.expect(TokenType.RPAREN)
    return ast.Select(dst, members, hash_fields)


RESULT_FUNCTIONS["select"] = _select


def _simple(p: Parser, tok: Token) -> ast.Action:
    return ast.Simple(tok.text)


KEYWORDS.update(
    {
        "ct_next": _ct_next,
        "ct_commit": _ct_commit,
        "ct_commit_nat": _ct_zone_op,
        "ct_commit_to_zone": _ct_zone_op,
        "ct_dnat": _ct_nat,
        "ct_snat": _ct_nat,
        "ct_dnat_in_czone": _ct_nat,
        "ct_snat_in_czone": _ct_nat,
        "ct_lb": _ct_lb,
        "ct_lb_mark": _ct_lb,
        "ct_clear": _simple,
        "ct_snat_to_vip": _simple,
        "igmp": _simple,
    }
)
