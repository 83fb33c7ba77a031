"""Benchmark: CPU cost per phase of one transaction in pyovn's OVSDB server.

Run: `.venv/bin/python bench/ovsdb_engine_profile.py [--txns N] [--profile]`.

Replays, in process and without sockets or fsync, the sequence of engine
calls the server makes for each "transact" (pyovn/ovsdb/server/methods.py
`run_trigger`, then `ServedDatabase.commit` and, once durable,
`MonitorHub.publish`):

  parse    orjson.loads of the request bytes
  execute  transaction.execute (operations + commit-time checks)
  reply    encoding the reply
  record   the file record (commit_to_file_record)
  append   encode_record + write to the file (no fsync)
  apply    Database.apply
  history  next_txn_id + History.add
  publish  one monitor_cond_since (update3) subscriber on all tables:
           compose + serialise the update

and prints microseconds per transaction for each phase, for two shapes: a
plain single-row insert into the OVN NB schema's Address_Set table, and the
`ovn-nbctl lsp-add` shape (insert a Logical_Switch_Port and add it to a
Logical_Switch's ports by mutation; the switch grows to warm-up + N ports),
plus the insert bench/ovsdb_bench.py times (its "Bench" schema).
`--profile` adds a cProfile listing.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import json
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyovn.ovsdb import database, monitor, transaction  # noqa: E402
from pyovn.ovsdb.schema import DatabaseSchema  # noqa: E402
from pyovn.ovsdb.server import engine  # noqa: E402
from pyovn.ovsdb.server.fanout import MonitorHub, Subscription  # noqa: E402
from pyovn.ovsdb.server.history import History, next_txn_id  # noqa: E402
from pyovn.ovsdb.storage import StandaloneStorage  # noqa: E402

sys.path.insert(0, str(REPO / "bench"))
from ovsdb_bench import SCHEMA as BENCH_SCHEMA  # noqa: E402
from ovsdb_bench import insert_op  # noqa: E402

NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")
PHASES = ("parse", "execute", "reply", "record", "append", "apply", "history", "publish")


class _Sink:
    closed = False

    def __init__(self) -> None:
        self.n = 0

    def writelines(self, parts: list[bytes]) -> None:
        self.n += sum(len(p) for p in parts)


def plain_insert(i: int, _ls: str) -> list[Any]:
    return ["OVN_Northbound", {
        "op": "insert", "table": "Address_Set",
        "row": {"name": f"as{i}", "addresses": ["set", [f"10.0.{i // 250 % 250}.{i % 250}"]],
                "external_ids": ["map", [["owner", "bench"]]]},
    }]


def lsp_add(i: int, ls: str) -> list[Any]:
    return ["OVN_Northbound",
            {"op": "wait", "table": "Logical_Switch", "timeout": 0, "until": "==",
             "where": [["_uuid", "==", ["uuid", ls]]], "columns": ["name"],
             "rows": [{"name": "ls0"}]},
            {"op": "insert", "table": "Logical_Switch_Port", "uuid-name": "row_new",
             "row": {"name": f"lsp{i}",
                     "addresses": ["set", [f"00:00:00:00:{i // 256 % 256:02x}:{i % 256:02x}"]]}},
            {"op": "mutate", "table": "Logical_Switch",
             "where": [["_uuid", "==", ["uuid", ls]]],
             "mutations": [["ports", "insert", ["set", [["named-uuid", "row_new"]]]]]},
            {"op": "comment", "comment": f"ovn-nbctl: lsp-add ls0 lsp{i}"}]


class Harness:
    """A database, its file, its history and one update3 monitor on every table."""

    def __init__(self, workdir: str, schema_json: dict[str, Any]) -> None:
        self.schema = DatabaseSchema.from_json(schema_json)
        self.db = database.Database(self.schema)
        self.storage = StandaloneStorage.create(f"{workdir}/nb.db", schema_json)
        self.history = History()
        self.hub = MonitorHub(engine.compose)
        request = monitor.MonitorRequest.from_json(
            self.schema, {t: [{}] for t in self.schema.tables}, 3)
        self.sink = _Sink()
        self.hub.add(Subscription(self.sink, "m", request, 3))
        self.seq = 0
        self.times = dict.fromkeys(PHASES, 0.0)
        self.ls = ""
        if "Logical_Switch" in self.schema.tables:
            out = transaction.execute(self.db, [{"op": "insert", "table": "Logical_Switch",
                                                 "row": {"name": "ls0"}}])
            assert out.commit is not None, out.results
            self.db.apply(out.commit)
            self.ls = str(next(iter(self.db.tables["Logical_Switch"])))

    def run(self, request: bytes) -> None:
        t = self.times
        clock = time.perf_counter
        t0 = clock()
        params = orjson.loads(request)["params"]
        t1 = clock()
        outcome = transaction.execute(self.db, params[1:], transaction.TxnContext(now=t0))
        t2 = clock()
        orjson.dumps({"id": 1, "result": outcome.results, "error": None})
        t3 = clock()
        commit = outcome.commit
        assert commit is not None, outcome.results
        record = engine.file_record(self.schema, commit)
        t4 = clock()
        written = self.storage.append(record, durable=False)  # type: ignore[arg-type]
        t5 = clock()
        self.db.apply(commit)
        t6 = clock()
        txn_id = next_txn_id(self.history.last_txn_id, written.sha1)
        self.history.add(txn_id, commit)
        self.seq += 1
        t7 = clock()
        self.hub.publish(commit, self.seq, str(txn_id))
        t8 = clock()
        for name, a, b in zip(PHASES, (t0, t1, t2, t3, t4, t5, t6, t7),
                              (t1, t2, t3, t4, t5, t6, t7, t8), strict=True):
            t[name] += b - a

    def close(self) -> None:
        self.storage.close()


def bench_item(i: int, _ls: str) -> list[Any]:
    return ["Bench", insert_op(i)]


SHAPES: tuple[tuple[str, Callable[[int, str], list[Any]], dict[str, Any]], ...] = (
    ("nb insert", plain_insert, json.loads(NB_SCHEMA.read_text())),
    ("nb lsp-add", lsp_add, json.loads(NB_SCHEMA.read_text())),
    ("bench insert", bench_item, BENCH_SCHEMA),
)


def measure(shape: Callable[[int, str], list[Any]], schema_json: dict[str, Any], n: int,
            warmup: int, profile: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as workdir:
        h = Harness(workdir, schema_json)
        requests = [orjson.dumps({"id": i, "method": "transact", "params": shape(i, h.ls)})
                    for i in range(warmup + n)]
        for req in requests[:warmup]:
            h.run(req)
        # As the server does once started (pyovn/ovsdb/server/control.py).
        gc.collect()
        gc.freeze()
        gc.set_threshold(50_000, 20, 20)
        h.times = dict.fromkeys(PHASES, 0.0)
        prof = cProfile.Profile() if profile else None
        if prof is not None:
            prof.enable()
        for req in requests[warmup:]:
            h.run(req)
        if prof is not None:
            prof.disable()
            pstats.Stats(prof).sort_stats("tottime").print_stats(25)
        h.close()
        return {k: v / n * 1e6 for k, v in h.times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txns", type=int, default=5000)
    parser.add_argument("--warmup", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    uuid.uuid4()  # warm the uuid module
    print(f"µs per transaction ({args.txns} transactions after {args.warmup} warm-up)")
    print(f"{'shape':<14}" + "".join(f"{p:>9}" for p in PHASES) + f"{'total':>9}")
    for name, shape, schema_json in SHAPES:
        us = measure(shape, schema_json, args.txns, args.warmup, args.profile)
        print(f"{name:<14}" + "".join(f"{us[p]:9.1f}" for p in PHASES)
              + f"{sum(us.values()):9.1f}")


if __name__ == "__main__":
    main()
