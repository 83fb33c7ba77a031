"""Simplification and normal form of annotated expressions.

Theory of operation: `simplify` (OVN's expr_simplify) leaves only equality
tests of masked values: ``!=`` becomes a disjunction with one term per
masked bit (``x != 5`` on 3 bits: ``!x[0] || x[1] || !x[2]``), ``<``/``>``
become disjunctions of prefix masks (``tcp.dst >= 1024``: one term per zero
bit above the range start), ``is_chassis_resident`` is decided through a
callable, and constant subterms are folded.

`normalize` then computes a disjunction of `Clause`s. A clause maps each base
field it constrains to a tuple of alternative `Atom`s (value/mask, or a
string): the field must match one of them. Keeping per-field alternatives
(instead of fully distributing to DNF) is what lets address sets and port
groups stay sets, so that `to_matches` can emit conjunctive matches and the
flow count grows with N+M rather than N*M. Conjoined constraints on one field
are intersected (masks merged, contradictions drop the clause). Disjunctions
over the fields other fields depend on in OpenFlow (`must_crossproduct`:
eth.type, ip.proto, ICMP types) are expanded into separate clauses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import product

from pyovn.logical.errors import LogicalTypeError
from pyovn.logical.expr import ast
from pyovn.logical.expr.ast import Relop
from pyovn.logical.expr.cubes import complement
from pyovn.logical.expr.symbols import SYMTAB, Level, Symbol
from pyovn.logical.lexer import quote_string

ChassisResident = Callable[[str], bool]


def _never_resident(port: str) -> bool:
    return False


# --- simplification --------------------------------------------------------


def simplify(expr: ast.Expr, is_chassis_resident: ChassisResident = _never_resident) -> ast.Expr:
    """Only ``==`` comparisons remain; conditions decided; booleans folded."""
    if isinstance(expr, ast.Cmp):
        return _simplify_cmp(expr)
    if isinstance(expr, ast.Condition):
        return ast.Boolean(is_chassis_resident(expr.port) ^ expr.negated)
    if isinstance(expr, ast.AndOr):
        if expr.is_and:
            return _fold(True, _simplify_and_items(expr.items, is_chassis_resident))
        items = [simplify(i, is_chassis_resident) for i in expr.items]
        return _fold(False, items)
    return expr


def _simplify_and_items(
    items: tuple[ast.Expr, ...], is_chassis_resident: ChassisResident
) -> list[ast.Expr]:
    """Simplified terms of a conjunction; several ``!=`` on one field become the
    complement of the excluded values (``x != $set``) rather than a product."""
    negated: dict[str, list[ast.Cmp]] = {}
    for item in items:
        if isinstance(item, ast.Cmp) and item.relop is Relop.NE:
            negated.setdefault(item.symbol, []).append(item)
    out: list[ast.Expr] = []
    for item in items:
        group = negated.get(item.symbol, []) if isinstance(item, ast.Cmp) else []
        if len(group) < 2 or item not in group:
            out.append(simplify(item, is_chassis_resident))
        elif item is group[0]:  # the whole group, where its first term stood
            cubes = complement([(c.value, c.mask) for c in group])
            terms: list[ast.Expr] = [
                ast.Cmp(item.symbol, item.width, Relop.EQ, v, m) for v, m in cubes
            ]
            out.append(ast.TRUE if (0, 0) in cubes else ast.combine_all(False, terms))
    return out


def _fold(is_and: bool, items: list[ast.Expr]) -> ast.Expr:
    """OVN's expr_fix: drop identity booleans, short-circuit absorbing ones."""
    kept: list[ast.Expr] = []
    for item in items:
        if isinstance(item, ast.Boolean):
            if item.value != is_and:
                return ast.Boolean(not is_and)
            continue
        kept.append(item)
    return ast.combine_all(is_and, kept)


def _bit(n: int) -> int:
    return 1 << n


def _simplify_ne(cmp: ast.Cmp) -> ast.Expr:
    terms: list[ast.Expr] = []
    for i in range(cmp.width):
        if cmp.mask >> i & 1:
            flipped = (~cmp.value >> i & 1) << i
            terms.append(ast.Cmp(cmp.symbol, cmp.width, Relop.EQ, flipped, _bit(i)))
    return ast.combine_all(False, terms) if terms else ast.FALSE


