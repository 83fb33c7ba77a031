"""Engine test support: a schema exercising every feature, our engine, and a
real ovsdb-server 3.1 spoken to in raw JSON-RPC for differential tests."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pyovn.ovsdb.database import Database
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.transaction import TxnContext, TxnOutcome, execute

TEST_SCHEMA: dict[str, Any] = {
    "name": "T", "version": "1.2.3",
    "tables": {
        "A": {"isRoot": True, "indexes": [["name"]], "columns": {
            "i": {"type": {"key": {"type": "integer", "minInteger": -5, "maxInteger": 100}}},
            "r": {"type": "real"},
            "b": {"type": "boolean"},
            "s": {"type": {"key": {"type": "string", "minLength": 1, "maxLength": 3},
                           "min": 0, "max": 1}},
            "e": {"type": {"key": {"type": "string", "enum": ["set", ["x", "y"]]},
                           "min": 0, "max": "unlimited"}},
            "ns": {"type": {"key": "integer", "min": 0, "max": "unlimited"}},
            "ns2": {"type": {"key": "integer", "min": 1, "max": 2}},
            "m": {"type": {"key": "string", "value": "integer", "min": 0, "max": "unlimited"}},
            "sref": {"type": {"key": {"type": "uuid", "refTable": "B"}, "min": 0,
                              "max": "unlimited"}},
            "wref": {"type": {"key": {"type": "uuid", "refTable": "A", "refType": "weak"},
                              "min": 0, "max": "unlimited"}},
            "w1": {"type": {"key": {"type": "uuid", "refTable": "C", "refType": "weak"},
                            "min": 0, "max": 1}},
            "wm": {"type": {"key": "string",
                            "value": {"type": "uuid", "refTable": "C", "refType": "weak"},
                            "min": 0, "max": "unlimited"}},
            "name": {"type": "string"},
            "imm": {"type": "string", "mutable": False},
            "eph": {"type": "integer", "ephemeral": True},
            "big": {"type": "integer"},
            "oi": {"type": {"key": "integer", "min": 0, "max": 1}},
            "rr": {"type": {"key": {"type": "real", "minReal": -1.5, "maxReal": 2.5},
                            "min": 0, "max": "unlimited"}},
            "um": {"type": {"key": "uuid", "value": "boolean", "min": 0, "max": "unlimited"}},
        }},
        "B": {"columns": {
            "x": {"type": "integer"},
            "bref": {"type": {"key": {"type": "uuid", "refTable": "B"}, "min": 0, "max": 1}},
        }},
        "C": {"isRoot": True, "maxRows": 2, "columns": {"x": {"type": "integer"}}},
        "D": {"isRoot": True, "columns": {
            "need": {"type": {"key": {"type": "uuid", "refTable": "C", "refType": "weak"}}},
        }},
        "E": {"isRoot": True, "columns": {
            "e": {"type": {"key": {"type": "string", "enum": ["set", ["x", "y"]]}}},
            "n": {"type": {"key": {"type": "integer", "minInteger": 1}}},
            "o": {"type": "integer"},
        }},
    },
}



class Engine:
    """Our engine with a database, applying each commit like a server would."""

    def __init__(self, schema_json: dict[str, Any] = TEST_SCHEMA) -> None:
        self.schema = DatabaseSchema.from_json(schema_json)
        self.db = Database(self.schema)
        self.commits: list[Any] = []
        self.now = 1000.0

    def transact(self, *ops: Any, owns: tuple[str, ...] = ()) -> list[Any]:
        return self.run(list(ops), owns).results

    def run(self, ops: list[Any], owns: tuple[str, ...] = ()) -> TxnOutcome:
        self.now += 1
        ctx = TxnContext(now=self.now, owns_lock=lambda name: name in owns)
        outcome = execute(self.db, ops, ctx)
        if outcome.commit is not None:
            self.db.apply(outcome.commit)
            self.commits.append(outcome.commit)
        return outcome


class RealServer:
    """ovsdb-server 3.1 on a unix socket in a temp dir, spoken to in raw JSON-RPC."""

    def __init__(self, tmp: Path, schema_json: dict[str, Any] = TEST_SCHEMA) -> None:
        self.tmp = tmp
        schema_path = tmp / "t.ovsschema"
        schema_path.write_text(json.dumps(schema_json))
        self.db_path = tmp / "t.db"
        subprocess.run(["ovsdb-tool", "create", str(self.db_path), str(schema_path)],
                       check=True, timeout=30)
        self.sock_path = tmp / "db.sock"
        self.proc = subprocess.Popen(
            ["ovsdb-server", f"--remote=punix:{self.sock_path}",
             f"--unixctl={tmp / 'ctl'}", "--no-chdir", "-vconsole:off",
             f"--log-file={tmp / 'log'}", str(self.db_path)],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while not self.sock_path.exists():
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.close()
                raise RuntimeError("ovsdb-server did not start")
            time.sleep(0.02)
        self.next_id = 0

    def connect(self) -> RpcConnection:
        return RpcConnection(str(self.sock_path))

    def close(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class RpcConnection:
    def __init__(self, path: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = ""
        self.decoder = json.JSONDecoder()
        self.pending: list[Any] = []
        self.next_id = 0

    def send(self, method: str, params: Any) -> int:
        self.next_id += 1
        msg = {"method": method, "params": params, "id": self.next_id}
        self.sock.sendall(json.dumps(msg).encode())
        return self.next_id

    def _read_one(self, timeout: float) -> Any:
        while True:
            text = self.buf.lstrip()
            if text:
                try:
                    obj, end = self.decoder.raw_decode(text)
                    self.buf = text[end:]
                    return obj
                except ValueError:
                    pass
            self.sock.settimeout(timeout)
            data = self.sock.recv(1 << 20)
            if not data:
                raise EOFError
            self.buf += data.decode()

    def call(self, method: str, params: Any, timeout: float = 10) -> Any:
        msg_id = self.send(method, params)
        while True:
            msg = self._read_one(timeout)
            if msg.get("id") == msg_id and "method" not in msg:
                return msg
            self.pending.append(msg)

    def notifications(self, timeout: float = 0.2) -> list[Any]:
        """Messages already queued plus whatever arrives within ``timeout``."""
        out, self.pending = self.pending, []
        try:
            while True:
                out.append(self._read_one(timeout))
        except TimeoutError:
            pass
        return out

    def close(self) -> None:
        self.sock.close()


def real_server(tmp: Path, schema_json: dict[str, Any] = TEST_SCHEMA) -> Iterator[RealServer]:
    server = RealServer(tmp, schema_json)
    try:
        yield server
    finally:
        server.close()


_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class UuidNormaliser:
    """Replaces UUIDs by U1, U2... in order of first appearance."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, obj: Any) -> Any:
        if isinstance(obj, str):
            return _UUID_RE.sub(self._name, obj)
        if isinstance(obj, list):
            return [self(x) for x in obj]
        if isinstance(obj, dict):
            return {k if not _UUID_RE.fullmatch(k) else self._name_str(k): self(v)
                    for k, v in obj.items()}
        return obj

    def _name(self, m: re.Match[str]) -> str:
        return self._name_str(m.group(0))

    def _name_str(self, s: str) -> str:
        if s == "00000000-0000-0000-0000-000000000000":
            return "ZERO"
        return self.names.setdefault(s, f"U{len(self.names) + 1}")


def canonical_results(results: Any) -> Any:
    """Sort select rows, drop _version values (random on both sides)."""
    if not isinstance(results, list):
        return results
    out = []
    for r in results:
        if isinstance(r, dict) and "rows" in r:
            rows = [{k: v for k, v in row.items() if k != "_version"} for row in r["rows"]]
            rows.sort(key=lambda row: json.dumps(_mask(row), sort_keys=True))
            r = {"rows": rows}
        out.append(r)
    return out


def _mask(obj: Any) -> Any:
    if isinstance(obj, str):
        return _UUID_RE.sub("U", obj)
    if isinstance(obj, list):
        return [_mask(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _mask(v) for k, v in obj.items()}
    return obj
