"""Differential tests against OVN 23.03's own expression code, through ovn-trace.

ovn-trace parses every Logical_Flow match of the southbound database with
OVN's expr_parse_string (logging ``MATCH: parsing expression failed
(ERROR)`` for bad ones) and evaluates matches on a microflow with OVN's
expr_evaluate. So a throwaway SB database (our ovsdb-server is not needed:
OVS's ovsdb-server serves it) gives two comparisons:

- parse errors: for each expression, OVN's error message (or acceptance)
  equals ours, except the documented deviations below;
- semantics: each expression sits in its own logical table at priority 100,
  a catch-all ``1`` at priority 50; for random packets, the flow ovn-trace
  reports per table says whether OVN's evaluation matched, which must equal
  our evaluation (and that of our OpenFlow flows).
"""

from __future__ import annotations

import itertools
import json
import random
import re
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
from ovs_switch import ovsdb_server
from test_expr_golden import ERRORS, STRICTER_THAN_OVN
from test_expr_property import eval_expr, eval_flows, openflow_packet

from pyovn.logical.errors import LogicalError, LogicalTypeError
from pyovn.logical.expr import ast
from pyovn.logical.expr.annotate import annotate
from pyovn.logical.expr.normalize import normalize, simplify
from pyovn.logical.expr.pipeline import MatchEnv, parse
from pyovn.logical.expr.to_matches import clause_matches, to_flows
from pyovn.logical.flow import Flow, Resubmit

pytestmark = [pytest.mark.differential, pytest.mark.integration]

PORTS = {"p1": 1, "p2": 2, "p3": 3, "vm1": 7}
ADDRESS_SETS = {"as1": ["10.0.0.1", "10.0.0.2", "10.0.0.3"], "as2": ["10.0.0.0/30", "192.168.1.1"]}
PORT_GROUPS = {"pg1": ["p1", "vm1"], "pg2": ["p2", "p3"]}
ENV = MatchEnv.from_strings(ADDRESS_SETS, PORT_GROUPS)

# Where pyovn differs from OVN 23.03 on purpose (expression -> why).
KNOWN_DEVIATIONS = {
    "reg0[0..3] == 0x1f": "OVN checks the width against the whole field and truncates silently",
    "nope(1)": "OVN says only `parsing function name'; we name the unknown function",
    "eth.dst == $as1": "OVN takes IPv4 members as integers for a MAC field; we reject them",
}
# Our symbol table declares ct_label/ct_mark bits and flags from our layout,
# which OVN 23.03 names differently; such inputs are not compared.
OVN_UNKNOWN_SYMBOLS = ("ct_label.label", "ct_mark.skip_snat", "flags.from_ctrl", "ct_mark.natted")


