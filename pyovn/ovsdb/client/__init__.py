"""pyovn's OVSDB client library: replica, change tracking, transactions, locks.

Quick tour::

    async with Idl("unix:/run/ovn/ovnnb_db.sock", "OVN_Northbound",
                   tables={"Logical_Switch": None,            # all columns
                           "Logical_Switch_Port": ["name", "up"]},
                   conditions={"Logical_Switch_Port": [["up", "==", True]]}) as idl:
        for ls in idl.table("Logical_Switch"):   # immutable rows: ls.uuid, ls.name
            ...
        txn = idl.transaction(verify_reads=True)
        ref = txn.insert("Logical_Switch", name="sw0", other_config={"k": "v"})
        txn.add_to(some_ls, "ports", port_uuid)     # set/map mutations
        txn.update(other_ls, name=txn.get(other_ls, "name") + "-x")  # verified read
        result = await txn.commit()                 # TryAgain, ConstraintViolation, ...
        sw0 = idl.table("Logical_Switch")[result[ref]]              # read-your-writes

        changes = idl.take_changes()     # {table: TableChanges(inserted, updated, deleted)}
        await idl.wait_for_change()      # next batch of updates
        await idl.wait_for(lambda: len(idl.table("Logical_Switch")) > 3)
        await idl.set_conditions("Logical_Switch_Port", [["up", "==", False]])
        await idl.lock("northd"); idl.has_lock; idl.add_lock_listener(callback)
        lsp = idl.table("Logical_Switch_Port").index("name").first("p1")  # kept current

Row values: scalars, ``X | None`` for optional columns, ``frozenset`` for
sets, read-only mappings for maps, ``uuid.UUID`` for references.  Typed row
classes come from ``generate_row_classes(schema)`` (pass them as
``row_classes=`` and read with ``idl.rows(LogicalSwitch)``).

``Client`` is the raw API over one connection: ``transact``, ``list_dbs``,
``get_schema``, ``echo``, ``call``.
"""

from pyovn.ovsdb.client.codegen import generate_row_classes
from pyovn.ovsdb.client.errors import (
    ClientError,
    ConnectionLost,
    ConstraintViolation,
    NotOwner,
    ReferentialIntegrityViolation,
    ServerError,
    Timeout,
    TransactionError,
    TryAgain,
)
from pyovn.ovsdb.client.idl import Idl
from pyovn.ovsdb.client.replica import (
    Index,
    Replica,
    TableChanges,
    TableReplica,
    changed_columns,
)
from pyovn.ovsdb.client.rows import Row, TempRef, row_class
from pyovn.ovsdb.client.rpc import Client
from pyovn.ovsdb.client.transaction import CommitResult, Transaction

__all__ = [
    "Client", "ClientError", "CommitResult", "ConnectionLost", "ConstraintViolation", "Idl",
    "Index", "NotOwner", "ReferentialIntegrityViolation", "Replica", "Row", "ServerError",
    "TableChanges", "TableReplica", "TempRef", "Timeout", "Transaction", "TransactionError",
    "TryAgain", "changed_columns", "generate_row_classes", "row_class",
]
