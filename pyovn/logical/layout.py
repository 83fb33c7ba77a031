"""The OpenFlow layout of pyovn's logical pipelines, declared once as data.

Theory of operation: a logical flow runs in an OpenFlow table chosen by its
pipeline (ingress or egress) and stage number; the logical datapath it belongs
to is matched in ``metadata``; logical fields that have no OpenFlow field of
their own (logical ports, logical registers, flags, conntrack zones) live in
OpenFlow registers. Everything that turns logical flows into OpenFlow (the
expression compiler, the action encoder, the controller's physical flows, the
tracer) reads this module and nothing else for those numbers.

The layout follows ovn-architecture(7) in spirit (same registers for ports,
flags and zones) but the table numbers are ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Pipeline(Enum):
    INGRESS = "ingress"
    EGRESS = "egress"


@dataclass(frozen=True, slots=True)
class Subfield:
    """A bit range of an OpenFlow field: ``field[ofs..ofs+nbits-1]``."""

    field: str  # ovs-fields(7) name, e.g. "reg14", "metadata"
    ofs: int
    nbits: int

    def to_ofctl(self) -> str:
        """Subfield syntax as ovs-ofctl writes it (`reg13[0..15]`, `reg14[]`)."""
        width = OPENFLOW_FIELD_BITS.get(self.field)
        if self.ofs == 0 and width == self.nbits:
            return f"{self.field}[]"
        if self.nbits == 1:
            return f"{self.field}[{self.ofs}]"
        return f"{self.field}[{self.ofs}..{self.ofs + self.nbits - 1}]"


# --- OpenFlow tables -------------------------------------------------------

TABLE_PHY_TO_LOG = 0  # physical port / tunnel -> logical datapath + inport
TABLE_LOG_INGRESS = 8  # ingress stage k runs in table 8 + k
MAX_STAGES = 32  # per pipeline
TABLE_OUTPUT_LARGE_PKT_DETECT = 40
TABLE_OUTPUT_LARGE_PKT_PROCESS = 41
TABLE_REMOTE_OUTPUT = 42  # outport on another chassis: tunnel
TABLE_LOCAL_OUTPUT = 43  # outport here (or multicast expansion)
TABLE_CHECK_LOOPBACK = 44  # drop packets that would go back to inport
TABLE_LOG_EGRESS = 48  # egress stage k runs in table 48 + k
TABLE_SAVE_INPORT = 80
TABLE_LOG_TO_PHY = 81  # logical outport -> physical port
TABLE_MAC_BINDING = 82  # get_arp / get_nd
TABLE_MAC_LOOKUP = 83  # lookup_arp / lookup_nd
TABLE_GET_FDB = 84
TABLE_LOOKUP_FDB = 85
TABLE_CHK_LB_HAIRPIN = 86
TABLE_CHK_LB_HAIRPIN_REPLY = 87
TABLE_CT_SNAT_HAIRPIN = 88
TABLE_CHK_IN_PORT_SEC = 89
TABLE_CHK_IN_PORT_SEC_ND = 90
TABLE_CHK_OUT_PORT_SEC = 91
TABLE_ECMP_NH_MAC = 92  # commit_ecmp_nh: learned (flow -> reply MAC) entries
TABLE_ECMP_NH = 93  # commit_ecmp_nh: learned reverse-flow entries


def table_for(pipeline: Pipeline, stage: int) -> int:
    """The OpenFlow table that runs logical stage `stage` of `pipeline`."""
    if not 0 <= stage < MAX_STAGES:
        raise ValueError(f"logical table {stage} out of range 0..{MAX_STAGES - 1}")
    base = TABLE_LOG_INGRESS if pipeline is Pipeline.INGRESS else TABLE_LOG_EGRESS
    return base + stage


def stage_for(table: int) -> tuple[Pipeline, int] | None:
    """Inverse of `table_for`; None for physical tables."""
    if TABLE_LOG_INGRESS <= table < TABLE_LOG_INGRESS + MAX_STAGES:
        return Pipeline.INGRESS, table - TABLE_LOG_INGRESS
    if TABLE_LOG_EGRESS <= table < TABLE_LOG_EGRESS + MAX_STAGES:
        return Pipeline.EGRESS, table - TABLE_LOG_EGRESS
    return None


# --- Logical fields held in OpenFlow fields --------------------------------

LOG_DATAPATH = Subfield("metadata", 0, 24)  # datapath tunnel key
LOG_INPORT = Subfield("reg14", 0, 32)  # logical input port tunnel key
LOG_OUTPORT = Subfield("reg15", 0, 32)  # logical output port tunnel key
LOG_FLAGS = Subfield("reg10", 0, 32)
LOG_CT_ZONE = Subfield("reg13", 0, 16)  # switch port's conntrack zone
LOG_DNAT_ZONE = Subfield("reg11", 0, 16)  # router's DNAT zone
LOG_SNAT_ZONE = Subfield("reg12", 0, 16)  # router's SNAT zone

# Logical registers reg0..reg9 are OpenFlow reg0..reg9; xregN and xxregN are
# the OpenFlow fields of the same name (xregN = reg(2N+1):reg(2N), 64 bits;
# xxregN = four registers, 128 bits).
LOGICAL_REGISTERS = tuple(f"reg{i}" for i in range(10))
LOGICAL_XREGISTERS = tuple(f"xreg{i}" for i in range(5))
LOGICAL_XXREGISTERS = ("xxreg0", "xxreg1")

# Bits of LOG_FLAGS: logical name -> bit number.
FLAG_BITS: dict[str, int] = {
    "loopback": 0,  # allow the packet back out of its inport
    "from_ramp": 1,
    "force_snat_for_dnat": 2,
    "force_snat_for_lb": 3,
    "local_only": 4,
    "nested_container": 5,
    "lookup_mac": 6,  # result of lookup_arp / lookup_nd
    "lookup_lb_hairpin": 7,
    "lookup_fdb": 8,
    "skip_snat_for_lb": 9,
    "localport": 10,
    "use_snat_zone": 11,
    "check_port_sec": 12,
    "lookup_commit_ecmp_nh": 13,
    "from_ctrl": 14,
    "pkt_larger": 15,  # result of check_pkt_larger
}

# ct_label bits with a meaning of their own (ct_label.NAME).
CT_LABEL_BITS: dict[str, tuple[int, int]] = {
    "blocked": (0, 1),  # connection no longer allowed by the ACLs
    "natted": (1, 1),
    "ecmp_reply_eth": (32, 48),
    "ecmp_reply_port": (80, 16),
    "label": (96, 32),  # ACL label
}

# ct_mark bits with a meaning of their own (ct_mark.NAME).
CT_MARK_BITS: dict[str, tuple[int, int]] = {
    "blocked": (0, 1),
    "natted": (1, 1),
    "ecmp_reply_port": (16, 16),
    "skip_snat": (2, 1),
    "force_snat": (3, 1),  # ct_lb_mark(...; force_snat)
}

# Widths in bits of the OpenFlow fields pyovn matches or sets.
OPENFLOW_FIELD_BITS: dict[str, int] = {
    "in_port": 32,
    "metadata": 64,
    **{f"reg{i}": 32 for i in range(16)},
    **{f"xreg{i}": 64 for i in range(8)},
    **{f"xxreg{i}": 128 for i in range(4)},
    "pkt_mark": 32,
    "eth_src": 48,
    "eth_dst": 48,
    "eth_type": 16,
    "vlan_tci": 16,
    "vlan_vid": 12,
    "vlan_pcp": 3,
    "ip_src": 32,
    "ip_dst": 32,
    "ipv6_src": 128,
    "ipv6_dst": 128,
    "ipv6_label": 20,
    "nw_proto": 8,
    "nw_ttl": 8,
    "ip_dscp": 6,
    "nw_ecn": 2,
    "nw_frag": 2,
    "arp_op": 16,
    "arp_spa": 32,
    "arp_tpa": 32,
    "arp_sha": 48,
    "arp_tha": 48,
    "nd_target": 128,
    "nd_sll": 48,
    "nd_tll": 48,
    "icmp_type": 8,
    "icmp_code": 8,
    "icmpv6_type": 8,
    "icmpv6_code": 8,
    "tcp_src": 16,
    "tcp_dst": 16,
    "tcp_flags": 12,
    "udp_src": 16,
    "udp_dst": 16,
    "sctp_src": 16,
    "sctp_dst": 16,
    "ct_state": 32,
    "ct_mark": 32,
    "ct_label": 128,
    "ct_zone": 16,
    "ct_nw_proto": 8,
    "ct_nw_src": 32,
    "ct_nw_dst": 32,
    "ct_ipv6_src": 128,
    "ct_ipv6_dst": 128,
    "ct_tp_src": 16,
    "ct_tp_dst": 16,
    "tun_id": 64,
}

# Conntrack state bits as OVS numbers them in ct_state.
CT_STATE_BITS: dict[str, int] = {
    "new": 0,
    "est": 1,
    "rel": 2,
    "rpl": 3,
    "inv": 4,
    "trk": 5,
    "snat": 6,
    "dnat": 7,
}
