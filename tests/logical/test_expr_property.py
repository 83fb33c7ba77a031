"""Property: evaluating an expression on a packet == evaluating its OpenFlow flows.

Random expressions over a subset of the symbol table and random packets; the
reference is the annotated expression tree evaluated directly (prerequisites
included, relational operators as integer comparisons). The flows are
evaluated with OpenFlow semantics, conjunctions included: a packet matches a
``conj_id=N`` flow iff it matches that flow and, for every clause k of n, some
flow whose actions hold ``conjunction(N, k/n)``.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pyovn.logical.errors import LogicalError
from pyovn.logical.expr import ast
from pyovn.logical.expr.annotate import annotate
from pyovn.logical.expr.evaluate import evaluate
from pyovn.logical.expr.normalize import Clause, normalize, simplify
from pyovn.logical.expr.pipeline import MatchEnv, parse
from pyovn.logical.expr.symbols import SYMTAB
from pyovn.logical.expr.to_matches import clause_matches, to_flows
from pyovn.logical.flow import Conjunction, Flow, Resubmit

PORTS = {"p1": 1, "p2": 2, "p3": 3, "vm1": 7}
RESIDENT = frozenset({"p1"})
ENV = MatchEnv.from_strings(
    {"as1": ["10.0.0.1", "10.0.0.2", "10.0.0.3"], "as2": ["10.0.0.0/30", "192.168.1.1"]},
    {"pg1": ["p1", "vm1"], "pg2": ["p2", "p3", "zz"]},
)

# --- reference evaluation ----------------------------------------------------


def eval_expr(expr: ast.Expr, packet: Mapping[str, int | str]) -> bool:
    return evaluate(expr, packet, RESIDENT.__contains__)


def eval_normal_form(clauses: tuple[Clause, ...], packet: Mapping[str, int | str]) -> bool:
    def atom_ok(name: str, value: int, mask: int, string: str | None) -> bool:
        if string is not None:
            return packet.get(name) == string
        raw = packet.get(name, 0)
        assert isinstance(raw, int)
        return raw & mask == value

    return any(
        all(any(atom_ok(n, a.value, a.mask, a.string) for a in alts) for n, alts in c.dims)
        for c in clauses
    )


# --- OpenFlow evaluation -------------------------------------------------------

REGISTER_WORDS = {"xxreg0": range(0, 4), "xxreg1": range(4, 8), "xreg4": range(8, 10)}


def openflow_packet(packet: Mapping[str, int | str]) -> dict[str, int]:
    """The OpenFlow fields of a packet given by its logical base fields."""
    out: dict[str, int] = {}
    for name, value in packet.items():
        symbol = SYMTAB[name]
        assert symbol.of_field is not None
        if isinstance(value, str):
            out[symbol.of_field] = PORTS[value]
        elif name in REGISTER_WORDS:
            regs = list(REGISTER_WORDS[name])
            for i, reg in enumerate(regs):
                shift = 32 * (len(regs) - 1 - i)
                out[f"reg{reg}"] = (value >> shift) & 0xFFFFFFFF
        else:
            out[symbol.of_field] = value
    return out


def flow_matches(flow: Flow, pkt: Mapping[str, int]) -> bool:
    for m in flow.match.fields:
        mask = m.mask if m.mask is not None else (1 << 128) - 1
        if pkt.get(m.field, 0) & mask != m.value:
            return False
    return True


def eval_flows(flows: list[Flow], pkt: Mapping[str, int]) -> bool:
    votes: set[tuple[int, int]] = set()
    for flow in flows:
        if flow.match.conj_id is None and flow_matches(flow, pkt):
            conj = [a for a in flow.actions if isinstance(a, Conjunction)]
            if not conj:
                return True
            votes.update((a.conj_id, a.clause) for a in conj)
    for flow in flows:
        cid = flow.match.conj_id
        if cid is not None and flow_matches(flow, pkt):
            n = {
                a.n_clauses
                for f in flows
                for a in f.actions
                if isinstance(a, Conjunction) and a.conj_id == cid
            }
            assert len(n) == 1
            if all((cid, k) in votes for k in range(1, n.pop() + 1)):
                return True
    return False


# --- generators ----------------------------------------------------------------

SMALL_PORT = st.sampled_from([0, 1, 2, 3, 22, 80, 443, 1023, 1024, 1025, 65534, 65535])
IP4 = st.sampled_from(["10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.9", "192.168.1.1", "1.2.3.4"])
ORD_RELOP = st.sampled_from(["==", "!=", "<", "<=", ">", ">="])


def _ordinal_atom() -> st.SearchStrategy[str]:
    return st.one_of(
        st.builds(
            lambda f, r, v: f"{f} {r} {v}",
            st.sampled_from(["tcp.dst", "tcp.src", "udp.dst"]),
            ORD_RELOP,
            SMALL_PORT,
        ),
        st.builds(lambda r, v: f"reg0[0..3] {r} {v}", ORD_RELOP, st.integers(0, 15)),
        st.builds(lambda r, v: f"reg1 {r} {v}", ORD_RELOP, st.integers(0, 3)),
        st.builds(
            lambda f, v, p: f"{f} == {v}/{p}",
            st.sampled_from(["ip4.src", "ip4.dst"]),
            IP4,
            st.sampled_from([8, 24, 30, 31, 32]),
        ),
        st.builds(lambda f, v: f"{f} != {v}", st.sampled_from(["ip4.src", "ip4.dst"]), IP4),
        st.builds(
            lambda f, vs: f"{f} == {{{', '.join(vs)}}}",
            st.sampled_from(["ip4.src", "ip4.dst"]),
            st.lists(IP4, min_size=1, max_size=3),
        ),
        st.builds(
            lambda vs: f"tcp.dst == {{{', '.join(map(str, vs))}}}",
            st.lists(SMALL_PORT, min_size=1, max_size=4),
        ),
        st.builds(lambda r, v: f"vlan.pcp {r} {v}", ORD_RELOP, st.integers(0, 7)),
        st.sampled_from(
            [
                "ct.est",
                "ct.new",
                "ct.rpl",
                "ct_label.blocked",
                "flags.loopback",
                "vlan.present",
                "ip.later_frag",
                "ip.first_frag",
                "eth.mcast",
                "ip4.src == $as1",
                "ip4.dst == $as2",
                "ip4.src != $as1",
                'is_chassis_resident("p1")',
                'is_chassis_resident("p2")',
                "ct_mark.natted == 1",
                "reg0 == 0",
                "eth.src == 01:00:00:00:00:00/01:00:00:00:00:00",
            ]
        ),
    )


NOMINAL_ATOMS = st.sampled_from(
    [
        "ip4",
        "ip6",
        "ip",
        "tcp",
        "udp",
        "arp",
        "icmp4",
        "ip.proto == {6, 17}",
        "eth.type == 0x806",
        'inport == "p1"',
        'inport == {"p2", "p3", "nope"}',
        "outport == @pg1",
        "inport == @pg2",
        'outport == "vm1"',
        "sctp",
    ]
)


def _expr(negatable: bool) -> st.SearchStrategy[str]:
    base = _ordinal_atom() if negatable else st.one_of(_ordinal_atom(), NOMINAL_ATOMS)

    def extend(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        join = st.builds(
            lambda op, xs: "(" + f" {op} ".join(xs) + ")",
            st.sampled_from(["&&", "||"]),
            st.lists(children, min_size=2, max_size=3),
        )
        return join

    tree = st.recursive(base, extend, max_leaves=6)
    if negatable:
        return st.one_of(tree, tree.map(lambda t: f"!({t})"))
    return tree


EXPRESSIONS = st.one_of(
    _expr(False),
    st.builds(
        lambda a, b, op: f"{a} {op} ({b})",
        _expr(False),
        _expr(True).map(lambda t: f"!({t})"),
        st.sampled_from(["&&", "||"]),
    ),
)

PACKETS = st.fixed_dictionaries(
    {
        "eth.type": st.sampled_from([0x800, 0x800, 0x86DD, 0x806, 0x1234]),
        "ip.proto": st.sampled_from([6, 6, 17, 1, 58, 132, 0]),
        "ip.frag": st.sampled_from([0, 0, 1, 3]),
        "ip4.src": IP4.map(lambda s: int.from_bytes(bytes(map(int, s.split("."))), "big")),
        "ip4.dst": IP4.map(lambda s: int.from_bytes(bytes(map(int, s.split("."))), "big")),
        "tcp.dst": SMALL_PORT,
        "tcp.src": SMALL_PORT,
        "udp.dst": SMALL_PORT,
        "xxreg0": st.builds(
            lambda a, b: (a << 96) | (b << 64), st.integers(0, 40), st.integers(0, 4)
        ),
        "vlan.tci": st.integers(0, 0xFFFF),
        "ct_state": st.integers(0, 0xFF),
        "ct_label": st.integers(0, 3),
        "ct_mark": st.integers(0, 3),
        "flags": st.integers(0, 3),
        "eth.src": st.sampled_from([0, 1 << 40, 0x0A0000000001]),
        "inport": st.sampled_from(sorted(PORTS)),
        "outport": st.sampled_from(sorted(PORTS)),
    }
)


def _realistic(packet: dict[str, int | str]) -> dict[str, int | str]:
    """Zero the fields a packet of this kind does not have, as OVS does."""
    pkt = dict(packet)
    is_ip = pkt["eth.type"] in (0x800, 0x86DD)
    if not is_ip:
        for name in ("ip.proto", "ip.frag"):
            pkt[name] = 0
    if pkt["eth.type"] != 0x800:
        pkt["ip4.src"] = pkt["ip4.dst"] = 0
    if pkt["ip.frag"] == 3:  # later fragments have no L4 header
        pkt["tcp.dst"] = pkt["tcp.src"] = pkt["udp.dst"] = 0
    if not is_ip or pkt["ip.proto"] != 6:
        pkt["tcp.dst"] = pkt["tcp.src"] = 0
    if not is_ip or pkt["ip.proto"] != 17:
        pkt["udp.dst"] = 0
    return pkt


def compile_all(text: str) -> tuple[ast.Expr, tuple[Clause, ...], list[Flow]]:
    expr = annotate(parse(text, ENV).expr)
    clauses = normalize(simplify(expr, RESIDENT.__contains__))
    ids = itertools.count(1)
    compiled = clause_matches(clauses, PORTS.get)
    flows = to_flows(compiled, 8, 100, (Resubmit(9),), lambda: next(ids))
    return expr, clauses, flows


@pytest.mark.slow
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(EXPRESSIONS, st.lists(PACKETS, min_size=1, max_size=8))
def test_flows_agree_with_expression(text: str, packets: list[dict[str, int | str]]) -> None:
    try:
        expr, clauses, flows = compile_all(text)
    except LogicalError:
        assume(False)
        raise
    for packet in map(_realistic, packets):
        expected = eval_expr(expr, packet)
        assert eval_normal_form(clauses, packet) == expected, (text, packet)
        assert eval_flows(flows, openflow_packet(packet)) == expected, (text, packet)


def test_conjunction_flow_count_is_sum_not_product() -> None:
    members = [f"10.{i // 250}.{i % 250}.1" for i in range(300)]
    ports = [f"lp{i}" for i in range(40)]
    env = MatchEnv.from_strings({"big": members}, {"pg": ports})
    keys = {p: i + 1 for i, p in enumerate(ports)}
    text = "outport == @pg && ip4 && ip4.src == $big && tcp.dst == {22, 80, 443}"
    compiled = clause_matches(normalize(simplify(annotate(parse(text, env).expr))), keys.get)
    flows = to_flows(compiled, 8, 100, (Resubmit(9),), itertools.count(1).__next__)
    # N + M + K votes plus one conj_id flow at most (adjacent values merge into
    # masked matches, so fewer), instead of N * M * K = 36000.
    assert len(flows) <= 300 + 40 + 3 + 1
    assert sum(f.match.conj_id is not None for f in flows) == 1
    packet: dict[str, int | str] = {
        "eth.type": 0x800,
        "ip.proto": 6,
        "ip4.src": 0x0A010F01,
        "tcp.dst": 80,
        "outport": "lp7",
    }
    of = openflow_packet({k: v for k, v in packet.items() if k != "outport"})
    of["reg15"] = keys["lp7"]
    assert eval_flows(flows, of)
    of["tcp_dst"] = 81
    assert not eval_flows(flows, of)


@settings(max_examples=150, deadline=None)
@given(EXPRESSIONS)
def test_canonical_and_ovn_text_round_trip(text: str) -> None:
    """Canonical source text and OVN's format both reparse to themselves, and the
    canonical text means the same expression as the input."""
    from pyovn.logical.expr.pipeline import canonical, ovn_format

    try:
        parsed = parse(text, ENV)
    except LogicalError:
        assume(False)
        raise
    source = canonical(text, ENV)
    assert canonical(source, ENV) == source
    assert parse(source, ENV).expr == parsed.expr
    ovn = ovn_format(text, ENV)
    assert ovn_format(ovn, ENV) == ovn
