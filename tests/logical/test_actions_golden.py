"""Golden cases: action text in, canonical text and OpenFlow out, side by side."""

from __future__ import annotations

import pytest
from actions_cases import CASES, Case, make_context, render

from pyovn.logical.actions import encode_actions_full, format_actions, parse_actions


@pytest.mark.parametrize("case", CASES, ids=[c.text for c in CASES])
def test_golden(case: Case) -> None:
    actions = parse_actions(case.text)
    canonical = format_actions(actions)
    assert canonical == (case.canonical or case.text)
    assert parse_actions(canonical) == actions
    result = encode_actions_full(actions, make_context())
    assert render(result.actions) == case.ofctl


def test_ct_lb_group_definition() -> None:
    actions = parse_actions(
        'ct_lb_mark(backends=192.168.1.2:80,[fd0f::3]:8080; hash_fields="ip_src,ip_dst"; '
        "skip_snat; force_snat);".replace("[fd0f::3]:8080", "192.168.1.3:8080")
    )
    result = encode_actions_full(actions, make_context())
    assert [g for g, _ in result.groups] == [1]
    assert result.groups[0][1].to_ofctl_with_id(1) == (
        "group_id=1,type=select,selection_method=hash,fields(ip_src,ip_dst),"
        "bucket=bucket_id=0,weight:100,actions=ct(commit,table=19,zone=reg13[0..15],"
        "nat(dst=192.168.1.2:80),exec(set_field:0x2/0x2->ct_mark,set_field:0x4/0x4->ct_mark,"
        "set_field:0x8/0x8->ct_mark)),"
        "bucket=bucket_id=1,weight:100,actions=ct(commit,table=19,zone=reg13[0..15],"
        "nat(dst=192.168.1.3:8080),exec(set_field:0x2/0x2->ct_mark,set_field:0x4/0x4->ct_mark,"
        "set_field:0x8/0x8->ct_mark))"
    )


def test_legacy_ct_lb_marks_label() -> None:
    result = encode_actions_full(parse_actions("ct_lb(backends=10.0.0.1);"), make_context())
    assert "exec(set_field:0x2/0x2->ct_label)" in result.groups[0][1].to_ofctl()
    assert "nat(dst=10.0.0.1)" in result.groups[0][1].to_ofctl()


def test_identical_lb_shares_group() -> None:
    ctx = make_context()
    text = "ct_lb_mark(backends=10.0.0.1:80,10.0.0.2:80);"
    first = encode_actions_full(parse_actions(text), ctx)
    second = encode_actions_full(parse_actions(text), ctx)
    other = encode_actions_full(parse_actions("ct_lb_mark(backends=10.0.0.3);"), ctx)
    assert first.groups[0][0] == second.groups[0][0] == 1
    assert other.groups[0][0] == 2


@pytest.mark.parametrize(
    ("text", "ofctl"),
    [
        ("ct_next;", "ct(table=19,zone=reg11[0..15])"),
        ("ct_next(snat);", "ct(table=19,zone=reg12[0..15])"),
        ("ct_commit;", "ct(commit,zone=reg12[0..15])"),
        ("ct_dnat;", "ct(table=19,zone=reg11[0..15],nat)"),
        ("ct_snat(10.0.0.1);", "ct(commit,table=19,zone=reg12[0..15],nat(src=10.0.0.1))"),
        ("ct_snat_in_czone(10.0.0.1);",
         "ct(commit,table=19,zone=reg11[0..15],nat(src=10.0.0.1))"),
        ("ct_dnat_in_czone;", "ct(table=19,zone=reg11[0..15],nat)"),
        ("ct_commit_to_zone(snat);", "ct(commit,table=19,zone=reg12[0..15])"),
        ("ct_lb_mark;", "ct(table=19,zone=reg11[0..15],nat)"),
    ],
)
def test_router_zones(text: str, ofctl: str) -> None:
    result = encode_actions_full(parse_actions(text), make_context(is_router=True))
    assert render(result.actions) == ofctl


def test_egress_output_and_next() -> None:
    from pyovn.logical.layout import Pipeline

    ctx = make_context(Pipeline.EGRESS, 3)
    result = encode_actions_full(parse_actions("next; output; next(pipeline=ingress, table=0);"),
                                 ctx)
    assert render(result.actions) == "resubmit(,52),resubmit(,80),resubmit(,8)"


def test_paused_controller_actions_use_controller_meter() -> None:
    from dataclasses import replace

    ctx = replace(make_context(), controller_meter="ctl-rate")
    result = encode_actions_full(parse_actions("arp { output; }; log(verdict=allow);"), ctx)
    assert render(result.actions) == (
        "controller(ARP{actions=16B},pause,meter_id=1),controller(LOG{verdict=allow "
        "severity=info})"
    )
    assert result.meters == ((1, "ctl-rate"),)


@pytest.mark.parametrize(
    ("text", "prereqs"),
    [
        ("next; output;", None),
        ("ip.ttl--; next;", "ip"),
        ("tcp.dst = 80; ip4.src <-> ip4.dst;", "tcp && ip4"),
        ("vlan.pcp = 2;", "vlan.present"),
        ("ct_commit { ct_mark.blocked = 1; };", "ip"),
        ("clone { ip6.dst = fe80::1; output; };", "ip6"),
        ("icmp4 { ip4.dst <-> ip4.src; output; };", "ip4"),
        ("nd_na { nd.tll = 12:34:56:78:9a:bc; output; };", "nd_ns"),
        ("reg1[0] = lookup_arp(inport, arp.spa, arp.sha);", "arp"),
        ("put_nd(inport, nd.target, nd.sll);", "nd && nd_ns"),
        ("reg0[0] = dns_lookup();", "udp"),
        ("commit_ecmp_nh(ipv6 = true, proto = sctp);", "ip6 && sctp"),
        ("reject { output; }; log(verdict=drop);", None),
    ],
)
def test_prerequisites(text: str, prereqs: str | None) -> None:
    from pyovn.logical.actions.prereqs import action_prerequisites

    assert action_prerequisites(parse_actions(text)) == prereqs


def test_context_from_openflow_table() -> None:
    from pyovn.logical.actions import EncodeContext, encode_actions

    ctx = EncodeContext.at_openflow_table(50, lookup_port={"p": 3}.get)
    assert (ctx.pipeline.value, ctx.table) == ("egress", 2)
    actions = encode_actions(parse_actions('outport = "p"; next;'), ctx)
    assert render(actions) == "set_field:0x3->reg15,resubmit(,51)"
    with pytest.raises(ValueError):
        EncodeContext.at_openflow_table(0)
