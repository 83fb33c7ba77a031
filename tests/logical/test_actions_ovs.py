"""Real OVS accepts what the actions encoder emits (ovs-ofctl 3.1, OpenFlow 1.5).

Every golden case's actions go into a flow with the prerequisite match they
need and through ``ovs-ofctl parse-flows``; every select-group bucket the
same way; and the OpenFlow 1.5 bytes nested in controller userdata are
decoded by ``ovs-ofctl parse-actions`` and compared with OVS's own reading of
the same actions written as text.
"""

from __future__ import annotations

import itertools
import subprocess
from pathlib import Path

import pytest
from actions_cases import CASES, PORTS, make_context
from ovs_switch import parse_flows

from pyovn.logical import ofactions as of
from pyovn.logical.actions import ast, encode_actions, encode_actions_full, parse_actions
from pyovn.logical.actions.controller_ops import ControllerOp
from pyovn.logical.actions.ofwire import encode_of15
from pyovn.logical.actions.prereqs import action_prerequisites
from pyovn.logical.expr.pipeline import MatchEnv, compile_match
from pyovn.logical.expr.to_matches import to_flows
from pyovn.logical.flow import OFAction

pytestmark = pytest.mark.integration


def _parse_flows(tmp_path: Path, flows: list[str]) -> list[str]:
    """OVS's decoding of each flow's actions; fails on any rejected flow."""
    return [m.split(" actions=", 1)[1] for m in parse_flows(tmp_path, flows)]


def _flow(match: str, actions: tuple[OFAction, ...]) -> str:
    head = "table=8,priority=100" + (f",{match}" if match else "")
    return f"{head} actions={of.join_ofctl(actions)}"


def test_every_golden_case_accepted_by_ovs(tmp_path: Path) -> None:
    flows = []
    buckets = []
    for case in CASES:
        result = encode_actions_full(parse_actions(case.text), make_context())
        flows.append(_flow(case.match, result.actions))
        for _, group in result.groups:
            buckets += [_flow(case.match, b.actions) for b in group.buckets]
    _parse_flows(tmp_path, flows + buckets)


def test_prerequisites_compiled_to_matches_satisfy_ovs(tmp_path: Path) -> None:
    """The actions' own prerequisites, compiled by the match compiler, are enough."""
    conj_ids = itertools.count(1)
    flows: list[str] = []
    for case in CASES:
        actions = parse_actions(case.text)
        encoded = encode_actions_full(actions, make_context())
        prereqs = action_prerequisites(actions)
        if prereqs is None:
            flows.append(_flow("", encoded.actions))
            continue
        compiled = compile_match(prereqs, MatchEnv(), PORTS.get)
        for flow in to_flows(compiled, 8, 100, encoded.actions, lambda: next(conj_ids)):
            flows.append(flow.to_ofctl())
    _parse_flows(tmp_path, flows)


def _nested_pairs() -> list[tuple[str, bytes, tuple[OFAction, ...]]]:
    """(case match, userdata ACTIONS bytes, the inner actions encoded directly)."""
    pairs = []
    for case in CASES:
        actions = parse_actions(case.text)
        encoded = encode_actions(actions, make_context())
        nested = [a for a in actions if isinstance(a, ast.Nested) and a.kind != "clone"]
        ops = [ControllerOp.decode(a.userdata) for a in encoded if isinstance(a, of.Controller)]
        ops = [op for op in ops if op.actions is not None]
        assert len(ops) == len(nested)
        for node, op in zip(nested, ops, strict=True):
            inner = encode_actions(node.actions, make_context())
            assert op.actions == encode_of15(inner)
            if inner:
                pairs.append((case.match, op.actions or b"", inner))
    return pairs


def test_nested_wire_bytes_decode_as_the_actions(tmp_path: Path) -> None:
    pairs = _nested_pairs()
    assert len(pairs) >= 8
    proc = subprocess.run(
        ["ovs-ofctl", "parse-actions", "OpenFlow15"],
        input="".join(data.hex() + "\n" for _, data, _ in pairs),
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    decoded = [line for line in proc.stdout.splitlines() if line.strip()]
    assert len(decoded) == len(pairs), proc.stdout + proc.stderr
    expected = _parse_flows(tmp_path, [_flow(match, inner) for match, _, inner in pairs])
    for got, want in zip(decoded, expected, strict=True):
        assert got == f"actions={want}"


@pytest.mark.parametrize(
    "actions",
    [
        (of.SetField("xxreg0", 5), of.SetField("xreg1", 7, 0xFF), of.SetField("nw_ttl", 3)),
        (of.SetField("vlan_tci", 0x4000, 0xE000), of.SetField("nd_target", 1)),
        (of.DecTtl(), of.CtClear(), of.Group(3), of.SetQueue(4)),
        (of.Clone((of.SetField("ip_dst", 1),)), of.Controller(b"\x01\x02", True, 5)),
        (of.Note(b"ovn\x00\x00\x00\x00\x00\x05\xdc"), of.Controller(b"", False, None)),
    ],
)
def test_wire_encoding_of_each_action_type(actions: tuple[OFAction, ...]) -> None:
    proc = subprocess.run(
        ["ovs-ofctl", "parse-actions", "OpenFlow15"],
        input=encode_of15(actions).hex() + "\n",
        capture_output=True, text=True, timeout=30, check=False,
    )
    assert proc.returncode == 0 and "bad" not in proc.stdout, proc.stdout + proc.stderr
    assert proc.stdout.count(",") >= len(actions) - 1


@pytest.mark.system
@pytest.mark.slow
def test_ovs_vswitchd_installs_groups_and_flows(tmp_path: Path, netdev_bridge: Path) -> None:
    """On a real netdev switch: every ct_lb group, then every flow (one bundle)."""
    ctx = make_context()  # one allocator: the flows' group ids are the installed ones
    conj_ids = itertools.count(1)
    flows: list[str] = []
    groups: dict[int, of.GroupDef] = {}
    for case in CASES:
        actions = parse_actions(case.text)
        result = encode_actions_full(actions, ctx)
        groups.update(result.groups)
        prereqs = action_prerequisites(actions) or "1"
        compiled = compile_match(prereqs, MatchEnv(), PORTS.get)
        flows += [f.to_ofctl() for f in
                  to_flows(compiled, 8, 100 + len(flows), result.actions,
                           lambda: next(conj_ids))]
    (tmp_path / "groups.txt").write_text(
        "".join(g.to_ofctl_with_id(i) + "\n" for i, g in sorted(groups.items())))
    (tmp_path / "flows.txt").write_text("\n".join(flows) + "\n")
    target = f"unix:{netdev_bridge}"

    def ofctl(*args: str) -> str:
        proc = subprocess.run(["ovs-ofctl", "-O", "OpenFlow15", *args], capture_output=True,
                              text=True, timeout=120, check=False)
        assert proc.returncode == 0, proc.stderr[-3000:]
        return proc.stdout

    ofctl("add-meter", target, "meter=1,pktps,band=type=drop,rate=100")
    ofctl("add-groups", target, str(tmp_path / "groups.txt"))
    ofctl("--bundle", "add-flows", target, str(tmp_path / "flows.txt"))
    installed = [line for line in ofctl("dump-flows", target, "table=8").splitlines()
                 if "priority=" in line]
    dumped_groups = [line for line in ofctl("dump-groups", target).splitlines()
                     if "group_id=" in line]
    assert len(installed) == len(flows)
    assert len(dumped_groups) == len(groups) >= 5
