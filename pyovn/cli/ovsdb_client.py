"""`pyovn ovsdb-client`: talk to an OVSDB server from the command line.

A subset of OVS's ovsdb-client with its argument conventions: an optional
SERVER first (`unix:PATH` or `tcp:IP:PORT`, default
`unix:$OVS_RUNDIR/db.sock`), then an optional DATABASE where it makes sense
(default: the server's only non-`_Server` database, else Open_vSwitch).
Output is JSON, one document per line, so scripts can read it; OVS's own
ovsdb-client works against pyovn's server too when a table layout is wanted.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import click
import orjson

from pyovn.ovsdb.client.errors import ClientError
from pyovn.ovsdb.client.rpc import Client

REMOTE_PREFIXES = ("unix:", "tcp:", "ssl:")


def _default_server() -> str:
    rundir = os.environ.get("OVS_RUNDIR", "/var/run/openvswitch")
    return f"unix:{rundir}/db.sock"


def _split_server(args: tuple[str, ...]) -> tuple[str, list[str]]:
    if args and args[0].startswith(REMOTE_PREFIXES):
        return args[0], list(args[1:])
    return _default_server(), list(args)


def _print(value: Any) -> None:
    sys.stdout.write(orjson.dumps(value).decode() + "\n")
    sys.stdout.flush()


async def _pick_db(client: Client, rest: list[str]) -> str:
    """Take DATABASE from the front of `rest` when it names one of the server's."""
    dbs = await client.list_dbs()
    if rest and rest[0] in dbs:
        return rest.pop(0)
    user_dbs = [d for d in dbs if d != "_Server"]
    return user_dbs[0] if len(user_dbs) == 1 else "Open_vSwitch"


def _run(args: tuple[str, ...], body: Callable[[Client, list[str]], Awaitable[None]]) -> None:
    server, rest = _split_server(args)

    async def main() -> None:
        client = await Client.connect(server)
        try:
            await body(client, rest)
        finally:
            await client.close()

    try:
        asyncio.run(main())
    except (OSError, ClientError, ValueError) as exc:
        raise click.ClickException(f"{server}: {exc}") from None
    except KeyboardInterrupt:
        pass


@click.group(name="ovsdb-client")
def command() -> None:
    """Query and change an OVSDB server (JSON output)."""


@command.command("list-dbs")
@click.argument("args", nargs=-1)
def list_dbs(args: tuple[str, ...]) -> None:
    """list-dbs [SERVER]: the databases the server holds, one per line."""

    async def body(client: Client, rest: list[str]) -> None:
        for name in await client.list_dbs():
            click.echo(name)

    _run(args, body)


@command.command("get-schema")
@click.argument("args", nargs=-1)
def get_schema(args: tuple[str, ...]) -> None:
    """get-schema [SERVER] [DATABASE]: the database's schema as JSON."""

    async def body(client: Client, rest: list[str]) -> None:
        db = await _pick_db(client, rest)
        _print(await client.call("get_schema", [db]))

    _run(args, body)


@command.command("list-tables")
@click.argument("args", nargs=-1)
def list_tables(args: tuple[str, ...]) -> None:
    """list-tables [SERVER] [DATABASE]: table names, one per line."""

    async def body(client: Client, rest: list[str]) -> None:
        db = await _pick_db(client, rest)
        for name in sorted((await client.call("get_schema", [db]))["tables"]):
            click.echo(name)

    _run(args, body)


@command.command("transact")
@click.argument("args", nargs=-1, required=True)
def transact(args: tuple[str, ...]) -> None:
    """transact [SERVER] TRANSACTION: run a JSON transaction, print the results."""

    async def body(client: Client, rest: list[str]) -> None:
        if len(rest) != 1:
            raise ValueError("transact needs exactly one TRANSACTION argument")
        params = orjson.loads(rest[0])
        if not isinstance(params, list) or not params or not isinstance(params[0], str):
            raise ValueError('TRANSACTION must be a JSON array ["DB", OP...]')
        _print(await client.call("transact", params))

    _run(args, body)


@command.command("dump")
@click.argument("args", nargs=-1)
def dump(args: tuple[str, ...]) -> None:
    """dump [SERVER] [DATABASE] [TABLE...]: every row of the tables, one table per line."""

    async def body(client: Client, rest: list[str]) -> None:
        db = await _pick_db(client, rest)
        schema = await client.call("get_schema", [db])
        tables = rest or sorted(schema["tables"])
        ops = [{"op": "select", "table": t, "where": []} for t in tables]
        results = await client.call("transact", [db, *ops])
        for table, result in zip(tables, results, strict=False):
            if "error" in result:
                raise ValueError(f"{table}: {result['error']}: {result.get('details', '')}")
            _print({"table": table, "rows": result["rows"]})

    _run(args, body)


@command.command("monitor")
@click.option("--count", type=int, default=0, help="stop after this many updates (0: never)")
@click.argument("args", nargs=-1, required=True)
def monitor(count: int, args: tuple[str, ...]) -> None:
    """monitor [SERVER] [DATABASE] TABLE [COLUMN,...]: print the initial rows and each update2."""

    async def body(client: Client, rest: list[str]) -> None:
        db = await _pick_db(client, rest)
        table, columns = rest[0], (rest[1].split(",") if len(rest) > 1 else None)
        queue: asyncio.Queue[Any] = asyncio.Queue()
        client.on_notify = lambda method, params: queue.put_nowait(params)
        request: dict[str, Any] = {} if columns is None else {"columns": columns}
        initial = await client.call("monitor_cond", [db, None, {table: [request]}])
        _print({"initial": initial})
        seen = 0
        while not count or seen < count:
            params = await queue.get()
            if len(params) == 2:
                _print({"update": params[1]})
                seen += 1

    _run(args, body)
