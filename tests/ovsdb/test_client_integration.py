"""The client library against real servers: OVS's ovsdb-server 3.1 and pyovn's."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Coroutine, Iterator, Mapping
from pathlib import Path
from typing import Any, TypeVar

import pytest
import server_procs
from server_procs import ServerProc

from pyovn.ovsdb.client import (
    Client,
    ConstraintViolation,
    Idl,
    NotOwner,
    ReferentialIntegrityViolation,
    Row,
    ServerError,
    Timeout,
    TryAgain,
    generate_row_classes,
)
from pyovn.ovsdb.schema import DatabaseSchema

pytestmark = pytest.mark.integration
NB_SCHEMA = "/usr/share/ovn/ovn-nb.ovsschema"
DB = "OVN_Northbound"
T = TypeVar("T")


class Server:
    """One ovsdb-server of either kind on a short unix socket path, restartable."""

    def __init__(self, kind: str, schema: str = NB_SCHEMA) -> None:
        self.kind = kind
        self.dir = Path(tempfile.mkdtemp(prefix="pyovn-cl-", dir="/tmp"))
        self.db = self.dir / "nb.db"
        server_procs.create_db(self.db, schema)
        self.proc: ServerProc | None = server_procs.start(kind, self.dir, self.db)
        self.remote = self.proc.remote

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.stop()
            self.proc = None
        sock = self.dir / "s.sock"
        if sock.exists():
            sock.unlink()

    def start(self) -> None:
        self.proc = server_procs.start(self.kind, self.dir, self.db)

    def transact(self, *ops: dict[str, Any]) -> list[Any]:
        """Change the database as another client would (ovsdb-client transact)."""
        done = subprocess.run(["ovsdb-client", "--timeout=20", "transact", self.remote,
                               json.dumps([DB, *ops])], capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 0, done.stderr
        result: list[Any] = json.loads(done.stdout)
        assert not any(isinstance(r, dict) and "error" in r for r in result), result
        return result

    def offline_transact(self, *ops: dict[str, Any]) -> None:
        """Change the database file while no server runs (ovsdb-tool transact)."""
        subprocess.run(["ovsdb-tool", "transact", str(self.db), json.dumps([DB, *ops])],
                       check=True, capture_output=True, timeout=30)


@pytest.fixture(params=["ovs", "pyovn"])
def nb(request: pytest.FixtureRequest) -> Iterator[Server]:
    server = Server(request.param)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


def run(coro: Coroutine[Any, Any, T]) -> T:
    async def bounded() -> T:
        return await asyncio.wait_for(coro, 30)
    return asyncio.run(bounded())


def idl_for(server: Server, **kwargs: Any) -> Idl:
    kwargs.setdefault("tables", {"Logical_Switch": None, "Logical_Switch_Port": None})
    return Idl(server.remote, DB, min_backoff=0.05, max_backoff=0.2, **kwargs)


def ls_insert(name: str, **row: Any) -> dict[str, Any]:
    return {"op": "insert", "table": "Logical_Switch", "row": {"name": name, **row}}


def by_name(idl: Idl, table: str = "Logical_Switch") -> dict[str, Row]:
    return {row._get("name"): row for row in idl.table(table)}


def names(rows: Any) -> set[str]:
    return {row.name for row in (rows.values() if isinstance(rows, Mapping) else rows)}


# ---------------------------------------------------------------- replica

def test_initial_dump_then_changes_from_another_client(nb: Server) -> None:
    nb.transact(ls_insert("a", external_ids=["map", [["k", "v"]]]), ls_insert("b"))

    async def body() -> None:
        async with idl_for(nb) as idl:
            rows = by_name(idl)
            assert set(rows) == {"a", "b"} and dict(rows["a"].external_ids) == {"k": "v"}
            assert rows["a"].ports == frozenset() and idl.monitor_method == "monitor_cond_since"
            assert names(idl.take_changes()["Logical_Switch"].inserted) == {"a", "b"}
            a_old, b_old = rows["a"], rows["b"]
            await asyncio.to_thread(
                nb.transact,
                {"op": "insert", "table": "Logical_Switch_Port", "uuid-name": "p",
                 "row": {"name": "p1", "addresses": "00:00:00:00:00:01"}},
                {"op": "mutate", "table": "Logical_Switch", "where": [["name", "==", "a"]],
                 "mutations": [["ports", "insert", ["named-uuid", "p"]],
                               ["external_ids", "insert", ["map", [["k2", "v2"]]]]]},
                {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "b"]]},
                ls_insert("c"))
            await idl.wait_for(lambda: "c" in by_name(idl), timeout=10)
            changes = idl.take_changes()
            ls, lsp = changes["Logical_Switch"], changes["Logical_Switch_Port"]
            assert names(ls.inserted) == {"c"} and list(ls.deleted.values()) == [b_old]
            (old, new), = ls.updated.values()
            p1, = lsp.inserted.values()
            assert old == a_old and new.ports == {p1.uuid} and p1.name == "p1"
            assert dict(new.external_ids) == {"k": "v", "k2": "v2"}
            assert p1.addresses == {"00:00:00:00:00:01"} and not lsp.updated
            assert idl.tracked_changes() == {}
    run(body())


def test_commit_reads_its_writes_and_wait_for_change(nb: Server) -> None:
    async def body() -> None:
        async with idl_for(nb) as idl:
            seqno = idl.seqno
            txn = idl.transaction()
            sw = txn.insert("Logical_Switch", name="sw0", other_config={"a": "1"})
            port = txn.insert("Logical_Switch_Port", name="p0")
            txn.add_to(sw, "ports", port)
            txn.comment("client test")
            result = await txn.commit()
            row = idl.table("Logical_Switch")[result[sw]]  # no waiting needed
            assert row.ports == {result[port]} and dict(row.other_config) == {"a": "1"}
            assert await idl.wait_for_change(seqno, timeout=1) > seqno
            txn = idl.transaction()
            txn.update(row, name="sw1")
            txn.remove_from(row, "other_config", ["a"])
            txn.add_to(row, "other_config", {"b": "2"})
            txn.remove_from(row, "ports", result[port])
            await txn.commit()
            new = idl.table("Logical_Switch")[row.uuid]
            assert (new.name, dict(new.other_config), new.ports) == ("sw1", {"b": "2"}, set())
            assert result[port] not in idl.table("Logical_Switch_Port")  # garbage collected
            txn = idl.transaction()
            txn.delete(new)
            await txn.commit()
            assert len(idl.table("Logical_Switch")) == 0
    run(body())


def test_typed_exceptions_for_server_errors(nb: Server) -> None:
    async def body() -> None:
        async with idl_for(nb, tables={"ACL": None, "Logical_Switch": None}) as idl:
            txn = idl.transaction()
            txn.insert("ACL", priority=100000, action="allow", direction="to-lport",
                       match="1")
            with pytest.raises(ConstraintViolation) as info:
                await txn.commit()
            assert "32767" in (info.value.details or "") and info.value.op_index == 0
            txn = idl.transaction()
            txn.insert("Logical_Switch", name="x", ports={uuid.uuid4()})
            with pytest.raises(ReferentialIntegrityViolation):
                await txn.commit()
            assert len(idl.table("Logical_Switch")) == 0
    run(body())


def test_verify_conflict_raises_try_again(nb: Server) -> None:
    nb.transact(ls_insert("a"), ls_insert("b"))

    async def body() -> None:
        async with idl_for(nb) as idl:
            a, b = by_name(idl)["a"], by_name(idl)["b"]
            txn = idl.transaction(verify_reads=True)
            assert txn.get(a, "name") == "a"
            txn.update(a, other_config={"seen": "a"})
            await asyncio.to_thread(nb.transact, {
                "op": "update", "table": "Logical_Switch", "where": [["name", "==", "a"]],
                "row": {"name": "renamed"}})
            with pytest.raises(TryAgain):
                await txn.commit()
            # the caller retries with fresh rows and succeeds
            await idl.wait_for(lambda: "renamed" in by_name(idl), timeout=10)
            fresh = by_name(idl)["renamed"]
            retry = idl.transaction(verify_reads=True)
            retry.update(fresh, other_config={"seen": retry.get(fresh, "name")})
            await retry.commit()
            assert dict(idl.table("Logical_Switch")[a.uuid].other_config) == {"seen": "renamed"}
            # writing a row someone deleted is TryAgain too
            await asyncio.to_thread(nb.transact, {
                "op": "delete", "table": "Logical_Switch", "where": [["name", "==", "b"]]})
            stale = idl.transaction()
            stale.update(b, name="zombie")
            with pytest.raises(TryAgain, match="matched no row"):
                await stale.commit()
    run(body())


# ---------------------------------------------------------------- resync

def test_reconnect_after_server_restart_resyncs(nb: Server) -> None:
    nb.transact(ls_insert("keep"), ls_insert("change"), ls_insert("gone"))

    async def body() -> None:
        async with idl_for(nb) as idl:
            before = by_name(idl)
            idl.take_changes()
            last_id = idl.last_txn_id
            await asyncio.to_thread(nb.stop)
            await asyncio.to_thread(
                nb.offline_transact,
                {"op": "update", "table": "Logical_Switch", "where": [["name", "==", "change"]],
                 "row": {"external_ids": ["map", [["x", "y"]]]}},
                {"op": "delete", "table": "Logical_Switch", "where": [["name", "==", "gone"]]},
                ls_insert("new"))
            await asyncio.to_thread(nb.start)
            await idl.wait_for(lambda: idl.connected and "new" in by_name(idl), timeout=15)
            method, params = idl.last_monitor_request or ["", []]
            assert method == "monitor_cond_since" and params[3] == str(last_id)
            if nb.kind == "ovs":
                assert idl.last_monitor_found is False  # standalone 3.1 keeps no history
            changes = idl.take_changes()["Logical_Switch"]
            assert names(changes.inserted) == {"new"}
            assert list(changes.deleted.values()) == [before["gone"]]
            (old, new), = changes.updated.values()
            assert old == before["change"] and dict(new.external_ids) == {"x": "y"}
            assert by_name(idl)["keep"] == before["keep"]
            assert idl.connections == 2
    run(body())


def test_forced_reconnect_sends_last_txn_id(nb: Server) -> None:
    nb.transact(ls_insert("a"))

    async def body() -> None:
        async with idl_for(nb) as idl:
            txn = idl.transaction()
            txn.insert("Logical_Switch", name="b")
            await txn.commit()
            idl.take_changes()
            last_id = idl.last_txn_id
            idl.force_reconnect()
            await idl.wait_for(lambda: idl.connections == 2 and idl.connected, timeout=10)
            assert idl.last_monitor_request is not None
            assert idl.last_monitor_request[1][3] == str(last_id)
            # pyovn keeps history for standalone databases; OVS 3.1 resends everything
            assert idl.last_monitor_found is (nb.kind == "pyovn")
            assert set(by_name(idl)) == {"a", "b"}
            assert idl.tracked_changes() == {}  # nothing changed: nothing reported
    run(body())


# ---------------------------------------------------------------- conditions

def test_conditional_monitoring_and_set_conditions(nb: Server) -> None:
    nb.transact(ls_insert("a"), ls_insert("b"), ls_insert("c"))

    async def body() -> None:
        cond = {"Logical_Switch": [["name", "==", "a"]]}
        async with idl_for(nb, conditions=cond) as idl:
            assert set(by_name(idl)) == {"a"}
            a = by_name(idl)["a"]
            idl.take_changes()
            await idl.set_conditions("Logical_Switch", [["name", "!=", "a"]])
            assert set(by_name(idl)) == {"b", "c"}
            changes = idl.take_changes()["Logical_Switch"]
            assert names(changes.inserted) == {"b", "c"}
            assert list(changes.deleted.values()) == [a]
            await asyncio.to_thread(nb.transact, ls_insert("d"), {
                "op": "update", "table": "Logical_Switch", "where": [["name", "==", "b"]],
                "row": {"name": "a"}})
            await idl.wait_for(lambda: "d" in by_name(idl), timeout=10)
            changes = idl.take_changes()["Logical_Switch"]
            assert names(changes.inserted) == {"d"} and names(changes.deleted) == {"b"}
            # after a reconnect the new conditions still hold
            idl.force_reconnect()
            await idl.wait_for(lambda: idl.connections == 2 and idl.connected, timeout=10)
            assert set(by_name(idl)) == {"c", "d"} and idl.tracked_changes() == {}
    run(body())


# ---------------------------------------------------------------- locks

def test_locks_between_two_clients(nb: Server) -> None:
    async def body() -> None:
        tables = {"NB_Global": None}
        async with idl_for(nb, tables=tables) as one, idl_for(nb, tables=tables) as two:
            seen: list[bool] = []
            one.add_lock_listener(seen.append)
            assert await one.lock("northd", timeout=5) is True and one.has_lock
            assert await two.lock("northd", wait=False) is False and not two.has_lock
            txn = two.transaction()
            txn.insert("NB_Global")
            with pytest.raises(NotOwner):
                await txn.commit()
            await two.steal("northd")
            assert two.has_lock
            await one.wait_for_lock(False, timeout=5)
            assert seen == [True, False]
            txn = one.transaction()
            txn.insert("NB_Global")
            with pytest.raises(NotOwner):
                await txn.commit()
            txn = two.transaction()
            txn.insert("NB_Global")
            await txn.commit()
            assert len(two.table("NB_Global")) == 1
            await two.unlock()
            await one.unlock()
            assert await one.lock("northd", timeout=5)
    run(body())


# ---------------------------------------------------------------- raw API

def test_raw_client_methods(nb: Server) -> None:
    async def body() -> None:
        client = await Client.connect(nb.remote)
        try:
            assert set(await client.list_dbs()) == {DB, "_Server"}
            schema = await client.get_schema(DB)
            assert schema.name == DB and "Logical_Switch" in schema.tables
            assert await client.echo("hello", 1) == ["hello", 1]
            result = await client.transact(DB, [{"op": "insert", "table": "Logical_Switch",
                                                 "row": {"name": "raw"}}])
            assert result[0]["uuid"][0] == "uuid"
            with pytest.raises(ServerError):
                await client.get_schema("NoSuchDb")
        finally:
            await client.close()
    run(body())


def test_missing_database_is_raised(nb: Server) -> None:
    async def body() -> None:
        idl = Idl(nb.remote, "NoSuchDb")
        with pytest.raises(Exception, match="NoSuchDb"):
            await idl.wait_ready(timeout=10)
        await idl.close()
    run(body())


def test_generated_row_classes_and_tcp_remote_with_probe(nb: Server) -> None:
    nb.stop()
    nb.proc = server_procs.start(nb.kind, nb.dir, nb.db, extra=["--remote=ptcp:0:127.0.0.1"])
    port = nb.proc.tcp_port()
    nb.transact(ls_insert("typed"))
    namespace: dict[str, Any] = {}
    schema = DatabaseSchema.from_json(json.loads(Path(NB_SCHEMA).read_text()))
    exec(compile(generate_row_classes(schema), "nb_rows", "exec"), namespace)
    logical_switch = namespace["LogicalSwitch"]

    async def body() -> None:
        idl = Idl(f"tcp:127.0.0.1:{port}", DB, tables={"Logical_Switch": ["name", "ports"]},
                  row_classes=namespace["ROW_CLASSES"], probe_interval=0.1)
        async with idl:
            switches = idl.rows(logical_switch)
            row, = switches
            assert type(row) is logical_switch and row.name == "typed" and row.ports == set()
            await asyncio.sleep(0.5)  # idle for several probe intervals: still connected
            assert idl.connected and idl.connections == 1
    run(body())


def test_user_wait_that_fails_raises_timeout(nb: Server) -> None:
    nb.transact(ls_insert("a"))

    async def body() -> None:
        async with idl_for(nb) as idl:
            txn = idl.transaction()
            txn.wait("Logical_Switch", [["name", "==", "a"]], ["name"], [{"name": "b"}],
                     timeout=0)
            txn.insert("Logical_Switch", name="never")
            with pytest.raises(Timeout):
                await txn.commit()
            assert set(by_name(idl)) == {"a"}
    run(body())


@pytest.fixture
def clustered() -> Iterator[Server]:
    """A one-server Raft cluster of OVS's ovsdb-server (it keeps transaction history)."""
    server = Server.__new__(Server)
    server.kind = "ovs"
    server.dir = Path(tempfile.mkdtemp(prefix="pyovn-cl-", dir="/tmp"))
    server.db = server.dir / "nb.db"
    subprocess.run(["ovsdb-tool", "create-cluster", str(server.db), NB_SCHEMA,
                    f"unix:{server.dir / 'raft.sock'}"], check=True, capture_output=True)
    try:
        server.start()
        assert server.proc is not None
        server.remote = server.proc.remote
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


