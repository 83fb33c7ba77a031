"""``ovsdb-tool``'s commands on standalone database files.

Theory of operation
-------------------
Each command is a function ``(options, args, out) -> exit status`` in the
``COMMANDS`` table, with OVS's argument counts and defaults (the database
``$OVS_DBDIR/conf.db``, the schema ``$OVS_PKGDATADIR/vswitch.ovsschema``).
Output goes to ``out`` in the exact format of OVS's ovsdb-tool; failures
raise ``ToolError`` whose text is the one line the command prints after
``ovsdb-tool: ``.  Commands that only read (``query``, ``show-log``,
``db-*``) open the file read-only, take no lock and never modify it, so
they are safe beside a running server; ``transact``, ``compact`` and
``convert`` take the lock a server holds and refuse while one runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TextIO

import orjson

from pyovn import __version__
from pyovn.ovsdb.database import Database, commit_to_file_record, snapshot_record
from pyovn.ovsdb.errors import OvsdbError, json_to_string
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.storage import (
    StandaloneStorage,
    StorageError,
    StorageIOError,
    lockfile,
    replay,
)
from pyovn.ovsdb.storage.records import CLUSTER_MAGIC, TornTail, iter_records
from pyovn.ovsdb.storage.show_log import show_log
from pyovn.ovsdb.storage.standalone import read_schema_json, write_snapshot_file
from pyovn.ovsdb.transaction import TxnContext, TxnOutcome, execute

PROGRAM = "ovsdb-tool"


class ToolError(Exception):
    """A command failed; ``str(err)`` is the line to print (exit status 1)."""


@dataclass(frozen=True)
class ToolOptions:
    verbosity: int = 0  # -m count, for show-log
    rbac_role: str | None = None
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def default_db(self) -> str:
        return os.path.join(self.env.get("OVS_DBDIR") or "/etc/openvswitch", "conf.db")

    def default_schema(self) -> str:
        pkgdatadir = self.env.get("OVS_PKGDATADIR") or "/usr/share/openvswitch"
        return os.path.join(pkgdatadir, "vswitch.ovsschema")


CommandFn = Callable[[ToolOptions, list[str], TextIO], int]


@dataclass(frozen=True)
class Command:
    name: str
    usage: str
    min_args: int
    max_args: int
    run: CommandFn


def ovsdb_error_text(err: OvsdbError) -> str:
    """An OvsdbError as OVS's ovsdb_error_to_string writes it."""
    text = f"{err.tag}: {err.details}" if err.details else err.tag
    if err.has_syntax:
        return f'syntax "{json_to_string(err.syntax)}": {text}'
    return text


def load_schema_file(path: str) -> DatabaseSchema:
    """Read and validate a ``.ovsschema`` file (ToolError with OVS's wording)."""
    try:
        with open(path, "rb") as f:
            text = f.read()
    except OSError as err:
        raise ToolError(
            f'failed to read schema: "{path}" could not be read as JSON '
            f'(error opening "{path}": {err.strerror})'
        ) from err
    try:
        schema_json = orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise ToolError(
            f'failed to read schema: "{path}" could not be read as JSON ({err})'
        ) from err
    try:
        return DatabaseSchema.from_json(schema_json)
    except OvsdbError as err:
        prefixed = OvsdbError(
            err.tag, f'failed to parse "{path}" as ovsdb schema: {err.details}',
            err.syntax, err.has_syntax,
        )
        raise ToolError(ovsdb_error_text(prefixed)) from err


def load_db_schema(path: str) -> DatabaseSchema:
    """The validated schema stored in database file ``path``."""
    schema_json = _storage_call(read_schema_json, path)
    try:
        return DatabaseSchema.from_json(schema_json)
    except OvsdbError as err:
        raise ToolError(ovsdb_error_text(err)) from err


def _storage_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except StorageIOError as err:
        raise ToolError(f"I/O error: {err}") from err  # OVS's ovsdb_io_error wording
    except StorageError as err:
        raise ToolError(str(err)) from err


def _arg(args: list[str], index: int, default: str) -> str:
    return args[index] if len(args) > index else default


# ---- commands on schemas -------------------------------------------------


def do_create(options: ToolOptions, args: list[str], out: TextIO) -> int:
    db = _arg(args, 0, options.default_db())
    schema = load_schema_file(_arg(args, 1, options.default_schema()))
    _storage_call(StandaloneStorage.create, db, schema.to_json()).close()
    return 0


def _print(out: TextIO, text: str | None) -> int:
    out.write(f"{text or ''}\n")
    return 0


