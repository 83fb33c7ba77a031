"""The symbol table of match expressions, declared once as data.

Theory of operation: every name a match may use is one of four kinds, each
declared in a table below and turned into `Symbol` values by `build_symtab`:

- a base field: an OpenFlow field (or register) of its own, `ordinal` when
  OpenFlow can mask it bit by bit, `nominal` otherwise (then only `==` works);
- a subfield: a bit range of another symbol (``vlan.pcp = vlan.tci[13..15]``,
  ``reg0 = xxreg0[96..127]``); overlapping names thus meet on one base field;
- a predicate: a name for an expression (``tcp = ip.proto == 6``), expanded
  during annotation;
- a string field: a logical port name, compiled through a lookup to the
  port's tunnel key in a register.

Prerequisites are expressions that annotation ANDs to any comparison of the
symbol (``tcp.dst`` requires ``tcp``), as in OVN's logical-fields.c.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from pyovn.logical import layout
from pyovn.logical.lexer import TokenType, tokenize


class Level(IntEnum):
    """Measurement level of a symbol: what comparisons make sense."""

    NOMINAL = 0
    BOOLEAN = 1
    ORDINAL = 2

    def describe(self) -> str:
        return {0: "nominal", 1: "Boolean", 2: "ordinal"}[self.value]


@dataclass(frozen=True, slots=True)
class Symbol:
    name: str
    width: int  # 0 for string fields
    level: Level
    prereqs: str | None = None
    of_field: str | None = None  # base and string fields: the OpenFlow field
    parent: str | None = None  # subfields
    parent_ofs: int = 0
    predicate: str | None = None
    must_crossproduct: bool = False  # never a conjunctive-match dimension

    @property
    def is_string(self) -> bool:
        return self.width == 0


# name, OpenFlow field, width, maskable, prerequisites
BASE_FIELDS: tuple[tuple[str, str, int, bool, str | None], ...] = (
    ("xxreg0", "xxreg0", 128, True, None),
    ("xxreg1", "xxreg1", 128, True, None),
    ("xreg4", "xreg4", 64, True, None),
    ("flags", layout.LOG_FLAGS.field, 32, True, None),
    ("pkt.mark", "pkt_mark", 32, True, None),
    ("ct_state", "ct_state", 32, True, None),
    ("ct_mark", "ct_mark", 32, True, None),
    ("ct_label", "ct_label", 128, True, None),
    ("eth.src", "eth_src", 48, True, None),
    ("eth.dst", "eth_dst", 48, True, None),
    ("eth.type", "eth_type", 16, False, None),
    ("vlan.tci", "vlan_tci", 16, True, None),
    ("ip.proto", "nw_proto", 8, False, "ip"),
    ("ip.dscp", "ip_dscp", 6, False, "ip"),
    ("ip.ecn", "nw_ecn", 2, False, "ip"),
    ("ip.ttl", "nw_ttl", 8, False, "ip"),
    ("ip.frag", "nw_frag", 2, True, "ip"),
    ("ip4.src", "ip_src", 32, True, "ip4"),
    ("ip4.dst", "ip_dst", 32, True, "ip4"),
    ("ip6.src", "ipv6_src", 128, True, "ip6"),
    ("ip6.dst", "ipv6_dst", 128, True, "ip6"),
    ("ip6.label", "ipv6_label", 20, True, "ip6"),
    ("icmp4.type", "icmp_type", 8, False, "icmp4"),
    ("icmp4.code", "icmp_code", 8, False, "icmp4"),
    ("icmp6.type", "icmpv6_type", 8, False, "icmp6"),
    ("icmp6.code", "icmpv6_code", 8, False, "icmp6"),
    ("arp.op", "arp_op", 16, False, "arp"),
    ("arp.spa", "arp_spa", 32, True, "arp"),
    ("arp.tpa", "arp_tpa", 32, True, "arp"),
    ("arp.sha", "arp_sha", 48, True, "arp"),
    ("arp.tha", "arp_tha", 48, True, "arp"),
    # RARP has ARP's layout, so the same OpenFlow fields (as in OVN)
    ("rarp.op", "arp_op", 16, False, "rarp"),
    ("rarp.spa", "arp_spa", 32, True, "rarp"),
    ("rarp.tpa", "arp_tpa", 32, True, "rarp"),
    ("rarp.sha", "arp_sha", 48, True, "rarp"),
    ("rarp.tha", "arp_tha", 48, True, "rarp"),
    ("nd.target", "nd_target", 128, True, "nd"),
    ("nd.sll", "nd_sll", 48, True, "nd_ns"),
    ("nd.tll", "nd_tll", 48, True, "nd_na"),
    ("tcp.src", "tcp_src", 16, True, "tcp"),
    ("tcp.dst", "tcp_dst", 16, True, "tcp"),
    ("tcp.flags", "tcp_flags", 12, True, "tcp"),
    ("udp.src", "udp_src", 16, True, "udp"),
    ("udp.dst", "udp_dst", 16, True, "udp"),
    ("sctp.src", "sctp_src", 16, True, "sctp"),
    ("sctp.dst", "sctp_dst", 16, True, "sctp"),
)

# OpenFlow fields that other fields need as prerequisites in every flow: a
# disjunction over them is expanded into separate flows, never a conjunction.
# ip.frag too: whether a clause is about later fragments must be known per flow.
CROSSPRODUCT_FIELDS = frozenset({"eth.type", "ip.proto", "icmp4.type", "icmp6.type", "ip.frag"})

# name, "parent[lo..hi]", prerequisites
SUBFIELDS: tuple[tuple[str, str, str | None], ...] = (
    ("reg0", "xxreg0[96..127]", None),
    ("reg1", "xxreg0[64..95]", None),
    ("reg2", "xxreg0[32..63]", None),
    ("reg3", "xxreg0[0..31]", None),
    ("reg4", "xxreg1[96..127]", None),
    ("reg5", "xxreg1[64..95]", None),
    ("reg6", "xxreg1[32..63]", None),
    ("reg7", "xxreg1[0..31]", None),
    ("reg8", "xreg4[32..63]", None),
    ("reg9", "xreg4[0..31]", None),
    ("xreg0", "xxreg0[64..127]", None),
    ("xreg1", "xxreg0[0..63]", None),
    ("xreg2", "xxreg1[64..127]", None),
    ("xreg3", "xxreg1[0..63]", None),
    ("eth.mcast", "eth.dst[40]", None),
    ("vlan.vid", "vlan.tci[0..11]", "vlan.present"),
    ("vlan.pcp", "vlan.tci[13..15]", "vlan.present"),
    ("ct.trk", f"ct_state[{layout.CT_STATE_BITS['trk']}]", None),
    *(
        (f"ct.{name}", f"ct_state[{bit}]", "ct.trk")
        for name, bit in layout.CT_STATE_BITS.items()
        if name != "trk"
    ),
    *((f"flags.{name}", f"flags[{bit}]", None) for name, bit in layout.FLAG_BITS.items()),
    *(
        (f"ct_label.{name}", f"ct_label[{ofs}..{ofs + n - 1}]", None)
        for name, (ofs, n) in layout.CT_LABEL_BITS.items()
    ),
    *(
        (f"ct_mark.{name}", f"ct_mark[{ofs}..{ofs + n - 1}]", None)
        for name, (ofs, n) in layout.CT_MARK_BITS.items()
    ),
)

_ND_COMMON = "icmp6.code == 0 && ip.ttl == 255"
PREDICATES: tuple[tuple[str, str], ...] = (
    ("eth.bcast", "eth.dst == ff:ff:ff:ff:ff:ff"),
    ("eth.mcastv6", "eth.dst[32..47] == 0x3333"),
    ("vlan.present", "vlan.tci[12]"),
    ("ip4", "eth.type == 0x800"),
    ("ip6", "eth.type == 0x86dd"),
    ("ip", "ip4 || ip6"),
    ("ip4.src_mcast", "ip4.src[28..31] == 0xe"),
    ("ip4.mcast", "eth.mcast && ip4.dst[28..31] == 0xe"),
    ("ip6.mcast_rsvd", "ip6.dst[116..127] == 0xff0 && ip6.dst[0..111] == 0x0"),
    ("ip6.mcast_all_nodes", "ip6.dst == ff01::1 || ip6.dst == ff02::1"),
    ("ip6.mcast_all_rtrs", "ip6.dst == ff01::2 || ip6.dst == ff02::2 || ip6.dst == ff05::2"),
    ("ip6.mcast_sol_node", "ip6.dst == ff02::1:ff00:0000/104"),
    (
        "ip6.mcast_flood",
        "eth.mcastv6 && (ip6.mcast_rsvd || ip6.mcast_all_nodes || ip6.mcast_all_rtrs || "
        "ip6.mcast_sol_node)",
    ),
    ("ip6.mcast", "eth.mcastv6 && ip6.dst[120..127] == 0xff"),
    ("ip.is_frag", "ip.frag[0]"),
    ("ip.later_frag", "ip.frag[1]"),
    ("ip.first_frag", "ip.is_frag && !ip.later_frag"),
    ("arp", "eth.type == 0x806"),
    ("rarp", "eth.type == 0x8035"),
    ("icmp4", "ip4 && ip.proto == 1"),
    ("icmp6", "ip6 && ip.proto == 58"),
    ("icmp", "icmp4 || icmp6"),
    ("igmp", "ip4 && ip.proto == 2"),
    ("tcp", "ip.proto == 6"),
    ("udp", "ip.proto == 17"),
    ("sctp", "ip.proto == 132"),
    ("nd", f"icmp6.type == {{135, 136}} && {_ND_COMMON}"),
    ("nd_ns", f"icmp6.type == 135 && {_ND_COMMON}"),
    ("nd_na", f"icmp6.type == 136 && {_ND_COMMON}"),
    ("nd_rs", f"icmp6.type == 133 && {_ND_COMMON}"),
    ("nd_ra", f"icmp6.type == 134 && {_ND_COMMON}"),
    ("mldv1", "ip6.src == fe80::/10 && icmp6.type == {130, 131, 132}"),
    ("mldv2", "ip6.dst == ff02::16 && icmp6.type == 143"),
)

# name, OpenFlow register holding the port's tunnel key
STRING_FIELDS: tuple[tuple[str, str], ...] = (
    ("inport", layout.LOG_INPORT.field),
    ("outport", layout.LOG_OUTPORT.field),
)


def _parse_subfield(spec: str) -> tuple[str, int, int]:
    name, _, rest = spec.partition("[")
    lo, _, hi = rest.rstrip("]").partition("..")
    return name, int(lo), int(hi or lo)


def _predicate_level(expansion: str, symtab: Mapping[str, Symbol]) -> Level:
    """Nominal if the expansion names a nominal symbol, else Boolean (as OVN)."""
    for token in tokenize(expansion):
        if token.type is TokenType.ID and token.text in symtab:
            if symtab[token.text].level is Level.NOMINAL:
                return Level.NOMINAL
    return Level.BOOLEAN


def build_symtab() -> dict[str, Symbol]:
    """The symbol table: name -> Symbol."""
    table: dict[str, Symbol] = {}
    for name, of_field, width, maskable, prereqs in BASE_FIELDS:
        level = Level.ORDINAL if maskable else Level.NOMINAL
        table[name] = Symbol(
            name, width, level, prereqs, of_field, must_crossproduct=name in CROSSPRODUCT_FIELDS
        )
    for name, of_field in STRING_FIELDS:
        table[name] = Symbol(name, 0, Level.NOMINAL, None, of_field)
    for name, spec, prereqs in SUBFIELDS:
        parent, lo, hi = _parse_subfield(spec)
        table[name] = Symbol(
            name, hi - lo + 1, table[parent].level, prereqs, parent=parent, parent_ofs=lo
        )
    for name, expansion in PREDICATES:
        table[name] = Symbol(name, 1, _predicate_level(expansion, table), predicate=expansion)
    return table


SYMTAB: Mapping[str, Symbol] = build_symtab()


def base_of(symtab: Mapping[str, Symbol], name: str) -> tuple[Symbol, int]:
    """The base field under subfield `name`, and the subfield's bit offset in it."""
    symbol = symtab[name]
    ofs = 0
    while symbol.parent is not None:
        ofs += symbol.parent_ofs
        symbol = symtab[symbol.parent]
    return symbol, ofs