@pytest.fixture(scope="module")
def southbound(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A standalone OVN_Southbound database served by OVS's ovsdb-server."""
    tmp = tmp_path_factory.mktemp("sb")
    with ovsdb_server(tmp, "/usr/share/ovn/ovn-sb.ovsschema", "sb") as sock:
        remote = f"unix:{sock}"
        _transact(remote, _base_rows())
        yield remote


def _transact(remote: str, ops: list[object]) -> list[dict[str, Any]]:
    """Run `ops` in one ovsdb-client transaction; their results."""
    text = json.dumps(["OVN_Southbound", *ops])
    out = subprocess.run(
        ["ovsdb-client", "transact", remote, text],
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    assert '"error"' not in out, out
    results: list[dict[str, Any]] = json.loads(out)
    return results


def _base_rows() -> list[object]:
    ops: list[object] = [
        {
            "op": "insert",
            "table": "Datapath_Binding",
            "uuid-name": "dp",
            "row": {"tunnel_key": 1, "external_ids": ["map", [["name", "ls1"]]]},
        }
    ]
    for name, key in PORTS.items():
        ops.append(
            {
                "op": "insert",
                "table": "Port_Binding",
                "row": {"logical_port": name, "tunnel_key": key, "datapath": ["named-uuid", "dp"]},
            }
        )
    for name, values in ADDRESS_SETS.items():
        ops.append(
            {
                "op": "insert",
                "table": "Address_Set",
                "row": {"name": name, "addresses": ["set", values]},
            }
        )
    for name, ports in PORT_GROUPS.items():
        ops.append(
            {"op": "insert", "table": "Port_Group", "row": {"name": name, "ports": ["set", ports]}}
        )
    return ops


def _set_flows(remote: str, flows: list[tuple[int, int, str, str]]) -> None:
    """Replace all logical flows by (table, priority, match, actions) rows."""
    ops: list[object] = [{"op": "delete", "table": "Logical_Flow", "where": []}]
    ops.append({"op": "select", "table": "Datapath_Binding", "where": []})
    dp_uuid = _datapath_uuid(remote)
    for table, priority, match, actions in flows:
        ops.append(
            {
                "op": "insert",
                "table": "Logical_Flow",
                "row": {
                    "logical_datapath": ["uuid", dp_uuid],
                    "pipeline": "ingress",
                    "table_id": table,
                    "priority": priority,
                    "match": match,
                    "actions": actions,
                },
            }
        )
    _transact(remote, ops)


def _datapath_uuid(remote: str) -> str:
    select = {"op": "select", "table": "Datapath_Binding", "where": [], "columns": ["_uuid"]}
    uuid: str = _transact(remote, [select])[0]["rows"][0]["_uuid"][1]
    return uuid


def _trace(remote: str, microflow: str) -> tuple[str, str]:
    proc = subprocess.run(
        ["ovn-trace", f"--db={remote}", "ls1", microflow],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout, proc.stderr


def _ours(text: str) -> str | None:
    try:
        parse(text, ENV)
    except LogicalError as err:
        return err.message
    return None


PARSE_CORPUS = [
    *[text for text, _, _ in ERRORS],
    # (the golden file's address sets are not defined here)
    *[text for text, _, _ in STRICTER_THAN_OVN if "$" not in text],
    "ip4.src == $as1 && outport == @pg1",
    "ip4.dst == {$as1, 1.2.3.4, $as2}",
    "tcp.dst == 80..90",
    "tcp.dst == {80..90}",
    "reg0 == 1 || reg1 == 2 && reg2 == 3",
    "ct.est && ct_label.blocked == 0",
    "ip4 && !(ip4.src == 1.2.3.4)",
    "eth.type == 0x0800",
    "icmp4.type != 3",
    "!(icmp4.type != 3)",
    "vlan.pcp[3] == 1",
    "reg0[-1] == 1",
    "xxreg0[100..127] == 5",
    "tcp.flags == 0x1000",
    "ip.frag == 0x4",
    "ip.proto < 6",
    "ip.ttl == 300",
    "eth.src == ff:ff:ff:ff:ff:ff/01:00:00:00:00:00",
    "inport == {}",
    'inport == {"p1", 1}',
    "outport",
    "!outport",
    "nd.target == fe80::1 && nd",
    "ip6.src == ::/0",
    "ip6.dst == fe80::1/64",
    "udp.dst >= 0x10000",
    "eth.dst == $as1",
    "ip4.src == @pg1",
    "(",
    ")",
    "",
    "&&",
    "tcp.src == 1 &&",
    "tcp.src == 1 || ",
    "!!ip4",
    "!(!(tcp.src == 5))",
    "1 < 2",
    "reg0 == 1 == 2",
    '"p1" == inport',
    "{1, 2} == reg0",
    "1 <= reg0 < 3",
    "3 > reg0 > 1",
    "ip.later_frag",
    "!ip.later_frag",
    "!ip.first_frag",
    "eth.mcast && !eth.bcast",
    "arp.op == {1, 2}",
    "sctp.src > 100",
    "reg9[31] != 0",
    "ct_mark == 0x1/0x1",
    "ct_state == 0x20",
    'is_chassis_resident("p1")',
    "is_chassis_resident(p1)",
    'is_chassis_resident("p1"',
]


def test_parse_errors_match_ovn(southbound: str) -> None:
    corpus = [
        t for t in dict.fromkeys(PARSE_CORPUS) if t and not any(s in t for s in OVN_UNKNOWN_SYMBOLS)
    ]
    _set_flows(southbound, [(0, 100 + i, text, "next;") for i, text in enumerate(corpus)])
    _, stderr = _trace(southbound, 'inport == "p1"')
    theirs: dict[str, str] = {}
    for line in stderr.splitlines():
        found = re.search(r"\|ovntrace\|WARN\|(.*): parsing expression failed \((.*)\)$", line)
        if found:
            theirs[found.group(1)] = found.group(2)
    compared = 0
    mismatches = []
    stricter = {text for text, _, _ in STRICTER_THAN_OVN}
    for text in corpus:
        if text in stricter:
            # OVN accepts these, or rejects them only for their width
            ovn = theirs.get(text)
            if _ours(text) is None or not (ovn is None or "-bit constant is not" in ovn):
                mismatches.append((text, _ours(text), theirs.get(text)))
            continue
        if text in KNOWN_DEVIATIONS:
            continue
        compared += 1
        ours, ovn = _ours(text), theirs.get(text)
        if ours != ovn:
            mismatches.append((text, ours, ovn))
    assert compared >= 80
    assert len(theirs) >= 40, stderr[-2000:]  # OVN did report the bad ones
    assert not mismatches, "\n".join(f"{t!r}: ours={o!r} ovn={v!r}" for t, o, v in mismatches)


def _random_expressions(rng: random.Random, n: int) -> list[str]:
    atoms = [
        "ip4",
        "ip6",
        "ip",
        "tcp",
        "udp",
        "icmp4",
        "arp",
        "ip4.src == $as1",
        "ip4.dst == $as2",
        "ip4.src == 10.0.0.0/30",
        "ip4.dst != 10.0.0.2",
        "tcp.dst == {22, 80, 443}",
        "tcp.dst >= 1024",
        "tcp.src < 1000",
        "udp.dst <= 53",
        "1 < tcp.dst < 100",
        'inport == "p1"',
        "inport == @pg2",
        'inport == {"p2", "nope"}',
        "ip.later_frag",
        "ip.first_frag",
        "ip.is_frag",
        "reg0 == 5",
        "reg0[0..3] > 3",
        "reg1 != 2",
        "ct.est",
        "!ct.new",
        "eth.src == 00:00:00:00:00:01",
        "eth.mcast",
        "ip.proto == 17",
        "ip.ttl == 64",
        "eth.type == 0x806",
        "flags.loopback == 0",
        "ip4.mcast",
        "ip4.src_mcast",
        "eth.mcastv6",
        "eth.bcast",
        "igmp",
    ]
    negatable = [
        a
        for a in atoms
        if a.startswith(
            (
                "ip4.",
                "tcp.",
                "udp.",
                "reg",
                "1 <",
                "ct",
                "eth.src",
                "eth.mcast",
                "flags",
                "ip.later",
                "ip.first",
                "ip.is_",
            )
        )
    ]

    def build(depth: int, neg: bool) -> str:
        pool = negatable if neg else atoms
        if depth == 0 or rng.random() < 0.3:
            return rng.choice(pool)
        op = rng.choice(["&&", "||"])
        items = [build(depth - 1, neg) for _ in range(rng.randint(2, 3))]
        text = "(" + f" {op} ".join(items) + ")"
        if neg and rng.random() < 0.4:
            text = f"!{text}"
        return text

    return [build(3, rng.random() < 0.3) for _ in range(n)]


def _random_packet(rng: random.Random) -> dict[str, int | str]:
    eth_type = rng.choice([0x800, 0x800, 0x86DD, 0x806])
    pkt: dict[str, int | str] = {
        "eth.type": eth_type,
        "inport": rng.choice(sorted(PORTS)),
        "eth.src": rng.choice([1, 0x010000000000, 0x0A0000000001]),
        "eth.dst": rng.choice([2, 0x01005E000001, 0x333300000001, 0xFFFFFFFFFFFF]),
        "xxreg0": (rng.randrange(12) << 96) | (rng.randrange(4) << 64),
    }
    if eth_type in (0x800, 0x86DD):
        proto = rng.choice([6, 6, 17, 1])
        pkt.update(
            {"ip.proto": proto, "ip.ttl": rng.choice([1, 64]), "ip.frag": rng.choice([0, 0, 1, 3])}
        )
        if eth_type == 0x800:
            pkt["ip4.src"] = rng.choice([0x0A000001, 0x0A000002, 0x0A000009, 0xC0A80101])
            pkt["ip4.dst"] = rng.choice([0x0A000001, 0x0A000002, 0xC0A80101, 0xE0000001])
            pkt["ip4.src"] = rng.choice([pkt["ip4.src"], 0xE0000005])
        if pkt["ip.frag"] != 3 and proto == 6:
            pkt["tcp.src"] = rng.choice([22, 999, 1000, 5000])
            pkt["tcp.dst"] = rng.choice([22, 80, 99, 100, 1024, 2000])
        if pkt["ip.frag"] != 3 and proto == 17:
            pkt["udp.dst"] = rng.choice([53, 54, 67])
    return pkt


def _microflow(pkt: dict[str, int | str]) -> str:
    parts = [f'inport == "{pkt["inport"]}"']
    for name, value in pkt.items():
        if name == "inport":
            continue
        if name == "xxreg0":
            assert isinstance(value, int)
            parts.append(f"reg0 == {value >> 96} && reg1 == {(value >> 64) & 0xFFFFFFFF}")
        elif name in ("ip4.src", "ip4.dst"):
            assert isinstance(value, int)
            parts.append(f"{name} == {'.'.join(str(value >> s & 255) for s in (24, 16, 8, 0))}")
        elif name == "ip.frag" and value == 3:
            parts.append("ip.frag == 3")
        else:
            parts.append(f"{name} == {value}")
    return " && ".join(parts)


def _compile(text: str, uncompilable: set[str]) -> tuple[ast.Expr, list[Flow] | None]:
    expr = annotate(parse(text, ENV).expr)
    try:
        compiled = clause_matches(normalize(simplify(expr)), PORTS.get)
    except LogicalTypeError:
        # e.g. `!ip.later_frag': "not IP" needs eth_type masks OpenFlow lacks
        uncompilable.add(text)
        return expr, None
    return expr, to_flows(compiled, 8, 1, (Resubmit(9),), itertools.count(1).__next__)


@pytest.mark.slow
def test_evaluation_matches_ovn(southbound: str) -> None:
    rng = random.Random(20230301)
    n_tables = 22  # ovn-trace knows 24 ingress tables; leave room for `next'
    exprs = _random_expressions(rng, 10 * n_tables)
    packets = [_random_packet(rng) for _ in range(10)]
    compared = 0
    uncompilable: set[str] = set()
    for start in range(0, len(exprs), n_tables):
        batch = exprs[start : start + n_tables]
        rows = []
        for table, text in enumerate(batch):
            action = "next;" if table + 1 < len(batch) else "output;"
            rows += [(table, 100, text, action), (table, 50, "1", action)]
        _set_flows(southbound, rows)
        compiled = [_compile(text, uncompilable) for text in batch]
        for pkt in packets:
            stdout, stderr = _trace(southbound, _microflow(pkt))
            hits = {
                int(t): int(p)
                for t, p in re.findall(r"^\s*(\d+)\. .*, priority (\d+), uuid", stdout, re.M)
            }
            of_packet = openflow_packet(pkt)
            # ovn-trace does not print a hit on a trivial `1' + `next;' flow; the
            # last table (`output;') is always printed, so the trace went through.
            assert len(batch) - 1 in hits, stdout
            assert "parsing expression failed" not in stderr, stderr
            for table, (text, (expr, flows)) in enumerate(zip(batch, compiled, strict=True)):
                ours = eval_expr(expr, pkt)
                assert ours == (hits.get(table, 50) == 100), (text, _microflow(pkt), stdout)
                if flows is not None:
                    assert eval_flows(flows, of_packet) == ours, (text, pkt)
                compared += 1
    assert compared == len(exprs) * len(packets)
    assert len(uncompilable) < len(exprs) // 4
