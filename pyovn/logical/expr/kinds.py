"""What kind of constant each field accepts, and whether it may be masked.

Theory of operation: the lexer reads every integer with the format it was
written in (decimal, hexadecimal, IPv4, IPv6, Ethernet). A field that holds
an address accepts constants of its own address family or plain integers;
any other integer field accepts only plain integers, so ``eth.src ==
10.0.0.1`` or ``tcp.dst == 1.2.3.4`` is a type error rather than a silent
reinterpretation. Registers (and ct_label, which OVN uses as storage) hold
whatever a flow puts there, e.g. ``reg0 = 10.0.0.1`` for a next hop, so they
accept every format. The kind of a subfield is its base field's.

Masking follows the symbol table: a base field declared non-maskable
(nominal) cannot take a user-written mask, because OpenFlow cannot match it
bit by bit. Both the match parser and the actions parser call `constant_error`
and `mask_error`, so the two can never disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

from pyovn.logical.expr.symbols import Level, Symbol, base_of
from pyovn.logical.lexer import IntFormat


class FieldKind(Enum):
    """The constants an integer field accepts besides plain integers."""

    MAC = "Ethernet"
    IPV4 = "IPv4"
    IPV6 = "IPv6"
    INTEGER = "integer"  # plain integers only
    STORAGE = "storage"  # registers: any integer format


# Base fields that hold addresses, by base symbol name.
ADDRESS_FIELDS: Mapping[str, FieldKind] = {
    **dict.fromkeys(
        ("eth.src", "eth.dst", "arp.sha", "arp.tha", "rarp.sha", "rarp.tha", "nd.sll", "nd.tll"),
        FieldKind.MAC,
    ),
    **dict.fromkeys(
        ("ip4.src", "ip4.dst", "arp.spa", "arp.tpa", "rarp.spa", "rarp.tpa"), FieldKind.IPV4
    ),
    **dict.fromkeys(("ip6.src", "ip6.dst", "nd.target"), FieldKind.IPV6),
}

STORAGE_FIELDS = frozenset({"xxreg0", "xxreg1", "xreg4", "ct_label"})

_ACCEPTS: Mapping[FieldKind, frozenset[IntFormat]] = {
    FieldKind.MAC: frozenset({IntFormat.ETHERNET}),
    FieldKind.IPV4: frozenset({IntFormat.IPV4}),
    FieldKind.IPV6: frozenset({IntFormat.IPV6}),
    FieldKind.INTEGER: frozenset(),
    FieldKind.STORAGE: frozenset({IntFormat.ETHERNET, IntFormat.IPV4, IntFormat.IPV6}),
}

_PLAIN = frozenset({IntFormat.DECIMAL, IntFormat.HEXADECIMAL})

_CONSTANT_NAMES: Mapping[IntFormat, str] = {
    IntFormat.ETHERNET: "Ethernet address",
    IntFormat.IPV4: "IPv4 address",
    IntFormat.IPV6: "IPv6 address",
}


def field_kind(symtab: Mapping[str, Symbol], name: str) -> FieldKind:
    """The kind of integer field `name` (a base field or subfield)."""
    base, _ = base_of(symtab, name)
    if base.name in STORAGE_FIELDS:
        return FieldKind.STORAGE
    return ADDRESS_FIELDS.get(base.name, FieldKind.INTEGER)


def constant_error(kind: FieldKind, field: str, fmt: IntFormat, text: str) -> str | None:
    """Why a constant written as `text` (format `fmt`) can't go in `field`, or None."""
    if fmt in _PLAIN or fmt in _ACCEPTS[kind]:
        return None
    what = "integer" if kind is FieldKind.INTEGER else kind.value
    return f"{_CONSTANT_NAMES[fmt]} {text} is not valid for {what} field {field}."


def is_maskable(symtab: Mapping[str, Symbol], name: str) -> bool:
    """Whether OpenFlow can match `name` under an arbitrary mask."""
    symbol = symtab[name]
    if symbol.predicate is not None or symbol.is_string:
        return symbol.predicate is not None
    base, _ = base_of(symtab, name)
    return base.level is not Level.NOMINAL


def mask_error(field: str) -> str:
    return f"Field {field} does not support masking."
