"""Benchmark of the match compiler (not a test).

1. Expressions compiled per second (parse, annotate, simplify, normalize,
   OpenFlow matches and flows) over a generated corpus of ACL-like matches
   using address sets and port groups, as northd emits them for ACLs.
2. OpenFlow flow count for one ACL over a 1000-address set, a 100-port group
   and three TCP ports, against the naive cross product.

3. The front end alone (parse, annotate, simplify) against OVN 23.03's, which
   ovn-trace runs on every logical flow when it starts: its run time with the
   corpus in a throwaway SB database minus its run time without it. OVN's
   later stages (normalize, flows) run only inside ovn-controller and no
   test-ovn binary is packaged, so the full compile has no reference figure.

    .venv/bin/python bench/logical_bench.py [--acls 2000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time

from pyovn.logical.expr.annotate import annotate
from pyovn.logical.expr.normalize import simplify
from pyovn.logical.expr.pipeline import MatchEnv, compile_match, parse
from pyovn.logical.expr.to_matches import to_flows
from pyovn.logical.flow import Resubmit

Sets = dict[str, list[str]]


def make_sets(rng: random.Random) -> tuple[Sets, Sets]:
    """Address sets and port groups of the ACL corpus."""
    address_sets = {
        f"as_{i}": [f"10.{i}.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(20)]
        for i in range(50)
    }
    address_sets["as_big"] = sorted(
        {
            f"172.{16 + rng.randrange(16)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
            for _ in range(1100)
        }
    )[:1000]
    port_groups = {f"pg_{i}": [f"lp{i}_{j}" for j in range(10)] for i in range(50)}
    port_groups["pg_big"] = [f"vif{j}" for j in range(100)]
    return address_sets, port_groups


TEMPLATES = [
    "outport == @pg_{g} && ip4 && ip4.src == $as_{a} && tcp.dst == {{22, 80, 443}}",
    "inport == @pg_{g} && ip4 && ip4.dst == $as_{a} && udp.dst == {{53, 123}}",
    "outport == @pg_{g} && ip4 && ip4.src == $as_{a} && tcp.dst >= 1024 && tcp.dst <= 2048",
    "outport == @pg_{g} && ip6 && icmp6",
    "inport == @pg_{g} && ip4 && ip4.dst == 10.{a}.0.0/16 && tcp",
    "outport == @pg_{g} && ct.est && !ct.rel && !ct.new && !ct.inv && ct_mark.blocked == 0",
    "outport == @pg_{g} && ip4 && ip4.src == $as_{a} && icmp4.type == 8",
    'outport == "lp{g}_1" && ip && (ct.new || !ct_label.blocked)',
]


def acl_corpus(n: int, rng: random.Random) -> list[str]:
    return [
        rng.choice(TEMPLATES).format(g=rng.randrange(50), a=rng.randrange(50)) for _ in range(n)
    ]


def bench_rate(corpus: list[str], env: MatchEnv) -> tuple[float, int]:
    keys: dict[str, int] = {}

    def lookup(name: str) -> int:
        return keys.setdefault(name, len(keys) + 1)

    ids = itertools.count(1)
    n_flows = 0
    start = time.perf_counter()
    for text in corpus:
        compiled = compile_match(text, env, lookup)
        n_flows += len(to_flows(compiled, 44, 1001, (Resubmit(45),), ids.__next__))
    return len(corpus) / (time.perf_counter() - start), n_flows


def bench_big_acl(env: MatchEnv) -> tuple[int, int, float]:
    text = "outport == @pg_big && ip4 && ip4.src == $as_big && tcp.dst == {22, 80, 443}"
    keys = {f"vif{j}": 1000 + 37 * j for j in range(100)}  # scattered keys: no merging
    start = time.perf_counter()
    flows = to_flows(
        compile_match(text, env, keys.get), 44, 1001, (Resubmit(45),), itertools.count(1).__next__
    )
    elapsed = time.perf_counter() - start
    return len(flows), 1000 * 100 * 3, elapsed


def bench_front_end(corpus: list[str], env: MatchEnv) -> float:
    """Seconds to parse, annotate and simplify the corpus (what ovn-trace does too)."""
    start = time.perf_counter()
    for text in corpus:
        simplify(annotate(parse(text, env).expr))
    return time.perf_counter() - start


def _ovn_trace_seconds(remote: str) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        run = subprocess.run(
            ["ovn-trace", f"--db={remote}", "ls1", 'inport == "lp0_0"'],
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
        best = min(best, time.perf_counter() - start)
        # Every flow must have parsed, or OVN's figure would cover less work.
        assert "failed" not in run.stderr, run.stderr[:500]
    return best


def _transact(remote: str, ops: list[object]) -> None:
    subprocess.run(
        ["ovsdb-client", "transact", remote, json.dumps(["OVN_Southbound", *ops])],
        check=True,
        capture_output=True,
        timeout=600,
    )


def ovn_front_end_seconds(corpus: list[str], sets: Sets, groups: Sets) -> float | None:
    """OVN 23.03's parse+annotate+simplify time for the corpus, measured through
    ovn-trace (which does exactly that for every logical flow at start-up):
    its run time with the corpus loaded minus its run time without it."""
    if shutil.which("ovn-trace") is None or shutil.which("ovsdb-server") is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        db, sock = f"{tmp}/sb.db", f"{tmp}/sb.sock"
        schema = "/usr/share/ovn/ovn-sb.ovsschema"
        subprocess.run(["ovsdb-tool", "create", db, schema], check=True)
        proc = subprocess.Popen(
            ["ovsdb-server", db, f"--remote=punix:{sock}", f"--unixctl={tmp}/ctl", "--no-chdir"],
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while not os.path.exists(sock):
                time.sleep(0.05)
            remote = f"unix:{sock}"
            ops: list[object] = [
                {
                    "op": "insert",
                    "table": "Datapath_Binding",
                    "uuid-name": "dp",
                    "row": {"tunnel_key": 1, "external_ids": ["map", [["name", "ls1"]]]},
                }
            ]
            ports = sorted({p for members in groups.values() for p in members} | {"lp0_0"})
            for key, name in enumerate(ports, start=1):
                ops.append(
                    {
                        "op": "insert",
                        "table": "Port_Binding",
                        "row": {
                            "logical_port": name,
                            "tunnel_key": key,
                            "datapath": ["named-uuid", "dp"],
                        },
                    }
                )
            for name, members in sets.items():
                ops.append(
                    {
                        "op": "insert",
                        "table": "Address_Set",
                        "row": {"name": name, "addresses": ["set", members]},
                    }
                )
            for name, members in groups.items():
                ops.append(
                    {
                        "op": "insert",
                        "table": "Port_Group",
                        "row": {"name": name, "ports": ["set", members]},
                    }
                )
            _transact(remote, ops)
            dp = {"op": "select", "table": "Datapath_Binding", "where": []}
            out = subprocess.run(
                ["ovsdb-client", "transact", remote, json.dumps(["OVN_Southbound", dp])],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            dp_uuid = json.loads(out)[0]["rows"][0]["_uuid"][1]
            empty = _ovn_trace_seconds(remote)
            flows: list[object] = [
                {
                    "op": "insert",
                    "table": "Logical_Flow",
                    "row": {
                        "logical_datapath": ["uuid", dp_uuid],
                        "pipeline": "egress",
                        "table_id": 4,
                        "priority": 1000 + i,
                        "match": text,
                        "actions": "next;",
                    },
                }
                for i, text in enumerate(corpus)
            ]
            for chunk in range(0, len(flows), 200):  # stay under the argv size limit
                _transact(remote, flows[chunk : chunk + 200])
            loaded = _ovn_trace_seconds(remote)
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
    return max(loaded - empty, 1e-9)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--acls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    sets, groups = make_sets(rng)
    env = MatchEnv.from_strings(sets, groups)
    corpus = acl_corpus(args.acls, rng)
    bench_rate(corpus[:50], env)  # warm caches of predicate expansions
    rate, n_flows = bench_rate(corpus, env)
    print(f"ACL corpus: {len(corpus)} expressions -> {n_flows} OpenFlow flows")
    print(f"pyovn full compile (parse..OpenFlow flows): {rate:,.0f} expressions/s")
    print(
        "reference for the full compile: none (OVN's expression-to-flows code runs only "
        "inside ovn-controller; no test-ovn binary is packaged)"
    )
    ours = bench_front_end(corpus, env)
    theirs = ovn_front_end_seconds(corpus, sets, groups)
    print(f"pyovn parse+annotate+simplify: {len(corpus) / ours:,.0f} expressions/s")
    if theirs is None:
        print("OVN parse+annotate+simplify: ovn-trace not installed, no reference")
    else:
        print(
            f"OVN 23.03 parse+annotate+simplify (via ovn-trace start-up): "
            f"{len(corpus) / theirs:,.0f} expressions/s; ratio pyovn/OVN = {theirs / ours:.2f}"
        )
    flows, naive, elapsed = bench_big_acl(env)
    print(
        f"1000-address set x 100-port group x 3 ports: {flows} flows with conjunctive match "
        f"vs {naive} naive cross product ({naive / flows:,.0f}x fewer; compiled in "
        f"{elapsed * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