def test_clustered_server_leader_check_and_difference_resync(clustered: Server) -> None:
    async def body() -> None:
        async with idl_for(clustered, leader_only=True) as idl:
            assert idl._server_watch is not None and idl._server_watch.row is not None
            assert idl._server_watch.row["model"] == "clustered"
            txn = idl.transaction()
            txn.insert("Logical_Switch", name="a")
            await txn.commit()
            idl.take_changes()
            last_id = idl.last_txn_id
            assert last_id != uuid.UUID(int=0)
            idl.force_reconnect()
            await idl.wait_for(lambda: idl.connections == 2 and idl.connected, timeout=10)
            assert idl.last_monitor_request is not None
            assert idl.last_monitor_request[1][3] == str(last_id)
            assert idl.last_monitor_found is True and set(by_name(idl)) == {"a"}
            assert idl.tracked_changes() == {}
    run(body())


def test_remotes_are_tried_in_turn(nb: Server) -> None:
    nb.transact(ls_insert("a"))

    async def body() -> None:
        remote = f"unix:{nb.dir / 'nobody-here.sock'},{nb.remote}"
        idl = Idl(remote, DB, tables={"Logical_Switch": ["name"]}, min_backoff=0.01)
        async with idl:
            assert set(by_name(idl)) == {"a"} and idl.connections == 1
            with pytest.raises(ValueError):
                await idl.set_conditions("ACL", [])
    run(body())


