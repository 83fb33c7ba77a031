"""The ``_Server`` check: is this server able to serve our database right now?

A multi-database ovsdb-server (OVS 2.9 and later, and pyovn's) publishes
``_Server.Database`` with one row per database: its ``model`` and, for
clustered databases, whether this server is ``connected`` to the cluster
and whether it is the ``leader``.  Like OVS's IDL, the client monitors that
row and uses a server only while the row says it can serve the database
(and, with ``leader_only``, only a leader).  Servers without ``_Server``
are taken as they are.
"""

from __future__ import annotations

from typing import Any

from pyovn.ovsdb.client.errors import ClientError
from pyovn.ovsdb.client.rpc import Client

_COLUMNS = ["name", "model", "connected", "leader"]


class ServerDbWatch:
    """Follows the ``_Server.Database`` row of one database on one connection."""

    def __init__(self, database: str, leader_only: bool) -> None:
        self.database = database
        self.leader_only = leader_only
        self.monitor_id = f"pyovn-_Server-{database}"
        self.row: dict[str, Any] | None = None
        self.rows: dict[str, dict[str, Any]] = {}
        self.present = True  # servers without _Server serve what they list

    async def check(self, client: Client) -> bool:
        """Ask the server; True if it can serve the database now."""
        dbs = await client.list_dbs()
        if self.database not in dbs:
            raise ClientError(f"{client.name}: server has no database {self.database}")
        if "_Server" not in dbs:
            return True
        result = await client.call("monitor_cond", [
            "_Server", self.monitor_id,
            {"Database": [{"columns": _COLUMNS, "where": [["name", "==", self.database]]}]}])
        self._apply_updates(result)
        return self.usable

    def apply(self, method: str, params: list[Any]) -> None:
        if method != "update2" or len(params) != 2:
            raise ValueError(f"unexpected {method} on the _Server monitor")
        self._apply_updates(params[1])

    def _apply_updates(self, updates: Any) -> None:
        if not isinstance(updates, dict):
            raise ValueError(f"_Server update is not an object: {updates!r}")
        for row_uuid, change in updates.get("Database", {}).items():
            if not isinstance(change, dict) or len(change) != 1:
                raise ValueError(f"bad _Server row update {change!r}")
            (kind, body), = change.items()
            if kind in ("initial", "insert"):
                self.rows[row_uuid] = dict(body)
            elif kind == "modify":
                self.rows.setdefault(row_uuid, {}).update(body)
            elif kind == "delete":
                self.rows.pop(row_uuid, None)
        mine = [r for r in self.rows.values() if r.get("name") == self.database]
        self.row = mine[0] if mine else None

    @property
    def usable(self) -> bool:
        return self.reason is None

    @property
    def reason(self) -> str | None:
        """Why the server cannot serve the database now (None if it can)."""
        row = self.row
        if row is None:
            return f"database {self.database} is not in _Server.Database"
        if row.get("model") != "clustered":
            return None
        if row.get("connected") is not True:
            return f"clustered database {self.database} is not connected to its cluster"
        if self.leader_only and row.get("leader") is not True:
            return f"this server is not the leader for {self.database}"
        return None
