"""Parsers of the function-like actions: lookups, controller ops, options.

Registered into `parser.KEYWORDS` / `parser.RESULT_FUNCTIONS` on import;
see `parser` for the design. Argument kinds are declared as data in
`CALLS`: ``"port"`` is a string (logical port) field, an integer is a
numeric field of exactly that many bits.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from pyovn.logical.actions import ast
from pyovn.logical.actions.fields import FieldInfo
from pyovn.logical.actions.options import (
    DHCPV4_OPTIONS,
    DHCPV6_OPTIONS,
    ND_RA_OPTIONS,
    RA_ADDR_MODES,
    RA_PREFERENCES,
    OptSpec,
    check_value,
)
from pyovn.logical.actions.parser import KEYWORDS, RESULT_FUNCTIONS, Parser, width_of
from pyovn.logical.lexer import Token, TokenType

Arg = str | int  # "port" or a bit width


@dataclass(frozen=True, slots=True)
class CallSpec:
    args: tuple[Arg, ...]
    result: Arg | None = None  # None: no ``R =``; else what R must be


CALLS: dict[str, CallSpec] = {
    "put_arp": CallSpec(("port", 32, 48)),
    "get_arp": CallSpec(("port", 32)),
    "put_nd": CallSpec(("port", 128, 48)),
    "get_nd": CallSpec(("port", 128)),
    "put_fdb": CallSpec(("port", 48)),
    "handle_svc_check": CallSpec(("port",)),
    "lookup_arp": CallSpec(("port", 32, 48), 1),
    "lookup_nd": CallSpec(("port", 128, 48), 1),
    "lookup_arp_ip": CallSpec(("port", 32), 1),
    "lookup_nd_ip": CallSpec(("port", 128), 1),
    "lookup_fdb": CallSpec(("port", 48), 1),
    "get_fdb": CallSpec((48,), "port-or-32"),
    "chk_lb_hairpin": CallSpec((), 1),
    "chk_lb_hairpin_reply": CallSpec((), 1),
    "dns_lookup": CallSpec((), 1),
    "check_in_port_sec": CallSpec((), 1),
    "check_out_port_sec": CallSpec((), 1),
}


def _describe(ref: ast.FieldRef, info: FieldInfo) -> str:
    if info.is_string or ref.lo is not None:
        from pyovn.logical.actions.format import format_field

        return format_field(ref)
    return f"{ref.name}[0..{info.width - 1}]"


def _check_kind(p: Parser, kind: Arg, ref: ast.FieldRef, info: FieldInfo, tok: Token) -> None:
    if kind == "port":
        if not info.is_string:
            raise p.type_error(
                f"Cannot use numeric field {ref.name} where string field is required.", tok
            )
        return
    if kind == "port-or-32":
        if info.is_string or width_of(ref, info) == 32:
            return
        kind = 32
    if info.is_string:
        raise p.type_error(
            f"Cannot use string field {ref.name} where numeric field is required.", tok
        )
    if info.is_predicate:
        raise p.type_error(f"Predicate symbol {ref.name} used where field required.", tok)
    width = width_of(ref, info)
    if width != kind:
        raise p.type_error(
            f"Cannot use {width}-bit field {_describe(ref, info)} where {kind}-bit field is "
            "required.", tok
        )


def _args(p: Parser, name: str, kinds: tuple[Arg, ...]) -> tuple[ast.FieldRef, ...]:
    p.expect(TokenType.LPAREN)
    refs: list[ast.FieldRef] = []
    for i, kind in enumerate(kinds):
        if i:
            p.expect(TokenType.COMMA)
        ref, info, tok = p.parse_field()
        _check_kind(p, kind, ref, info, tok)
        refs.append(ref)
    if not kinds and p.ts.token.type is not TokenType.RPAREN:
        raise p.ts.error(f"{name} doesn't take any parameters")
    p.expect(TokenType.RPAREN)
    return tuple(refs)


def _call(p: Parser, tok: Token) -> ast.Action:
    return ast.Call(tok.text, _args(p, tok.text, CALLS[tok.text].args))


def _result_call(p: Parser, tok: Token, dst: ast.FieldRef, info: FieldInfo) -> ast.Action:
    spec = CALLS[tok.text]
    assert spec.result is not None
    _check_kind(p, spec.result, dst, info, tok)
    return ast.Call(tok.text, _args(p, tok.text, spec.args), dst)


for _name, _spec in CALLS.items():
    if _spec.result is None:
        KEYWORDS[_name] = _call
    else:
        RESULT_FUNCTIONS[_name] = _result_call


def _check_pkt_larger(p: Parser, tok: Token, dst: ast.FieldRef, info: FieldInfo) -> ast.Action:
    _check_kind(p, 1, dst, info, tok)
    p.expect(TokenType.LPAREN)
    n = p.parse_int("packet length", 0, 65535)
    p.expect(TokenType.RPAREN)
    return ast.CheckPktLarger(dst, n)


RESULT_FUNCTIONS["check_pkt_larger"] = _check_pkt_larger


# --- put_dhcp_opts / put_dhcpv6_opts / put_nd_ra_opts ------------------------

_OPTS_TABLES: dict[str, tuple[str, dict[str, OptSpec]]] = {
    "put_dhcp_opts": ("DHCPv4", DHCPV4_OPTIONS),
    "put_dhcpv6_opts": ("DHCPv6", DHCPV6_OPTIONS),
    "put_nd_ra_opts": ("IPv6 ND RA", ND_RA_OPTIONS),
}


def _option_value(p: Parser) -> ast.OptionValue:
    if not p.ts.match(TokenType.LCURLY):
        return ast.OptionValue((p.parse_constant(),))
    values = [p.parse_constant()]
    while p.ts.match(TokenType.COMMA):
        values.append(p.parse_constant())
    p.expect(TokenType.RCURLY)
    return ast.OptionValue(tuple(values), is_set=True)


def _put_opts(p: Parser, tok: Token, dst: ast.FieldRef, info: FieldInfo) -> ast.Action:
    _check_kind(p, 1, dst, info, tok)
    family, table = _OPTS_TABLES[tok.text]
    p.expect(TokenType.LPAREN)
    options: list[tuple[str, ast.OptionValue]] = []
    while not p.ts.match(TokenType.RPAREN):
        if options:
            p.expect(TokenType.COMMA)
        name_tok = p.ts.token
        if name_tok.type is not TokenType.ID or name_tok.text not in table:
            raise p.ts.syntax_error(f"expecting {family} option name")
        p.ts.advance()
        p.expect(TokenType.EQUALS)
        value_tok = p.ts.token
        value = _option_value(p)
        problem = check_value(table[name_tok.text].type, value)
        if problem is not None:
            raise p.type_error(f"{family} option {name_tok.text} {problem}.", value_tok)
        options.append((name_tok.text, value))
    _check_options(p, tok, options)
    return ast.PutOpts(tok.text, dst, tuple(options))


def _check_options(p: Parser, tok: Token, options: list[tuple[str, ast.OptionValue]]) -> None:
    names = {n for n, _ in options}
    if tok.text == "put_dhcp_opts" and "offerip" not in names:
        raise p.type_error("put_dhcp_opts requires offerip to be specified.", tok)
    if tok.text != "put_nd_ra_opts":
        return
    values = {n: v.values[0].string for n, v in options if v.values[0].is_string}
    if "slla" not in names:
        raise p.type_error("slla option not present", tok)
    mode = values.get("addr_mode")
    if "addr_mode" not in names or mode not in RA_ADDR_MODES:
        raise p.type_error('Invalid value for "addr_mode" option', tok)
    if mode in ("slaac", "dhcpv6_stateless") and "prefix" not in names:
        raise p.type_error(
            "prefix option needs to be set when address mode is slaac/dhcpv6_stateless.", tok
        )
    if "router_preference" in names and values.get("router_preference") not in RA_PREFERENCES:
        raise p.type_error('Invalid value for "router_preference" option', tok)


for _name in _OPTS_TABLES:
    RESULT_FUNCTIONS[_name] = _put_opts


# --- log, trigger_event, bind_vport, commit_ecmp_nh --------------------------

SEVERITIES = frozenset({"alert", "warning", "notice", "info", "debug"})
VERDICTS = frozenset({"allow", "drop", "reject", "pass"})


def _log(p: Parser, tok: Token) -> ast.Action:
    p.expect(TokenType.LPAREN)
    fields: dict[str, str] = {}
    while not p.ts.match(TokenType.RPAREN):
        if fields:
            p.expect(TokenType.COMMA)
        key = p.parse_id("name, severity, verdict or meter",
                         frozenset({"name", "severity", "verdict", "meter"}))
        p.expect(TokenType.EQUALS)
        if key in ("name", "meter"):
            fields[key] = p.parse_string("string")
        else:
            choices = SEVERITIES if key == "severity" else VERDICTS
            value_tok = p.ts.token
            if value_tok.type is not TokenType.ID or value_tok.text not in choices:
                raise p.ts.syntax_error(f"unknown {key}")
            fields[key] = p.ts.advance().text
    if "verdict" not in fields:
        raise p.ts.error("Syntax error: log requires verdict.", tok)
    return ast.Log(fields["verdict"], fields.get("severity", "info"), fields.get("name"),
                   fields.get("meter"))


EVENTS: dict[str, frozenset[str]] = {
    "empty_lb_backends": frozenset({"vip", "protocol", "load_balancer", "meter"}),
}


def _trigger_event(p: Parser, tok: Token) -> ast.Action:
    p.expect(TokenType.LPAREN)
    if not p.ts.match_id("event"):
        raise p.ts.syntax_error("expecting event")
    p.expect(TokenType.EQUALS)
    event_tok = p.ts.token
    event = p.parse_string("event name")
    if event not in EVENTS:
        raise p.ts.error(f"Unknown event `{event}'.", event_tok)
    params: list[tuple[str, str]] = []
    while p.ts.match(TokenType.COMMA):
        key = p.parse_id(f"{event} parameter", EVENTS[event])
        p.expect(TokenType.EQUALS)
        value_tok = p.ts.token
        value = p.parse_string("string")
        _check_event_param(p, key, value, value_tok)
        params.append((key, value))
    p.expect(TokenType.RPAREN)
    return ast.TriggerEvent(event, tuple(params))


def _check_event_param(p: Parser, key: str, value: str, tok: Token) -> None:
    if key == "protocol" and value not in ("tcp", "udp", "sctp"):
        raise p.type_error(f"Load balancer protocol '{value}' is not 'tcp', 'udp', or 'sctp'",
                           tok)
    if key == "load_balancer":
        try:
            uuid.UUID(value)
        except ValueError:
            raise p.type_error(f"Load balancer '{value}' is not a UUID", tok) from None


def _bind_vport(p: Parser, tok: Token) -> ast.Action:
    p.expect(TokenType.LPAREN)
    vport = p.parse_string("port name string")
    p.expect(TokenType.COMMA)
    ref, info, ftok = p.parse_field()
    _check_kind(p, "port", ref, info, ftok)
    p.expect(TokenType.RPAREN)
    return ast.BindVport(vport, ref)


def _commit_ecmp_nh(p: Parser, tok: Token) -> ast.Action:
    p.expect(TokenType.LPAREN)
    if not p.ts.match_id("ipv6"):
        raise p.ts.syntax_error("expecting ipv6")
    p.expect(TokenType.EQUALS)
    flag = p.ts.token
    text = flag.text if flag.type in (TokenType.ID, TokenType.STRING) else ""
    if text not in ("true", "false"):
        raise p.ts.syntax_error("expecting true or false")
    p.ts.advance()
    p.expect(TokenType.COMMA)
    if not p.ts.match_id("proto"):
        raise p.ts.syntax_error("expecting proto")
    p.expect(TokenType.EQUALS)
    proto = p.parse_id("tcp, udp or sctp", frozenset({"tcp", "udp", "sctp"}))
    p.expect(TokenType.RPAREN)
    return ast.CommitEcmpNh(text == "true", proto)


KEYWORDS.update(
    {
        "log": _log,
        "trigger_event": _trigger_event,
        "bind_vport": _bind_vport,
        "commit_ecmp_nh": _commit_ecmp_nh,
    }
)
