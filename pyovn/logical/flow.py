"""OpenFlow flows as plain data: what the logical compiler returns.

Theory of operation: compiling a logical flow yields `Flow` values (table,
priority, match, actions, cookie). A `Match` is a set of field/value/mask
triples, optionally a `conj_id`; actions are small frozen objects that each
know their ovs-ofctl spelling. Nothing here sends anything: the controller
encodes these to OpenFlow messages, tests print them with `to_ofctl()` and
feed them to `ovs-ofctl add-flows`.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from pyovn.logical.layout import OPENFLOW_FIELD_BITS

MAC_FIELDS = frozenset({"eth_src", "eth_dst", "arp_sha", "arp_tha", "nd_sll", "nd_tll"})
IPV4_FIELDS = frozenset({"ip_src", "ip_dst", "arp_spa", "arp_tpa", "ct_nw_src", "ct_nw_dst"})
IPV6_FIELDS = frozenset({"ipv6_src", "ipv6_dst", "nd_target", "ct_ipv6_src", "ct_ipv6_dst"})
# nw_frag takes names in ovs-ofctl syntax: (value, mask) -> name
NW_FRAG_NAMES = {(0, 3): "no", (1, 1): "yes", (1, 3): "first", (3, 3): "later", (0, 2): "not_later"}


def format_mac(value: int) -> str:
    return ":".join(f"{(value >> shift) & 0xFF:02x}" for shift in range(40, -8, -8))


def format_field_value(name: str, value: int) -> str:
    """One value of OpenFlow field `name`, as ovs-ofctl writes it."""
    if name in MAC_FIELDS:
        return format_mac(value)
    if name in IPV4_FIELDS:
        return str(ipaddress.IPv4Address(value))
    if name in IPV6_FIELDS:
        return str(ipaddress.IPv6Address(value))
    return hex(value)


@dataclass(frozen=True, slots=True, order=True)
class FieldMatch:
    """`field=value` or `field=value/mask` (mask None: all bits of the field)."""

    field: str
    value: int
    mask: int | None = None

    def to_ofctl(self) -> str:
        if self.field == "nw_frag":
            mask = 3 if self.mask is None else self.mask
            return f"nw_frag={NW_FRAG_NAMES[(self.value, mask)]}"
        text = f"{self.field}={format_field_value(self.field, self.value)}"
        full = (1 << OPENFLOW_FIELD_BITS.get(self.field, 128)) - 1
        if self.mask is not None and self.mask != full:
            text += "/" + format_field_value(self.field, self.mask)
        return text


@dataclass(frozen=True, slots=True)
class Match:
    """A conjunction of field matches, each field at most once."""

    fields: tuple[FieldMatch, ...] = ()
    conj_id: int | None = None

    def to_ofctl(self) -> str:
        parts = [m.to_ofctl() for m in self.fields]
        if self.conj_id is not None:
            parts.append(f"conj_id={self.conj_id}")
        return ",".join(parts)


@runtime_checkable
class OFAction(Protocol):
    """An OpenFlow action that knows its ovs-ofctl spelling."""

    def to_ofctl(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Resubmit:
    table: int

    def to_ofctl(self) -> str:
        return f"resubmit(,{self.table})"


@dataclass(frozen=True, slots=True)
class Conjunction:
    """Dimension `clause` (1-based) of `n_clauses` of conjunctive match `conj_id`."""

    conj_id: int
    clause: int
    n_clauses: int

    def to_ofctl(self) -> str:
        return f"conjunction({self.conj_id},{self.clause}/{self.n_clauses})"


@dataclass(frozen=True, slots=True)
class Flow:
    table: int
    priority: int
    match: Match
    actions: tuple[OFAction, ...] = field(default_factory=tuple)
    cookie: int = 0

    def to_ofctl(self) -> str:
        """The flow in `ovs-ofctl add-flows` syntax; no actions means drop."""
        head = f"table={self.table},priority={self.priority}"
        if self.cookie:
            head = f"cookie={self.cookie:#x}," + head
        match = self.match.to_ofctl()
        if match:
            head += "," + match
        actions = ",".join(a.to_ofctl() for a in self.actions) or "drop"
        return f"{head} actions={actions}"