def test_database_conversion_brings_the_new_schema() -> None:
    server = Server("ovs")  # pyovn's server has no online "convert" yet
    try:
        server.transact(ls_insert("a"))
        schema = json.loads(Path(NB_SCHEMA).read_text())
        schema["version"] = "99.0.0"
        schema["tables"]["Logical_Switch"]["columns"]["color"] = {"type": "string"}
        new_schema = server.dir / "new.ovsschema"
        new_schema.write_text(json.dumps(schema))

        async def body() -> None:
            async with idl_for(server) as idl:
                old_table = idl.table("Logical_Switch")
                assert "color" not in old_table.columns
                await asyncio.to_thread(subprocess.run, [
                    "ovsdb-client", "--timeout=20", "convert", server.remote, str(new_schema)],
                    check=True, capture_output=True)
                await idl.wait_for(
                    lambda: idl.connected and "color" in idl.table("Logical_Switch").columns,
                    timeout=10)
                assert idl.schema is not None and idl.schema.version == "99.0.0"
                row, = idl.table("Logical_Switch")
                assert (row.name, row.color) == ("a", "")
                txn = idl.transaction()
                txn.update(row, color="blue")
                await txn.commit()
                assert idl.table("Logical_Switch")[row.uuid].color == "blue"
        run(body())
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)


