"""Annotation: expand subfields and predicates, add prerequisites (OVN's expr_annotate).

Theory of operation: every comparison of a symbol with prerequisites gets
``&& prereqs`` (parsed and annotated in turn); subfields become comparisons of
their parent field, shifted; predicates are replaced by their (annotated)
expansion, negated when the predicate was tested negatively. A conjunction or
disjunction whose terms all test one symbol receives that symbol's
prerequisites once, at its own level (``tcp.dst == 1 || tcp.dst == 2`` gets
one ``ip.proto == 6 && ...``). Expanding a symbol inside its own expansion is
an error. The output mentions base fields only and prints exactly as OVN's
``test-ovn annotate-expr``.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyovn.logical.errors import LogicalError, LogicalTypeError
from pyovn.logical.expr import ast
from pyovn.logical.expr.symbols import SYMTAB, Symbol

# (id(symtab), text) -> annotated expression of a prerequisite or predicate
_EXPANSIONS: dict[tuple[int, str], ast.Expr] = {}


def annotate(expr: ast.Expr, symtab: Mapping[str, Symbol] = SYMTAB) -> ast.Expr:
    """`expr` over base fields only, with all prerequisites added."""
    return _annotate(expr, symtab, True, ())


def _parse_and_annotate(
    text: str, symtab: Mapping[str, Symbol], nesting: tuple[str, ...]
) -> ast.Expr:
    key = (id(symtab), text)
    cached = _EXPANSIONS.get(key)
    if cached is not None:
        return cached
    from pyovn.logical.expr.parser import parse_match  # parser imports nothing from here

    try:
        expr = _annotate(parse_match(text, symtab).expr, symtab, True, nesting)
    except LogicalError as err:
        raise LogicalTypeError(
            f"Error parsing expression `{text}' encountered as prerequisite or predicate of "
            f"initial expression: {err.message}"
        ) from None
    if symtab is SYMTAB:
        _EXPANSIONS[key] = expr
    return expr


def _unique_symbol(expr: ast.Expr) -> str | None:
    if isinstance(expr, (ast.Cmp, ast.StrCmp)):
        return expr.symbol
    if isinstance(expr, ast.AndOr):
        found: str | None = None
        for item in expr.items:
            name = _unique_symbol(item)
            if name is None or (found is not None and name != found):
                return None
            found = name
        return found
    return None


def _annotate(
    expr: ast.Expr, symtab: Mapping[str, Symbol], append: bool, nesting: tuple[str, ...]
) -> ast.Expr:
    if isinstance(expr, (ast.Cmp, ast.StrCmp)):
        return _annotate_cmp(expr, symtab, append, nesting)
    if not isinstance(expr, ast.AndOr):
        return expr
    if append:
        name = _unique_symbol(expr)
        if name is not None:
            append = False
            prereqs = symtab[name].prereqs
            if prereqs:
                combined = ast.combine(True, expr, _parse_and_annotate(prereqs, symtab, nesting))
                assert isinstance(combined, ast.AndOr)
                expr = combined
    return ast.combine_all(expr.is_and, [_annotate(i, symtab, append, nesting) for i in expr.items])


def _annotate_cmp(
    expr: ast.Cmp | ast.StrCmp,
    symtab: Mapping[str, Symbol],
    append: bool,
    nesting: tuple[str, ...],
) -> ast.Expr:
    symbol = symtab[expr.symbol]
    if symbol.name in nesting:
        raise LogicalTypeError(f"Recursive expansion of symbol `{symbol.name}'.")
    inner = nesting + (symbol.name,)
    prereqs = None
    if append and symbol.prereqs:
        prereqs = _parse_and_annotate(symbol.prereqs, symtab, inner)
    result: ast.Expr = expr
    if symbol.parent is not None and isinstance(expr, ast.Cmp):
        parent = symtab[symbol.parent]
        ofs = symbol.parent_ofs
        result = ast.Cmp(parent.name, parent.width, expr.relop, expr.value << ofs, expr.mask << ofs)
    elif symbol.predicate is not None and isinstance(expr, ast.Cmp):
        predicate = _parse_and_annotate(symbol.predicate, symtab, inner)
        positive = bool(expr.value & 1) ^ (expr.relop is ast.Relop.NE)
        result = predicate if positive else ast.negate(predicate)
    combined = ast.combine(True, result, prereqs)
    assert combined is not None
    return combined
