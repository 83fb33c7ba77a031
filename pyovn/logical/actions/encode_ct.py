"""Encoders of the connection-tracking actions and ECMP learning.

Registered into `encode` on import; see `encode` for the design. Zones:
a switch uses its port's zone (reg13) for everything; a router uses its
DNAT zone (reg11) for DNAT, load balancing and the "common zone" variants
and its SNAT zone (reg12) for SNAT and ``ct_commit``.
"""

from __future__ import annotations

from pyovn.logical import layout
from pyovn.logical import ofactions as of
from pyovn.logical.actions import ast
from pyovn.logical.actions.encode import Encoder, register, set_constant
from pyovn.logical.flow import OFAction, Resubmit
from pyovn.logical.layout import Subfield


@register(ast.CtNext)
def _ct_next(enc: Encoder, a: ast.CtNext) -> tuple[OFAction, ...]:
    zone = enc.zone("snat" if a.nat == "snat" else "dnat")
    return (of.Ct(zone, table=enc.next_table()),)


@register(ast.CtCommit)
def _ct_commit(enc: Encoder, a: ast.CtCommit) -> tuple[OFAction, ...]:
    inner = enc.encode(a.actions) if a.actions is not None else ()
    return (of.Ct(enc.zone("snat"), commit=True, exec_actions=inner),)


@register(ast.CtZoneOp)
def _ct_zone_op(enc: Encoder, a: ast.CtZoneOp) -> tuple[OFAction, ...]:
    zone = enc.zone(a.zone or "dnat")
    nat = of.Nat() if a.name == "ct_commit_nat" else None
    return (of.Ct(zone, commit=True, table=enc.next_table(), nat=nat),)


@register(ast.CtNat)
def _ct_nat(enc: Encoder, a: ast.CtNat) -> tuple[OFAction, ...]:
    if a.in_czone:
        zone = enc.zone("dnat")
    else:
        zone = enc.zone("dnat" if a.is_dnat else "snat")
    if a.ip is None:
        return (of.Ct(zone, table=enc.next_table(), nat=of.Nat()),)
    nat = of.Nat(
        "dst" if a.is_dnat else "src", a.ip, a.port_lo, a.port_hi, random=a.port_hi is not None
    )
    return (of.Ct(zone, commit=True, table=enc.next_table(), nat=nat),)


def _lb_marks(a: ast.CtLb) -> tuple[OFAction, ...]:
    """The ct_mark (ct_lb_mark) or ct_label (legacy ct_lb) bits a backend sets."""
    bits = layout.CT_MARK_BITS if a.name == "ct_lb_mark" else layout.CT_LABEL_BITS
    target = "ct_mark" if a.name == "ct_lb_mark" else "ct_label"
    names = ["natted"] + (["skip_snat"] if a.skip_snat else []) + (
        ["force_snat"] if a.force_snat else []
    )
    # The legacy label has no skip/force bits of its own: they sit at 2 and 3.
    positions = {"natted": bits["natted"][0], "skip_snat": 2, "force_snat": 3}
    if a.name == "ct_lb_mark":
        positions.update({n: bits[n][0] for n in ("skip_snat", "force_snat")})
    one = ast.Constant(1)
    return tuple(set_constant(Subfield(target, positions[n], 1), one, 1) for n in names)


@register(ast.CtLb)
def _ct_lb(enc: Encoder, a: ast.CtLb) -> tuple[OFAction, ...]:
    zone = enc.zone("dnat")
    table = enc.next_table()
    if not a.backends:
        return (of.Ct(zone, table=table, nat=of.Nat()),)
    marks = _lb_marks(a)
    buckets = tuple(
        of.GroupBucket(
            (of.Ct(zone, commit=True, table=table, nat=of.Nat("dst", b.ip, b.port),
                   exec_actions=marks),)
        )
        for b in a.backends
    )
    fields = tuple(f.strip() for f in a.hash_fields.split(",")) if a.hash_fields else ()
    return (enc.group(of.GroupDef(buckets, fields)),)


@register(ast.Select)
def _select(enc: Encoder, a: ast.Select) -> tuple[OFAction, ...]:
    """A select group whose buckets load one value each, then go on to the next table."""
    dst = enc.bits(a.result)
    table = enc.next_table()
    buckets = tuple(
        of.GroupBucket((set_constant(dst, ast.Constant(value), value), Resubmit(table)), weight)
        for value, weight in a.members
    )
    fields = tuple(f.strip() for f in a.hash_fields.split(",")) if a.hash_fields else ()
    return (enc.group(of.GroupDef(buckets, fields)),)


@register(ast.Simple)
def _simple(enc: Encoder, a: ast.Simple) -> tuple[OFAction, ...]:
    if a.name == "ct_clear":
        return (of.CtClear(),)
    if a.name == "ct_snat_to_vip":
        return (Resubmit(layout.TABLE_CT_SNAT_HAIRPIN),)
    from pyovn.logical.actions.controller_ops import ControllerOp, Opcode

    return (enc.controller(ControllerOp(Opcode.IGMP)),)


_L4 = {"tcp": 6, "udp": 17, "sctp": 132}


@register(ast.CommitEcmpNh)
def _commit_ecmp_nh(enc: Encoder, a: ast.CommitEcmpNh) -> tuple[OFAction, ...]:
    """Learn, per connection, the reply MAC and the reverse flow (ECMP symmetry)."""
    src, dst = ("ipv6_src", "ipv6_dst") if a.ipv6 else ("ip_src", "ip_dst")
    eth_type = "eth_type=0x86dd" if a.ipv6 else "eth_type=0x800"
    proto = f"nw_proto={_L4[a.proto]}"
    tp_src, tp_dst = f"{a.proto}_src", f"{a.proto}_dst"
    flag = layout.FLAG_BITS["lookup_commit_ecmp_nh"]
    load = f"load:0x1->{layout.LOG_FLAGS.field}[{flag}]"
    forward = ("metadata[]", "eth_src[]", eth_type, f"{src}[]", f"{dst}[]", proto,
               f"{tp_src}[]", f"{tp_dst}[]", load)
    reverse = ("metadata[]", eth_type, f"{src}[]={dst}[]", f"{dst}[]={src}[]", proto,
               f"{tp_src}[]={tp_dst}[]", f"{tp_dst}[]={tp_src}[]", load)
    return (
        of.Learn(layout.TABLE_ECMP_NH_MAC, forward, 20, 30, True),
        of.Learn(layout.TABLE_ECMP_NH, reverse, 20, 30, True),
    )
