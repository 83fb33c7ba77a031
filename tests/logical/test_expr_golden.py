"""Golden text per stage of the match compiler: input and expected output side by side.

Stages: canonical source form, OVN's expr_format (``--ovn``), annotation,
normal form, and errors (message and column).
"""

from __future__ import annotations

import pytest

from pyovn.logical.errors import LogicalError
from pyovn.logical.expr.pipeline import MatchEnv, annotated, canonical, normalized, ovn_format

ENV = MatchEnv.from_strings(
    {
        "web": ["10.1.0.5", "10.1.0.6", "10.2.0.0/16"],
        "macs": ["0a:00:00:00:00:01", "0a:00:00:00:00:02"],
        "v6": ["fd00::1", "fd00::2"],
        "none": [],
    },
    {"pg_web": ["vm1", "vm2"], "pg_none": []},
)

CANONICAL = [
    ("ip4.src==10.0.0.0/8&&tcp.dst=={80,443}", "ip4.src == 10.0.0.0/8 && tcp.dst == {80, 443}"),
    ("eth.type==0x0806", "eth.type == 0x806"),
    ("ct.est && !ct.new", "ct.est && !ct.new"),
    ("!(tcp.src == 1 || tcp.src == 2)", "!(tcp.src == 1 || tcp.src == 2)"),
    ("(ip4 && udp) || (ip6 && tcp)", "(ip4 && udp) || (ip6 && tcp)"),
    ("1 <= tcp.dst <= 99", "1 <= tcp.dst <= 99"),
    ("1024 < tcp.src", "1024 < tcp.src"),
    ("outport == @pg_web && ip4.src == $web", "outport == @pg_web && ip4.src == $web"),
    ('inport == {"a", "b",}', 'inport == {"a", "b"}'),
    ("reg0[0..15] == 0x10 && reg1[3] == 1", "reg0[0..15] == 0x10 && reg1[3] == 1"),
    (
        "eth.src == 0a:00:00:00:00:00/ff:00:00:00:00:00",
        "eth.src == 0a:00:00:00:00:00/ff:00:00:00:00:00",
    ),
    ('is_chassis_resident("lrp1")', 'is_chassis_resident("lrp1")'),
    ("1", "1"),
    ("((0))", "0"),
    ("!(reg0 == 1)", "!(reg0 == 1)"),
    ("!(!(ct.new))", "!(!ct.new)"),
    ("!(1)", "!1"),
    ("ip6.dst == fe80:0::/10", "ip6.dst == fe80::/10"),
]

OVN_FORMAT = [
    ("eth.type==0x86dd", "eth.type == 0x86dd"),
    ("eth.type[0..15] == 0x806", "eth.type == 0x806"),
    ("vlan.present == 1", "vlan.present"),
    ("!(vlan.present != 0)", "!vlan.present"),
    ("eth.dst[40] != 0", "eth.dst[40]"),
    ("!(eth.dst[40] == 1)", "!eth.dst[40]"),
    ("vlan.tci == 0x2000/0xe000", "vlan.tci[13..15] == 0x1"),
    ("vlan.tci != 0x5000/0xf000", "vlan.tci[12..15] != 0x5"),
    ("!vlan.vid", "vlan.vid == 0"),
    ("!(vlan.pcp <= 0x2)", "vlan.pcp > 0x2"),
    ("5 > vlan.pcp", "vlan.pcp < 0x5"),
    ("2 <= vlan.pcp < 6", "vlan.pcp >= 0x2 && vlan.pcp < 0x6"),
    ("!(2 < vlan.pcp < 6)", "vlan.pcp <= 0x2 || vlan.pcp >= 0x6"),
    ("vlan.pcp == {5, 6, 7}", "vlan.pcp == 0x5 || vlan.pcp == 0x6 || vlan.pcp == 0x7"),
    ("vlan.pcp != {5, 6}", "vlan.pcp != 0x5 && vlan.pcp != 0x6"),
    (
        "vlan.pcp == 2 && !(vlan.pcp == 3 && (vlan.pcp == 4 || vlan.pcp == 5))",
        "vlan.pcp == 0x2 && (vlan.pcp != 0x3 || (vlan.pcp != 0x4 && vlan.pcp != 0x5))",
    ),
    (
        "ip4.dst == {172.16.0.0/12, 9.9.9.9}",
        "ip4.dst[20..31] == 0xac1 || ip4.dst == 0x9090909",
    ),
    ("ip6.dst == ::2", "ip6.dst == 0x2"),
    ("ip4.dst == 0x5060708/0xffffffff", "ip4.dst == 0x5060708"),
    ("!0", "1"),
    ('!(outport != "p9")', 'outport == "p9"'),
    ("ip4.src == $none", "0"),
    ("ip4.src != {$none}", "1"),
    ('!is_chassis_resident("x")', '!is_chassis_resident("x")'),
    ("ct_label.blocked", "ct_label.blocked"),
    ("ct_mark.ecmp_reply_port == 7", "ct_mark.ecmp_reply_port == 0x7"),
]

