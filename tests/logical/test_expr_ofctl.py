"""Real OVS accepts every flow the match compiler emits for a broad corpus.

`ovs-ofctl parse-flows` (no switch needed) parses each flow with OVS's own
field prerequisites, mask and conjunction checks; `add-flows` on a netdev
bridge of a throwaway ovs-vswitchd (own network namespace) installs them.
"""

from __future__ import annotations

import itertools
import random
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from ovs_switch import parse_flows

from pyovn.logical.expr.pipeline import MatchEnv, compile_match
from pyovn.logical.expr.to_matches import to_flows
from pyovn.logical.flow import FieldMatch, Flow, Resubmit

ENV = MatchEnv.from_strings(
    {
        "as4": ["10.0.0.1", "10.0.0.7", "172.16.0.0/12", "192.168.3.9"],
        "as6": ["fd00::1", "fd00::9", "2001:db8::/32"],
        "macs": ["0a:00:00:00:00:01", "0a:00:00:00:00:05"],
    },
    {"pg1": ["lp1", "lp2", "lp3"], "pg2": ["lp4", "lp9"]},
)

ATOMS = [
    "ip4",
    "ip6",
    "ip",
    "arp",
    "tcp",
    "udp",
    "sctp",
    "icmp4",
    "icmp6",
    "icmp",
    "igmp",
    "nd",
    "nd_ns",
    "nd_na",
    "nd_rs",
    "nd_ra",
    "mldv1",
    "mldv2",
    "eth.bcast",
    "eth.mcast",
    "ip4.mcast",
    "ip6.mcast",
    "vlan.present",
    "ip.is_frag",
    "ip.later_frag",
    "ip.first_frag",
    "ct.new",
    "ct.est",
    "ct.rel",
    "ct.rpl",
    "ct.inv",
    "ct.trk",
    "ct.snat",
    "ct.dnat",
    "!ct.est",
    "ct_label.blocked",
    "ct_mark.blocked == 0",
    "ct_mark.natted",
    "ct_label.label == 5",
    "ct_mark.ecmp_reply_port == 3",
    "ct_label.ecmp_reply_eth == 1",
    "flags.loopback",
    "!flags.localport",
    "flags.from_ctrl == 1",
    "pkt.mark == 7",
    "reg0 == 1",
    "reg9[3..5] == 2",
    "xreg2 == 0x1234",
    "xxreg1[0..7] == 0xff",
    "reg5 != 4",
    "reg3 >= 100",
    "ct_state == 0x21/0x21",
    'inport == "lp1"',
    'outport == {"lp2", "lp4"}',
    "inport == @pg1",
    "outport == @pg2",
    "eth.src == 0a:00:00:00:00:01",
    "eth.dst == $macs",
    "eth.type == 0x88cc",
    "vlan.vid == 100",
    "vlan.pcp > 3",
    "vlan.tci == 0x1000/0x1000",
    "ip.proto == 47",
    "ip.ttl == 1",
    "ip.dscp == 46",
    "ip.ecn == 3",
    "ip4.src == 10.0.0.0/8",
    "ip4.dst == $as4",
    "ip4.src != 192.168.0.0/16",
    "ip6.src == fe80::/10",
    "ip6.dst == $as6",
    "ip6.label == 0x12345",
    "icmp4.type == 8",
    "icmp4.code == 0",
    "icmp6.type == {128, 129}",
    "icmp6.code == 0",
    "arp.op == 1",
    "arp.spa == 10.0.0.1",
    "arp.tpa == 10.0.0.0/24",
    "arp.sha == 0a:00:00:00:00:01",
    "arp.tha == 00:00:00:00:00:00",
    "nd.target == fe80::1",
    "nd.sll == 0a:00:00:00:00:01",
    "nd.tll == 0a:00:00:00:00:02",
    "tcp.src == 22",
    "tcp.dst == {80, 443, 8080}",
    "tcp.dst >= 1024",
    "1000 <= tcp.dst <= 2000",
    "tcp.flags == 0x2",
    "tcp.flags & 1 == 1",
    "udp.src == 68 && udp.dst == 67",
    "udp.dst != 53",
    "sctp.dst == 5000",
    "sctp.src < 10",
    'is_chassis_resident("cr-lrp")',
    "1",
    "eth.src[40]",
    "eth.mcastv6",
    "ip4.src_mcast",
    "ip6.mcast_flood",
    "ip6.mcast_sol_node",
    "rarp",
    "rarp.op == 3",
]


