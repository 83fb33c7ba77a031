"""The logical actions as an immutable syntax tree.

Theory of operation: `parse_actions` turns text into an `ActionList` of the
node types below; `format_actions` prints them back in OVN's canonical form
and `encode_actions` turns them into OpenFlow. Nodes hold what the text said,
not where it said it (no columns), so that ``parse(format(x)) == x`` holds
as plain equality. Each node is a frozen dataclass; lists are tuples.

Values keep the spelling class they were written in (`Constant.format`), since
OVN's formatter prints ``0x10`` back as hex and ``16`` as decimal.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pyovn.logical.lexer import IntFormat


@dataclass(frozen=True, slots=True)
class Constant:
    """An integer constant (maybe masked) in its lexer format, or a string."""

    value: int = 0
    mask: int | None = None  # None: exact value
    format: IntFormat | None = None  # None for strings
    string: str | None = None

    @property
    def is_string(self) -> bool:
        return self.string is not None


@dataclass(frozen=True, slots=True)
class FieldRef:
    """A symbol, optionally with a bit range: ``reg0``, ``reg0[3]``, ``reg0[0..7]``."""

    name: str
    lo: int | None = None
    hi: int | None = None  # inclusive; lo == hi prints as ``name[lo]``


# --- plain actions ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Next:
    """``next;``, ``next(N);``, ``next(pipeline=P, table=N);``."""

    pipeline: str | None = None  # "ingress" | "egress" | None (this pipeline)
    table: int | None = None  # None: the following table


@dataclass(frozen=True, slots=True)
class Output:
    pass


@dataclass(frozen=True, slots=True)
class Drop:
    pass


@dataclass(frozen=True, slots=True)
class Assign:
    """``dst = constant`` or ``dst = field``."""

    dst: FieldRef
    src: Constant | FieldRef


@dataclass(frozen=True, slots=True)
class Exchange:
    """``a <-> b``."""

    a: FieldRef
    b: FieldRef


@dataclass(frozen=True, slots=True)
class DecTtl:
    """``ip.ttl--;``."""


@dataclass(frozen=True, slots=True)
class StackOp:
    """``push(field);`` / ``pop(field);`` on OVS's register stack."""

    op: str  # "push" | "pop"
    field: FieldRef


@dataclass(frozen=True, slots=True)
class OvnFieldAssign:
    """Assignment to a field the controller interprets: ``icmp4.frag_mtu = 1442``."""

    name: str
    value: int


# --- nesting ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nested:
    """``KIND { actions };`` for clone and the packet-generating actions."""

    kind: str  # "clone", "arp", "nd_ns", "icmp4", "tcp_reset", ...
    actions: ActionList


# --- connection tracking ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class CtNext:
    nat: str | None = None  # None | "dnat" | "snat", as written


@dataclass(frozen=True, slots=True)
class CtCommit:
    """``ct_commit;`` or ``ct_commit { ct_mark... = ..; ct_label... = ..; };``."""

    actions: ActionList | None = None


@dataclass(frozen=True, slots=True)
class CtZoneOp:
    """``ct_commit_nat(dnat|snat)`` / ``ct_commit_to_zone(dnat|snat)``."""

    name: str  # "ct_commit_nat" | "ct_commit_to_zone"
    zone: str | None  # "dnat" | "snat" | None (ct_commit_nat alone)


@dataclass(frozen=True, slots=True)
class CtNat:
    """``ct_dnat``/``ct_snat`` (and ``_in_czone``) with optional address and ports."""

    name: str  # "ct_dnat", "ct_snat", "ct_dnat_in_czone", "ct_snat_in_czone"
    ip: str | None = None  # compressed text of an IPv4 or IPv6 address
    port_lo: int | None = None
    port_hi: int | None = None

    @property
    def is_dnat(self) -> bool:
        return self.name.startswith("ct_dnat")

    @property
    def in_czone(self) -> bool:
        return self.name.endswith("_in_czone")


@dataclass(frozen=True, slots=True)
class Backend:
    ip: str
    port: int | None = None


@dataclass(frozen=True, slots=True)
class CtLb:
    """``ct_lb``/``ct_lb_mark`` with backends, ``hash_fields`` and SNAT flags."""

    name: str  # "ct_lb" | "ct_lb_mark"
    backends: tuple[Backend, ...] = ()
    hash_fields: str | None = None
    skip_snat: bool = False
    force_snat: bool = False


@dataclass(frozen=True, slots=True)
class Simple:
    """An action that is a keyword alone: ``ct_clear``, ``ct_snat_to_vip``, ``igmp``."""

    name: str


# --- controller and table lookups ------------------------------------------


@dataclass(frozen=True, slots=True)
class Call:
    """``NAME(args...);`` or ``R = NAME(args...);`` with field arguments.

    Covers put_arp, get_arp, put_nd, get_nd, lookup_arp, lookup_nd,
    lookup_arp_ip, lookup_nd_ip, put_fdb, get_fdb, lookup_fdb,
    handle_svc_check, chk_lb_hairpin(_reply), dns_lookup.
    """

    name: str
    args: tuple[FieldRef, ...]
    result: FieldRef | None = None


@dataclass(frozen=True, slots=True)
class OptionValue:
    """A DHCP/RA option value: one constant or a ``{set}`` of them."""

    values: tuple[Constant, ...]
    is_set: bool = False


@dataclass(frozen=True, slots=True)
class PutOpts:
    """``R = put_dhcp_opts(...)``, ``put_dhcpv6_opts``, ``put_nd_ra_opts``."""

    name: str
    result: FieldRef
    options: tuple[tuple[str, OptionValue], ...]


@dataclass(frozen=True, slots=True)
class Log:
    verdict: str
    severity: str = "info"
    name: str | None = None
    meter: str | None = None


@dataclass(frozen=True, slots=True)
class SetQueue:
    queue_id: int


@dataclass(frozen=True, slots=True)
class CheckPktLarger:
    result: FieldRef
    pkt_len: int


@dataclass(frozen=True, slots=True)
class TriggerEvent:
    """``trigger_event(event = "...", key = "value", ...)``, keys as written."""

    event: str
    params: tuple[tuple[str, str], ...] = ()

    @property
    def meter(self) -> str | None:
        return dict(self.params).get("meter")


@dataclass(frozen=True, slots=True)
class BindVport:
    vport: str
    port: FieldRef


@dataclass(frozen=True, slots=True)
class Select:
    """``R = select(v=w, ...)``: R gets one value, chosen by weight (ECMP)."""

    result: FieldRef
    members: tuple[tuple[int, int], ...]  # (value, weight)
    hash_fields: str | None = None


@dataclass(frozen=True, slots=True)
class CommitEcmpNh:
    ipv6: bool
    proto: str  # "tcp" | "udp" | "sctp"


Action = (
    Next | Output | Drop | Assign | Exchange | DecTtl | StackOp | OvnFieldAssign | Nested
    | CtNext | CtCommit | CtZoneOp | CtNat | CtLb | Simple | Call | PutOpts | Log
    | SetQueue | CheckPktLarger | TriggerEvent | BindVport | CommitEcmpNh | Select
)


@dataclass(frozen=True, slots=True)
class ActionList:
    """A sequence of actions, as between ``{ }`` or in a Logical_Flow."""

    actions: tuple[Action, ...] = ()

    def __iter__(self) -> Iterator[Action]:
        return iter(self.actions)

    def __len__(self) -> int:
        return len(self.actions)
