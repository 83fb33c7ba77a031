"""Prerequisites of actions: what the flow's match must imply for them to apply.

Theory of operation: as in OVN, an action that touches ``tcp.dst`` only
makes sense (and OVS only accepts it) on TCP packets, so the flow compiler
ANDs the actions' prerequisites into the match. They come from two places:
the symbol table's prerequisites of every field an action reads or writes,
and each action's own needs (``ip.ttl--`` needs ``ip``, ``ct_*`` need
``ip``, ``icmp4 { }`` needs ``ip4``...). The actions inside a packet-
generating action (``arp { ... }``) apply to the new packet and add nothing.
The result is one expression text, or None when there is nothing to add.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from pyovn.logical.actions import ast
from pyovn.logical.expr.symbols import SYMTAB, Symbol

__all__ = ["action_prerequisites"]

# Prerequisites of actions by kind, beyond those of the fields they name.
NESTED_PREREQS: dict[str, str | None] = {
    "clone": None,
    "arp": "ip",
    "nd_ns": "ip6",
    "nd_na": "nd_ns",
    "nd_na_router": "nd_ns",
    "icmp4": "ip4",
    "icmp4_error": "ip4",
    "icmp6": "ip6",
    "icmp6_error": "ip6",
    "tcp_reset": "tcp",
    "reject": None,
    "sctp_abort": "sctp",
}
CALL_PREREQS: dict[str, str] = {"dns_lookup": "udp"}
OPTS_PREREQS: dict[str, str] = {"put_nd_ra_opts": "ip6"}
CT_NODES = (ast.CtNext, ast.CtCommit, ast.CtZoneOp, ast.CtNat, ast.CtLb)


def _fields(action: ast.Action) -> Iterator[ast.FieldRef]:
    if isinstance(action, ast.Assign):
        yield action.dst
        if isinstance(action.src, ast.FieldRef):
            yield action.src
    elif isinstance(action, ast.Exchange):
        yield from (action.a, action.b)
    elif isinstance(action, ast.StackOp):
        yield action.field
    elif isinstance(action, ast.Call | ast.PutOpts | ast.CheckPktLarger):
        result = action.result
        if result is not None:
            yield result
        if isinstance(action, ast.Call):
            yield from action.args
    elif isinstance(action, ast.BindVport):
        yield action.port


def _own(action: ast.Action) -> Iterator[str]:
    if isinstance(action, (ast.DecTtl, *CT_NODES)):
        yield "ip"
    elif isinstance(action, ast.Nested):
        own = NESTED_PREREQS[action.kind]
        if own is not None:
            yield own
    elif isinstance(action, ast.Call) and action.name in CALL_PREREQS:
        yield CALL_PREREQS[action.name]
    elif isinstance(action, ast.PutOpts) and action.name in OPTS_PREREQS:
        yield OPTS_PREREQS[action.name]
    elif isinstance(action, ast.CommitEcmpNh):
        yield "ip6" if action.ipv6 else "ip4"
        yield action.proto


def _walk(actions: ast.ActionList, symtab: Mapping[str, Symbol]) -> Iterator[str]:
    for action in actions:
        yield from _own(action)
        for ref in _fields(action):
            symbol = symtab.get(ref.name)
            if symbol is not None and symbol.prereqs:
                yield symbol.prereqs
        if isinstance(action, ast.Nested) and action.kind == "clone":
            yield from _walk(action.actions, symtab)
        elif isinstance(action, ast.CtCommit) and action.actions is not None:
            yield from _walk(action.actions, symtab)


def action_prerequisites(
    actions: ast.ActionList, symtab: Mapping[str, Symbol] = SYMTAB
) -> str | None:
    """The conjunction of the actions' prerequisites as match text, or None."""
    parts = list(dict.fromkeys(_walk(actions, symtab)))
    if not parts:
        return None
    return " && ".join(p if " " not in p else f"({p})" for p in parts)
