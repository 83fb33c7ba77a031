"""Bad input: every error class names the problem and its 1-based column."""

from __future__ import annotations

import pytest
from actions_cases import make_context

from pyovn.logical import errors
from pyovn.logical.actions import ActionEncodeError, encode_actions, parse_actions
from pyovn.logical.actions.encode import EncodeContext
from pyovn.logical.errors import LogicalError
from pyovn.logical.layout import Pipeline

# text, error class, column, message
ERRORS: list[tuple[str, str, int, str]] = [
    ("reg0 = select(1=, 2);", "LogicalSyntaxError", 17, "Syntax error at `,' expecting weight."),
    ("reg0 = select(1=0, 2);", "LogicalSyntaxError", 17,
     "Syntax error at `0' weight can't be 0."),
    ("reg0 = select(123);", "LogicalSyntaxError", 18,
     "Syntax error at `)' expecting at least 2 group members."),
    ("reg0 = select(values=(1, 2); test_fields=\"x\");", "LogicalSyntaxError", 30,
     "Syntax error at `test_fields' expecting hash_fields."),
    ("reg0[0..14] = select(1, 2, 3);", "LogicalTypeError", 15,
     'cannot use 15-bit field reg0 for "select", which requires at least 16 bits.'),
    (
        'drop; next;',
        'LogicalSyntaxError', 7,
        "Syntax error at `next' expecting end of input.",
    ),
    (
        'next; drop;',
        'LogicalSyntaxError', 7,
        "Syntax error at `drop' expecting action.",
    ),
    (
        'next();',
        'LogicalSyntaxError', 7,
        'Syntax error at `;\' expecting "pipeline" or "table".',
    ),
    (
        'next(10;',
        'LogicalSyntaxError', 8,
        "Syntax error at `;' expecting `)'.",
    ),
    (
        'next(pipeline=sideways);',
        'LogicalSyntaxError', 15,
        'Syntax error at `sideways\' expecting "ingress" or "egress".',
    ),
    (
        'next(table=300);',
        'LogicalSyntaxError', 12,
        'table number 300 is not in valid range 0 to 255.',
    ),
    (
        'inport[1] = 1;',
        'LogicalTypeError', 1,
        'Cannot select subfield of string field inport.',
    ),
    (
        'eth.dst[40] == 1;',
        'LogicalSyntaxError', 13,
        "Syntax error at `==' expecting `=' or `<->'.",
    ),
    (
        'ip = 1;',
        'LogicalTypeError', 1,
        'Predicate symbol ip used where lvalue required.',
    ),
    (
        'ip.proto = 6;',
        'LogicalTypeError', 1,
        'Field ip.proto is not modifiable.',
    ),
    (
        'inport = {"a", "b"};',
        'LogicalSyntaxError', 10,
        "Syntax error at `{' expecting constant.",
    ),
    (
        'reg0 = reg1[0..10];',
        'LogicalTypeError', 8,
        "Can't assign 11-bit value to 32-bit destination.",
    ),
    (
        'inport = reg0;',
        'LogicalTypeError', 10,
        "Can't assign integer field (reg0) to string field (inport).",
    ),
    (
        'ip.proto = reg0[0..7];',
        'LogicalTypeError', 1,
        'Field ip.proto is not modifiable.',
    ),
    (
        'reg0 <-> reg1[0..10];',
        'LogicalTypeError', 10,
        "Can't exchange 32-bit field with 11-bit field.",
    ),
    (
        'inport <-> reg0;',
        'LogicalTypeError', 12,
        "Can't exchange string field (inport) with integer field (reg0).",
    ),
    (
        'reg0[0..7] <-> ip.proto;',
        'LogicalTypeError', 16,
        'Field ip.proto is not modifiable.',
    ),
    (
        'ip.ttl',
        'LogicalSyntaxError', 1,
        "Syntax error at `ip.ttl' expecting action.",
    ),
    (
        'pkt.mark;',
        'LogicalSyntaxError', 1,
        "Syntax error at `pkt.mark' expecting action.",
    ),
    (
        'pkt.mark = foo;',
        'LogicalSyntaxError', 12,
        "Syntax error at `foo' expecting field name.",
    ),
    (
        'pkt.mark = "foo";',
        'LogicalTypeError', 12,
        'Integer field pkt.mark is not compatible with string constant.',
    ),
    (
        'outport = 5;',
        'LogicalTypeError', 11,
        'String field outport is not compatible with integer constant.',
    ),
    (
        'reg0[0..40] = 1;',
        'LogicalTypeError', 1,
        'Invalid subfield reg0[0..40] of 32-bit field.',
    ),
    (
        'reg0[5..2] = 1;',
        'LogicalTypeError', 1,
        'Invalid subfield reg0[5..2] of 32-bit field.',
    ),
    (
        'tcp.dst = 65536;',
        'LogicalTypeError', 11,
        '17-bit constant is not compatible with 16-bit field tcp.dst.',
    ),
    (
        'ct_commit { ct_label=18446744073709551616; };',
        'LogicalSyntaxError', 22,
        'Decimal constants must be less than 2**64.',
    ),
    (
        'ct_commit { ct_label=0x181716151413121110090807060504030201; };',
        'LogicalSyntaxError', 22,
        'Hexadecimal constant requires more than 128 bits.',
    ),
    (
        'ct_commit { ip4.dst = 192.168.0.1; };',
        'LogicalTypeError', 13,
        'Field ip4.dst is not modifiable.',
    ),
    (
        'ct_commit(ct_mark=1);',
        'LogicalSyntaxError', 10,
        "Syntax error at `(' expecting `;'.",
    ),
    (
        'ct_commit { next; };',
        'LogicalSyntaxError', 13,
        'ct_commit { } may only set ct_mark and ct_label.',
    ),
    (
        'ct_mark = 12345;',
        'LogicalTypeError', 1,
        'Field ct_mark is not modifiable.',
    ),
    (
        'ct_mark.blocked = 1/1;',
        'LogicalTypeError', 1,
        'Field ct_mark.blocked is not modifiable.',
    ),
    (
        'ct_label = 0xcafe;',
        'LogicalTypeError', 1,
        'Field ct_label is not modifiable.',
    ),
    (
        'ct_next(snat, dnat);',
        'LogicalSyntaxError', 13,
        "Syntax error at `,' expecting `)'.",
    ),
    (
        'ct_next(ignore);',
        'LogicalSyntaxError', 9,
        '"ct_next" action accepts only "dnat" or "snat" parameter.',
    ),
    (
        'ct_commit_to_zone;',
        'LogicalSyntaxError', 18,
        "Syntax error at `;' expecting `('.",
    ),
    (
        'ct_commit_to_zone(foo);',
        'LogicalSyntaxError', 19,
        '"ct_commit_to_zone" action accepts only "dnat" or "snat" parameter.',
    ),
    (
        'ct_dnat(192.168.1.2, 192.168.1.3);',
        'LogicalSyntaxError', 22,
        "Syntax error at `192.168.1.3' expecting Integer for port range.",
    ),
    (
        'ct_dnat(foo);',
        'LogicalSyntaxError', 9,
        "Syntax error at `foo' expecting IPv4 or IPv6 address.",
    ),
    (
        'ct_dnat();',
        'LogicalSyntaxError', 9,
        "Syntax error at `)' expecting IPv4 or IPv6 address.",
    ),
    (
        'ct_dnat(192.168.1.2, 1000-foo);',
        'LogicalSyntaxError', 27,
        "Syntax error at `foo' expecting Integer for port range.",
    ),
    (
        'ct_dnat(192.168.1.2, 1000-100);',
        'LogicalSyntaxError', 27,
        "Syntax error at `100' range high should be greater than range low.",
    ),
    (
        'ct_lb(192.168.1.2:80, 192.168.1.3:80);',
        'LogicalSyntaxError', 7,
        "Syntax error at `192.168.1.2' expecting backends.",
    ),
    (
        'ct_lb(backends=192.168.1.2:);',
        'LogicalSyntaxError', 28,
        "Syntax error at `)' expecting port number.",
    ),
    (
        'ct_lb(backends=192.168.1.2:123456);',
        'LogicalSyntaxError', 28,
        "Syntax error at `123456' expecting port number.",
    ),
    (
        'ct_lb(backends=foo);',
        'LogicalSyntaxError', 16,
        "Syntax error at `foo' expecting IP address.",
    ),
    (
        'ct_lb(backends=[192.168.1.2]:80);',
        'LogicalSyntaxError', 17,
        "Syntax error at `192.168.1.2' expecting IPv6 address.",
    ),
    (
        'ct_lb(backends=192.168.1.2:80,192.168.1.3:80; hash_fields=eth_src,eth_dst,ip_src);',
        'LogicalSyntaxError', 59,
        "Syntax error at `eth_src' invalid hash_fields.",
    ),
    (
        'ct_lb(backends=192.168.1.2:80; hash_fields="eth_src,bogus");',
        'LogicalSyntaxError', 44,
        'Syntax error at `"eth_src,bogus"\' invalid hash_fields.',
    ),
    (
        'ct_lb(backends=192.168.1.2, fd00::1);',
        'LogicalSyntaxError', 36,
        'ct_lb backends must be all IPv4 or all IPv6.',
    ),
    (
        'get_arp;',
        'LogicalSyntaxError', 8,
        "Syntax error at `;' expecting `('.",
    ),
    (
        'get_arp();',
        'LogicalSyntaxError', 9,
        "Syntax error at `)' expecting field name.",
    ),
    (
        'get_arp(inport);',
        'LogicalSyntaxError', 15,
        "Syntax error at `)' expecting `,'.",
    ),
    (
        'get_arp(inport ip4.dst);',
        'LogicalSyntaxError', 16,
        "Syntax error at `ip4.dst' expecting `,'.",
    ),
    (
        'get_arp(inport, ip4.dst;',
        'LogicalSyntaxError', 24,
        "Syntax error at `;' expecting `)'.",
    ),
    (
        'get_arp(inport, eth.dst);',
        'LogicalTypeError', 17,
        'Cannot use 48-bit field eth.dst[0..47] where 32-bit field is required.',
    ),
    (
        'get_arp(inport, outport);',
        'LogicalTypeError', 17,
        'Cannot use string field outport where numeric field is required.',
    ),
    (
        'get_arp(reg0, ip4.dst);',
        'LogicalTypeError', 9,
        'Cannot use numeric field reg0 where string field is required.',
    ),
    (
        'lookup_arp;',
        'LogicalSyntaxError', 1,
        "Syntax error at `lookup_arp' expecting action.",
    ),
    (
        'reg0[0] = lookup_arp;',
        'LogicalSyntaxError', 11,
        "Syntax error at `lookup_arp' expecting field name.",
    ),
    (
        'reg0[0] = lookup_arp(inport, ip4.dst;',
        'LogicalSyntaxError', 37,
        "Syntax error at `;' expecting `,'.",
    ),
    (
        'reg0 = lookup_arp(inport, ip4.dst, eth.src);',
        'LogicalTypeError', 8,
        'Cannot use 32-bit field reg0[0..31] where 1-bit field is required.',
    ),
    (
        'reg0[0] = lookup_arp(inport, ip4.src, ip4.dst);',
        'LogicalTypeError', 39,
        'Cannot use 32-bit field ip4.dst[0..31] where 48-bit field is required.',
    ),
    (
        'reg1[0..1] = put_dhcp_opts(offerip = 1.2.3.4, router = 10.0.0.1);',
        'LogicalTypeError', 14,
        'Cannot use 2-bit field reg1[0..1] where 1-bit field is required.',
    ),
    (
        'reg1[0] = put_dhcp_opts();',
        'LogicalTypeError', 11,
        'put_dhcp_opts requires offerip to be specified.',
    ),
    (
        'reg1[0] = put_dhcp_opts(x = 1.2.3.4, router = 10.0.0.1);',
        'LogicalSyntaxError', 25,
        "Syntax error at `x' expecting DHCPv4 option name.",
    ),
    (
        'reg1[0] = put_dhcp_opts(offerip=1.2.3.4, "hi");',
        'LogicalSyntaxError', 42,
        'Syntax error at `"hi"\' expecting DHCPv4 option name.',
    ),
    (
        'reg1[0] = put_dhcp_opts(offerip="xyzzy");',
        'LogicalTypeError', 33,
        'DHCPv4 option offerip requires numeric value.',
    ),
    (
        'reg1[0] = put_dhcp_opts(offerip=1.2.3.4, domain_name=1.2.3.4);',
        'LogicalTypeError', 54,
        'DHCPv4 option domain_name requires string value.',
    ),
    (
        'reg1[0] = put_dhcp_opts(offerip=1.2.3.4, mtu=70000);',
        'LogicalTypeError', 46,
        'DHCPv4 option mtu value 70000 is out of range.',
    ),
    (
        'reg1[0] = put_dhcp_opts(offerip=1.2.3.4, classless_static_route={10.0.0.0/8});',
        'LogicalTypeError', 65,
        'DHCPv4 option classless_static_route requires pairs of destination and gateway.',
    ),
    (
        'reg1[0] = put_dhcpv6_opts(ia_addr="ae70::4");',
        'LogicalTypeError', 35,
        'DHCPv6 option ia_addr requires numeric value.',
    ),
    (
        'reg1[0] = put_nd_ra_opts(addr_mode = "slaac", mtu = 1500, prefix = aef0::/64);',
        'LogicalTypeError', 11,
        'slla option not present',
    ),
    (
        'reg1[0] = put_nd_ra_opts(addr_mode = "slaac", slla = ae:01:02:03:04:10);',
        'LogicalTypeError', 11,
        'prefix option needs to be set when address mode is slaac/dhcpv6_stateless.',
    ),
    (
        'reg1[0] = put_nd_ra_opts(addr_mode = "foo", mtu = 1500, slla = ae:01:02:03:04:10);',
        'LogicalTypeError', 11,
        'Invalid value for "addr_mode" option',
    ),
    (
        'reg1[0] = put_nd_ra_opts(addr_mode = dhcpv6_stateless, prefix = aef0::/64, slla = ae:0'
        '1:02:03:04:10);',
        'LogicalSyntaxError', 38,
        "Syntax error at `dhcpv6_stateless' expecting constant.",
    ),
    (
        'reg1[0] = put_nd_ra_opts(addr_mode = "slaac", mtu = 1500, prefix = aef0::, slla = ae:0'
        '1:02:03:04:10);',
        'LogicalTypeError', 68,
        'IPv6 ND RA option prefix requires a prefix length.',
    ),
    (
        'set_queue(65535);',
        'LogicalSyntaxError', 11,
        'Queue ID 65535 is not in valid range 0 to 61440.',
    ),
    (
        'reg1[0] = dns_lookup("foo");',
        'LogicalSyntaxError', 22,
        "dns_lookup doesn't take any parameters",
    ),
    (
        'log(verdict=bad_verdict, severity=info);',
        'LogicalSyntaxError', 13,
        "Syntax error at `bad_verdict' unknown verdict.",
    ),
    (
        'log(verdict=drop, severity=bad_severity);',
        'LogicalSyntaxError', 28,
        "Syntax error at `bad_severity' unknown severity.",
    ),
    (
        'log(severity=notice);',
        'LogicalSyntaxError', 1,
        'Syntax error: log requires verdict.',
    ),
    (
        'log(verdict=drop, color=red);',
        'LogicalSyntaxError', 19,
        "Syntax error at `color' expecting name, severity, verdict or meter.",
    ),
    (
        'reg0 = check_pkt_larger(1500);',
        'LogicalTypeError', 8,
        'Cannot use 32-bit field reg0[0..31] where 1-bit field is required.',
    ),
    (
        'reg0[0] = check_pkt_larger(foo);',
        'LogicalSyntaxError', 28,
        "Syntax error at `foo' expecting packet length.",
    ),
    (
        'trigger_event(event = "empty_lb_backends", vip = "10.0.0.1:80", protocol = "aarp");',
        'LogicalTypeError', 76,
        "Load balancer protocol 'aarp' is not 'tcp', 'udp', or 'sctp'",
    ),
    (
        'trigger_event(event = "empty_lb_backends", load_balancer = "bacon");',
        'LogicalTypeError', 60,
        "Load balancer 'bacon' is not a UUID",
    ),
    (
        'trigger_event(event = "bogus");',
        'LogicalSyntaxError', 23,
        "Unknown event `bogus'.",
    ),
    (
        'bind_vport;',
        'LogicalSyntaxError', 11,
        "Syntax error at `;' expecting `('.",
    ),
    (
        'bind_vport(;',
        'LogicalSyntaxError', 12,
        "Syntax error at `;' expecting port name string.",
    ),
    (
        'bind_vport("xyzzy";',
        'LogicalSyntaxError', 19,
        "Syntax error at `;' expecting `,'.",
    ),
    (
        'bind_vport("xyzzy",;',
        'LogicalSyntaxError', 20,
        "Syntax error at `;' expecting field name.",
    ),
    (
        'bind_vport("xyzzy", inport;',
        'LogicalSyntaxError', 27,
        "Syntax error at `;' expecting `)'.",
    ),
    (
        'handle_svc_check();',
        'LogicalSyntaxError', 18,
        "Syntax error at `)' expecting field name.",
    ),
    (
        'handle_svc_check(reg0);',
        'LogicalTypeError', 18,
        'Cannot use numeric field reg0 where string field is required.',
    ),
    (
        'reg0[0] = chk_lb_hairpin(foo);',
        'LogicalSyntaxError', 26,
        "chk_lb_hairpin doesn't take any parameters",
    ),
    (
        'chk_lb_hairpin;',
        'LogicalSyntaxError', 1,
        "Syntax error at `chk_lb_hairpin' expecting action.",
    ),
    (
        'ct_snat_to_vip(foo);',
        'LogicalSyntaxError', 15,
        "Syntax error at `(' expecting `;'.",
    ),
    (
        'put_fdb(inport, ip4.src);',
        'LogicalTypeError', 17,
        'Cannot use 32-bit field ip4.src[0..31] where 48-bit field is required.',
    ),
    (
        'reg0[1..3] = get_fdb(eth.src);',
        'LogicalTypeError', 14,
        'Cannot use 3-bit field reg0[1..3] where 32-bit field is required.',
    ),
    (
        'reg15 = get_fdb(eth.dst);',
        'LogicalSyntaxError', 1,
        "Syntax error at `reg15' expecting field name.",
    ),
    (
        'reg1[1] = lookup_fdb(ip4.src, eth.src);',
        'LogicalTypeError', 22,
        'Cannot use numeric field ip4.src where string field is required.',
    ),
    (
        'commit_ecmp_nh(ipv6 = maybe, proto = tcp);',
        'LogicalSyntaxError', 23,
        "Syntax error at `maybe' expecting true or false.",
    ),
    (
        'commit_ecmp_nh(ipv6 = true, proto = icmp);',
        'LogicalSyntaxError', 37,
        "Syntax error at `icmp' expecting tcp, udp or sctp.",
    ),
    (
        'icmp4.frag_mtu = "x";',
        'LogicalSyntaxError', 18,
        'Syntax error at `"x"\' expecting integer for icmp4.frag_mtu.',
    ),
    (
        'icmp4 { next(;',
        'LogicalSyntaxError', 14,
        'Syntax error at `;\' expecting "pipeline" or "table".',
    ),
    (
        'arp { output;',
        'LogicalSyntaxError', 14,
        "Syntax error at end of input expecting `}'.",
    ),
    (
        'push(ip);',
        'LogicalTypeError', 6,
        'Predicate symbol ip used where lvalue required.',
    ),
    (
        'pop(ip.proto);',
        'LogicalTypeError', 5,
        'Field ip.proto is not modifiable.',
    ),
    (
        'next; "hello";',
        'LogicalSyntaxError', 7,
        'Syntax error at `"hello"\' expecting action.',
    ),
    (
        'next; @@;',
        'LogicalSyntaxError', 7,
        "`@' must be followed by a valid identifier.",
    ),
    (
        'ip.ttl--',
        'LogicalSyntaxError', 9,
        "Syntax error at end of input expecting `;'.",
    ),
    (
        'xyzzy;',
        'LogicalSyntaxError', 1,
        "Syntax error at `xyzzy' expecting action.",
    ),
    (
        'output',
        'LogicalSyntaxError', 7,
        "Syntax error at end of input expecting `;'.",
    ),
    (
        'reg0 = 1 /* unterminated',
        'LogicalSyntaxError', 10,
        "`/*' without matching `*/'.",
    ),
    # the match parser's rules for constants (pyovn.logical.expr.kinds)
    ("eth.src = 10.0.0.1;", "LogicalTypeError", 11,
     "IPv4 address 10.0.0.1 is not valid for Ethernet field eth.src."),
    ("arp { arp.tha = fe80::1; output; };", "LogicalTypeError", 17,
     "IPv6 address fe80::1 is not valid for Ethernet field arp.tha."),
    ("ip4.dst = 00:00:00:00:00:01;", "LogicalTypeError", 11,
     "Ethernet address 00:00:00:00:00:01 is not valid for IPv4 field ip4.dst."),
    ("nd.target = 10.0.0.1;", "LogicalTypeError", 13,
     "IPv4 address 10.0.0.1 is not valid for IPv6 field nd.target."),
    ("tcp.dst = 0.0.0.80;", "LogicalTypeError", 11,
     "IPv4 address 0.0.0.80 is not valid for integer field tcp.dst."),
    ("eth.src[0..31] = 1.2.3.4;", "LogicalTypeError", 18,
     "IPv4 address 1.2.3.4 is not valid for Ethernet field eth.src[0..31]."),
    ("ip.ttl = 0x40/0xc0;", "LogicalTypeError", 10, "Field ip.ttl does not support masking."),
    ("icmp4.type = 0x3/0x3;", "LogicalTypeError", 14,
     "Field icmp4.type does not support masking."),
]

