"""OpenFlow 1.5 wire bytes of the actions nested in controller userdata.

Theory of operation: packet-generating actions (``arp { ... }``,
``icmp4 { ... }``) travel to the controller inside the userdata of a paused
``controller`` action, as OVN does: the controller builds the new packet and
sends it back with these actions in a packet-out. So the nested actions must
be real OpenFlow 1.5 action bytes. `encode_of15` produces them for the action
types that can appear there (set_field, copy_field, resubmit, dec_ttl,
push/pop, note, ct_clear, group, set_queue, clone, controller); tests check
every encoding by having ``ovs-ofctl parse-actions OpenFlow15`` decode it.

OXM headers: class(16) | field(7) | hasmask(1) | length(8), as OpenFlow
1.5 §7.2.3; numbers from ovs-fields(7).
"""

from __future__ import annotations

import struct

from pyovn.logical import ofactions as of
from pyovn.logical.flow import OFAction, Resubmit
from pyovn.logical.layout import Subfield

NX_VENDOR = 0x00002320
OFPP_IN_PORT = 0xFFF8

# field -> (OXM class, field number, value length in bytes)
OXM_FIELDS: dict[str, tuple[int, int, int]] = {
    "in_port": (0x8000, 0, 4),
    "metadata": (0x8000, 2, 8),
    "eth_dst": (0x8000, 3, 6),
    "eth_src": (0x8000, 4, 6),
    "eth_type": (0x8000, 5, 2),
    "vlan_vid": (0x8000, 6, 2),
    "vlan_pcp": (0x8000, 7, 1),
    "ip_dscp": (0x8000, 8, 1),
    "nw_ecn": (0x8000, 9, 1),
    "nw_proto": (0x8000, 10, 1),
    "ip_src": (0x8000, 11, 4),
    "ip_dst": (0x8000, 12, 4),
    "tcp_src": (0x8000, 13, 2),
    "tcp_dst": (0x8000, 14, 2),
    "udp_src": (0x8000, 15, 2),
    "udp_dst": (0x8000, 16, 2),
    "sctp_src": (0x8000, 17, 2),
    "sctp_dst": (0x8000, 18, 2),
    "icmp_type": (0x8000, 19, 1),
    "icmp_code": (0x8000, 20, 1),
    "arp_op": (0x8000, 21, 2),
    "arp_spa": (0x8000, 22, 4),
    "arp_tpa": (0x8000, 23, 4),
    "arp_sha": (0x8000, 24, 6),
    "arp_tha": (0x8000, 25, 6),
    "ipv6_src": (0x8000, 26, 16),
    "ipv6_dst": (0x8000, 27, 16),
    "ipv6_label": (0x8000, 28, 4),
    "icmpv6_type": (0x8000, 29, 1),
    "icmpv6_code": (0x8000, 30, 1),
    "nd_target": (0x8000, 31, 16),
    "nd_sll": (0x8000, 32, 6),
    "nd_tll": (0x8000, 33, 6),
    "tun_id": (0x8000, 38, 8),
    "tcp_flags": (0x8000, 42, 2),
    "vlan_tci": (0x0000, 4, 2),
    **{f"reg{i}": (0x0001, i, 4) for i in range(16)},
    "nw_ttl": (0x0001, 29, 1),
    "pkt_mark": (0x0001, 33, 4),
    "ct_state": (0x0001, 105, 4),
    "ct_zone": (0x0001, 106, 2),
    "ct_mark": (0x0001, 107, 4),
    "ct_label": (0x0001, 108, 16),
    **{f"xreg{i}": (0x8001, i, 8) for i in range(8)},
    **{f"xxreg{i}": (0x0001, 111 + i, 16) for i in range(4)},
}


def oxm_header(name: str, masked: bool = False) -> bytes:
    """The 4-byte OXM header of field `name`."""
    try:
        oxm_class, number, size = OXM_FIELDS[name]
    except KeyError:
        raise ValueError(f"no OXM encoding known for field {name}") from None
    length = size * (2 if masked else 1)
    return struct.pack("!HBB", oxm_class, number << 1 | masked, length)


def field_size(name: str) -> int:
    return OXM_FIELDS[name][2]


def _pad8(body: bytes) -> bytes:
    return body + b"\x00" * (-len(body) % 8)


def _ofpat(kind: int, body: bytes) -> bytes:
    """A standard action: type, length (padded to 8), body."""
    raw = _pad8(struct.pack("!HH", kind, 0) + body)
    return struct.pack("!HH", kind, len(raw)) + raw[4:]


def _nxast(subtype: int, body: bytes) -> bytes:
    """A Nicira extension action: experimenter header then body, padded to 8."""
    raw = _pad8(struct.pack("!HHIH", 0xFFFF, 0, NX_VENDOR, subtype) + body)
    return struct.pack("!HH", 0xFFFF, len(raw)) + raw[4:]


def _set_field(a: of.SetField) -> bytes:
    size = field_size(a.field)
    full = (1 << (8 * size)) - 1
    masked = a.mask is not None and a.mask != full
    body = oxm_header(a.field, masked) + a.value.to_bytes(size, "big")
    if masked:
        assert a.mask is not None
        body += a.mask.to_bytes(size, "big")
    return _ofpat(25, body)


def _copy_field(a: of.Move) -> bytes:
    head = struct.pack("!HHHxx", a.src.nbits, a.src.ofs, a.dst.ofs)
    return _ofpat(28, head + oxm_header(a.src.field) + oxm_header(a.dst.field))


def _stack(subtype: int, sf: Subfield) -> bytes:
    body = struct.pack("!H", sf.ofs) + oxm_header(sf.field) + struct.pack("!H", sf.nbits)
    return _nxast(subtype, body)


def _controller(a: of.Controller) -> bytes:
    props = b""
    if a.userdata:
        props += _pad8(struct.pack("!HH", 3, 4 + len(a.userdata)) + a.userdata)
    if a.pause:
        props += struct.pack("!HH4x", 4, 4)
    if a.meter_id is not None:
        props += struct.pack("!HHI", 5, 8, a.meter_id)
    return _nxast(37, b"\x00" * 6 + props)


def _one(action: OFAction) -> bytes:
    if isinstance(action, of.SetField):
        return _set_field(action)
    if isinstance(action, of.Move):
        return _copy_field(action)
    if isinstance(action, Resubmit):
        return _nxast(14, struct.pack("!HB3x", OFPP_IN_PORT, action.table))
    if isinstance(action, of.DecTtl):
        return _ofpat(24, b"")
    if isinstance(action, of.Push):
        return _stack(27, action.subfield)
    if isinstance(action, of.Pop):
        return _stack(28, action.subfield)
    if isinstance(action, of.Note):
        return _nxast(8, action.data)
    if isinstance(action, of.CtClear):
        return _nxast(43, b"")
    if isinstance(action, of.Group):
        return _ofpat(22, struct.pack("!I", action.group_id))
    if isinstance(action, of.SetQueue):
        return _ofpat(21, struct.pack("!I", action.queue_id))
    if isinstance(action, of.Clone):
        return _nxast(42, b"\x00" * 6 + encode_of15(action.actions))
    if isinstance(action, of.Controller):
        return _controller(action)
    raise ValueError(f"{action.to_ofctl()} cannot be nested in a controller action")


def encode_of15(actions: tuple[OFAction, ...]) -> bytes:
    """OpenFlow 1.5 action-list bytes for `actions`; ValueError if unsupported."""
    return b"".join(_one(a) for a in actions)
