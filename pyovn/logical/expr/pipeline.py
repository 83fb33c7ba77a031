"""The match compiler's stages chained: text -> canonical text / OpenFlow matches.

Theory of operation: thin composition of the pure stages (parse, annotate,
simplify, normalize, clause_matches) for callers that want one call: the
CLI, northd validation, the controller. `MatchEnv` carries what a match may
refer to (address sets, port groups, symbol table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pyovn.logical.expr import ast
from pyovn.logical.expr.annotate import annotate
from pyovn.logical.expr.normalize import (
    ChassisResident,
    Clause,
    format_normal_form,
    normalize,
    simplify,
)
from pyovn.logical.expr.parser import ParsedMatch, parse_address_set, parse_match
from pyovn.logical.expr.symbols import SYMTAB, Symbol
from pyovn.logical.expr.to_matches import CompiledMatches, PortLookup, clause_matches


@dataclass(frozen=True)
class MatchEnv:
    address_sets: Mapping[str, tuple[ast.Constant, ...]] = field(default_factory=dict)
    port_groups: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    symtab: Mapping[str, Symbol] = field(default_factory=lambda: SYMTAB)

    @classmethod
    def from_strings(
        cls,
        address_sets: Mapping[str, list[str] | tuple[str, ...]],
        port_groups: Mapping[str, list[str] | tuple[str, ...]],
    ) -> MatchEnv:
        """Address sets given as text members (``"10.0.0.0/8"``); raises LogicalError."""
        sets = {name: parse_address_set(values) for name, values in address_sets.items()}
        groups = {name: tuple(ports) for name, ports in port_groups.items()}
        return cls(sets, groups)


def parse(text: str, env: MatchEnv) -> ParsedMatch:
    return parse_match(text, env.symtab, env.address_sets, env.port_groups)


def canonical(text: str, env: MatchEnv) -> str:
    """The match as the user would write it canonically (sets and formats kept)."""
    return ast.format_syntax(parse(text, env).syntax)


def ovn_format(text: str, env: MatchEnv) -> str:
    """The parsed expression as OVN's expr_format prints it (test-ovn parse-expr)."""
    return ast.format_expr(parse(text, env).expr)


def annotated(text: str, env: MatchEnv) -> str:
    return ast.format_expr(annotate(parse(text, env).expr, env.symtab))


def normal_form(
    text: str,
    env: MatchEnv,
    is_chassis_resident: ChassisResident | None = None,
    prerequisites: str | None = None,
) -> tuple[Clause, ...]:
    """Normal form of `text`, ANDed with `prerequisites` (e.g. of the flow's actions)."""
    expr = parse(text, env).expr
    if prerequisites:
        expr = ast.combine_all(True, [expr, parse(prerequisites, env).expr])
    annotated_expr = annotate(expr, env.symtab)
    if is_chassis_resident is None:
        return normalize(simplify(annotated_expr), env.symtab)
    return normalize(simplify(annotated_expr, is_chassis_resident), env.symtab)


def normalized(text: str, env: MatchEnv, is_chassis_resident: ChassisResident | None = None) -> str:
    return format_normal_form(normal_form(text, env, is_chassis_resident), env.symtab)


def compile_match(
    text: str,
    env: MatchEnv,
    lookup_port: PortLookup,
    is_chassis_resident: ChassisResident | None = None,
    prerequisites: str | None = None,
) -> CompiledMatches:
    """OpenFlow matches of a match expression (table/priority/actions added by to_flows)."""
    clauses = normal_form(text, env, is_chassis_resident, prerequisites)
    return clause_matches(clauses, lookup_port, env.symtab)


def port_names(text: str, env: MatchEnv) -> list[str]:
    """Logical port names a match mentions, in order of first appearance."""
    names: dict[str, None] = {}

    def walk(node: ast.Syntax) -> None:
        if isinstance(node, (ast.And, ast.Or)):
            for item in node.items:
                walk(item)
        elif isinstance(node, ast.Not):
            walk(node.item)
        elif isinstance(node, ast.Compare) and env.symtab[node.field.name].is_string:
            for c in node.constants.values:
                if c.kind == "port_group":
                    names.update(dict.fromkeys(env.port_groups.get(c.text, ())))
                else:
                    names[c.text] = None

    walk(parse(text, env).syntax)
    return list(names)