ANNOTATE = [
    ("ip4.dst == 9.8.7.6", "ip4.dst == 0x9080706 && eth.type == 0x800"),
    ("ip.ttl == 64", "ip.ttl == 0x40 && (eth.type == 0x800 || eth.type == 0x86dd)"),
    (
        "ip.proto == {17, 6}",
        "(ip.proto == 0x11 || ip.proto == 0x6) && (eth.type == 0x800 || eth.type == 0x86dd)",
    ),
    (
        "udp.dst == 53 || (udp.dst >= 67 && udp.dst <= 68)",
        "(udp.dst == 0x35 || (udp.dst >= 0x43 && udp.dst <= 0x44)) && ip.proto == 0x11 "
        "&& (eth.type == 0x800 || eth.type == 0x86dd)",
    ),
    ("ip", "eth.type == 0x800 || eth.type == 0x86dd"),
    ("ip6[0] == 1", "eth.type == 0x86dd"),
    ("vlan.present", "vlan.tci[12]"),
    ("!vlan.present", "!vlan.tci[12]"),
    ("vlan.vid == 9", "vlan.tci[0..11] == 0x9 && vlan.tci[12]"),
    ("!reg4 && reg9 == 1", "xxreg1[96..127] == 0 && xreg4[0..31] == 0x1"),
    ("ct.new", "ct_state[0] && ct_state[5]"),
    ("ct.trk", "ct_state[5]"),
    ("flags.loopback", "flags[0]"),
    ("ip.later_frag", "ip.frag[1] && (eth.type == 0x800 || eth.type == 0x86dd)"),
    (
        "ip.first_frag",
        "ip.frag[0] && (eth.type == 0x800 || eth.type == 0x86dd) && (!ip.frag[1] || "
        "(eth.type != 0x800 && eth.type != 0x86dd))",
    ),
    ("eth.mcast", "eth.dst[40]"),
    ("eth.bcast", "eth.dst == 0xffffffffffff"),
    ("ip4.mcast", "eth.dst[40] && ip4.dst[28..31] == 0xe && eth.type == 0x800"),
    (
        "mldv2",
        "ip6.dst == 0xff020000000000000000000000000016 && eth.type == 0x86dd && "
        "icmp6.type == 0x8f && eth.type == 0x86dd && ip.proto == 0x3a && "
        "(eth.type == 0x800 || eth.type == 0x86dd)",
    ),
    ("rarp.op == 3", "rarp.op == 0x3 && eth.type == 0x8035"),
    (
        "tcp.flags == 0x2",
        "tcp.flags == 0x2 && ip.proto == 0x6 && (eth.type == 0x800 || eth.type == 0x86dd)",
    ),
    ("arp.op == 2", "arp.op == 0x2 && eth.type == 0x806"),
    (
        "nd.sll == 00:00:00:00:00:01",
        "nd.sll == 0x1 && icmp6.type == 0x87 && eth.type == 0x86dd && ip.proto == 0x3a && "
        "(eth.type == 0x800 || eth.type == 0x86dd) && icmp6.code == 0 && eth.type == 0x86dd && "
        "ip.proto == 0x3a && (eth.type == 0x800 || eth.type == 0x86dd) && ip.ttl == 0xff && "
        "(eth.type == 0x800 || eth.type == 0x86dd)",
    ),
]

