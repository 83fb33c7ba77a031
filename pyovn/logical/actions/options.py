"""DHCPv4, DHCPv6 and IPv6 RA options: names, codes, value types, wire bytes.

Theory of operation: `put_dhcp_opts`, `put_dhcpv6_opts` and `put_nd_ra_opts`
name their options; each table below gives an option's code and value type.
The parser checks values against the type (`check_value`) and the encoder
turns them into the option's payload bytes (`encode_value`), which travel to
the controller in the userdata TLVs (see `controller_ops`). The controller
then only frames them (code, length) into the reply it builds.

Codes are the protocols' own (RFC 2132, RFC 8415); ``offerip`` (code 0) is
the address to offer, not an option. RA options use pyovn's own small codes.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from enum import Enum

from pyovn.logical.actions import ast
from pyovn.logical.lexer import IntFormat


class OptType(Enum):
    IPV4 = "ipv4"  # one address or a set of them
    IPV6 = "ipv6"
    MAC = "mac"
    STR = "str"
    BOOL = "bool"
    UINT8 = "uint8"
    UINT16 = "uint16"
    UINT32 = "uint32"
    STATIC_ROUTES = "static_routes"  # {cidr, gateway, cidr, gateway, ...}
    DOMAINS = "domains"  # "a.org,b.org" as DNS names
    HOST = "host"  # an IPv4 address or a name
    PREFIX6 = "prefix6"  # IPv6 prefix with length


@dataclass(frozen=True, slots=True)
class OptSpec:
    code: int
    type: OptType


DHCPV4_OPTIONS: dict[str, OptSpec] = {
    "offerip": OptSpec(0, OptType.IPV4),
    "netmask": OptSpec(1, OptType.IPV4),
    "router": OptSpec(3, OptType.IPV4),
    "dns_server": OptSpec(6, OptType.IPV4),
    "log_server": OptSpec(7, OptType.IPV4),
    "lpr_server": OptSpec(9, OptType.IPV4),
    "hostname": OptSpec(12, OptType.STR),
    "domain_name": OptSpec(15, OptType.STR),
    "swap_server": OptSpec(16, OptType.IPV4),
    "ip_forward_enable": OptSpec(19, OptType.BOOL),
    "policy_filter": OptSpec(21, OptType.IPV4),
    "default_ttl": OptSpec(23, OptType.UINT8),
    "mtu": OptSpec(26, OptType.UINT16),
    "broadcast_address": OptSpec(28, OptType.IPV4),
    "router_discovery": OptSpec(31, OptType.BOOL),
    "router_solicitation": OptSpec(32, OptType.IPV4),
    "arp_cache_timeout": OptSpec(35, OptType.UINT32),
    "ethernet_encap": OptSpec(36, OptType.BOOL),
    "tcp_ttl": OptSpec(37, OptType.UINT8),
    "tcp_keepalive_interval": OptSpec(38, OptType.UINT32),
    "nis_server": OptSpec(41, OptType.IPV4),
    "ntp_server": OptSpec(42, OptType.IPV4),
    "netbios_name_server": OptSpec(44, OptType.IPV4),
    "netbios_node_type": OptSpec(46, OptType.UINT8),
    "lease_time": OptSpec(51, OptType.UINT32),
    "server_id": OptSpec(54, OptType.IPV4),
    "T1": OptSpec(58, OptType.UINT32),
    "T2": OptSpec(59, OptType.UINT32),
    "tftp_server": OptSpec(66, OptType.HOST),
    "bootfile_name": OptSpec(67, OptType.STR),
    "domain_search_list": OptSpec(119, OptType.DOMAINS),
    "classless_static_route": OptSpec(121, OptType.STATIC_ROUTES),
    "tftp_server_address": OptSpec(150, OptType.IPV4),
    "path_prefix": OptSpec(210, OptType.STR),
    "ms_classless_static_route": OptSpec(249, OptType.STATIC_ROUTES),
    "wpad": OptSpec(252, OptType.STR),
    "next_server": OptSpec(253, OptType.IPV4),  # BOOTP siaddr, not a real option
    "bootfile_name_alt": OptSpec(254, OptType.STR),
}

DHCPV6_OPTIONS: dict[str, OptSpec] = {
    "server_id": OptSpec(2, OptType.MAC),
    "ia_addr": OptSpec(5, OptType.IPV6),
    "dns_server": OptSpec(23, OptType.IPV6),
    "domain_search": OptSpec(24, OptType.STR),
    "fqdn": OptSpec(39, OptType.DOMAINS),
    "bootfile_name": OptSpec(59, OptType.STR),
    "bootfile_name_alt": OptSpec(254, OptType.STR),
}

ND_RA_OPTIONS: dict[str, OptSpec] = {
    "addr_mode": OptSpec(1, OptType.STR),
    "slla": OptSpec(2, OptType.MAC),
    "prefix": OptSpec(3, OptType.PREFIX6),
    "mtu": OptSpec(4, OptType.UINT32),
    "router_preference": OptSpec(5, OptType.STR),
    "rdnss": OptSpec(6, OptType.IPV6),
    "dnssl": OptSpec(7, OptType.DOMAINS),
}

RA_ADDR_MODES = frozenset({"slaac", "dhcpv6_stateful", "dhcpv6_stateless"})
RA_PREFERENCES = frozenset({"HIGH", "MEDIUM", "LOW"})

_NUMERIC_FORMATS = {
    OptType.IPV4: (IntFormat.IPV4,),
    OptType.IPV6: (IntFormat.IPV6,),
    OptType.PREFIX6: (IntFormat.IPV6,),
    OptType.MAC: (IntFormat.ETHERNET,),
    OptType.BOOL: (IntFormat.DECIMAL,),
    OptType.UINT8: (IntFormat.DECIMAL, IntFormat.HEXADECIMAL),
    OptType.UINT16: (IntFormat.DECIMAL, IntFormat.HEXADECIMAL),
    OptType.UINT32: (IntFormat.DECIMAL, IntFormat.HEXADECIMAL),
    OptType.STATIC_ROUTES: (IntFormat.IPV4,),
}
_INT_BITS = {OptType.BOOL: 1, OptType.UINT8: 8, OptType.UINT16: 16, OptType.UINT32: 32}


def check_value(spec: OptType, value: ast.OptionValue) -> str | None:
    """Why `value` does not suit an option of type `spec` (None if it does)."""
    strings = [c.is_string for c in value.values]
    if spec in (OptType.STR, OptType.DOMAINS):
        return None if all(strings) and not value.is_set else "requires string value"
    if spec is OptType.HOST:
        if value.is_set:
            return "requires a single value"
        c = value.values[0]
        ok = c.is_string or (c.format is IntFormat.IPV4 and c.mask is None)
        return None if ok else "requires string value"
    if any(strings):
        return "requires numeric value"
    formats = _NUMERIC_FORMATS[spec]
    for c in value.values:
        if c.format not in formats:
            return "requires numeric value"
        masked_ok = spec in (OptType.STATIC_ROUTES, OptType.PREFIX6)
        if c.mask is not None and not masked_ok:
            return "requires numeric value"
        if spec in _INT_BITS and c.value >> _INT_BITS[spec]:
            return f"value {c.value} is out of range"
    if spec is OptType.STATIC_ROUTES and len(value.values) % 2:
        return "requires pairs of destination and gateway"
    if spec is OptType.PREFIX6 and value.values[0].mask is None:
        return "requires a prefix length"
    if value.is_set and spec not in (OptType.IPV4, OptType.IPV6, OptType.STATIC_ROUTES):
        return "requires a single value"
    return None


def _dns_name(text: str) -> bytes:
    out = b""
    for label in filter(None, text.strip().split(".")):
        raw = label.encode()
        out += bytes([len(raw) & 0x3F]) + raw[:63]
    return out + b"\x00"


def _plen(mask: int) -> int:
    """Prefix length of a CIDR mask."""
    return bin(mask).count("1")


def encode_value(spec: OptType, value: ast.OptionValue) -> bytes:
    """The option payload bytes of a value that passed `check_value`."""
    vals = value.values
    if spec in (OptType.STR, OptType.HOST) and vals[0].is_string:
        return (vals[0].string or "").encode()
    if spec is OptType.DOMAINS:
        return b"".join(_dns_name(d) for d in (vals[0].string or "").split(","))
    if spec in (OptType.IPV4, OptType.HOST):
        return b"".join(struct.pack("!I", c.value) for c in vals)
    if spec is OptType.IPV6:
        return b"".join(c.value.to_bytes(16, "big") for c in vals)
    if spec is OptType.MAC:
        return vals[0].value.to_bytes(6, "big")
    if spec in _INT_BITS:
        return vals[0].value.to_bytes(max(1, _INT_BITS[spec] // 8), "big")
    if spec is OptType.PREFIX6:
        plen = _plen(vals[0].mask or 0)
        return bytes([plen]) + vals[0].value.to_bytes(16, "big")
    # STATIC_ROUTES (RFC 3442): prefix length, significant octets, gateway.
    out = b""
    for dest, gateway in zip(vals[::2], vals[1::2], strict=True):
        plen = _plen(0xFFFFFFFF if dest.mask is None else dest.mask)
        octets = dest.value.to_bytes(4, "big")[: (plen + 7) // 8]
        out += bytes([plen]) + octets + struct.pack("!I", gateway.value)
    return out
