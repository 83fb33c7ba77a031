"""Exceptions raised by the OVSDB client library.

Every failure the server reports is raised as one of these, never only
logged.  Transaction failures carry the server's error object (``error``,
``details``) and the index of the operation that failed, so a caller can say
exactly what went wrong.
"""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base class of everything this package raises."""


class ConnectionLost(ClientError):
    """The connection closed (or the server sent garbage) before an answer came.

    For a transaction the outcome is unknown: it may or may not have committed.
    """


class ServerError(ClientError):
    """The server answered a request with a JSON-RPC error."""

    def __init__(self, method: str, error: Any) -> None:
        self.method = method
        self.error = error
        super().__init__(f"{method}: server error: {error}")

    @property
    def tag(self) -> str | None:
        """The error string, whether sent bare or as ``{"error": ...}``."""
        if isinstance(self.error, str):
            return self.error
        if isinstance(self.error, dict) and isinstance(self.error.get("error"), str):
            return str(self.error["error"])
        return None


class TransactionError(ClientError):
    """A transaction failed; ``error``/``details`` are the server's texts."""

    def __init__(self, error: str, details: str | None = None, *,
                 op_index: int | None = None, op: dict[str, Any] | None = None) -> None:
        self.error = error
        self.details = details
        self.op_index = op_index
        self.op = op
        where = f" (operation {op_index}: {op.get('op')})" if op_index is not None and op else ""
        super().__init__(f"{error}: {details}{where}" if details else f"{error}{where}")


class TryAgain(TransactionError):
    """Something the transaction read changed meanwhile: rebuild it and retry."""


class ConstraintViolation(TransactionError):
    """The server refused a value or a row set ("constraint violation")."""


class ReferentialIntegrityViolation(ConstraintViolation):
    """A strong reference would dangle ("referential integrity violation")."""


class NotOwner(TransactionError):
    """The transaction asserts a lock this client does not hold ("not owner")."""


class Timeout(TransactionError):
    """A ``wait`` operation of the caller's did not see its condition ("timed out")."""


class NotConnected(ClientError):
    """No connection to the server at the moment and the call cannot wait."""


# server error tag -> exception class
ERROR_CLASSES: dict[str, type[TransactionError]] = {
    "constraint violation": ConstraintViolation,
    "referential integrity violation": ReferentialIntegrityViolation,
    "not owner": NotOwner,
    "timed out": Timeout,
}


def transaction_error(obj: Any, op_index: int | None = None,
                      op: dict[str, Any] | None = None) -> TransactionError:
    """The exception for one error object of a transact reply."""
    if not isinstance(obj, dict) or not isinstance(obj.get("error"), str):
        return TransactionError("malformed error", repr(obj), op_index=op_index, op=op)
    tag = obj["error"]
    details = obj.get("details")
    cls = ERROR_CLASSES.get(tag, TransactionError)
    return cls(tag, details if isinstance(details, str) else None, op_index=op_index, op=op)