def _simplify_cmp(cmp: ast.Cmp) -> ast.Expr:
    if cmp.relop is Relop.EQ:
        return ast.TRUE if cmp.mask == 0 else cmp
    if cmp.relop is Relop.NE:
        return _simplify_ne(cmp)
    start, n = ast.bit_range(cmp.mask, cmp.width)
    end = start + n
    lt = cmp.relop in (Relop.LT, Relop.LE)
    inclusive = cmp.relop in (Relop.LE, Relop.GE)
    # Bits of the value that, flipped, give a larger (for >) or smaller (for <)
    # number: zeros for >, ones for <.
    flips = [z for z in range(start, end) if (cmp.value >> z & 1) == lt]
    if len(flips) == n:  # value is the minimum (for >) or maximum (for <)
        if inclusive:
            return ast.TRUE
        return _simplify_ne(ast.Cmp(cmp.symbol, cmp.width, Relop.NE, cmp.value, cmp.mask))
    terms: list[ast.Expr] = []
    if inclusive:
        terms.append(ast.Cmp(cmp.symbol, cmp.width, Relop.EQ, cmp.value, cmp.mask))
    for z in flips:
        low = _bit(z) - _bit(start)  # bits start..z-1 become don't-care
        value = (cmp.value ^ _bit(z)) & ~low
        terms.append(ast.Cmp(cmp.symbol, cmp.width, Relop.EQ, value, cmp.mask & ~low))
    return ast.combine_all(False, terms)


# --- normal form -----------------------------------------------------------


@dataclass(frozen=True, slots=True, order=True)
class Atom:
    """``field & mask == value`` (integers) or ``field == string``."""

    value: int = 0
    mask: int = 0
    string: str | None = None


def _atom_key(a: Atom) -> tuple[str, int, int]:
    return (a.string or "", a.value, a.mask)


def _merge_atoms(a: Atom, b: Atom) -> Atom | None:
    if a.string is not None or b.string is not None:
        return a if a == b else None
    if (a.value ^ b.value) & a.mask & b.mask:
        return None
    return Atom(a.value | b.value, a.mask | b.mask)


def _merge_adjacent(atoms: set[Atom]) -> set[Atom]:
    """Merge pairs that differ in one masked bit (``x == 4 || x == 5`` -> ``x == 4/6``)."""
    by_mask: dict[int, set[int]] = {}
    for a in atoms:
        by_mask.setdefault(a.mask, set()).add(a.value)
    pending = list(by_mask)
    while pending:
        mask = pending.pop()
        values = by_mask[mask]
        for i in range(mask.bit_length()):
            bit = 1 << i
            if not mask & bit or len(values) < 2:
                continue
            pairs = {v for v in values if not v & bit and v | bit in values}
            if not pairs:
                continue
            values -= pairs
            values -= {v | bit for v in pairs}
            wider = mask & ~bit
            if wider not in by_mask:
                by_mask[wider] = set()
            by_mask[wider] |= pairs
            pending.append(wider)
    return {Atom(v, m) for m, values in by_mask.items() for v in values}


def _drop_subsumed(atoms: set[Atom]) -> set[Atom]:
    """Drop alternatives implied by a more general one (fewer mask bits)."""
    by_mask: dict[int, set[int]] = {}
    for a in atoms:
        by_mask.setdefault(a.mask, set()).add(a.value)
    masks = list(by_mask)
    if len(masks) == 1:
        return atoms
    return {
        a
        for a in atoms
        if not any(m != a.mask and m & ~a.mask == 0 and (a.value & m) in by_mask[m] for m in masks)
    }


def _reduce_alternatives(alts: Iterable[Atom]) -> tuple[Atom, ...] | None:
    """Dedupe and drop subsumed alternatives; None if one matches everything."""
    unique = set(alts)
    strings = {a for a in unique if a.string is not None}
    ints = unique - strings
    if any(a.mask == 0 for a in ints):
        return None
    if len(ints) > 1:
        ints = _drop_subsumed(ints)
    return tuple(sorted(strings | ints, key=_atom_key))


MAX_NOMINAL_EXPANSION = 256


def _expand_nominal(name: str, symbol: Symbol, alts: tuple[Atom, ...]) -> tuple[Atom, ...]:
    """Alternatives on a field OpenFlow cannot mask, as exact values."""
    full = (1 << symbol.width) - 1
    out: set[Atom] = set()
    for atom in alts:
        free = [1 << i for i in range(symbol.width) if not atom.mask >> i & 1]
        if len(free) > MAX_NOMINAL_EXPANSION.bit_length() - 1:
            raise LogicalTypeError(
                f"Cannot compile a masked match on {name}, which OpenFlow matches only "
                "exactly (such a match comes from `!=' or a negated predicate)."
            )
        for bits in product((0, 1), repeat=len(free)):
            extra = sum(b for b, on in zip(free, bits, strict=True) if on)
            out.add(Atom(atom.value | extra, full))
    return tuple(sorted(out, key=_atom_key))


def _finish_dims(dims: Dims, symtab: Mapping[str, Symbol]) -> Dims:
    """Per field: exact values for nominal fields, merged masks for the others."""
    out: Dims = {}
    for name, alts in dims.items():
        symbol = symtab[name]
        if symbol.is_string:
            out[name] = alts
        elif symbol.level is Level.NOMINAL:
            out[name] = _expand_nominal(name, symbol, alts)
        elif len(alts) > 1:
            reduced = _reduce_alternatives(_merge_adjacent(set(alts)))
            if reduced is not None:
                out[name] = reduced
        else:
            out[name] = alts
    return out