def corpus() -> list[str]:
    """Single atoms, pairs, and ACL-like triples over the atoms above."""
    good = [a for a in ATOMS if "&" not in a or "&&" in a]
    pairs = [f"{a} && {b}" for a, b in itertools.combinations(good, 2)]
    acl = [
        f"{p} && {l3} && {l4}"
        for p, l3, l4 in itertools.product(
            ["inport == @pg1", "outport == @pg2", 'outport == "lp3"'],
            ["ip4.src == $as4", "ip6.dst == $as6", "ip4.dst == 10.0.0.0/24"],
            ["tcp.dst == {22, 80, 443}", "udp.dst >= 1024", "icmp4", "ct.new && tcp"],
        )
    ]
    return good + pairs[::7] + acl


def compile_corpus() -> Iterator[Flow]:
    keys = {f"lp{i}": i for i in range(1, 10)}
    ids = itertools.count(1)
    for text in corpus():
        try:
            compiled = compile_match(text, ENV, keys.get, {"cr-lrp"}.__contains__)
        except Exception as err:  # noqa: BLE001 - name the expression in the failure
            raise AssertionError(f"{text}: {err}") from err
        meta = (FieldMatch("metadata", 5),)
        yield from to_flows(compiled, 10, 1000, (Resubmit(11),), ids.__next__, meta)


def test_corpus_is_broad() -> None:
    texts = corpus()
    flows = list(compile_corpus())
    assert len(texts) >= 300
    assert len(flows) >= 1000
    assert any(f.match.conj_id is not None for f in flows)


@pytest.mark.integration
def test_ovs_ofctl_parses_every_flow(tmp_path: Path) -> None:
    flows = [f.to_ofctl() for f in compile_corpus()]
    assert len(parse_flows(tmp_path, flows)) == len(flows)


@pytest.mark.system
@pytest.mark.slow
def test_ovs_vswitchd_installs_every_flow(tmp_path: Path, netdev_bridge: Path) -> None:
    flows = [f.to_ofctl() for f in compile_corpus()]
    path = tmp_path / "flows.txt"
    path.write_text("\n".join(flows) + "\n")
    target = f"unix:{netdev_bridge}"
    added = subprocess.run(
        ["ovs-ofctl", "-O", "OpenFlow15", "--bundle", "add-flows", target, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert added.returncode == 0, added.stderr[-3000:]
    dump = subprocess.run(
        ["ovs-ofctl", "-O", "OpenFlow15", "dump-flows", target, "table=10"],
        check=True,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    installed = [line for line in dump.splitlines() if "priority=1000" in line]
    # Flows of different expressions may share a match (the later one replaces
    # the earlier); count distinct matches, field order aside.
    distinct = {frozenset(f.split(" actions=")[0].split(",")) for f in flows}
    assert len(installed) == len(distinct)


@dataclass(frozen=True)
class _RawAction:
    text: str

    def to_ofctl(self) -> str:
        return self.text


def _trace_spec(of_packet: dict[str, int]) -> str:
    """An ofproto/trace flow for a packet given by its OpenFlow fields."""
    frag_names = {0: "no", 1: "first", 3: "later"}
    parts = ["in_port=LOCAL", f"eth_type={of_packet.get('eth_type', 0x1234):#x}"]
    for name, value in of_packet.items():
        if name == "eth_type" or (value == 0 and name != "nw_frag"):
            continue
        if name == "nw_frag":
            if of_packet.get("eth_type") in (0x800, 0x86DD):
                parts.append(f"nw_frag={frag_names[value]}")
        elif name in ("ip_src", "ip_dst"):
            parts.append(f"{name}={'.'.join(str(value >> s & 255) for s in (24, 16, 8, 0))}")
        elif name in ("eth_src", "eth_dst"):
            parts.append(f"{name}={':'.join(f'{value >> s & 255:02x}' for s in range(40, -8, -8))}")
        else:
            parts.append(f"{name}={value:#x}")
    return ",".join(parts)


@pytest.mark.system
@pytest.mark.slow
def test_ovs_vswitchd_decides_like_our_evaluation(tmp_path: Path, netdev_bridge: Path) -> None:
    """Install each expression's flows (conjunctions included) in a table of its own;
    ofproto/trace of random packets must set exactly the bits of the expressions our
    evaluation says match."""
    from test_expr_differential import ENV as DIFF_ENV
    from test_expr_differential import PORTS, _random_expressions, _random_packet
    from test_expr_property import eval_expr, openflow_packet

    from pyovn.logical.errors import LogicalTypeError
    from pyovn.logical.expr import ast
    from pyovn.logical.expr.annotate import annotate
    from pyovn.logical.expr.normalize import normalize, simplify
    from pyovn.logical.expr.pipeline import parse
    from pyovn.logical.expr.to_matches import clause_matches

    rng = random.Random(7)
    exprs = _random_expressions(rng, 60) + [
        "ip4.src == $as1 && inport == @pg2 && tcp.dst == {22, 80, 99}",
        "ip4.dst == $as2 && ip4.src == $as1 && (udp.dst <= 53 || tcp.src < 1000)",
        'inport == {"p1", "p2", "vm1"} && ip4.src == {10.0.0.1, 10.0.0.9} && tcp',
    ]
    ids = itertools.count(1)
    lines: list[str] = []
    kept: list[ast.Expr] = []
    for text in exprs:
        expr = annotate(parse(text, DIFF_ENV).expr)
        try:
            compiled = clause_matches(normalize(simplify(expr)), PORTS.get)
        except LogicalTypeError:
            continue
        table = len(kept)
        mark = _RawAction(f"set_field:{1 << table:#x}/{1 << table:#x}->tun_id")
        flows = to_flows(compiled, table, 100, (mark, Resubmit(table + 1)), ids.__next__)
        lines += [f.to_ofctl() for f in flows]
        lines.append(f"table={table},priority=0 actions=resubmit(,{table + 1})")
        kept.append(expr)
    path = tmp_path / "flows.txt"
    path.write_text("\n".join(lines) + "\n")
    target = f"unix:{netdev_bridge}"
    subprocess.run(
        ["ovs-ofctl", "-O", "OpenFlow15", "--bundle", "add-flows", target, str(path)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    ctl = str(netdev_bridge.parent / "vswitchd.ctl")  # the switch's run directory
    for _ in range(12):
        pkt = _random_packet(rng)
        if pkt.get("ip.frag"):
            # OVS's default fragment handling ("normal") reads the L4 fields of
            # every fragment, first ones included, as 0.
            pkt = {k: v for k, v in pkt.items() if not k.startswith(("tcp.", "udp."))}
        spec = _trace_spec(openflow_packet(pkt))
        out = subprocess.run(
            ["ovs-appctl", "-t", ctl, "ofproto/trace", "br0", spec],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert out.returncode == 0, (spec, out.stderr)
        final = re.search(r"^Final flow: (.*)$", out.stdout, re.M)
        tun = re.search(r"tun_id=(0x[0-9a-f]+)", final.group(1) if final else "")
        got = int(tun.group(1), 16) if tun else 0
        want = sum(1 << i for i, expr in enumerate(kept) if eval_expr(expr, pkt))
        assert got == want, (spec, [i for i in range(len(kept)) if (got ^ want) >> i & 1])
