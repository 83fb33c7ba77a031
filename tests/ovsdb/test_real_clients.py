"""Real OVS/OVN clients against `pyovn ovsdb-server`: ovsdb-client, ovn-nbctl, the ovs IDL."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import server_procs
from server_procs import ServerProc

pytestmark = pytest.mark.integration

SCHEMA = {
    "name": "Demo",
    "version": "1.2.3",
    "tables": {
        "Item": {
            "columns": {
                "name": {"type": "string"},
                "n": {"type": {"key": {"type": "integer", "minInteger": 0}}},
                "tags": {"type": {"key": "string", "min": 0, "max": "unlimited"}},
            },
            "isRoot": True,
            "indexes": [["name"]],
        }
    },
}
NB_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"


def _serve(tmp_path: Path, schema: str | Path) -> ServerProc:
    db = tmp_path / "db.db"
    server_procs.create_db(db, schema)
    return server_procs.start("pyovn", tmp_path, db)


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[ServerProc]:
    schema = tmp_path / "demo.ovsschema"
    schema.write_text(json.dumps(SCHEMA))
    server = _serve(tmp_path, schema)
    yield server
    server.stop()


def client(*args: str, timeout: float = 20) -> str:
    done = subprocess.run(["ovsdb-client", "--timeout=20", *args], capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ovsdb_client_list_dbs_get_schema_transact_dump(demo: ServerProc) -> None:
    assert client("list-dbs", demo.remote).split() == ["Demo", "_Server"]
    schema = json.loads(client("get-schema", demo.remote, "Demo"))
    assert schema["name"] == "Demo" and schema["version"] == "1.2.3"
    assert schema["tables"]["Item"]["indexes"] == [["name"]]
    assert client("get-schema-version", demo.remote, "Demo").strip() == "1.2.3"
    txn = ['Demo', {"op": "insert", "table": "Item", "row": {"name": "a", "n": 7,
                                                            "tags": ["set", ["x", "y"]]}}]
    reply = json.loads(client("transact", demo.remote, json.dumps(txn)))
    assert reply[0]["uuid"][0] == "uuid"
    dup = json.loads(client("transact", demo.remote, json.dumps(txn)))
    assert dup[-1]["error"] == "constraint violation"
    dump = client("dump", demo.remote, "Demo")
    assert "Item table" in dump and '"a"' in dump or " a " in dump
    assert "[x, y]" in dump


def _monitor_until(args: list[str], action: list[str], needle: str) -> str:
    proc = subprocess.Popen(["ovsdb-client", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        seen = ""
        deadline = time.time() + 20
        acted = False
        import selectors

        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        while time.time() < deadline:
            if not acted and sel.select(0.5) == []:
                client(*action)
                acted = True
                continue
            line = proc.stdout.readline()
            if not line:
                break
            seen += line
            if needle in line and acted:
                return seen
        raise AssertionError(f"{needle!r} never shown; got:\n{seen}")
    finally:
        proc.kill()
        proc.wait()


def test_ovsdb_client_monitor_and_monitor_cond(demo: ServerProc) -> None:
    insert = ['Demo', {"op": "insert", "table": "Item", "row": {"name": "mon", "n": 3}}]
    out = _monitor_until(["monitor", demo.remote, "Demo", "Item", "name,n"],
                         ["transact", demo.remote, json.dumps(insert)], "mon")
    assert "insert" in out
    insert2 = ['Demo', {"op": "insert", "table": "Item", "row": {"name": "big", "n": 50}},
               {"op": "insert", "table": "Item", "row": {"name": "small", "n": 1}}]
    out = _monitor_until(
        ["monitor-cond", demo.remote, "Demo", '[["n",">",10]]', "Item", "name,n"],
        ["transact", demo.remote, json.dumps(insert2)], "big")
    assert "small" not in out


def test_ovn_nbctl_against_pyovn(tmp_path: Path) -> None:
    server = _serve(tmp_path, NB_SCHEMA)
    try:
        def nbctl(*args: str) -> str:
            done = subprocess.run(["ovn-nbctl", f"--db={server.remote}", "--timeout=20", *args],
                                  capture_output=True, text=True, timeout=30)
            assert done.returncode == 0, done.stderr
            return done.stdout

        nbctl("ls-add", "sw0")
        nbctl("lsp-add", "sw0", "sw0-port1")
        nbctl("lsp-set-addresses", "sw0-port1", "50:54:00:00:00:01 192.168.0.2")
        nbctl("acl-add", "sw0", "to-lport", "1000", "tcp.dst == 22", "drop")
        nbctl("lr-add", "lr0")
        nbctl("lrp-add", "lr0", "lrp0", "00:00:00:00:ff:01", "192.168.0.1/24")
        show = nbctl("show")
        assert "switch" in show and "sw0" in show and "sw0-port1" in show
        assert "router" in show and "lr0" in show and "192.168.0.1/24" in show
        assert "tcp.dst == 22" in nbctl("acl-list", "sw0")
        assert nbctl("lsp-get-addresses", "sw0-port1").strip() == "50:54:00:00:00:01 192.168.0.2"
        done = subprocess.run(["ovn-nbctl", f"--db={server.remote}", "ls-add", "sw0"],
                              capture_output=True, text=True, timeout=30)
        assert done.returncode != 0 and "already exists" in done.stderr
    finally:
        server.stop()


def test_ovs_python_idl(tmp_path: Path) -> None:
    import ovs.db.idl
    import ovs.poller

    server = _serve(tmp_path, NB_SCHEMA)
    try:
        helper = ovs.db.idl.SchemaHelper(NB_SCHEMA)
        helper.register_all()
        idl = ovs.db.idl.Idl(server.remote, helper)

        def run_until(cond: object, timeout: float = 20) -> None:
            deadline = time.time() + timeout
            while time.time() < deadline:
                idl.run()
                if cond():  # type: ignore[operator]
                    return
                poller = ovs.poller.Poller()
                idl.wait(poller)
                poller.timer_wait(100)
                poller.block()
            raise AssertionError("IDL condition not reached")

        run_until(lambda: idl.has_ever_connected())
        txn = ovs.db.idl.Transaction(idl)
        ls = txn.insert(idl.tables["Logical_Switch"])
        ls.name = "from-idl"
        ls.external_ids = {"k": "v"}
        status = txn.commit_block()
        assert status == ovs.db.idl.Transaction.SUCCESS, txn.get_error()
        run_until(lambda: any(r.name == "from-idl"
                              for r in idl.tables["Logical_Switch"].rows.values()))
        row = next(r for r in idl.tables["Logical_Switch"].rows.values()
                   if r.name == "from-idl")
        assert row.external_ids == {"k": "v"}
        # A change made by another client reaches the IDL through its monitor.
        client("transact", server.remote, json.dumps(
            ["OVN_Northbound", {"op": "update", "table": "Logical_Switch",
                                "where": [["name", "==", "from-idl"]],
                                "row": {"external_ids": ["map", [["k", "w"]]]}}]))
        run_until(lambda: row.external_ids == {"k": "w"}
                  if row.uuid in idl.tables["Logical_Switch"].rows else False)
        idl.close()
    finally:
        server.stop()


def test_ovsdbapp_against_pyovn(tmp_path: Path) -> None:
    from ovsdbapp.backend.ovs_idl import connection
    from ovsdbapp.schema.ovn_northbound import impl_idl

    server = _serve(tmp_path, NB_SCHEMA)
    conn = None
    try:
        idl = connection.OvsdbIdl.from_server(server.remote, "OVN_Northbound")
        conn = connection.Connection(idl, timeout=20)
        api = impl_idl.OvnNbApiIdlImpl(conn)
        api.ls_add("app-sw").execute(check_error=True)
        api.lsp_add("app-sw", "app-port").execute(check_error=True)
        names = [ls.name for ls in api.ls_list().execute(check_error=True)]
        assert "app-sw" in names
        ports = api.lsp_list("app-sw").execute(check_error=True)
        assert [p.name for p in ports] == ["app-port"]
    finally:
        if conn is not None:
            conn.stop()
        server.stop()


def test_unixctl_commands_with_ovs_appctl(demo: ServerProc, tmp_path: Path) -> None:
    def appctl(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ovs-appctl", "-t", str(demo.ctl), *args], capture_output=True,
                              text=True, timeout=20)

    assert appctl("ovsdb-server/list-dbs").stdout.split() == ["Demo", "_Server"]
    assert appctl("ovsdb-server/list-remotes").stdout.split() == [f"punix:{demo.sock}"]
    assert appctl("ovsdb-server/add-remote", "ptcp:0:127.0.0.1").returncode == 0
    port = demo.tcp_port()
    assert client("list-dbs", f"tcp:127.0.0.1:{port}").split() == ["Demo", "_Server"]
    bad = appctl("ovsdb-server/remove-remote", "ptcp:1")
    assert bad.returncode == 2 and "no such remote" in bad.stdout + bad.stderr
    assert appctl("ovsdb-server/compact").returncode == 0
    assert client("list-dbs", demo.remote).split() == ["Demo", "_Server"]
    # OVS's own tool reads the compacted file, which is marked as ovsdb-server marks it.
    log = subprocess.run(["ovsdb-tool", "show-log", str(demo.db)], capture_output=True,
                         text=True, timeout=20, check=True).stdout
    assert '"compacting database online"' in log
    assert "no database by that name" in appctl("ovsdb-server/compact", "X").stderr + \
        appctl("ovsdb-server/compact", "X").stdout
    assert "ovsdb-server" in appctl("version").stdout
    assert appctl("exit").returncode == 0
    demo.proc.wait(10)
    assert demo.proc.returncode == 0


def _cond_since_output(remote: str, *since: str) -> str:
    proc = subprocess.Popen(["ovsdb-client", "monitor-cond-since", remote, "Demo", *since,
                             "[true]", "Item", "name"], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
    finally:
        proc.kill()
        proc.wait()
    return "".join(lines)


def test_ovsdb_client_monitor_cond_since_across_restart(demo: ServerProc, tmp_path: Path) -> None:
    insert = ["Demo", {"op": "insert", "table": "Item", "row": {"name": "before"}}]
    client("transact", demo.remote, json.dumps(insert))
    first = _cond_since_output(demo.remote)
    assert first.startswith("found: false, last_id: ") and "before" in first
    last_id = first.split("last_id: ")[1].split()[0]
    demo.stop()
    again = server_procs.start("pyovn", tmp_path, demo.db, name="again")
    try:
        insert = ["Demo", {"op": "insert", "table": "Item", "row": {"name": "after"}}]
        client("transact", again.remote, json.dumps(insert))
        out = _cond_since_output(again.remote, last_id)
        assert out.startswith("found: true")
        assert "after" in out and "before" not in out
    finally:
        again.stop()