Dims = dict[str, tuple[Atom, ...]]


@dataclass(frozen=True, slots=True)
class Clause:
    """A conjunction: each field must match one of its alternatives."""

    dims: tuple[tuple[str, tuple[Atom, ...]], ...]


def _intersect(a: tuple[Atom, ...], b: tuple[Atom, ...]) -> list[Atom]:
    """Atoms matching both an alternative of `a` and one of `b`."""
    masks = {x.mask for x in a} | {y.mask for y in b}
    if len(masks) == 1 and len(a) * len(b) > 64:  # same mask: plain set intersection
        wanted = {y for y in b}
        return [x for x in a if x in wanted]
    merged = (_merge_atoms(x, y) for x in a for y in b)
    return [m for m in merged if m is not None]


def _merge_dims(a: Dims, b: Dims) -> Dims | None:
    out = dict(a)
    for name, alts in b.items():
        if name not in out:
            out[name] = alts
            continue
        reduced = _reduce_alternatives(_intersect(out[name], alts))
        if reduced is None:
            del out[name]
        elif not reduced:
            return None
        else:
            out[name] = reduced
    return out


def _nf(expr: ast.Expr) -> list[Dims]:
    if isinstance(expr, ast.Boolean):
        return [{}] if expr.value else []
    if isinstance(expr, ast.Cmp):
        if expr.relop is not Relop.EQ:
            raise ValueError("normalize() needs a simplified expression")
        return [{expr.symbol: (Atom(expr.value, expr.mask),)}]
    if isinstance(expr, ast.StrCmp):
        if expr.relop is not Relop.EQ:
            raise LogicalTypeError(f"Cannot compile `{ast.format_expr(expr)}'.")
        return [{expr.symbol: (Atom(string=expr.string),)}]
    if isinstance(expr, ast.Condition):
        raise ValueError("normalize() needs conditions decided by simplify()")
    parts = [_nf(i) for i in expr.items]
    return _nf_and(parts) if expr.is_and else _nf_or(parts)


def _nf_and(parts: list[list[Dims]]) -> list[Dims]:
    result: list[Dims] = [{}]
    for part in parts:
        merged = (_merge_dims(a, b) for a in result for b in part)
        result = [m for m in merged if m is not None]
        if not result:
            break
    return result


def _nf_or(parts: list[list[Dims]]) -> list[Dims]:
    singles: dict[str, list[Atom]] = {}
    others: list[Dims] = []
    for part in parts:
        for dims in part:
            if not dims:
                return [{}]
            if len(dims) == 1:
                ((name, alts),) = dims.items()
                singles.setdefault(name, []).extend(alts)
            else:
                others.append(dims)
    out: list[Dims] = []
    for name, atoms in singles.items():
        reduced = _reduce_alternatives(atoms)
        if reduced is None:
            return [{}]
        out.append({name: reduced})
    return out + others


def _crossproduct(dims: Dims, symtab: Mapping[str, Symbol]) -> list[Dims]:
    fixed = {n: a for n, a in dims.items() if len(a) == 1 or not symtab[n].must_crossproduct}
    split = [n for n in dims if n not in fixed]
    if not split:
        return [dims]
    return [
        {**fixed, **{n: (atom,) for n, atom in zip(split, combo, strict=True)}}
        for combo in product(*(dims[n] for n in split))
    ]


def normalize(expr: ast.Expr, symtab: Mapping[str, Symbol] = SYMTAB) -> tuple[Clause, ...]:
    """The normal form of a simplified, annotated expression (no clause: false)."""
    clauses: list[Clause] = []
    seen: set[Clause] = set()
    for dims in _nf(expr):
        for split in _crossproduct(_finish_dims(dims, symtab), symtab):
            clause = Clause(tuple(split.items()))
            if clause not in seen:
                seen.add(clause)
                clauses.append(clause)
    return tuple(clauses)


def _format_atom(name: str, atom: Atom, symtab: Mapping[str, Symbol]) -> str:
    if atom.string is not None:
        return f"{name} == {quote_string(atom.string)}"
    width = symtab[name].width
    return ast.format_cmp(ast.Cmp(name, width, Relop.EQ, atom.value, atom.mask))


def format_normal_form(clauses: tuple[Clause, ...], symtab: Mapping[str, Symbol] = SYMTAB) -> str:
    """The normal form in OVN's expression syntax (``0`` false, ``1`` true)."""
    if not clauses:
        return "0"
    texts = []
    for clause in clauses:
        parts = []
        for name, alts in clause.dims:
            atoms = [_format_atom(name, a, symtab) for a in alts]
            parts.append(atoms[0] if len(atoms) == 1 else "(" + " || ".join(atoms) + ")")
        if not parts:
            return "1"
        texts.append(" && ".join(parts))
    if len(texts) == 1:
        return texts[0]
    return " || ".join(f"({t})" if " && " in t else t for t in texts)
