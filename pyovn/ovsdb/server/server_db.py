"""The `_Server` database: what ovsdb-server says about the databases it serves.

Theory of operation: `_Server` has one table, `Database`, with one row per
served database (itself included): its name, model ("standalone" here),
connected/leader (always true for standalone), and its schema as JSON text.
Clients such as the OVS IDL monitor it to learn about schema changes and
cluster leadership. The database is read-only for clients: the server builds
its rows with ordinary insert operations at start-up.
"""

from __future__ import annotations

from typing import Any

SERVER_DB_NAME = "_Server"

# The schema ovsdb-server 3.1 serves (its get_schema reply for _Server).
SERVER_SCHEMA_JSON: dict[str, Any] = {
    "name": "_Server",
    "version": "1.2.0",
    "cksum": "3009684573 744",
    "tables": {
        "Database": {
            "columns": {
                "name": {"type": "string"},
                "model": {
                    "type": {
                        "key": {
                            "type": "string",
                            "enum": ["set", ["clustered", "relay", "standalone"]],
                        }
                    }
                },
                "connected": {"type": "boolean"},
                "leader": {"type": "boolean"},
                "schema": {"type": {"key": "string", "min": 0}},
                "sid": {"type": {"key": "uuid", "min": 0}},
                "cid": {"type": {"key": "uuid", "min": 0}},
                "index": {"type": {"key": "integer", "min": 0}},
            }
        }
    },
}

WRITE_OPS = ("insert", "update", "mutate", "delete")


def database_row(name: str, schema_text: str) -> dict[str, Any]:
    """The `Database` row of one standalone database, as insert-op JSON."""
    return {
        "name": name,
        "model": "standalone",
        "connected": True,
        "leader": True,
        "schema": schema_text,
    }


def insert_ops(databases: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Operations that fill `_Server` for (name, schema JSON text) pairs."""
    return [
        {"op": "insert", "table": "Database", "row": database_row(name, text)}
        for name, text in databases
    ]


def first_write(ops: list[Any]) -> int | None:
    """Index of the first operation that would modify `_Server`, if any."""
    for i, op in enumerate(ops):
        if isinstance(op, dict) and op.get("op") in WRITE_OPS:
            return i
    return None


def not_allowed(op: dict[str, Any]) -> dict[str, str]:
    return {
        "details": f"{op['op']} operation not allowed on table in reserved database _Server",
        "error": "not allowed",
    }
