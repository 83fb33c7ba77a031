"""The userdata of controller actions: what the controller is asked to do.

Theory of operation: actions that need the controller (``arp { }``,
``put_dhcp_opts``, ``log``...) encode to an OpenFlow ``controller`` action
whose userdata is a `ControllerOp`: an opcode plus typed TLVs. The chassis
controller (pinctrl) receives the packet-in (with its flow cookie, all
registers and, when paused, a continuation), decodes the userdata with
`ControllerOp.decode`, acts, and resumes the continuation if there is one.

Wire format (all integers big-endian)::

    userdata := version:u8 (=1)  opcode:u8  reserved:u16 (=0)  TLV*
    TLV      := type:u16  length:u16 (of value)  value

TLV types:

====  =========  ============================================================
type  name       value
====  =========  ============================================================
1     ACTIONS    OpenFlow 1.5 action list (the nested ``{ }`` actions, to
                 run on the generated packet; see `ofwire`)
2     RESULT     where to store the 1-bit result: ofctl subfield text
                 (``reg0[3]``); the controller sets it before resuming
3     OPTION     code:u16 then the option's payload (DHCPv4/DHCPv6 codes, or
                 `options.ND_RA_OPTIONS` codes); order as written
4     PARAM      keylen:u8 key value (UTF-8 strings: log name, verdict, ...)
5     FIELD      rolelen:u8 role subfield (where an argument lives, ofctl
                 text: role ``port`` -> ``reg14[]``, ``ip`` -> ``arp_spa[]``)
====  =========  ============================================================

Opcodes (`Opcode`) and what each carries:

====  ================  ==============================  =========================
code  name              logical action                  TLVs
====  ================  ==============================  =========================
1-11  ARP ... SCTP_     ``arp``, ``nd_ns``, ``nd_na``,   ACTIONS (run on the packet
      ABORT             ``nd_na_router``, ``icmp4``,    the controller builds)
                        ``icmp4_error``, ``icmp6``,
                        ``icmp6_error``, ``tcp_reset``,
                        ``reject``, ``sctp_abort``
12    PUT_ARP           ``put_arp(port, ip, mac)``      FIELD port, ip, mac
13    PUT_ND            ``put_nd(port, ip, mac)``       FIELD port, ip, mac
14    PUT_DHCP_OPTS     ``R = put_dhcp_opts(...)``      RESULT, OPTION* (code 0:
                                                        offerip)
15    PUT_DHCPV6_OPTS   ``R = put_dhcpv6_opts(...)``    RESULT, OPTION*
16    PUT_ND_RA_OPTS    ``R = put_nd_ra_opts(...)``     RESULT, OPTION* (RA codes)
17    DNS_LOOKUP        ``R = dns_lookup()``            RESULT
18    LOG               ``log(...)``                    PARAM verdict, severity,
                                                        [name]; meter_id on the
                                                        controller action
19    PUT_FDB           ``put_fdb(port, mac)``          FIELD port, mac
20    TRIGGER_EVENT     ``trigger_event(...)``          PARAM event, then the
                                                        event's keys as written
21    BIND_VPORT        ``bind_vport("vp", port)``      PARAM vport, vport_key;
                                                        FIELD port
22    HANDLE_SVC_CHECK  ``handle_svc_check(port)``      FIELD port
23    IGMP              ``igmp``                        (none)
====  ================  ==============================  =========================

The numeric codes of 1-11 follow the order of the names in `Opcode`. Every
op is paused (a continuation the controller resumes) except LOG and
TRIGGER_EVENT, which only observe: pausing them would hold every logged
packet on the controller for nothing.

``icmp4.frag_mtu = N`` / ``icmp6.frag_mtu = N`` inside a generating action
encode as an OpenFlow ``note``: ``"ovn" 00``, field id:u16 (0 icmp4, 1
icmp6), value:u32 (`ovn_field_note`).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import IntEnum

__all__ = ["ControllerOp", "Opcode", "Tlv", "UserdataError", "ovn_field_note"]

VERSION = 1


class Opcode(IntEnum):
    ARP = 1
    ND_NS = 2
    ND_NA = 3
    ND_NA_ROUTER = 4
    ICMP4 = 5
    ICMP4_ERROR = 6
    ICMP6 = 7
    ICMP6_ERROR = 8
    TCP_RESET = 9
    REJECT = 10
    SCTP_ABORT = 11
    PUT_ARP = 12
    PUT_ND = 13
    PUT_DHCP_OPTS = 14
    PUT_DHCPV6_OPTS = 15
    PUT_ND_RA_OPTS = 16
    DNS_LOOKUP = 17
    LOG = 18
    PUT_FDB = 19
    TRIGGER_EVENT = 20
    BIND_VPORT = 21
    HANDLE_SVC_CHECK = 22
    IGMP = 23


# Ops after which the pipeline carries on without waiting for the controller.
UNPAUSED = frozenset({Opcode.LOG, Opcode.TRIGGER_EVENT})


class Tlv(IntEnum):
    ACTIONS = 1
    RESULT = 2
    OPTION = 3
    PARAM = 4
    FIELD = 5


class UserdataError(ValueError):
    """Userdata that is not a well-formed `ControllerOp`."""


OVN_FIELD_IDS = {"icmp4.frag_mtu": 0, "icmp6.frag_mtu": 1}


def ovn_field_note(name: str, value: int) -> bytes:
    """The ``note`` payload that carries an OVN field assignment."""
    return b"ovn\x00" + struct.pack("!HI", OVN_FIELD_IDS[name], value)


def _keyed(key: str, value: str) -> bytes:
    raw = key.encode()
    return bytes([len(raw)]) + raw + value.encode()


def _unkeyed(body: bytes) -> tuple[str, str]:
    if not body or len(body) < 1 + body[0]:
        raise UserdataError("truncated key in TLV")
    n = body[0]
    try:
        return body[1 : 1 + n].decode(), body[1 + n :].decode()
    except UnicodeDecodeError:
        raise UserdataError("TLV text is not UTF-8") from None


@dataclass(frozen=True, slots=True)
class ControllerOp:
    opcode: Opcode
    actions: bytes | None = None
    result: str | None = None
    options: tuple[tuple[int, bytes], ...] = ()
    params: tuple[tuple[str, str], ...] = ()
    fields: tuple[tuple[str, str], ...] = ()

    @property
    def pause(self) -> bool:
        return self.opcode not in UNPAUSED

    def encode(self) -> bytes:
        out = struct.pack("!BBH", VERSION, self.opcode, 0)
        tlvs: list[tuple[int, bytes]] = []
        if self.actions is not None:
            tlvs.append((Tlv.ACTIONS, self.actions))
        if self.result is not None:
            tlvs.append((Tlv.RESULT, self.result.encode()))
        tlvs += [(Tlv.OPTION, struct.pack("!H", code) + value) for code, value in self.options]
        tlvs += [(Tlv.PARAM, _keyed(k, v)) for k, v in self.params]
        tlvs += [(Tlv.FIELD, _keyed(k, v)) for k, v in self.fields]
        for kind, value in tlvs:
            if len(value) > 0xFFFF:
                raise ValueError("controller op TLV longer than 65535 bytes")
            out += struct.pack("!HH", kind, len(value)) + value
        return out

    @classmethod
    def decode(cls, data: bytes) -> ControllerOp:
        if len(data) < 4:
            raise UserdataError("userdata shorter than its header")
        version, opcode, _ = struct.unpack_from("!BBH", data)
        if version != VERSION:
            raise UserdataError(f"unknown userdata version {version}")
        try:
            op = Opcode(opcode)
        except ValueError:
            raise UserdataError(f"unknown opcode {opcode}") from None
        parts: dict[str, list] = {"options": [], "params": [], "fields": []}
        actions: bytes | None = None
        result: str | None = None
        pos = 4
        while pos < len(data):
            if pos + 4 > len(data):
                raise UserdataError("truncated TLV header")
            kind, length = struct.unpack_from("!HH", data, pos)
            value = data[pos + 4 : pos + 4 + length]
            if len(value) != length:
                raise UserdataError("truncated TLV value")
            pos += 4 + length
            if kind == Tlv.ACTIONS:
                actions = value
            elif kind == Tlv.RESULT:
                result = value.decode(errors="replace")
            elif kind == Tlv.OPTION:
                if length < 2:
                    raise UserdataError("truncated option")
                parts["options"].append((struct.unpack_from("!H", value)[0], value[2:]))
            elif kind == Tlv.PARAM:
                parts["params"].append(_unkeyed(value))
            elif kind == Tlv.FIELD:
                parts["fields"].append(_unkeyed(value))
            else:
                raise UserdataError(f"unknown TLV type {kind}")
        return cls(op, actions, result, tuple(parts["options"]), tuple(parts["params"]),
                   tuple(parts["fields"]))
