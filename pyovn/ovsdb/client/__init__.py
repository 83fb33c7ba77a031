"""pyovn's OVSDB client library: replica, change tracking, transactions, locks.

Quick tour::

    async with Idl("unix:/run/ovn/ovnnb_db.sock", "OVN_Northbound",
                   tables={"Logical_Switch": None}) as idl:
        for ls in idl.table("Logical_Switch"):
            print(ls.uuid, ls.name)
        txn = idl.transaction()
        ref = txn.insert("Logical_Switch", name="sw0")
        result = await txn.commit()          # typed exceptions on failure
        sw0 = idl.table("Logical_Switch")[result[ref]]   # read-your-writes

``Client`` is the raw API (``transact``, ``list_dbs``, ``get_schema``,
``echo``) over one connection.
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
from pyovn.ovsdb.client.replica import Replica, TableChanges, TableReplica
from pyovn.ovsdb.client.rows import Row, TempRef, row_class
from pyovn.ovsdb.client.rpc import Client
from pyovn.ovsdb.client.transaction import CommitResult, Transaction

__all__ = [
    "Client", "ClientError", "CommitResult", "ConnectionLost", "ConstraintViolation", "Idl",
    "NotOwner", "ReferentialIntegrityViolation", "Replica", "Row", "ServerError",
    "TableChanges", "TableReplica", "TempRef", "Timeout", "Transaction", "TransactionError",
    "TryAgain", "generate_row_classes", "row_class",
]
