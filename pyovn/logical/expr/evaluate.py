"""Evaluate an annotated expression on a packet (for the tracer and tests).

Theory of operation: after `annotate`, an expression names base fields
only; a packet is a mapping from those names (``eth.type``, ``ip4.src``,
``xxreg0``, ``inport``...) to integers, or to port names for string fields.
Absent fields read as 0, which is what OVS reads for headers a packet does
not have. Relational operators compare the masked bits as integers, so
prerequisites, ranges and masks mean exactly what the compiled flows mean.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pyovn.logical.expr import ast
from pyovn.logical.expr.ast import Relop

_TESTS: dict[Relop, Callable[[int, int], bool]] = {
    Relop.EQ: lambda a, b: a == b,
    Relop.NE: lambda a, b: a != b,
    Relop.LT: lambda a, b: a < b,
    Relop.LE: lambda a, b: a <= b,
    Relop.GT: lambda a, b: a > b,
    Relop.GE: lambda a, b: a >= b,
}


def _never(port: str) -> bool:
    return False


def evaluate(
    expr: ast.Expr,
    packet: Mapping[str, int | str],
    is_chassis_resident: Callable[[str], bool] = _never,
) -> bool:
    """Whether `packet` matches annotated expression `expr`."""
    if isinstance(expr, ast.Boolean):
        return expr.value
    if isinstance(expr, ast.Condition):
        return is_chassis_resident(expr.port) ^ expr.negated
    if isinstance(expr, ast.StrCmp):
        equal = packet.get(expr.symbol) == expr.string
        return equal if expr.relop is Relop.EQ else not equal
    if isinstance(expr, ast.Cmp):
        raw = packet.get(expr.symbol, 0)
        value = raw & expr.mask if isinstance(raw, int) else 0
        return _TESTS[expr.relop](value, expr.value)
    results = (evaluate(i, packet, is_chassis_resident) for i in expr.items)
    return all(results) if expr.is_and else any(results)
