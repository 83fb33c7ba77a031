"""Canonical text of logical actions, as OVN's formatter prints them.

Theory of operation: one small function per node type, chosen by a table
keyed on the node's class; every action ends in ``;`` and actions are joined
by one space (``ip.ttl--; next;``). Nested lists print as ``{ a; b; }``.
The output parses back to an equal tree (`parse_actions(format_actions(x))
== x`), which the tests check for the whole corpus.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pyovn.logical.actions import ast
from pyovn.logical.lexer import IntFormat, format_int, format_masked, quote_string

__all__ = ["format_actions", "format_constant", "format_field", "format_string"]


def format_actions(actions: ast.ActionList) -> str:
    """The canonical text of `actions` (``drop;`` style, space separated)."""
    return " ".join(_format_action(a) for a in actions)


def format_string(text: str) -> str:
    return quote_string(text)


def format_field(ref: ast.FieldRef) -> str:
    if ref.lo is None:
        return ref.name
    if ref.hi is None or ref.hi == ref.lo:
        return f"{ref.name}[{ref.lo}]"
    return f"{ref.name}[{ref.lo}..{ref.hi}]"


def format_constant(const: ast.Constant) -> str:
    if const.string is not None:
        return quote_string(const.string)
    fmt = const.format or IntFormat.HEXADECIMAL
    if const.mask is None:
        return format_int(const.value, fmt)
    return format_masked(const.value, const.mask, fmt)


def _value(v: ast.Constant | ast.FieldRef) -> str:
    return format_constant(v) if isinstance(v, ast.Constant) else format_field(v)


def _nested(actions: ast.ActionList) -> str:
    return "{ " + format_actions(actions) + " }"


def _next(a: ast.Next) -> str:
    if a.pipeline is not None:
        table = "" if a.table is None else f", table={a.table}"
        return f"next(pipeline={a.pipeline}{table});"
    return "next;" if a.table is None else f"next({a.table});"


def _ct_commit(a: ast.CtCommit) -> str:
    if a.actions is None or not len(a.actions):
        return "ct_commit;"
    return f"ct_commit {_nested(a.actions)};"


def _ct_zone_op(a: ast.CtZoneOp) -> str:
    return f"{a.name};" if a.zone is None else f"{a.name}({a.zone});"


def _ct_nat(a: ast.CtNat) -> str:
    if a.ip is None:
        return f"{a.name};"
    ports = ""
    if a.port_lo is not None:
        ports = f",{a.port_lo}" if a.port_hi is None else f",{a.port_lo}-{a.port_hi}"
    return f"{a.name}({a.ip}{ports});"


def _backend(b: ast.Backend) -> str:
    if b.port is None:
        return b.ip
    return f"[{b.ip}]:{b.port}" if ":" in b.ip else f"{b.ip}:{b.port}"


def _ct_lb(a: ast.CtLb) -> str:
    if not a.backends:
        return f"{a.name};"
    parts = ["backends=" + ",".join(_backend(b) for b in a.backends)]
    if a.hash_fields is not None:
        parts.append(f"hash_fields={format_string(a.hash_fields)}")
    if a.skip_snat:
        parts.append("skip_snat")
    if a.force_snat:
        parts.append("force_snat")
    return f"{a.name}({'; '.join(parts)});"


def _result(r: ast.FieldRef | None) -> str:
    return "" if r is None else f"{format_field(r)} = "


def _call(a: ast.Call) -> str:
    args = ", ".join(format_field(f) for f in a.args)
    return f"{_result(a.result)}{a.name}({args});"


def _option_value(v: ast.OptionValue) -> str:
    if v.is_set:
        return "{" + ", ".join(format_constant(c) for c in v.values) + "}"
    return format_constant(v.values[0])


def _put_opts(a: ast.PutOpts) -> str:
    opts = ", ".join(f"{name} = {_option_value(v)}" for name, v in a.options)
    return f"{_result(a.result)}{a.name}({opts});"


def _log(a: ast.Log) -> str:
    parts = []
    if a.name is not None:
        parts.append(f"name={format_string(a.name)}")
    parts.append(f"verdict={a.verdict}")
    parts.append(f"severity={a.severity}")
    if a.meter is not None:
        parts.append(f"meter={format_string(a.meter)}")
    return f"log({', '.join(parts)});"


def _trigger_event(a: ast.TriggerEvent) -> str:
    parts = [f"event = {format_string(a.event)}"]
    parts += [f"{k} = {format_string(v)}" for k, v in a.params]
    return f"trigger_event({', '.join(parts)});"


def _select(a: ast.Select) -> str:
    members = ", ".join(f"{v}={w}" for v, w in a.members)
    if a.hash_fields is None:
        return f"{_result(a.result)}select({members});"
    return (f"{_result(a.result)}select(values=({members}); "
            f"hash_fields={format_string(a.hash_fields)});")


_FORMATTERS: dict[type, Callable[[Any], str]] = {
    ast.Next: _next,
    ast.Output: lambda a: "output;",
    ast.Drop: lambda a: "drop;",
    ast.Assign: lambda a: f"{format_field(a.dst)} = {_value(a.src)};",
    ast.Exchange: lambda a: f"{format_field(a.a)} <-> {format_field(a.b)};",
    ast.DecTtl: lambda a: "ip.ttl--;",
    ast.StackOp: lambda a: f"{a.op}({format_field(a.field)});",
    ast.OvnFieldAssign: lambda a: f"{a.name} = {a.value};",
    ast.Nested: lambda a: f"{a.kind} {_nested(a.actions)};",
    ast.CtNext: lambda a: "ct_next;" if a.nat is None else f"ct_next({a.nat});",
    ast.CtCommit: _ct_commit,
    ast.CtZoneOp: _ct_zone_op,
    ast.CtNat: _ct_nat,
    ast.CtLb: _ct_lb,
    ast.Simple: lambda a: f"{a.name};",
    ast.Call: _call,
    ast.PutOpts: _put_opts,
    ast.Log: _log,
    ast.SetQueue: lambda a: f"set_queue({a.queue_id});",
    ast.CheckPktLarger: lambda a: f"{_result(a.result)}check_pkt_larger({a.pkt_len});",
    ast.TriggerEvent: _trigger_event,
    ast.BindVport: lambda a: f"bind_vport({format_string(a.vport)}, {format_field(a.port)});",
    ast.Select: _select,
    ast.CommitEcmpNh: lambda a: (
        f"commit_ecmp_nh(ipv6 = {'true' if a.ipv6 else 'false'}, proto = {a.proto});"
    ),
}


def _format_action(action: ast.Action) -> str:
    return _FORMATTERS[type(action)](action)
