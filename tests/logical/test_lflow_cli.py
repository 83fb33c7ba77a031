"""`pyovn lflow`: output formats, batch mode, JSON objects, exit codes, options."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from ovs_switch import parse_flows

from pyovn.cli.lflow import command
from pyovn.logical.errors import LogicalError
from pyovn.logical.expr.pipeline import MatchEnv, annotated, canonical, compile_match, normalized


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(command, list(args), input=stdin)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_parse_match_canonical_and_variants() -> None:
    expr = "ip4.src==10.0.0.0/8&&tcp.dst=={80,443}"
    assert run("parse-match", expr) == (0, "ip4.src == 10.0.0.0/8 && tcp.dst == {80, 443}\n", "")
    _, out, _ = run("parse-match", "--ovn", expr)
    assert out == "ip4.src[24..31] == 0xa && (tcp.dst == 0x50 || tcp.dst == 0x1bb)\n"
    _, out, _ = run("parse-match", "--annotate", "tcp")
    assert out == "ip.proto == 0x6 && (eth.type == 0x800 || eth.type == 0x86dd)\n"
    _, out, _ = run("parse-match", "--normalize", "ip4 && tcp")
    assert out == "eth.type == 0x800 && ip.proto == 0x6\n"


def test_parse_match_normalize_decides_chassis_residence() -> None:
    expr = 'is_chassis_resident("cr") && ip6'
    assert run("parse-match", "--normalize", expr)[1] == "0\n"
    got = run("parse-match", "--normalize", "--chassis-resident", "cr", expr)[1]
    assert got == "eth.type == 0x86dd\n"


def test_single_error_exits_1_with_one_line_and_column() -> None:
    code, out, err = run("parse-match", "ip4.src = 1.2.3.4")
    assert code == 1
    assert out == ""
    assert err == "column 9: Syntax error at `=' expecting relational operator.\n"


def test_batch_json_reports_each_line() -> None:
    stdin = 'tcp.dst == 80\nreg0 == "x"\n$missing\n'
    code, out, _ = run("parse-match", "--json", "-", stdin=stdin)
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert lines == [
        {"ok": True, "text": "tcp.dst == 80"},
        {
            "ok": False,
            "error": "Integer field reg0 is not compatible with string constant.",
            "column": 1,
        },
        {
            "ok": False,
            "error": "Syntax error at `$missing' expecting address set name.",
            "column": 1,
        },
    ]


def test_batch_plain_text_prints_errors_in_line() -> None:
    code, out, _ = run("parse-match", "-", stdin="ip4\n(ip4\n")
    assert code == 0
    assert out == "ip4\ncolumn 5: Syntax error at end of input expecting `)'.\n"


def test_address_sets_and_port_groups() -> None:
    args = ["--address-set", "as1=10.0.0.1,10.0.0.2", "--port-group", "pg=a,b"]
    _, out, _ = run("parse-match", "--normalize", *args, "outport == @pg && ip4.src == $as1")
    assert out == (
        '(outport == "a" || outport == "b") && (ip4.src == 0xa000001 || ip4.src == 0xa000002) '
        "&& eth.type == 0x800\n"
    )


def test_compile_default_next_table_ports_and_datapath() -> None:
    code, out, _ = run(
        "compile",
        'inport == "vm1" && ip4 && tcp.dst == 22',
        "--table",
        "12",
        "--priority",
        "2000",
        "--datapath",
        "3",
        "--port",
        "vm1=9",
    )
    assert code == 0
    assert out == (
        "table=12,priority=2000,metadata=0x3,reg14=0x9,eth_type=0x800,nw_proto=0x6,tcp_dst=0x16 "
        "actions=resubmit(,13)\n"
    )


def test_compile_assigns_port_keys_by_first_appearance_skipping_given_ones() -> None:
    code, out, _ = run("compile", 'outport == {"z", "x", "y"}', "--port", "x=1")
    assert sorted(out.splitlines()) == [
        "table=8,priority=100,reg15=0x1 actions=resubmit(,9)",
        "table=8,priority=100,reg15=0x2 actions=resubmit(,9)",
        "table=8,priority=100,reg15=0x3 actions=resubmit(,9)",
    ]
    _, out, _ = run("compile", 'outport == "z" && inport == "y"', "--port", "x=1")
    assert out == "table=8,priority=100,reg14=0x3,reg15=0x2 actions=resubmit(,9)\n"


def test_compile_conjunction_and_chassis_resident() -> None:
    _, out, _ = run(
        "compile",
        "--address-set",
        "s=1.1.1.1,2.2.2.2",
        "--port-group",
        "g=p,q",
        "inport == @g && ip4.src == $s",
    )
    lines = out.splitlines()
    assert sum("conjunction(1," in line for line in lines) == 4
    assert lines[-1] == "table=8,priority=100,eth_type=0x800,conj_id=1 actions=resubmit(,9)"
    _, out, _ = run("compile", 'is_chassis_resident("p") && ip4', "--chassis-resident", "p")
    assert out == "table=8,priority=100,eth_type=0x800 actions=resubmit(,9)\n"
    _, out, _ = run("compile", 'is_chassis_resident("p") && ip4')
    assert out == "\n"


def test_compile_batch_json_shares_conj_ids() -> None:
    stdin = (
        "ip4.src == {1.1.1.1, 2.2.2.3} && tcp.dst == {1, 4}\n"
        "ip4.dst == {1.1.1.1, 2.2.2.3} && udp.src == {1, 4}\n"
        "reg0 ==\n"
    )
    code, out, _ = run("compile", "--json", "-", stdin=stdin)
    items = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert "conj_id=1" in items[0]["text"] and "conj_id=2" in items[1]["text"]
    assert items[2] == {
        "ok": False,
        "error": "Syntax error at end of input expecting constant.",
        "column": 8,
    }


def test_bad_address_set_member_is_a_usage_error() -> None:
    code, _, err = run("parse-match", "--address-set", "x=notanip", "ip4")
    assert code == 2
    assert "--address-set" in err


def test_parse_actions_delegates_to_actions_package() -> None:
    code, out, _ = run("parse-actions", "ip.ttl--; next;")
    assert (code, out) == (0, "ip.ttl--; next;\n")


def test_entry_point_runs_as_subprocess() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pyovn", "lflow", "parse-match", "--json", "ct.est && !ct.new"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {"ok": True, "text": "ct.est && !ct.new"}


ENV = MatchEnv.from_strings({"a": ["1.1.1.1"]}, {"g": ["p"]})
ALPHABET = st.sampled_from(
    list('ip4.srcdt =!<>&|(){}[],;$@"\\0123456789xabcf:/-_ ')
    + ["tcp.dst", "ip4", "$a", "@g", "reg0", "inport", "..", "0x"]
)


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(max_size=30), st.lists(ALPHABET, max_size=14).map("".join)))
def test_fuzz_only_logical_errors_escape(text: str) -> None:
    for stage in (canonical, annotated, normalized):
        try:
            stage(text, ENV)
        except LogicalError as err:
            assert err.message
            assert err.column >= 0
    try:
        compile_match(text, ENV, lambda name: 1)
    except LogicalError:
        pass


def test_compile_with_actions_adds_their_prerequisites() -> None:
    code, out, _ = run("compile", "ip4", "--actions", "tcp.dst = 8080; next;", "--table", "10")
    assert code == 0
    assert out == (
        "table=10,priority=100,eth_type=0x800,nw_proto=0x6 "
        "actions=set_field:0x1f90->tcp_dst,resubmit(,11)\n"
    )
    code, _, err = run("compile", "ip4", "--actions", "bogus;")
    assert code == 1
    assert err == "column 1: in --actions: Syntax error at `bogus' expecting action.\n"


@pytest.mark.integration
def test_compiled_flows_with_actions_parse_in_ovs_ofctl(tmp_path: Path) -> None:
    cases = [
        ("ip4 && tcp.dst == {80, 443}", "ip.ttl--; next;"),
        ('inport == "a" && eth.dst == 00:00:00:00:00:01', 'outport = "b"; output;'),
        ("ip && ct.est && !ct.rpl", "ct_next;"),
        ("outport == @pg && ip4.src == $as && udp", "reg0 = 5; next(3);"),
        ("arp.op == 1", "eth.dst <-> eth.src; arp.op = 2; output;"),
        ("ip4 && ip4.dst == 10.0.0.0/8", "ct_commit { ct_label.blocked = 0; }; next;"),
    ]
    lines = []
    for expr, actions in cases:
        code, out, err = run(
            "compile",
            expr,
            "--actions",
            actions,
            "--table",
            "12",
            "--datapath",
            "7",
            "--address-set",
            "as=10.0.0.1,10.0.0.2",
            "--port-group",
            "pg=x,y",
        )
        assert code == 0, (expr, actions, err)
        lines += out.splitlines()
    assert len(lines) >= 10
    assert len(parse_flows(tmp_path, lines)) == len(lines)


LB = "ct_lb_mark(backends=10.0.0.2:80,10.0.0.3:80);"


def test_compile_ct_lb_prints_its_group_before_the_flows() -> None:
    code, out, err = run("compile", "ip4", "--actions", LB)
    assert (code, err) == (0, "")
    group, flow = out.splitlines()
    assert group.startswith("# group: group_id=1,type=select,selection_method=dp_hash,bucket=")
    assert group.count("bucket=bucket_id=") == 2
    assert "nat(dst=10.0.0.2:80)" in group and "nat(dst=10.0.0.3:80)" in group
    assert flow == "table=8,priority=100,eth_type=0x800 actions=group:1"


def test_compile_batch_shares_group_ids_and_names_meters() -> None:
    other = "ct_lb_mark(backends=10.0.0.9:80);"
    actions = f'log(verdict=allow, meter="m"); {LB}'
    code, out, _ = run("compile", "--json", "-", "--actions", actions, stdin="ip4\nip4 && tcp\n")
    assert code == 0
    texts = [json.loads(line)["text"].splitlines() for line in out.splitlines()]
    assert [t[0].split(",")[0] for t in texts] == ["# group: group_id=1"] * 2
    assert [t[1] for t in texts] == ["# meter: meter_id=1 is meter 'm'"] * 2
    assert all(t[2].endswith(",group:1") and "meter_id=1" in t[2] for t in texts)
    _, out, _ = run("compile", "-", "--actions", other, stdin="ip4\n")
    assert out.startswith("# group: group_id=1,") and "10.0.0.9:80" in out


def _lb_output() -> list[str]:
    lines = []
    for actions in (LB, 'ct_lb_mark(backends=10.0.0.4,10.0.0.5; hash_fields="ip_src,ip_dst");'):
        code, out, err = run("compile", "ip4 && tcp", "--actions", actions, "--table", "9")
        assert code == 0, err
        lines += out.splitlines()
    return lines


@pytest.mark.integration
def test_compile_output_with_group_comments_is_add_flows_input(tmp_path: Path) -> None:
    lines = _lb_output()
    assert [line[:9] for line in lines if line.startswith("#")] == ["# group: "] * 2
    mods = parse_flows(tmp_path, lines)  # the comment lines are skipped
    assert len(mods) == 2 and all("actions=group:" in m for m in mods)


@pytest.mark.system
def test_compile_groups_and_flows_install_on_a_switch(tmp_path: Path, netdev_bridge: Path) -> None:
    """The comment's text is `ovs-ofctl add-groups` input; then the flows install."""
    lines = _lb_output()
    groups = [line.removeprefix("# group: ") for line in lines if line.startswith("# group: ")]
    # both items got group id 1 in separate runs: renumber the second for one switch
    groups[1] = groups[1].replace("group_id=1,", "group_id=2,", 1)
    (tmp_path / "groups.txt").write_text("\n".join(groups) + "\n")
    (tmp_path / "flows.txt").write_text("\n".join(lines) + "\n")
    target = f"unix:{netdev_bridge}"
    for args in (("add-groups", target, str(tmp_path / "groups.txt")),
                 ("add-flows", target, str(tmp_path / "flows.txt"))):
        proc = subprocess.run(["ovs-ofctl", "-O", "OpenFlow15", *args],
                              capture_output=True, text=True, timeout=60, check=False)
        assert proc.returncode == 0, proc.stderr
    dumped = subprocess.run(["ovs-ofctl", "-O", "OpenFlow15", "dump-groups", target],
                            capture_output=True, text=True, timeout=60, check=True).stdout
    assert dumped.count("group_id=") == 2
    assert "selection_method=hash,fields(ip_src,ip_dst)" in dumped
