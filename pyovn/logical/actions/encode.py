"""Encoder of logical actions into OpenFlow actions for OVS 3.1 (OpenFlow 1.5).

Theory of operation: `encode_actions_full(actions, ctx)` walks the tree and
returns an `EncodeResult`: the OpenFlow actions plus the side outputs a
caller must install (select groups for ``ct_lb``, meters by name). It is a
pure function of its inputs; ids come from the allocators in `EncodeContext`
(``allocate_group(GroupDef) -> int``, ``allocate_meter(name) -> int``), so
the caller decides sharing and lifetime. `encode_actions` returns just the
actions, the stable API other modules call.

Where logical fields live (ports in reg14/reg15, flags in reg10, zones in
reg11-13, tables) comes from `pyovn.logical.layout`; fields come from the
symbol table through `fields.FieldInfo`. The lookup tables (MAC binding,
FDB, LB hairpin) are filled by the controller with these conventions:

- MAC_BINDING (get_arp/get_nd/lookup_*_ip): match reg15 = port and reg0
  (IPv4) or xxreg0 (IPv6) = address; set eth_dst and flags.lookup_mac.
- MAC_LOOKUP (lookup_arp/lookup_nd): match reg14 = port, reg0/xxreg0 =
  address, eth_src = MAC; set flags.lookup_mac.
- GET_FDB: match eth_dst; set reg15. LOOKUP_FDB: match reg14, eth_src; set
  flags.lookup_fdb. CHK_LB_HAIRPIN(_REPLY): set flags.lookup_lb_hairpin.

Arguments not already in those registers are moved there around the
resubmit, saving and restoring the register on the stack.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pyovn.logical import layout
from pyovn.logical import ofactions as of
from pyovn.logical.actions import ast
from pyovn.logical.actions.controller_ops import ControllerOp
from pyovn.logical.actions.fields import FieldInfo, Resolver, symtab_resolver
from pyovn.logical.errors import LogicalError
from pyovn.logical.expr.symbols import SYMTAB
from pyovn.logical.flow import OFAction, Resubmit
from pyovn.logical.layout import Pipeline, Subfield

__all__ = ["ActionEncodeError", "EncodeContext", "EncodeResult", "encode_actions",
           "encode_actions_full"]


class ActionEncodeError(LogicalError):
    """Valid actions that cannot be encoded in this context (no column)."""


def _no_port(name: str) -> int | None:
    return None


@dataclass(frozen=True, slots=True)
class EncodeContext:
    """Everything encoding needs besides the actions themselves."""

    pipeline: Pipeline
    table: int  # the logical table (stage) the actions run in
    lookup_port: Callable[[str], int | None] = _no_port  # port name -> tunnel key
    datapath_key: int = 0  # the logical datapath (metadata); no action needs it yet
    is_router: bool = False  # routers use the DNAT/SNAT zones, switches reg13
    allocate_group: Callable[[of.GroupDef], int] | None = None
    allocate_meter: Callable[[str], int] | None = None
    controller_meter: str | None = None  # meter name rate-limiting paused actions
    resolve: Resolver = field(default_factory=lambda: symtab_resolver(SYMTAB))

    @classmethod
    def at_openflow_table(cls, table: int, **kwargs: Any) -> EncodeContext:
        """The context of a logical flow that runs in OpenFlow table `table`."""
        where = layout.stage_for(table)
        if where is None:
            raise ValueError(f"OpenFlow table {table} runs no logical stage")
        return cls(where[0], where[1], **kwargs)


@dataclass(frozen=True, slots=True)
class EncodeResult:
    actions: tuple[OFAction, ...]
    groups: tuple[tuple[int, of.GroupDef], ...] = ()
    meters: tuple[tuple[int, str], ...] = ()


class Encoder:
    """One encoding run: the context plus the groups and meters it used."""

    def __init__(self, ctx: EncodeContext) -> None:
        self.ctx = ctx
        self.groups: dict[int, of.GroupDef] = {}
        self.meters: dict[int, str] = {}

    # --- context helpers ----------------------------------------------

    def info(self, ref: ast.FieldRef) -> FieldInfo:
        info = self.ctx.resolve(ref.name)
        if info is None or info.storage is None:
            raise ActionEncodeError(f"field {ref.name} has no OpenFlow storage")
        return info

    def bits(self, ref: ast.FieldRef) -> Subfield:
        return self.info(ref).bits(ref.lo, ref.hi)

    def next_table(self, pipeline: str | None = None, table: int | None = None) -> int:
        pipe = self.ctx.pipeline if pipeline is None else Pipeline(pipeline)
        stage = self.ctx.table + 1 if table is None else table
        if stage >= layout.MAX_STAGES:
            raise ActionEncodeError(
                f'"next" action cannot advance beyond table {layout.MAX_STAGES - 1}.'
            )
        return layout.table_for(pipe, stage)

    def zone(self, kind: str = "ct") -> Subfield:
        """Conntrack zone register: switches always reg13; routers DNAT/SNAT."""
        if not self.ctx.is_router:
            return layout.LOG_CT_ZONE
        return layout.LOG_SNAT_ZONE if kind == "snat" else layout.LOG_DNAT_ZONE

    def meter(self, name: str | None) -> int | None:
        if name is None:
            return None
        if self.ctx.allocate_meter is None:
            raise ActionEncodeError(f'meter "{name}" needs a meter allocator')
        meter_id = self.ctx.allocate_meter(name)
        self.meters[meter_id] = name
        return meter_id

    def group(self, definition: of.GroupDef) -> of.Group:
        if self.ctx.allocate_group is None:
            raise ActionEncodeError("load balancing needs a group allocator")
        group_id = self.ctx.allocate_group(definition)
        self.groups[group_id] = definition
        return of.Group(group_id, definition)

    def controller(self, op: ControllerOp) -> of.Controller:
        meter = self.meter(self.ctx.controller_meter) if op.pause else None
        return of.Controller(op.encode(), op.pause, meter)

    # --- walking ----------------------------------------------------------

    def encode(self, actions: ast.ActionList) -> tuple[OFAction, ...]:
        out: list[OFAction] = []
        for action in actions:
            out.extend(self.encode_one(action))
        return tuple(out)

    def encode_one(self, action: ast.Action) -> tuple[OFAction, ...]:
        handler = _HANDLERS.get(type(action))
        if handler is None:
            raise ActionEncodeError(f"no encoder for {type(action).__name__}")
        return handler(self, action)


def set_constant(dst: Subfield, const: ast.Constant, value: int) -> of.SetField:
    """``dst = value`` (masked by the constant's mask) as one set_field."""
    width = layout.OPENFLOW_FIELD_BITS[dst.field]
    mask = ((1 << dst.nbits) - 1) if const.mask is None else const.mask
    mask <<= dst.ofs
    full = (1 << width) - 1
    return of.SetField(dst.field, (value << dst.ofs) & mask, None if mask == full else mask)


def _assign(enc: Encoder, a: ast.Assign) -> tuple[OFAction, ...]:
    dst = enc.bits(a.dst)
    if isinstance(a.src, ast.FieldRef):
        return (of.Move(enc.bits(a.src), dst),)
    if a.src.is_string:
        key = enc.ctx.lookup_port(a.src.string or "") if a.src.string else 0
        return (set_constant(dst, a.src, key or 0),)
    return (set_constant(dst, a.src, a.src.value),)


def _exchange(enc: Encoder, a: ast.Exchange) -> tuple[OFAction, ...]:
    x, y = enc.bits(a.a), enc.bits(a.b)
    return (of.Push(x), of.Push(y), of.Pop(x), of.Pop(y))


def _stack(enc: Encoder, a: ast.StackOp) -> tuple[OFAction, ...]:
    sf = enc.bits(a.field)
    return (of.Push(sf),) if a.op == "push" else (of.Pop(sf),)


def _output(enc: Encoder, a: ast.Output) -> tuple[OFAction, ...]:
    # Ingress output enters the output tables (then egress); egress output
    # leaves for the physical port.
    if enc.ctx.pipeline is Pipeline.INGRESS:
        return (Resubmit(layout.TABLE_OUTPUT_LARGE_PKT_DETECT),)
    return (Resubmit(layout.TABLE_SAVE_INPORT),)


_HANDLERS: dict[type, Callable[[Encoder, Any], tuple[OFAction, ...]]] = {
    ast.Next: lambda e, a: (Resubmit(e.next_table(a.pipeline, a.table)),),
    ast.Output: _output,
    ast.Drop: lambda e, a: (),
    ast.Assign: _assign,
    ast.Exchange: _exchange,
    ast.DecTtl: lambda e, a: (of.DecTtl(),),
    ast.StackOp: _stack,
    ast.SetQueue: lambda e, a: (of.SetQueue(a.queue_id),),
    ast.CheckPktLarger: lambda e, a: (of.CheckPktLarger(a.pkt_len, e.bits(a.result)),),
}


def register(kind: type) -> Callable[[Callable], Callable]:
    """Add an encoder for node type `kind` (used by the sibling modules)."""

    def add(fn: Callable) -> Callable:
        _HANDLERS[kind] = fn
        return fn

    return add


def encode_actions_full(actions: ast.ActionList, ctx: EncodeContext) -> EncodeResult:
    """OpenFlow actions for `actions`, with the groups and meters they use."""
    # Importing registers the handlers defined in the sibling modules.
    from pyovn.logical.actions import encode_ct, encode_ops  # noqa: F401

    enc = Encoder(ctx)
    out = enc.encode(actions)
    return EncodeResult(out, tuple(sorted(enc.groups.items())), tuple(sorted(enc.meters.items())))


def encode_actions(actions: ast.ActionList, ctx: EncodeContext) -> tuple[OFAction, ...]:
    """OpenFlow actions for `actions` (groups reach the caller via its allocator)."""
    return encode_actions_full(actions, ctx).actions

