"""Encoders of nested, controller and table-lookup actions.

Registered into `encode` on import; see `encode` for the table conventions
and `controller_ops` for the userdata the controller receives.
"""

from __future__ import annotations

from pyovn.logical import layout
from pyovn.logical import ofactions as of
from pyovn.logical.actions import ast
from pyovn.logical.actions.controller_ops import ControllerOp, Opcode, ovn_field_note
from pyovn.logical.actions.encode import ActionEncodeError, Encoder, register
from pyovn.logical.actions.ofwire import encode_of15
from pyovn.logical.actions.options import (
    DHCPV4_OPTIONS,
    DHCPV6_OPTIONS,
    ND_RA_OPTIONS,
    encode_value,
)
from pyovn.logical.flow import OFAction, Resubmit
from pyovn.logical.layout import Subfield

NESTED_OPCODES = {
    "arp": Opcode.ARP,
    "nd_ns": Opcode.ND_NS,
    "nd_na": Opcode.ND_NA,
    "nd_na_router": Opcode.ND_NA_ROUTER,
    "icmp4": Opcode.ICMP4,
    "icmp4_error": Opcode.ICMP4_ERROR,
    "icmp6": Opcode.ICMP6,
    "icmp6_error": Opcode.ICMP6_ERROR,
    "tcp_reset": Opcode.TCP_RESET,
    "reject": Opcode.REJECT,
    "sctp_abort": Opcode.SCTP_ABORT,
}

REG0 = Subfield("reg0", 0, 32)
XXREG0 = Subfield("xxreg0", 0, 128)
ETH_SRC = Subfield("eth_src", 0, 48)
ETH_DST = Subfield("eth_dst", 0, 48)


def _flag(name: str) -> Subfield:
    return Subfield(layout.LOG_FLAGS.field, layout.FLAG_BITS[name], 1)


def _clear(flag: Subfield) -> of.SetField:
    return of.SetField(flag.field, 0, 1 << flag.ofs)


@register(ast.Nested)
def _nested(enc: Encoder, a: ast.Nested) -> tuple[OFAction, ...]:
    inner = enc.encode(a.actions)
    if a.kind == "clone":
        return (of.Clone(inner),)
    try:
        wire = encode_of15(inner)
    except ValueError as err:
        raise ActionEncodeError(f"{a.kind} {{ }}: {err}") from None
    return (enc.controller(ControllerOp(NESTED_OPCODES[a.kind], actions=wire)),)


@register(ast.OvnFieldAssign)
def _ovn_field(enc: Encoder, a: ast.OvnFieldAssign) -> tuple[OFAction, ...]:
    return (of.Note(ovn_field_note(a.name, a.value)),)


class _Loads:
    """Moves arguments into the registers a lookup table matches, and back."""

    def __init__(self) -> None:
        self.before: list[OFAction] = []
        self.after: list[OFAction] = []

    def load(self, src: Subfield, target: Subfield) -> None:
        if src == target:
            return
        self.before += [of.Push(target), of.Move(src, target)]
        self.after.insert(0, of.Pop(target))

    def save(self, target: Subfield) -> None:
        self.before.append(of.Push(target))
        self.after.insert(0, of.Pop(target))

    def around(self, *middle: OFAction) -> tuple[OFAction, ...]:
        return (*self.before, *middle, *self.after)


def _ip_reg(width: int) -> Subfield:
    return REG0 if width == 32 else XXREG0