NORMALIZE = [
    ("eth.src == 0/0", "1"),
    ("eth.src != 0/0", "0"),
    ("tcp.dst >= 0 && ip4", "ip.proto == 0x6 && eth.type == 0x800"),
    ("udp.src <= 65535 && ip6", "ip.proto == 0x11 && eth.type == 0x86dd"),
    ("ip4 && ip6", "0"),
    ("ip4 || ip6", "eth.type == 0x800 || eth.type == 0x86dd"),
    # adjacent values merge into one masked match: {2, 3} -> 2/0xfffe
    (
        "tcp.dst == {1, 2, 3} && ip4",
        "(tcp.dst == 0x1 || tcp.dst[1..15] == 0x1) && ip.proto == 0x6 && eth.type == 0x800",
    ),
    (
        "udp.dst == {8, 9, 10, 11, 12, 13, 14, 15} && ip6",
        "udp.dst[3..15] == 0x1 && ip.proto == 0x11 && eth.type == 0x86dd",
    ),
    (
        "ip4 && tcp.dst >= 1024",
        "eth.type == 0x800 && (tcp.dst[10..15] == 0x1 || tcp.dst[11..15] == 0x1 || "
        "tcp.dst[12..15] == 0x1 || tcp.dst[13..15] == 0x1 || tcp.dst[14..15] == 0x1 || "
        "tcp.dst[15]) && ip.proto == 0x6",
    ),
    (
        "ip4 && 2000 <= udp.dst <= 2003",
        "eth.type == 0x800 && udp.dst[2..15] == 0x1f4 && ip.proto == 0x11",
    ),
    ("ct.est && !ct.rpl", "ct_state == 0x22/0x2a"),
    ("ip4.src == 10.0.0.1 && ip4.src == 10.0.0.2", "0"),
    (
        "ip4.src == 10.0.0.0/8 && ip4.src == 10.1.0.0/16",
        "ip4.src[16..31] == 0xa01 && eth.type == 0x800",
    ),
    ('inport == "a" && inport == "b"', "0"),
    ('inport == {"a", "b"} && inport == "b"', 'inport == "b"'),
    (
        "ip4.src == $web && ip4",
        "(ip4.src == 0xa010005 || ip4.src == 0xa010006 || "
        "ip4.src[16..31] == 0xa02) && eth.type == 0x800",
    ),
    ('is_chassis_resident("here")', "0"),
    ("!ip4.src[0] && ip4.src[1]", "ip4.src[0..1] == 0x2 && eth.type == 0x800"),
]

