"""Golden corpus of logical actions, shared by the actions tests.

Each case: input text, canonical text (None: same as input), the OpenFlow
actions in ovs-ofctl syntax as encoded in ingress table 10 of a switch
(``next`` = table 19, ``output`` = table 40), and the match a flow needs for
OVS to accept those actions (``ip``, ``tcp``...). Controller actions are
rendered by `render` as ``controller(OPCODE{...})`` instead of raw userdata.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyovn.logical import ofactions as of
from pyovn.logical.actions import EncodeContext
from pyovn.logical.actions.controller_ops import ControllerOp
from pyovn.logical.flow import OFAction
from pyovn.logical.layout import Pipeline

PORTS = {"lp1": 5, "lsp1": 0x11, "eth0": 7}


@dataclass(frozen=True)
class Case:
    text: str
    canonical: str | None
    ofctl: str
    match: str = ""


def make_context(pipeline: Pipeline = Pipeline.INGRESS, table: int = 10,
                 is_router: bool = False) -> EncodeContext:
    groups: dict[of.GroupDef, int] = {}
    meters: dict[str, int] = {}
    return EncodeContext(
        pipeline,
        table,
        PORTS.get,
        datapath_key=1,
        is_router=is_router,
        allocate_group=lambda g: groups.setdefault(g, len(groups) + 1),
        allocate_meter=lambda m: meters.setdefault(m, len(meters) + 1),
    )


def _render_one(a: OFAction) -> str:
    if isinstance(a, of.Controller):
        op = ControllerOp.decode(a.userdata)
        parts = []
        if op.actions is not None:
            parts.append(f"actions={len(op.actions)}B")
        if op.result is not None:
            parts.append(f"result={op.result}")
        parts += [f"opt{code}={value.hex()}" for code, value in op.options]
        parts += [f"{k}={v}" for k, v in op.params + op.fields]
        flags = ("," + "pause" if a.pause else "") + (
            f",meter_id={a.meter_id}" if a.meter_id is not None else ""
        )
        return f"controller({op.opcode.name}{{{' '.join(parts)}}}{flags})"
    if isinstance(a, of.Clone):
        return "clone(" + ",".join(_render_one(x) for x in a.actions) + ")"
    return a.to_ofctl()


def render(actions: tuple[OFAction, ...]) -> str:
    return ",".join(_render_one(a) for a in actions) or "drop"


C = Case
CASES: tuple[Case, ...] = (
    # drop, output, next
    C("drop;", None, "drop"),
    C("output;", None, "resubmit(,40)"),
    C("next;", None, "resubmit(,19)"),
    C("next(0);", None, "resubmit(,8)"),
    C("next(23);", None, "resubmit(,31)"),
    C("next(table=12);", "next(12);", "resubmit(,20)"),
    C("next(pipeline=egress);", None, "resubmit(,59)"),
    C("next(pipeline=egress, table=5);", None, "resubmit(,53)"),
    C("next(table=5, pipeline=egress);", "next(pipeline=egress, table=5);", "resubmit(,53)"),
    # constants
    C("tcp.dst=80;", "tcp.dst = 80;", "set_field:0x50->tcp_dst", "tcp"),
    C("eth.dst[40] = 1;", None, "set_field:01:00:00:00:00:00/01:00:00:00:00:00->eth_dst"),
    C("vlan.pcp = 2;", None, "set_field:0x4000/0xe000->vlan_tci"),
    C("vlan.tci[13..15] = 2;", None, "set_field:0x4000/0xe000->vlan_tci"),
    C('inport = "";', None, "set_field:0x0->reg14"),
    C("ip.ttl=4;", "ip.ttl = 4;", "set_field:0x4->nw_ttl", "ip"),
    C('outport="eth0"; next; outport="LOCAL"; next;',
      'outport = "eth0"; next; outport = "LOCAL"; next;',
      "set_field:0x7->reg15,resubmit(,19),set_field:0x0->reg15,resubmit(,19)"),
    C('outport = "lp1"; output;', None, "set_field:0x5->reg15,resubmit(,40)"),
    C("pkt.mark=1;", "pkt.mark = 1;", "set_field:0x1->pkt_mark"),
    C("pkt.mark = 0x3e8;", None, "set_field:0x3e8->pkt_mark"),
    C("pkt.mark = 0x0;", "pkt.mark = 0;", "set_field:0x0->pkt_mark"),
    C("ip4.src = 10.0.0.0/8;", None, "set_field:10.0.0.0/255.0.0.0->ip_src", "ip"),
    C("ip4.dst = 192.168.0.1;", None, "set_field:192.168.0.1->ip_dst", "ip"),
    C("ip6.dst = fe80::1;", None, "set_field:fe80::1->ipv6_dst", "ipv6"),
    C("eth.src = 00:00:00:00:00:01;", None, "set_field:00:00:00:00:00:01->eth_src"),
    C("arp.op = 2;", None, "set_field:0x2->arp_op", "arp"),
    C("nd.target = fe80::2;", None, "set_field:fe80::2->nd_target",
      "icmp6,icmp_type=135,icmp_code=0"),
    C("icmp4.type = 0;", None, "set_field:0x0->icmp_type", "icmp"),
    C("flags.loopback = 1;", None, "set_field:0x1/0x1->reg10"),
    C("reg0[0..7] = 0xff;", None, "set_field:0xff/0xff->reg0"),
    C("reg8[17] = 1;", None, "set_field:0x20000/0x20000->reg8"),
    C("xxreg1 = 1;", None, "set_field:0x1->xxreg1"),
    C("xreg2[0..15] = 5;", None, "set_field:0x5/0xffff->reg5"),
    C("reg1 = 0x1/0x1;", None, "set_field:0x1/0x1->reg1"),
    # moves and exchanges
    C("reg0=reg1;", "reg0 = reg1;", "move:reg1[]->reg0[]"),
    C("vlan.pcp = reg0[0..2];", None, "move:reg0[0..2]->vlan_tci[13..15]"),
    C("reg0[10] = vlan.pcp[1];", None, "move:vlan_tci[14]->reg0[10]"),
    C("outport = inport;", None, "move:reg14[]->reg15[]"),
    C("eth.dst = eth.src;", None, "move:eth_src[]->eth_dst[]"),
    C("ip6.src = xxreg0;", None, "move:xxreg0[]->ipv6_src[]", "ipv6"),
    C("reg0 <-> reg1;", None, "push:reg0[],push:reg1[],pop:reg0[],pop:reg1[]"),
    C("outport <-> inport;", None, "push:reg15[],push:reg14[],pop:reg15[],pop:reg14[]"),
    C("ip4.src <-> ip4.dst;", None,
      "push:ip_src[],push:ip_dst[],pop:ip_src[],pop:ip_dst[]", "ip"),
    C("reg0[10] <-> vlan.pcp[1];", None,
      "push:reg0[10],push:vlan_tci[14],pop:reg0[10],pop:vlan_tci[14]"),
    # ttl, stack, queue, packet length
    C("ip.ttl--;", None, "dec_ttl", "ip"),
    C("ip.ttl--; next;", None, "dec_ttl,resubmit(,19)", "ip"),
    C("push(reg0); pop(reg1);", None, "push:reg0[],pop:reg1[]"),
    C("push(eth.src); pop(eth.dst);", None, "push:eth_src[],pop:eth_dst[]"),
    C("set_queue(0);", None, "set_queue:0"),
    C("set_queue(61440);", None, "set_queue:61440"),
    C("reg0[0] = check_pkt_larger(1500);", None, "check_pkt_larger(1500)->reg0[0]"),
    C("flags.pkt_larger = check_pkt_larger(9000);", None, "check_pkt_larger(9000)->reg10[15]"),
    # clone
    C("clone { ip4.dst = 255.255.255.255; output; }; next;", None,
      "clone(set_field:255.255.255.255->ip_dst,resubmit(,40)),resubmit(,19)", "ip"),
    C("clone { };", "clone { drop; };", "clone()"),
    # conntrack
    C("ct_next;", None, "ct(table=19,zone=reg13[0..15])", "ip"),
    C("ct_next(dnat);", None, "ct(table=19,zone=reg13[0..15])", "ip"),
    C("ct_next(snat);", None, "ct(table=19,zone=reg13[0..15])", "ip"),
    C("ct_clear; ct_next;", None, "ct_clear,ct(table=19,zone=reg13[0..15])", "ip"),
    C("ct_commit;", None, "ct(commit,zone=reg13[0..15])", "ip"),
    C("ct_commit { };", "ct_commit;", "ct(commit,zone=reg13[0..15])", "ip"),
    C("ct_commit { ct_mark=1; };", "ct_commit { ct_mark = 1; };",
      "ct(commit,zone=reg13[0..15],exec(set_field:0x1->ct_mark))", "ip"),
    C("ct_commit { ct_mark=1/1; };", "ct_commit { ct_mark = 1/1; };",
      "ct(commit,zone=reg13[0..15],exec(set_field:0x1/0x1->ct_mark))", "ip"),
    C("ct_commit { ct_mark=1; ct_label=2; };", "ct_commit { ct_mark = 1; ct_label = 2; };",
      "ct(commit,zone=reg13[0..15],exec(set_field:0x1->ct_mark,set_field:0x2->ct_label))",
      "ip"),
    C("ct_commit { ct_label=0x01020304050607080910111213141516; };",
      "ct_commit { ct_label = 0x1020304050607080910111213141516; };",
      "ct(commit,zone=reg13[0..15],exec(set_field:0x1020304050607080910111213141516"
      "->ct_label))", "ip"),
    C("ct_commit { ct_label[0..47] = 0x00000f040201; ct_label[48..63] = 0x0002; };",
      "ct_commit { ct_label[0..47] = 0xf040201; ct_label[48..63] = 0x2; };",
      "ct(commit,zone=reg13[0..15],exec(set_field:0xf040201/0xffffffffffff->ct_label,"
      "set_field:0x2000000000000/0xffff000000000000->ct_label))", "ip"),
    C("reg8[17] = 1; ct_commit { ct_mark.blocked = 1; };", None,
      "set_field:0x20000/0x20000->reg8,ct(commit,zone=reg13[0..15],"
      "exec(set_field:0x1/0x1->ct_mark))", "ip"),
    C("ct_commit { ct_mark.blocked = 0; ct_label.label = reg2; };", None,
      "ct(commit,zone=reg13[0..15],exec(set_field:0x0/0x1->ct_mark,"
      "move:reg2[]->ct_label[96..127]))", "ip"),
    C("ct_clear; ct_commit { }; next;", "ct_clear; ct_commit; next;",
      "ct_clear,ct(commit,zone=reg13[0..15]),resubmit(,19)", "ip"),
    C("ct_commit_nat;", None, "ct(commit,table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_commit_nat(snat);", None, "ct(commit,table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_commit_to_zone(dnat);", None, "ct(commit,table=19,zone=reg13[0..15])", "ip"),
    C("ct_dnat;", None, "ct(table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_dnat(192.168.1.2);", None,
      "ct(commit,table=19,zone=reg13[0..15],nat(dst=192.168.1.2))", "ip"),
    C("ct_dnat(fd11::2);", None, "ct(commit,table=19,zone=reg13[0..15],nat(dst=fd11::2))",
      "ipv6"),
    C("ct_dnat(192.168.1.2, 1-3000);", "ct_dnat(192.168.1.2,1-3000);",
      "ct(commit,table=19,zone=reg13[0..15],nat(dst=192.168.1.2:1-3000,random))", "ip"),
    C("ct_dnat(192.168.1.2, 1000);", "ct_dnat(192.168.1.2,1000);",
      "ct(commit,table=19,zone=reg13[0..15],nat(dst=192.168.1.2:1000))", "ip"),
    C("ct_snat;", None, "ct(table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_snat(192.168.1.2);", None,
      "ct(commit,table=19,zone=reg13[0..15],nat(src=192.168.1.2))", "ip"),
    C("ct_snat(fd11::2, 80-90);", "ct_snat(fd11::2,80-90);",
      "ct(commit,table=19,zone=reg13[0..15],nat(src=[fd11::2]:80-90,random))", "ipv6"),
    C("ct_dnat_in_czone(192.168.1.2);", None,
      "ct(commit,table=19,zone=reg13[0..15],nat(dst=192.168.1.2))", "ip"),
    C("ct_snat_in_czone;", None, "ct(table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_clear;", None, "ct_clear"),
    C("ct_lb;", None, "ct(table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_lb();", "ct_lb;", "ct(table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_lb_mark;", None, "ct(table=19,zone=reg13[0..15],nat)", "ip"),
    C("ct_lb(backends=192.168.1.2:80,192.168.1.3:80);", None, "group:1", "ip"),
    C("ct_lb(backends=192.168.1.2, 192.168.1.3, );",
      "ct_lb(backends=192.168.1.2,192.168.1.3);", "group:1", "ip"),
    C("ct_lb(backends=fd0f::2, fd0f::3, );", "ct_lb(backends=fd0f::2,fd0f::3);", "group:1",
      "ipv6"),
    C('ct_lb(backends=fd0f::2,fd0f::3; hash_fields="eth_src,eth_dst,ip_src,ip_dst,tp_src,tp_dst");',
      None, "group:1", "ipv6"),
    C("ct_lb_mark(backends=[fd0f::2]:80,[fd0f::3]:80);", None, "group:1", "ipv6"),
    C("ct_lb_mark(backends=192.168.1.2:80,192.168.1.3:80; skip_snat);", None, "group:1", "ip"),
    C("ct_lb_mark(backends=192.168.1.2:80,192.168.1.3:80; force_snat);", None, "group:1",
      "ip"),
    C('ct_lb_mark(backends=192.168.1.2:80,192.168.1.3:80; hash_fields="eth_src,eth_dst,'
      'ip_src,ip_dst,tcp_src,tcp_dst"; skip_snat);', None, "group:1", "ip"),
    C("ct_snat_to_vip;", None, "resubmit(,88)"),
    C("reg9[16..31] = select(1=50, 2=100, 3, );", "reg9[16..31] = select(1=50, 2=100, 3=100);",
      "group:1"),
    C("reg0 = select(1, 2);", "reg0 = select(1=100, 2=100);", "group:1"),
    C('xxreg1[0..15] = select(values=(1=50, 2); hash_fields="ip_src,ip_dst");',
      'xxreg1[0..15] = select(values=(1=50, 2=100); hash_fields="ip_src,ip_dst");',
      "group:1", "ip"),
    # lookups through tables
    C("get_arp(outport, ip4.dst);", None,
      "push:reg0[],move:ip_dst[]->reg0[],set_field:00:00:00:00:00:00->eth_dst,"
      "resubmit(,82),pop:reg0[]", "ip"),
    C("get_arp(inport, reg0);", None,
      "push:reg15[],move:reg14[]->reg15[],set_field:00:00:00:00:00:00->eth_dst,"
      "resubmit(,82),pop:reg15[]"),
    C("get_nd(outport, ip6.dst);", None,
      "push:xxreg0[],move:ipv6_dst[]->xxreg0[],set_field:00:00:00:00:00:00->eth_dst,"
      "resubmit(,82),pop:xxreg0[]", "ipv6"),
    C("reg0[0] = lookup_arp(inport, ip4.dst, eth.src);", None,
      "push:reg0[],move:ip_dst[]->reg0[],set_field:0x0/0x40->reg10,resubmit(,83),"
      "pop:reg0[],move:reg10[6]->reg0[0]", "ip"),
    C("reg1[1] = lookup_arp(inport, arp.spa, arp.sha);", None,
      "push:reg0[],move:arp_spa[]->reg0[],push:eth_src[],move:arp_sha[]->eth_src[],"
      "set_field:0x0/0x40->reg10,resubmit(,83),pop:eth_src[],pop:reg0[],"
      "move:reg10[6]->reg1[1]", "arp"),
    C("reg2[0] = lookup_nd(inport, ip6.dst, eth.src);", None,
      "push:xxreg0[],move:ipv6_dst[]->xxreg0[],set_field:0x0/0x40->reg10,resubmit(,83),"
      "pop:xxreg0[],move:reg10[6]->reg2[0]", "ipv6"),
    C("reg0[0] = lookup_arp_ip(inport, ip4.dst);", None,
      "push:reg15[],move:reg14[]->reg15[],push:reg0[],move:ip_dst[]->reg0[],push:eth_dst[],"
      "set_field:0x0/0x40->reg10,resubmit(,82),pop:eth_dst[],pop:reg0[],pop:reg15[],"
      "move:reg10[6]->reg0[0]", "ip"),
    C("reg2[0] = lookup_nd_ip(outport, xxreg0);", None,
      "push:eth_dst[],set_field:0x0/0x40->reg10,resubmit(,82),pop:eth_dst[],"
      "move:reg10[6]->reg2[0]"),
    C("outport = get_fdb(eth.dst);", None, "set_field:0x0->reg15,resubmit(,84)"),
    C("outport = get_fdb(eth.src);", None,
      "push:eth_dst[],move:eth_src[]->eth_dst[],set_field:0x0->reg15,resubmit(,84),"
      "pop:eth_dst[]"),
    C("reg0 = get_fdb(arp.tha);", None,
      "push:eth_dst[],move:arp_tha[]->eth_dst[],push:reg15[],set_field:0x0->reg15,"
      "resubmit(,84),move:reg15[]->reg0[],pop:reg15[],pop:eth_dst[]", "arp"),
    C("reg0[0] = lookup_fdb(inport, eth.src);", None,
      "set_field:0x0/0x100->reg10,resubmit(,85),move:reg10[8]->reg0[0]"),
    C("reg1[4] = lookup_fdb(outport, eth.dst);", None,
      "push:reg14[],move:reg15[]->reg14[],push:eth_src[],move:eth_dst[]->eth_src[],"
      "set_field:0x0/0x100->reg10,resubmit(,85),pop:eth_src[],pop:reg14[],"
      "move:reg10[8]->reg1[4]"),
    C("reg0[0] = chk_lb_hairpin();", None,
      "set_field:0x0/0x80->reg10,resubmit(,86),move:reg10[7]->reg0[0]"),
    C("reg2[2] = chk_lb_hairpin_reply();", None,
      "set_field:0x0/0x80->reg10,resubmit(,87),move:reg10[7]->reg2[2]"),
    C("reg0[0] = check_in_port_sec();", None,
      "set_field:0x0/0x1000->reg10,resubmit(,89),move:reg10[12]->reg0[0]"),
    C("reg2[2] = check_out_port_sec();", None,
      "set_field:0x0/0x1000->reg10,resubmit(,91),move:reg10[12]->reg2[2]"),
    C('commit_ecmp_nh(ipv6 = "false", proto = tcp);',
      "commit_ecmp_nh(ipv6 = false, proto = tcp);",
      "learn(table=92,idle_timeout=20,hard_timeout=30,delete_learned,metadata[],eth_src[],"
      "eth_type=0x800,ip_src[],ip_dst[],nw_proto=6,tcp_src[],tcp_dst[],"
      "load:0x1->reg10[13]),learn(table=93,idle_timeout=20,hard_timeout=30,"
      "delete_learned,metadata[],eth_type=0x800,ip_src[]=ip_dst[],ip_dst[]=ip_src[],"
      "nw_proto=6,tcp_src[]=tcp_dst[],tcp_dst[]=tcp_src[],load:0x1->reg10[13])", "tcp"),
    C("commit_ecmp_nh(ipv6 = true, proto = udp);", None,
      "learn(table=92,idle_timeout=20,hard_timeout=30,delete_learned,metadata[],eth_src[],"
      "eth_type=0x86dd,ipv6_src[],ipv6_dst[],nw_proto=17,udp_src[],udp_dst[],"
      "load:0x1->reg10[13]),learn(table=93,idle_timeout=20,hard_timeout=30,"
      "delete_learned,metadata[],eth_type=0x86dd,ipv6_src[]=ipv6_dst[],"
      "ipv6_dst[]=ipv6_src[],nw_proto=17,udp_src[]=udp_dst[],udp_dst[]=udp_src[],"
      "load:0x1->reg10[13])", "udp6"),
    # controller actions
    C("arp { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", None,
      "controller(ARP{actions=32B},pause),resubmit(,40)", "ip"),
    C("arp { };", "arp { drop; };", "controller(ARP{actions=0B},pause)", "ip"),
    C("nd_ns { nd.target = xxreg0; output; };", None,
      "controller(ND_NS{actions=40B},pause)", "icmp6,icmp_type=135,icmp_code=0"),
    C('nd_na { eth.src = 12:34:56:78:9a:bc; nd.tll = 12:34:56:78:9a:bc; outport = inport; '
      'inport = ""; /* Allow sending out inport. */ output; };',
      'nd_na { eth.src = 12:34:56:78:9a:bc; nd.tll = 12:34:56:78:9a:bc; outport = inport; '
      'inport = ""; output; };',
      "controller(ND_NA{actions=88B},pause)", "icmp6,icmp_type=136,icmp_code=0"),
    C("nd_na_router { eth.src = 12:34:56:78:9a:bc; output; };", None,
      "controller(ND_NA_ROUTER{actions=32B},pause)", "icmp6,icmp_type=135,icmp_code=0"),
    C("icmp4 { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", None,
      "controller(ICMP4{actions=32B},pause),resubmit(,40)", "ip"),
    C("icmp4 { eth.dst = ff:ff:ff:ff:ff:ff; icmp4.frag_mtu = 1500; output; }; output;", None,
      "controller(ICMP4{actions=56B},pause),resubmit(,40)", "ip"),
    C("icmp4_error { };", "icmp4_error { drop; };",
      "controller(ICMP4_ERROR{actions=0B},pause)", "ip"),
    C("icmp6 { eth.dst = ff:ff:ff:ff:ff:ff; output; };", None,
      "controller(ICMP6{actions=32B},pause)", "ipv6"),
    C("icmp6_error { icmp6.frag_mtu = 1500; output; };", None,
      "controller(ICMP6_ERROR{actions=40B},pause)", "ipv6"),
    C("tcp_reset { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;", None,
      "controller(TCP_RESET{actions=32B},pause),resubmit(,40)", "tcp"),
    C("reject { };", "reject { drop; };", "controller(REJECT{actions=0B},pause)"),
    C("sctp_abort {eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;",
      "sctp_abort { eth.dst = ff:ff:ff:ff:ff:ff; output; }; output;",
      "controller(SCTP_ABORT{actions=32B},pause),resubmit(,40)", "sctp"),
    C("icmp4.frag_mtu = 1500;", None, "note:6f.76.6e.00.00.00.00.00.05.dc"),
    C("put_arp(inport, arp.spa, arp.sha);", None,
      "controller(PUT_ARP{port=reg14[] ip=arp_spa[] mac=arp_sha[]},pause)", "arp"),
    C("put_nd(inport, nd.target, nd.sll);", None,
      "controller(PUT_ND{port=reg14[] ip=nd_target[] mac=nd_sll[]},pause)",
      "icmp6,icmp_type=135,icmp_code=0"),
    C("put_fdb(inport, eth.src);", None, "controller(PUT_FDB{port=reg14[] mac=eth_src[]},pause)"),
    C("handle_svc_check(inport);", None, "controller(HANDLE_SVC_CHECK{port=reg14[]},pause)"),
    C("reg1[0] = dns_lookup();", None, "controller(DNS_LOOKUP{result=reg1[0]},pause)", "udp"),
    C("reg1[0] = put_dhcp_opts(offerip = 1.2.3.4, router = 10.0.0.1);", None,
      "controller(PUT_DHCP_OPTS{result=reg1[0] opt0=01020304 opt3=0a000001},pause)", "udp"),
    C("reg0[15] = put_dhcp_opts(offerip=10.0.0.4,router=10.0.0.1,mtu=1400,"
      "ip_forward_enable=1,dns_server={8.8.8.8,7.7.7.7},"
      "classless_static_route={30.0.0.0/24,10.0.0.4,0.0.0.0/0,10.0.0.1},"
      'domain_search_list="ovn.org,abc.ovn.org",lease_time=3600);',
      "reg0[15] = put_dhcp_opts(offerip = 10.0.0.4, router = 10.0.0.1, mtu = 1400, "
      "ip_forward_enable = 1, dns_server = {8.8.8.8, 7.7.7.7}, "
      "classless_static_route = {30.0.0.0/24, 10.0.0.4, 0.0.0.0/0, 10.0.0.1}, "
      'domain_search_list = "ovn.org,abc.ovn.org", lease_time = 3600);',
      "controller(PUT_DHCP_OPTS{result=reg0[15] opt0=0a000004 opt3=0a000001 opt26=0578 "
      "opt19=01 opt6=0808080807070707 opt121=181e00000a000004000a000001 "
      "opt119=036f766e036f72670003616263036f766e036f726700 opt51=00000e10},pause)", "udp"),
    C("reg1[0] = put_dhcpv6_opts(ia_addr = ae70::4, server_id = 00:00:00:00:10:02);", None,
      "controller(PUT_DHCPV6_OPTS{result=reg1[0] opt5=ae700000000000000000000000000004 "
      "opt2=000000001002},pause)", "udp6"),
    C("reg1[0] = put_dhcpv6_opts(dns_server={ae70::1,ae70::2});",
      "reg1[0] = put_dhcpv6_opts(dns_server = {ae70::1, ae70::2});",
      "controller(PUT_DHCPV6_OPTS{result=reg1[0] opt23=ae700000000000000000000000000001"
      "ae700000000000000000000000000002},pause)", "udp6"),
    C('reg1[0] = put_nd_ra_opts(addr_mode = "slaac", mtu = 1500, prefix = aef0::/64, '
      "slla = ae:01:02:03:04:05);", None,
      "controller(PUT_ND_RA_OPTS{result=reg1[0] opt1=736c616163 opt4=000005dc "
      "opt3=40aef00000000000000000000000000000 opt2=ae0102030405},pause)", "ipv6"),
    C("log(verdict=allow, severity=warning);", None,
      "controller(LOG{verdict=allow severity=warning})"),
    C("log(verdict=drop);", "log(verdict=drop, severity=info);",
      "controller(LOG{verdict=drop severity=info})"),
    C('log(name="test1", verdict=drop, severity=info, meter="meter1");', None,
      "controller(LOG{verdict=drop severity=info name=test1},meter_id=1)"),
    C('log(severity=alert, meter="m", name="acl", verdict=reject);',
      'log(name="acl", verdict=reject, severity=alert, meter="m");',
      "controller(LOG{verdict=reject severity=alert name=acl},meter_id=1)"),
    C('trigger_event(event = "empty_lb_backends", vip = "10.0.0.1:80", protocol = "tcp", '
      'load_balancer = "12345678-abcd-9876-fedc-11119f8e7d6c");', None,
      "controller(TRIGGER_EVENT{event=empty_lb_backends vip=10.0.0.1:80 protocol=tcp "
      "load_balancer=12345678-abcd-9876-fedc-11119f8e7d6c})"),
    C('trigger_event(event = "empty_lb_backends", meter = "event-elb", vip = "10.0.0.1:80");',
      None,
      "controller(TRIGGER_EVENT{event=empty_lb_backends vip=10.0.0.1:80},meter_id=1)"),
    C('bind_vport("lsp1", inport);', None,
      "controller(BIND_VPORT{vport=lsp1 vport_key=17 port=reg14[]},pause)"),
    C('bind_vport("lsp2", inport);', None, "drop"),
    C("igmp;", None, "controller(IGMP{},pause)"),
)