def _get_mac(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    port, ip = (enc.bits(r) for r in a.args)
    loads = _Loads()
    loads.load(port, layout.LOG_OUTPORT)
    loads.load(ip, _ip_reg(ip.nbits))
    return loads.around(of.SetField("eth_dst", 0), Resubmit(layout.TABLE_MAC_BINDING))


def _flag_lookup(
    enc: Encoder, a: ast.Call, flag_name: str, table: int, loads: _Loads | None = None
) -> tuple[OFAction, ...]:
    """Clear a flag, let `table` set it, restore the loaded registers, R = flag."""
    assert a.result is not None
    flag = _flag(flag_name)
    body = (loads or _Loads()).around(_clear(flag), Resubmit(table))
    return (*body, of.Move(flag, enc.bits(a.result)))


def _lookup_mac(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    port, ip, mac = (enc.bits(r) for r in a.args)
    loads = _Loads()
    loads.load(port, layout.LOG_INPORT)
    loads.load(ip, _ip_reg(ip.nbits))
    loads.load(mac, ETH_SRC)
    return _flag_lookup(enc, a, "lookup_mac", layout.TABLE_MAC_LOOKUP, loads)


def _lookup_mac_ip(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    port, ip = (enc.bits(r) for r in a.args)
    loads = _Loads()
    loads.load(port, layout.LOG_OUTPORT)
    loads.load(ip, _ip_reg(ip.nbits))
    loads.save(ETH_DST)  # the MAC_BINDING table rewrites eth_dst
    return _flag_lookup(enc, a, "lookup_mac", layout.TABLE_MAC_BINDING, loads)


def _get_fdb(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    assert a.result is not None
    (mac,) = (enc.bits(r) for r in a.args)
    dst = enc.bits(a.result)
    loads = _Loads()
    loads.load(mac, ETH_DST)
    lookup: tuple[OFAction, ...] = (
        of.SetField(layout.LOG_OUTPORT.field, 0), Resubmit(layout.TABLE_GET_FDB)
    )
    if dst != layout.LOG_OUTPORT:
        loads.save(layout.LOG_OUTPORT)
        lookup += (of.Move(layout.LOG_OUTPORT, dst),)
    return loads.around(*lookup)


def _lookup_fdb(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    port, mac = (enc.bits(r) for r in a.args)
    loads = _Loads()
    loads.load(port, layout.LOG_INPORT)
    loads.load(mac, ETH_SRC)
    return _flag_lookup(enc, a, "lookup_fdb", layout.TABLE_LOOKUP_FDB, loads)


# Lookups without arguments: R = the flag the table sets.
_FLAG_TABLES = {
    "chk_lb_hairpin": ("lookup_lb_hairpin", layout.TABLE_CHK_LB_HAIRPIN),
    "chk_lb_hairpin_reply": ("lookup_lb_hairpin", layout.TABLE_CHK_LB_HAIRPIN_REPLY),
    "check_in_port_sec": ("check_port_sec", layout.TABLE_CHK_IN_PORT_SEC),
    "check_out_port_sec": ("check_port_sec", layout.TABLE_CHK_OUT_PORT_SEC),
}


def _no_arg_lookup(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    flag_name, table = _FLAG_TABLES[a.name]
    return _flag_lookup(enc, a, flag_name, table)


_CONTROLLER_CALLS = {
    "put_arp": (Opcode.PUT_ARP, ("port", "ip", "mac")),
    "put_nd": (Opcode.PUT_ND, ("port", "ip", "mac")),
    "put_fdb": (Opcode.PUT_FDB, ("port", "mac")),
    "handle_svc_check": (Opcode.HANDLE_SVC_CHECK, ("port",)),
    "dns_lookup": (Opcode.DNS_LOOKUP, ()),
}


def _controller_call(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    opcode, roles = _CONTROLLER_CALLS[a.name]
    fields = tuple((role, enc.bits(r).to_ofctl()) for role, r in zip(roles, a.args, strict=True))
    result = enc.bits(a.result).to_ofctl() if a.result is not None else None
    return (enc.controller(ControllerOp(opcode, result=result, fields=fields)),)


_CALLS = {
    "get_arp": _get_mac,
    "get_nd": _get_mac,
    "lookup_arp": _lookup_mac,
    "lookup_nd": _lookup_mac,
    "lookup_arp_ip": _lookup_mac_ip,
    "lookup_nd_ip": _lookup_mac_ip,
    "get_fdb": _get_fdb,
    "lookup_fdb": _lookup_fdb,
    **{name: _no_arg_lookup for name in _FLAG_TABLES},
    **{name: _controller_call for name in _CONTROLLER_CALLS},
}


@register(ast.Call)
def _call(enc: Encoder, a: ast.Call) -> tuple[OFAction, ...]:
    return _CALLS[a.name](enc, a)


_OPTS = {
    "put_dhcp_opts": (Opcode.PUT_DHCP_OPTS, DHCPV4_OPTIONS),
    "put_dhcpv6_opts": (Opcode.PUT_DHCPV6_OPTS, DHCPV6_OPTIONS),
    "put_nd_ra_opts": (Opcode.PUT_ND_RA_OPTS, ND_RA_OPTIONS),
}


@register(ast.PutOpts)
def _put_opts(enc: Encoder, a: ast.PutOpts) -> tuple[OFAction, ...]:
    opcode, table = _OPTS[a.name]
    options = tuple(
        (table[name].code, encode_value(table[name].type, value)) for name, value in a.options
    )
    op = ControllerOp(opcode, result=enc.bits(a.result).to_ofctl(), options=options)
    return (enc.controller(op),)


@register(ast.Log)
def _log(enc: Encoder, a: ast.Log) -> tuple[OFAction, ...]:
    params = [("verdict", a.verdict), ("severity", a.severity)]
    if a.name is not None:
        params.append(("name", a.name))
    op = ControllerOp(Opcode.LOG, params=tuple(params))
    return (of.Controller(op.encode(), op.pause, enc.meter(a.meter)),)


@register(ast.TriggerEvent)
def _trigger_event(enc: Encoder, a: ast.TriggerEvent) -> tuple[OFAction, ...]:
    params = (("event", a.event), *((k, v) for k, v in a.params if k != "meter"))
    op = ControllerOp(Opcode.TRIGGER_EVENT, params=params)
    return (of.Controller(op.encode(), op.pause, enc.meter(a.meter)),)


@register(ast.BindVport)
def _bind_vport(enc: Encoder, a: ast.BindVport) -> tuple[OFAction, ...]:
    key = enc.ctx.lookup_port(a.vport)
    if key is None:
        return ()  # an unknown virtual port drops, as in OVN
    op = ControllerOp(
        Opcode.BIND_VPORT,
        params=(("vport", a.vport), ("vport_key", str(key))),
        fields=(("port", enc.bits(a.port).to_ofctl()),),
    )
    return (enc.controller(op),)
