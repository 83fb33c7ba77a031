"""Benchmark: pyovn ovsdb-server side by side with OVS's ovsdb-server.

Run: `.venv/bin/python bench/ovsdb_bench.py [--quick]`. Each figure is
measured on both servers in the same run, with the same client code (raw
asyncio JSON-RPC clients in this process), and printed with the ratio
pyovn/ovs (higher is better for rates, lower for times and bytes):

1. insert transactions/s with 1 and 4 clients; each client keeps `window`
   transactions in flight (1: strictly one after the other). pyovn fsyncs
   every commit before replying (group commit); OVS's standalone server
   does not fsync unless asked, so the "durable" rows repeat the runs with
   a `{"op": "commit", "durable": true}` in every transaction, which makes
   OVS fsync too: that is the equal-durability comparison. The "files in
   memory" rows repeat three runs with both database files in /dev/shm,
   where an fsync costs nothing: what remains is each server's CPU cost.
2. fan-out: time from sending one 200-row insert until all 100
   monitor_cond clients have received and parsed that update; the median
   of 5 such commits, as the figure varies much from one to the next. All
   clients share this process and the machine's cores with the server, so
   parsing 100 copies of the update weighs on both servers' figures alike.
3. resync after restart: 100 monitor_cond_since clients hold a copy of a
   table of `rows` rows; the server is stopped, a few transactions are
   added to the file, the server restarts and the clients reconnect with
   their last transaction id. Bytes received and time until all are in sync.

While a figure is timed the clients' cyclic garbage collector is paused
(see `paused_gc`): the clients are the measuring instrument, and their
collection pauses would otherwise be charged to whichever server delivers
faster.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pyovn.jsonstream import MessageSplitter  # noqa: E402

SCHEMA = {
    "name": "Bench",
    "version": "1.0.0",
    "tables": {
        "Item": {
            "columns": {
                "name": {"type": "string"},
                "n": {"type": "integer"},
                "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
                "ext": {"type": {"key": "string", "value": "string", "min": 0,
                                 "max": "unlimited"}},
            },
            "isRoot": True,
        }
    },
}


# --- servers -------------------------------------------------------------------


@dataclass
class Server:
    kind: str
    workdir: Path
    db: Path
    proc: subprocess.Popen[bytes] | None = None

    @property
    def sock(self) -> Path:
        return self.workdir / f"{self.kind}.sock"

    def start(self) -> None:
        args = [f"--remote=punix:{self.sock}", f"--unixctl={self.workdir / self.kind}.ctl",
                "-vconsole:off", str(self.db)]
        if self.kind == "pyovn":
            cmd = [sys.executable, "-m", "pyovn", "ovsdb-server", *args]
        else:
            cmd = ["ovsdb-server", f"--pidfile={self.workdir / 'ovs.pid'}", *args]
        if self.sock.exists():
            self.sock.unlink()
        env = dict(os.environ, OVS_RUNDIR=str(self.workdir), OVS_LOGDIR=str(self.workdir))
        self.proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True)
        deadline = time.time() + 30
        while not self._accepts():
            if self.proc.poll() is not None or time.time() > deadline:
                self.stop()
                raise SystemExit(f"{self.kind} server failed to start")
            time.sleep(0.01)

    def _accepts(self) -> bool:
        probe = socket.socket(socket.AF_UNIX)
        try:
            probe.connect(str(self.sock))
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(30)
        self.proc = None


def make_servers(workdir: Path) -> list[Server]:
    schema = workdir / "bench.ovsschema"
    schema.write_bytes(orjson.dumps(SCHEMA))
    servers = []
    for kind in ("pyovn", "ovs"):
        db = workdir / f"{kind}.db"
        if db.exists():
            db.unlink()
        subprocess.run(["ovsdb-tool", "create", str(db), str(schema)], check=True)
        servers.append(Server(kind, workdir, db))
    return servers


@contextlib.contextmanager
def paused_gc() -> Iterator[None]:
    """Pause this process's cyclic garbage collector while a figure is timed.

    The measuring clients parse JSON, which has no reference cycles, so
    nothing is leaked; but the collector's pauses grow with how many parsed
    messages are alive at once, which depends on how a server paces its
    output (all 100 fan-out updates in one burst cost the clients more
    collection than a trickle), and would be charged to the server.
    """
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- a raw client ----------------------------------------------------------------


class Client(asyncio.Protocol):
    def __init__(self) -> None:
        self.parser = MessageSplitter(1 << 30, 1000)
        self.transport: asyncio.Transport | None = None
        self.waiters: dict[Any, asyncio.Future[Any]] = {}
        self.notifications: asyncio.Queue[Any] = asyncio.Queue()
        self.bytes_received = 0
        self.next_id = 0

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.bytes_received += len(data)
        for msg in self.parser.feed(data):
            if msg.get("method") is not None:
                if msg["method"] == "echo":
                    self.send_raw(orjson.dumps({"id": msg["id"], "result": msg["params"],
                                                "error": None}))
                else:
                    self.notifications.put_nowait(msg)
                continue
            fut = self.waiters.pop(msg["id"], None)
            if fut is not None and not fut.done():
                fut.set_result(msg)

    def send_raw(self, data: bytes) -> None:
        assert self.transport is not None
        self.transport.write(data)

    def request(self, method: str, params: list[Any]) -> asyncio.Future[Any]:
        self.next_id += 1
        fut: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.waiters[self.next_id] = fut
        self.send_raw(orjson.dumps({"method": method, "params": params, "id": self.next_id}))
        return fut

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def connect(path: Path) -> Client:
    loop = asyncio.get_running_loop()
    _, client = await loop.create_unix_connection(Client, str(path))
    return client


def insert_op(i: int) -> dict[str, Any]:
    return {"op": "insert", "table": "Item",
            "row": {"name": f"item-{i}", "n": i, "tags": ["set", ["a", "b"]],
                    "ext": ["map", [["k", f"v{i}"]]]}}


# --- 1. transaction rate ----------------------------------------------------------


async def txn_rate(server: Server, n_clients: int, per_client: int, window: int,
                   durable: bool = False) -> float:
    clients = [await connect(server.sock) for _ in range(n_clients)]
    extra = [{"op": "commit", "durable": True}] if durable else []

    async def run(client: Client, base: int) -> None:
        in_flight: set[asyncio.Future[Any]] = set()
        for i in range(per_client):
            in_flight.add(client.request("transact", ["Bench", insert_op(base + i), *extra]))
            if len(in_flight) >= window:
                done, in_flight = await asyncio.wait(in_flight,
                                                     return_when=asyncio.FIRST_COMPLETED)
                for fut in done:
                    assert fut.result()["error"] is None
        if in_flight:
            await asyncio.wait(in_flight)

    with paused_gc():
        start = time.perf_counter()
        await asyncio.gather(*(run(c, k * 1_000_000) for k, c in enumerate(clients)))
        elapsed = time.perf_counter() - start
    for c in clients:
        c.close()
    return n_clients * per_client / elapsed


# --- 2. fan-out -------------------------------------------------------------------


FANOUT_ROUNDS = 5
FANOUT_BASE = 10_000_000  # "n" of fan-out rows: the monitors watch only these


async def fanout(server: Server, n_clients: int, n_rows: int, round_: int = 0) -> float:
    monitors = [await connect(server.sock) for _ in range(n_clients)]
    # Watching only fan-out rows keeps the initial contents (not timed) small
    # after the rate runs, so the figure can be repeated cheaply.
    where = [["n", ">=", FANOUT_BASE]]
    replies = [m.request("monitor_cond", ["Bench", f"m{k}",
                                          {"Item": [{"where": where}]}])
               for k, m in enumerate(monitors)]
    await asyncio.gather(*replies)
    writer = await connect(server.sock)

    async def updated(m: Client) -> None:
        while True:
            msg = await m.notifications.get()
            body = msg["params"][1]
            if len(body.get("Item", {})) >= n_rows:
                return

    ops = [insert_op(FANOUT_BASE + round_ * n_rows + i) for i in range(n_rows)]
    waits = [asyncio.ensure_future(updated(m)) for m in monitors]
    with paused_gc():
        start = time.perf_counter()
        reply = await writer.request("transact", ["Bench", *ops])
        assert reply["error"] is None
        await asyncio.gather(*waits)
        elapsed = time.perf_counter() - start
    for c in [*monitors, writer]:
        c.close()
    return elapsed


# --- 3. resync after restart ----------------------------------------------------------


async def populate(server: Server, rows: int) -> None:
    c = await connect(server.sock)
    for start in range(0, rows, 500):
        ops = [insert_op(20_000_000 + i) for i in range(start, min(rows, start + 500))]
        assert (await c.request("transact", ["Bench", *ops]))["error"] is None
    c.close()


async def monitor_since(server: Server, n_clients: int,
                        last: list[str]) -> tuple[list[str], int, float]:
    clients = [await connect(server.sock) for _ in range(n_clients)]
    with paused_gc():
        start = time.perf_counter()
        replies = await asyncio.gather(*(
            c.request("monitor_cond_since", ["Bench", "m", {"Item": [{}]}, last[k]])
            for k, c in enumerate(clients)))
        elapsed = time.perf_counter() - start
    ids = [r["result"][1] for r in replies]
    received = sum(c.bytes_received for c in clients)
    for c in clients:
        c.close()
    return ids, received, elapsed


async def resync(server: Server, n_clients: int, rows: int, changes: int) -> tuple[int, float]:
    server.start()
    await populate(server, rows)
    zero = str(uuid.UUID(int=0))
    ids, _, _ = await monitor_since(server, n_clients, [zero] * n_clients)
    c = await connect(server.sock)
    for i in range(changes):
        op = {"op": "update", "table": "Item", "where": [["n", "==", 20_000_000 + i]],
              "row": {"name": f"changed-{i}"}}
        assert (await c.request("transact", ["Bench", op]))["error"] is None
    c.close()
    # Clients saw the state before the changes; the server restarts.
    server.stop()
    server.start()
    _, received, elapsed = await monitor_since(server, n_clients, ids)
    server.stop()
    return received, elapsed


# --- main -----------------------------------------------------------------------


def show(name: str, py: float, ovs: float, unit: str, higher_better: bool) -> None:
    ratio = py / ovs if ovs else float("inf")
    better = "higher" if higher_better else "lower"
    print(f"{name:<44} pyovn {py:>12.4g} {unit:<6} ovs {ovs:>12.4g} {unit:<6}"
          f" ratio {ratio:6.2f} ({better} is better)")


async def main_async(args: argparse.Namespace) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="ovsdb-bench-"))
    try:
        py, ovs = make_servers(workdir)
        results: dict[str, dict[str, float]] = {}
        for server in (py, ovs):
            server.start()
            try:
                r = results.setdefault(server.kind, {})
                r["rate1"] = await txn_rate(server, 1, args.txns, 1)
                r["rate1w"] = await txn_rate(server, 1, args.txns, args.window)
                r["rate4"] = await txn_rate(server, 4, args.txns // 2, 1)
                r["rate4w"] = await txn_rate(server, 4, args.txns // 2, args.window)
                r["rate1d"] = await txn_rate(server, 1, args.txns // 4, 1, durable=True)
                r["rate4wd"] = await txn_rate(server, 4, args.txns // 2, args.window,
                                              durable=True)
                r["fanout"] = statistics.median([
                    await fanout(server, args.clients, 200, k) for k in range(FANOUT_ROUNDS)])
            finally:
                server.stop()
        # The same rates with the files in memory (/dev/shm): the fsync costs
        # nothing there, which separates the servers' CPU cost from the disk's.
        shm = Path(tempfile.mkdtemp(prefix="ovsdb-bench-", dir="/dev/shm"))
        try:
            for server in make_servers(shm):
                server.start()
                try:
                    r = results[server.kind]
                    r["mem1"] = await txn_rate(server, 1, args.txns, 1)
                    r["mem1w"] = await txn_rate(server, 1, args.txns, args.window)
                    r["mem4w"] = await txn_rate(server, 4, args.txns // 2, args.window)
                finally:
                    server.stop()
        finally:
            shutil.rmtree(shm, ignore_errors=True)
        for server in make_servers(workdir):
            try:
                received, elapsed = await resync(server, args.clients, args.rows, 10)
            finally:
                server.stop()
            results[server.kind]["resync_bytes"] = received
            results[server.kind]["resync_time"] = elapsed
        p, o = results["pyovn"], results["ovs"]
        print(f"pyovn vs OVS ovsdb-server 3.1, {os.cpu_count()} cpus")
        show("insert txn/s, 1 client, sequential", p["rate1"], o["rate1"], "txn/s", True)
        show(f"insert txn/s, 1 client, window {args.window}", p["rate1w"], o["rate1w"],
             "txn/s", True)
        show("insert txn/s, 4 clients, sequential", p["rate4"], o["rate4"], "txn/s", True)
        show(f"insert txn/s, 4 clients, window {args.window}", p["rate4w"], o["rate4w"],
             "txn/s", True)
        show("same, durable: 1 client, sequential", p["rate1d"], o["rate1d"], "txn/s", True)
        show(f"same, durable: 4 clients, window {args.window}", p["rate4wd"], o["rate4wd"],
             "txn/s", True)
        show("files in memory: 1 client, sequential", p["mem1"], o["mem1"], "txn/s", True)
        show(f"files in memory: 1 client, window {args.window}", p["mem1w"], o["mem1w"],
             "txn/s", True)
        show(f"files in memory: 4 clients, window {args.window}", p["mem4w"], o["mem4w"],
             "txn/s", True)
        show(f"fan-out 200 rows to {args.clients} monitor_cond (median of {FANOUT_ROUNDS})",
             p["fanout"] * 1000, o["fanout"] * 1000, "ms", False)
        show(f"resync {args.clients} clients x {args.rows} rows: bytes", p["resync_bytes"],
             o["resync_bytes"], "B", False)
        show(f"resync {args.clients} clients x {args.rows} rows: time",
             p["resync_time"] * 1000, o["resync_time"] * 1000, "ms", False)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txns", type=int, default=3000)
    parser.add_argument("--window", type=int, default=32)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.txns, args.rows = 500, 500
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