# Integers, and addresses where the field (or a register) holds one.
ACCEPTED = [
    "eth.src = 0x1;",
    "eth.dst = 00:00:00:00:00:01;",
    "ip4.src = 10.0.0.0/8;",
    "ip6.dst = fe80::1;",
    "reg0 = 10.0.0.1;",
    "xxreg0 = fe80::1;",
    "xreg0[0..47] = 00:00:00:00:00:01;",
    "tcp.dst = 80;",
    "ip.ttl = 64;",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_constant_kinds_accepted(text: str) -> None:
    assert len(parse_actions(text)) == 1


@pytest.mark.parametrize(("text", "kind", "column", "message"), ERRORS,
                         ids=[e[0] for e in ERRORS])
def test_parse_error(text: str, kind: str, column: int, message: str) -> None:
    with pytest.raises(LogicalError) as info:
        parse_actions(text)
    err = info.value
    assert type(err) is getattr(errors, kind)
    assert (err.column, err.message) == (column, message)
    assert str(err) == f"column {column}: {message}"


def test_column_points_into_nested_lists() -> None:
    text = "arp { eth.dst = ff:ff:ff:ff:ff:ff; ip.proto = 6; output; };"
    with pytest.raises(errors.LogicalTypeError) as info:
        parse_actions(text)
    assert text[info.value.column - 1 :].startswith("ip.proto")


def test_next_beyond_last_table() -> None:
    with pytest.raises(ActionEncodeError, match="cannot advance beyond table 31"):
        encode_actions(parse_actions("next;"), make_context(table=31))
    with pytest.raises(ActionEncodeError, match="cannot advance beyond table 31"):
        encode_actions(parse_actions("next(32);"), make_context())


def test_group_and_meter_need_allocators() -> None:
    bare = EncodeContext(Pipeline.INGRESS, 1)
    with pytest.raises(ActionEncodeError, match="group allocator"):
        encode_actions(parse_actions("ct_lb(backends=10.0.0.1);"), bare)
    with pytest.raises(ActionEncodeError, match="meter allocator"):
        encode_actions(parse_actions('log(verdict=drop, meter="m");'), bare)


def test_nested_action_that_has_no_wire_form() -> None:
    with pytest.raises(ActionEncodeError, match="arp"):
        encode_actions(parse_actions("arp { ct_next; };"), make_context())