ERRORS = [
    ('ip4.src == "x"', "Integer field ip4.src is not compatible with string constant.", 1),
    ("outport == 5", "String field outport is not compatible with integer constant.", 1),
    ("ip4.dst = 1.1.1.1", "Syntax error at `=' expecting relational operator.", 9),
    ("tcp.dst > {1, 2}", "Only == and != operators may be used with value sets.", 1),
    ("arp.op < 3", "Only == and != operators may be used with nominal field arp.op.", 1),
    ("eth.bcast > 0", "Only == and != operators may be used with Boolean field eth.bcast.", 1),
    (
        'x && inport != "p"',
        "Syntax error at `x' expecting field name.",
        1,
    ),
    (
        'ip4 && inport != "p"',
        "Nominal field inport may only be tested for equality (taking enclosing `!' operators "
        "into account).",
        8,
    ),
    (
        "!tcp",
        "Nominal predicate tcp may only be tested positively, e.g. `tcp' or `tcp == 1' but not "
        "`!tcp' or `tcp == 0'.",
        2,
    ),
    ("7 == 7", "Syntax error at `7' expecting field name.", 6),
    ("$nope", "Syntax error at `$nope' expecting address set name.", 1),
    ("outport == @nope", "Syntax error at `@nope' expecting port group name.", 12),
    ("inport[0] == 1", "Cannot select subfield of string field inport.", 1),
    ("eth.type[1] == 1", "Cannot select subfield of nominal field eth.type.", 1),
    ("reg0[9..2] == 1", "Invalid bit range 9 to 2.", 1),
    ("reg0[30..32] == 1", "Cannot select bits 30 to 32 of 32-bit field reg0.", 1),
    ("reg0[] == 1", "Syntax error at `]' expecting small integer.", 6),
    ("tcp.dst", "Explicit `!= 0' is required for inequality test of multibit field against 0.", 8),
    ("5", "Syntax error at end of input expecting relational operator.", 2),
    ('{1, "a"} == reg0', 'Syntax error at `"a"\' expecting integer.', 5),
    ("reg0 == nope", "Syntax error at `nope' expecting constant.", 9),
    ("(ip4", "Syntax error at end of input expecting `)'.", 5),
    ("ip4)", "Syntax error at `)' expecting end of input.", 4),
    ("!reg0 == 1", "Missing parentheses around operand of !.", 1),
    ("ip4 || ip6 && tcp", "&& and || must be parenthesized when used together.", 12),
    ("reg0 == {}", "Syntax error at `}' expecting constant.", 10),
    (
        "eth.dst < 00:00:00:00:00:01/00:00:00:00:00:ff",
        "Only == and != operators may be used with masked constants.  Consider using subfields "
        "instead (e.g. eth.src[0..15] > 0x1111 in place of eth.src > "
        "00:00:00:00:11:11/00:00:00:00:ff:ff).",
        1,
    ),
    ("ip4.src == 0x100000000", "33-bit constant is not compatible with 32-bit field ip4.src.", 1),
    ("reg0[0..3] == 0x1f", "5-bit constant is not compatible with 4-bit field reg0[0..3].", 1),
    (
        "1 < reg0 > 2",
        "Range expressions must have the form `x < field < y' or `x > field > y', "
        "with each `<' optionally replaced by `<=' or `>' by `>=').",
        5,
    ),
    ("tcp.src == 1 x", "Syntax error at `x' expecting end of input.", 14),
    (
        "tcp.dst < $none",
        "Only == and != operators may be used to compare a field against an empty value set.",
        1,
    ),
    ("(" * 101 + "1" + ")" * 101, "Parentheses nested too deeply.", 101),
    ("nope(1)", "Unknown function `nope'.", 1),
    ("reg0 == 09", "Decimal constants must not have leading zeros.", 9),
    ("ip4.src == 1.2.3.4/40", "Value and mask have incompatible formats.", 12),
    # != and relational operators on nominal fields: as before
    (
        "eth.type != 0x800",
        "Nominal field eth.type may only be tested for equality (taking enclosing `!' "
        "operators into account).",
        1,
    ),
    ("ip.ttl <= 4", "Only == and != operators may be used with nominal field ip.ttl.", 1),
]

