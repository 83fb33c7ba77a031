"""Errors of the logical-flow language (match expressions and actions).

Every error carries the 1-based column of the offending text (0 when no
single position applies) so that tools can point at it; ``str(err)`` reads
``column N: message``, the one line the CLI prints.
"""

from __future__ import annotations


class LogicalError(Exception):
    """Base of every error the logical-flow compiler raises on bad input."""

    def __init__(self, message: str, column: int = 0) -> None:
        super().__init__(message, column)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        if self.column:
            return f"column {self.column}: {self.message}"
        return self.message


class LogicalSyntaxError(LogicalError):
    """The text does not follow the grammar (bad token, missing paren...)."""


class LogicalTypeError(LogicalError):
    """Well-formed text that makes no sense for the fields involved."""
