"""Nothing acknowledged is lost: kill -9 during a write storm, then restart."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import orjson
import pytest
import server_procs

from pyovn.jsonstream import MessageSplitter

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCHEMA = {
    "name": "Storm",
    "version": "1.0.0",
    "tables": {"Item": {"columns": {"name": {"type": "string"}}, "isRoot": True}},
}


async def _writer(sock: Path, prefix: str, acked: list[str], stop: float) -> None:
    reader, writer = await asyncio.open_unix_connection(str(sock))
    parser = MessageSplitter()
    pending: dict[int, str] = {}
    next_id = 0
    try:
        while time.time() < stop:
            while len(pending) < 8:
                next_id += 1
                name = f"{prefix}-{next_id}"
                pending[next_id] = name
                op = {"op": "insert", "table": "Item", "row": {"name": name}}
                writer.write(orjson.dumps({"method": "transact", "params": ["Storm", op],
                                           "id": next_id}))
            data = await reader.read(65536)
            if not data:
                return
            for msg in parser.feed(data):
                name = pending.pop(msg["id"])
                if msg.get("error") is None and "error" not in msg["result"][0]:
                    acked.append(name)
    except (ConnectionError, OSError):
        return
    finally:
        writer.close()


async def _storm(sock: Path, seconds: float, acked: list[str]) -> None:
    stop = time.time() + seconds
    await asyncio.gather(*(_writer(sock, f"w{k}", acked, stop) for k in range(4)))


def _names(sock: Path) -> set[str]:
    import subprocess

    txn = json.dumps(["Storm", {"op": "select", "table": "Item", "where": [],
                                "columns": ["name"]}])
    out = subprocess.run(["ovsdb-client", "--timeout=20", "transact", f"unix:{sock}", txn],
                         capture_output=True, text=True, check=True).stdout
    rows: list[dict[str, Any]] = json.loads(out)[0]["rows"]
    return {row["name"] for row in rows}


def test_kill9_during_write_storm_loses_nothing_acknowledged(tmp_path: Path) -> None:
    schema = tmp_path / "storm.ovsschema"
    schema.write_text(json.dumps(SCHEMA))
    db = tmp_path / "storm.db"
    server_procs.create_db(db, schema)
    server = server_procs.start("pyovn", tmp_path, db)
    acked: list[str] = []
    try:
        loop = asyncio.new_event_loop()
        task = loop.create_task(_storm(server.sock, 30, acked))

        async def kill_soon() -> None:
            while len(acked) < 300:
                await asyncio.sleep(0.01)
            server.kill9()

        loop.run_until_complete(kill_soon())
        loop.run_until_complete(task)
        loop.close()
    finally:
        server.stop()
    assert len(acked) >= 300
    restarted = server_procs.start("pyovn", tmp_path, db, name="again")
    try:
        present = _names(restarted.sock)
    finally:
        restarted.stop()
    missing = set(acked) - present
    assert not missing, f"{len(missing)} acknowledged inserts lost, e.g. {sorted(missing)[:5]}"
    # OVS reads the file pyovn wrote after the crash too.
    import subprocess

    check = subprocess.run(["ovsdb-tool", "db-name", str(db)], capture_output=True, text=True)
    assert check.stdout.strip() == "Storm"