# Type errors OVN 23.03 does not make (it reads any integer format for any
# field, and expands masks on nominal fields into many flows); where it does
# reject one, it names only the widths. test_expr_differential checks that.
STRICTER_THAN_OVN = [
    # a constant's format must suit the field (column of the constant)
    ("ip4.src == fe80::1", "IPv6 address fe80::1 is not valid for IPv4 field ip4.src.", 12),
    ("eth.src == 10.0.0.1", "IPv4 address 10.0.0.1 is not valid for Ethernet field eth.src.", 12),
    ("eth.src == 1.2.3.4", "IPv4 address 1.2.3.4 is not valid for Ethernet field eth.src.", 12),
    ("10.0.0.1 == arp.sha", "IPv4 address 10.0.0.1 is not valid for Ethernet field arp.sha.", 1),
    ("nd.sll == ::1", "IPv6 address ::1 is not valid for Ethernet field nd.sll.", 11),
    (
        "eth.dst == {0a:00:00:00:00:01, 1.2.3.4}",
        "IPv4 address 1.2.3.4 is not valid for Ethernet field eth.dst.",
        32,
    ),
    (
        "eth.dst[0..31] == 10.0.0.1",
        "IPv4 address 10.0.0.1 is not valid for Ethernet field eth.dst[0..31].",
        19,
    ),
    (
        "ip4.src == 00:00:0a:00:00:01",
        "Ethernet address 00:00:0a:00:00:01 is not valid for IPv4 field ip4.src.",
        12,
    ),
    (
        "ip4.dst == ::5.6.7.8/::ffff:ffff",
        "IPv6 address ::506:708/::ffff:ffff is not valid for IPv4 field ip4.dst.",
        12,
    ),
    (
        "arp.tpa == $macs",
        "Ethernet address 0a:00:00:00:00:01 is not valid for IPv4 field arp.tpa.",
        12,
    ),
    ("ip6.src == 10.0.0.1", "IPv4 address 10.0.0.1 is not valid for IPv6 field ip6.src.", 12),
    ("nd.target == $web", "IPv4 address 10.1.0.5 is not valid for IPv6 field nd.target.", 14),
    ("tcp.dst == 1.2.3.4", "IPv4 address 1.2.3.4 is not valid for integer field tcp.dst.", 12),
    ("ip.proto == 0.0.0.6", "IPv4 address 0.0.0.6 is not valid for integer field ip.proto.", 13),
    (
        "vlan.tci == 00:00:00:00:00:01",
        "Ethernet address 00:00:00:00:00:01 is not valid for integer field vlan.tci.",
        13,
    ),
    # OpenFlow cannot mask nominal fields: a written mask is an error
    ("eth.type == 0x800/0xff00", "Field eth.type does not support masking.", 13),
    ("ip.proto == 0x6/0xff", "Field ip.proto does not support masking.", 13),
    ("!(arp.op != 0x1/0x1)", "Field arp.op does not support masking.", 13),
    ("icmp6.type == {128, 0x80/0xf0}", "Field icmp6.type does not support masking.", 21),
    ("ip.ttl == 0x40/0xc0", "Field ip.ttl does not support masking.", 11),
]


# Integers, and addresses where the field holds one, stay accepted.
ACCEPTED_KINDS = [
    ("eth.src == 0x1", "eth.src == 0x1"),
    ("eth.src == 10", "eth.src == 10"),
    ("ip4.src == 167772161", "ip4.src == 167772161"),
    ("ip6.dst == 0x1", "ip6.dst == 0x1"),
    ("reg0 == 10.0.0.1", "reg0 == 10.0.0.1"),
    ("xxreg0 == fe80::1", "xxreg0 == fe80::1"),
    ("xreg0[0..47] == 0a:00:00:00:00:01", "xreg0[0..47] == 0a:00:00:00:00:01"),
    (
        "eth.dst == 01:00:00:00:00:00/01:00:00:00:00:00",
        "eth.dst == 01:00:00:00:00:00/01:00:00:00:00:00",
    ),
    ("tcp.dst == 0x50/0xfff0", "tcp.dst == 0x50/0xfff0"),
    ("eth.type == {0x800, 0x86dd}", "eth.type == {0x800, 0x86dd}"),
    ("!(ip.proto != 6)", "!(ip.proto != 6)"),
    ("ip.proto == 6 || ip.proto == 17", "ip.proto == 6 || ip.proto == 17"),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED_KINDS)
def test_accepted_kinds(text: str, expected: str) -> None:
    assert canonical(text, ENV) == expected


@pytest.mark.parametrize(("text", "expected"), CANONICAL)
def test_canonical_form(text: str, expected: str) -> None:
    assert canonical(text, ENV) == expected
    assert canonical(expected, ENV) == expected  # canonical text is a fixed point


@pytest.mark.parametrize(("text", "expected"), OVN_FORMAT)
def test_ovn_format(text: str, expected: str) -> None:
    assert ovn_format(text, ENV) == expected
    assert ovn_format(expected, ENV) == expected


@pytest.mark.parametrize(("text", "expected"), ANNOTATE)
def test_annotate(text: str, expected: str) -> None:
    assert annotated(text, ENV) == expected


@pytest.mark.parametrize(("text", "expected"), NORMALIZE)
def test_normalize(text: str, expected: str) -> None:
    assert normalized(text, ENV) == expected


@pytest.mark.parametrize(("text", "message", "column"), ERRORS + STRICTER_THAN_OVN)
def test_errors(text: str, message: str, column: int) -> None:
    with pytest.raises(LogicalError) as info:
        ovn_format(text, ENV)
    assert (info.value.message, info.value.column) == (message, column)
    assert str(info.value).endswith(message)