def do_db_name(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _print(out, load_db_schema(_arg(args, 0, options.default_db())).name)


def do_db_version(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _print(out, load_db_schema(_arg(args, 0, options.default_db())).version)


def do_db_cksum(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _print(out, load_db_schema(_arg(args, 0, options.default_db())).cksum)


def do_schema_name(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _print(out, load_schema_file(_arg(args, 0, options.default_schema())).name)


def do_schema_version(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _print(out, load_schema_file(_arg(args, 0, options.default_schema())).version)


def do_schema_cksum(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _print(out, load_schema_file(_arg(args, 0, options.default_schema())).cksum)


def do_needs_conversion(options: ToolOptions, args: list[str], out: TextIO) -> int:
    current = load_db_schema(_arg(args, 0, options.default_db()))
    wanted = load_schema_file(_arg(args, 1, options.default_schema()))
    return _print(out, "no" if current.to_json() == wanted.to_json() else "yes")


def _file_kind(path: str) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(32)
    except OSError as err:
        raise ToolError(f"I/O error: {path}: open failed ({err.strerror})") from err
    if head.startswith(b"OVSDB JSON "):
        return "standalone"
    if head.startswith(b"OVSDB CLUSTER "):
        return "clustered"
    if not head:
        raise ToolError(f"{path}: cannot identify file type")
    raise ToolError(f"{path}: unexpected file format")


def do_db_is_standalone(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return 0 if _file_kind(args[0]) == "standalone" else 2


def do_db_is_clustered(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return 0 if _file_kind(args[0]) == "clustered" else 2


def _parse_version(text: str) -> tuple[int, int, int]:
    parts = text.split(".")
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise ToolError(f'"{text}" is not a valid version number')
    major, minor, patch = (int(p) for p in parts)
    return major, minor, patch


_COMPARISONS: dict[str, Callable[[int], bool]] = {
    "<": lambda c: c < 0,
    "<=": lambda c: c <= 0,
    "==": lambda c: c == 0,
    ">=": lambda c: c >= 0,
    ">": lambda c: c > 0,
    "!=": lambda c: c != 0,
}


def do_compare_versions(options: ToolOptions, args: list[str], out: TextIO) -> int:
    a, op, b = _parse_version(args[0]), args[1], _parse_version(args[2])
    test = _COMPARISONS.get(op)
    if test is None:
        raise ToolError(f"{op}: unknown comparison operator")
    return 0 if test((a > b) - (a < b)) else 2


# ---- commands on logs -----------------------------------------------------


def do_show_log(options: ToolOptions, args: list[str], out: TextIO) -> int:
    """Print each good record; a bad record ends the listing with an error, as OVS."""
    path = _arg(args, 0, options.default_db())
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as err:
        raise ToolError(f"I/O error: {path}: open failed ({err.strerror})") from err
    if not data:
        raise ToolError(f"{path}: cannot identify file type")
    if data.startswith(CLUSTER_MAGIC):
        raise ToolError(f"{path}: show-log of clustered database files is not supported")
    tail: TornTail | None = None

    def good_records() -> Any:
        nonlocal tail
        for item in iter_records(data):
            if isinstance(item, TornTail):
                tail = item
                return
            yield item.json

    try:
        for chunk in show_log(good_records(), options.verbosity):
            out.write(chunk)
    except OvsdbError as err:
        raise ToolError(ovsdb_error_text(err)) from err
    if tail is not None:
        out.flush()
        raise ToolError(f"{path}: {tail.reason} (record at offset {tail.offset})")
    return 0


# ---- commands that run the transaction engine ----------------------------


def _parse_transaction(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as err:
        raise ToolError(f'"{text}": {err}') from err


def _run_transaction(db: Database, request: Any, now: float) -> tuple[Any, TxnOutcome | None]:
    """The reply ovsdb-tool prints for ``request``, and the outcome if it ran.

    The tool has no triggers: a ``wait`` that would block fails at once with
    OVS's "not supported" error in its place in the results.
    """
    if not isinstance(request, list):
        return OvsdbError("syntax error", "array expected", request).to_json(), None
    if not request or request[0] != db.schema.name:
        details = "database name expected as first parameter"
        return OvsdbError("syntax error", details, request).to_json(), None
    ops = request[1:]
    ctx = TxnContext(now=now, start=now)
    outcome = execute(db, ops, ctx)
    if outcome.blocked_until is None:
        return outcome.results, outcome
    # Find the blocking operation: the shortest prefix that blocks.
    blocking = next(
        i for i in range(len(ops)) if execute(db, ops[: i + 1], ctx).blocked_until is not None
    )
    results = execute(db, ops[:blocking], ctx).results[:blocking]
    results.append(OvsdbError("not supported", "triggers not supported").to_json())
    results.extend([None] * (len(ops) - blocking - 1))
    return results, None


def _query_or_transact(options: ToolOptions, args: list[str], out: TextIO, write: bool) -> int:
    path = args[0] if len(args) > 1 else options.default_db()
    request = _parse_transaction(args[-1])
    storage = _storage_call(StandaloneStorage.open, path, read_only=not write)
    try:
        db = _storage_call(replay.load, storage)
        result, outcome = _run_transaction(db, request, time.time())
        if write and outcome is not None and outcome.commit is not None:
            record = commit_to_file_record(db.schema, outcome.commit)
            if record is not None:
                _storage_call(storage.append, record, durable=True)
    finally:
        storage.close()
    out.write(json_to_string(result) + "\n")
    return 0


def do_query(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _query_or_transact(options, args, out, write=False)


def do_transact(options: ToolOptions, args: list[str], out: TextIO) -> int:
    return _query_or_transact(options, args, out, write=True)


def _write_copy(dst: str, db: Database, comment: str) -> None:
    """Write ``db`` as a new compacted file ``dst`` (locked while written)."""
    lock = _storage_call(lockfile.acquire, dst)
    try:
        snapshot = snapshot_record(db, now_ms(), comment)
        fd, _, _ = _storage_call(write_snapshot_file, dst, db.schema.to_json(), snapshot)
        os.close(fd)
    finally:
        lock.release()


def _rewrite(src: str, dst: str | None, schema: DatabaseSchema | None, comment: str) -> None:
    """Compact (or convert to ``schema``) ``src`` in place, or into ``dst``."""
    storage = _storage_call(StandaloneStorage.open, src, read_only=dst is not None)
    try:
        db = _storage_call(replay.load, storage)
        if schema is not None:
            try:
                db = replay.convert(db, schema)
            except OvsdbError as err:
                raise ToolError(ovsdb_error_text(err)) from err
        if dst is not None:
            _write_copy(dst, db, comment)
        else:
            snapshot = snapshot_record(db, now_ms(), comment)
            _storage_call(storage.compact, snapshot, db.schema.to_json())
    finally:
        storage.close()


def do_compact(options: ToolOptions, args: list[str], out: TextIO) -> int:
    src = _arg(args, 0, options.default_db())
    _rewrite(src, args[1] if len(args) > 1 else None, None, tool_comment("compacted"))
    return 0


def do_convert(options: ToolOptions, args: list[str], out: TextIO) -> int:
    src = _arg(args, 0, options.default_db())
    schema = load_schema_file(_arg(args, 1, options.default_schema()))
    _rewrite(src, args[2] if len(args) > 2 else None, schema, tool_comment("converted"))
    return 0


def _commands() -> dict[str, Command]:
    basic = [
        Command("create", "create [DB [SCHEMA]]", 0, 2, do_create),
        Command("db-name", "db-name [DB]", 0, 1, do_db_name),
        Command("db-version", "db-version [DB]", 0, 1, do_db_version),
        Command("db-cksum", "db-cksum [DB]", 0, 1, do_db_cksum),
        Command("db-is-standalone", "db-is-standalone DB", 1, 1, do_db_is_standalone),
        Command("db-is-clustered", "db-is-clustered DB", 1, 1, do_db_is_clustered),
        Command("schema-name", "schema-name [SCHEMA]", 0, 1, do_schema_name),
        Command("schema-version", "schema-version [SCHEMA]", 0, 1, do_schema_version),
        Command("schema-cksum", "schema-cksum [SCHEMA]", 0, 1, do_schema_cksum),
        Command("needs-conversion", "needs-conversion [DB [SCHEMA]]", 0, 2, do_needs_conversion),
        Command("compare-versions", "compare-versions A OP B", 3, 3, do_compare_versions),
        Command("show-log", "[-m]... show-log [DB]", 0, 1, do_show_log),
        Command("query", "query [DB] TRNS", 1, 2, do_query),
        Command("transact", "transact [DB] TRNS", 1, 2, do_transact),
        Command("compact", "compact [DB [DST]]", 0, 2, do_compact),
        Command("convert", "convert [DB [SCHEMA [DST]]]", 0, 3, do_convert),
    ]
    return {c.name: c for c in basic}


COMMANDS = _commands()


def run(name: str, args: list[str], options: ToolOptions, out: TextIO) -> int:
    """Run command ``name``; raises ToolError for any failure worth one line."""
    command = COMMANDS.get(name)
    if command is None:
        raise ToolError(f"unknown command '{name}'; use --help for help")
    if len(args) < command.min_args:
        raise ToolError(f"'{name}' command requires at least {command.min_args} arguments")
    if len(args) > command.max_args:
        raise ToolError(f"'{name}' command takes at most {command.max_args} arguments")
    return command.run(options, args, out)


def now_ms() -> int:
    return int(time.time() * 1000)


def tool_comment(verb: str) -> str:
    """The ``_comment`` of records this tool writes, like OVS's "compacted by ovsdb-tool 3.1.0"."""
    return f"{verb} by pyovn ovsdb-tool {__version__}"
