"""`pyovn ovsdb-client` against pyovn's server and OVS's, with the same answers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import server_procs

SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"
pytestmark = pytest.mark.integration
INSERT = '["OVN_Northbound", {"op": "insert", "table": "Logical_Switch", "row": {"name": "%s"}}]'


def client(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pyovn", "ovsdb-client", *args],
                          capture_output=True, text=True, timeout=30, check=check)


@pytest.fixture(params=["pyovn", "ovs"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[server_procs.ServerProc]:
    db = tmp_path / "nb.db"
    server_procs.create_db(db, SCHEMA)
    proc = server_procs.start(request.param, tmp_path, db)
    yield proc
    proc.stop()


def test_list_dbs_transact_dump(server: server_procs.ServerProc) -> None:
    remote = server.remote
    assert client("list-dbs", remote).stdout.split() == ["OVN_Northbound", "_Server"]
    result = orjson.loads(client("transact", remote, INSERT % "sw0").stdout)
    assert list(result[0]) == ["uuid"]
    lines = [orjson.loads(x) for x in client("dump", remote, "Logical_Switch").stdout.splitlines()]
    assert lines[0]["table"] == "Logical_Switch"
    assert [row["name"] for row in lines[0]["rows"]] == ["sw0"]
    assert "Logical_Switch_Port" in client("list-tables", remote).stdout.split()
    schema = orjson.loads(client("get-schema", remote, "OVN_Northbound").stdout)
    assert schema["name"] == "OVN_Northbound"


def test_monitor_prints_initial_rows_and_updates(server: server_procs.ServerProc) -> None:
    remote = server.remote
    client("transact", remote, INSERT % "before")
    mon = subprocess.Popen(
        [sys.executable, "-m", "pyovn", "ovsdb-client", "monitor", "--count", "1", remote,
         "Logical_Switch", "name"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert mon.stdout is not None
        initial = orjson.loads(mon.stdout.readline())["initial"]
        (row,) = initial["Logical_Switch"].values()
        assert row == {"initial": {"name": "before"}}
        client("transact", remote, INSERT % "after")
        update = orjson.loads(mon.stdout.readline())["update"]
        (change,) = update["Logical_Switch"].values()
        assert change == {"insert": {"name": "after"}}
        assert mon.wait(10) == 0
    finally:
        mon.kill()


def test_errors_are_one_line(tmp_path: Path) -> None:
    missing = client("list-dbs", f"unix:{tmp_path}/nothing.sock", check=False)
    assert missing.returncode == 1
    assert missing.stderr.startswith("Error: unix:")
    assert "Traceback" not in missing.stderr
    bad = client("transact", f"unix:{tmp_path}/nothing.sock", "[1]", check=False)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr
