"""Benchmark of the match compiler (not a test).

1. Expressions compiled per second (parse, annotate, simplify, normalize,
   OpenFlow matches and flows) over a generated corpus of ACL-like matches
   using address sets and port groups, as northd emits them for ACLs.
2. OpenFlow flow count for one ACL over a 1000-address set, a 100-port group
   and three TCP ports, against the naive cross product.

No OVN reference binary for the expression compiler is installed here (OVN's
test-ovn / ovstest are not packaged; ovn-controller only compiles from a
live SB database), so the output states pyovn's figures only.

    .venv/bin/python bench/logical_bench.py [--acls 2000]
"""

from __future__ import annotations

import argparse
import itertools
import random
import time

from pyovn.logical.expr.pipeline import MatchEnv, compile_match
from pyovn.logical.expr.to_matches import to_flows
from pyovn.logical.flow import Resubmit


def make_env(rng: random.Random) -> MatchEnv:
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
    return MatchEnv.from_strings(address_sets, port_groups)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--acls", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    env = make_env(rng)
    corpus = acl_corpus(args.acls, rng)
    bench_rate(corpus[:50], env)  # warm caches of predicate expansions
    rate, n_flows = bench_rate(corpus, env)
    print(f"ACL corpus: {len(corpus)} expressions -> {n_flows} OpenFlow flows")
    print(f"pyovn: {rate:,.0f} expressions compiled/s")
    print("reference: none (no OVN expression compiler binary installed; ratio n/a)")
    flows, naive, elapsed = bench_big_acl(env)
    print(
        f"1000-address set x 100-port group x 3 ports: {flows} flows with conjunctive match "
        f"vs {naive} naive cross product ({naive / flows:,.0f}x fewer; compiled in "
        f"{elapsed * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