@pytest.mark.parametrize("kind", ["ovs", "pyovn"])
def test_replica_follows_ovs_vsctl(kind: str) -> None:
    server = Server(kind, "/usr/share/openvswitch/vswitch.ovsschema")

    def vsctl(*args: str) -> None:
        subprocess.run(["ovs-vsctl", f"--db={server.remote}", "--no-wait", "--timeout=20",
                        *args], check=True, capture_output=True, timeout=30)
    try:
        vsctl("init")

        async def body() -> None:
            tables = {"Bridge": ["name", "ports", "external_ids"], "Port": ["name"]}
            async with Idl(server.remote, "Open_vSwitch", tables=tables) as idl:
                idl.take_changes()
                await asyncio.to_thread(vsctl, "add-br", "br0", "--", "br-set-external-id",
                                        "br0", "k", "v")
                bridge = await idl.wait_for(
                    lambda: idl.table("Bridge").index("name").first("br0"), timeout=10)
                port, = idl.table("Port").index("name").get("br0")
                assert bridge.ports == {port.uuid} and dict(bridge.external_ids) == {"k": "v"}
                changes = idl.take_changes()
                assert list(changes["Bridge"].inserted.values()) == [bridge]
                assert list(changes["Port"].inserted.values()) == [port]
                await asyncio.to_thread(vsctl, "del-br", "br0")
                await idl.wait_for(lambda: len(idl.table("Bridge")) == 0, timeout=10)
                changes = idl.take_changes()
                assert set(changes) == {"Bridge", "Port"}
                assert list(changes["Port"].deleted.values()) == [port]
        run(body())
    finally:
        server.stop()
        shutil.rmtree(server.dir, ignore_errors=True)
