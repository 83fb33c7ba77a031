"""The asyncio OVSDB server (a drop-in for ovsdb-server); see server.py."""

from pyovn.ovsdb.server.server import OvsdbServer, RemoteError

__all__ = ["OvsdbServer", "RemoteError"]
