"""What the actions need to know about a logical field, and where it lives.

Theory of operation: the symbol table (`pyovn.logical.expr`) declares every
logical field once. Actions need a narrow view of it: width, whether it is a
string (logical port) field, a predicate, writable, its prerequisites, and
the OpenFlow bits that hold it. `FieldInfo` is that view and `Resolver` the
function that produces it from a name; `symtab_resolver` adapts the shared
symbol table, so actions and matches can never disagree on a field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from pyovn.logical.expr import kinds
from pyovn.logical.expr.kinds import FieldKind
from pyovn.logical.expr.symbols import Symbol, base_of
from pyovn.logical.layout import Subfield

__all__ = ["FieldInfo", "Resolver", "symtab_resolver"]


@dataclass(frozen=True, slots=True)
class FieldInfo:
    """A logical field (or a named subfield like ``flags.loopback``)."""

    name: str
    width: int  # bits; string fields: width of the register holding the key
    storage: Subfield | None  # the OpenFlow bits; None for predicates
    is_string: bool = False
    is_predicate: bool = False
    writable: bool = True
    prereqs: str | None = None  # expression text, e.g. "ip4" or "tcp"
    kind: FieldKind = FieldKind.STORAGE  # which constant formats it accepts
    maskable: bool = True  # may a constant assigned to it carry a mask

    def bits(self, lo: int | None, hi: int | None) -> Subfield:
        """The OpenFlow subfield for ``name[lo..hi]`` (whole field if lo None)."""
        assert self.storage is not None
        if lo is None:
            return self.storage
        top = lo if hi is None else hi
        return _readable_register(self.storage.field, self.storage.ofs + lo, top - lo + 1)


Resolver = Callable[[str], FieldInfo | None]


# Base fields OVN lets no action write (ct_mark and ct_label: only inside
# ct_commit { }); subfields of them inherit this.
READ_ONLY_BASES = frozenset(
    {"eth.type", "ip.proto", "ip.frag", "ct_state", "ct_mark", "ct_label", "tcp.flags"}
)


def _readable_register(field: str, ofs: int, nbits: int) -> Subfield:
    """xxregN/xregN bits within one 32-bit register, spelled as that register.

    OVS numbers xxreg0 = reg0:reg1:reg2:reg3 with reg0 the most significant
    word, so logical ``reg0`` (xxreg0[96..127]) is OpenFlow ``reg0``.
    """
    for prefix, words in (("xxreg", 4), ("xreg", 2)):
        if field.startswith(prefix) and field[len(prefix) :].isdigit():
            word = ofs // 32
            if word == (ofs + nbits - 1) // 32:
                index = int(field[len(prefix) :]) * words + (words - 1 - word)
                return Subfield(f"reg{index}", ofs % 32, nbits)
            break
    return Subfield(field, ofs, nbits)


def symtab_resolver(symtab: Mapping[str, Symbol]) -> Resolver:
    """A `Resolver` over the shared symbol table (`pyovn.logical.expr.symbols`)."""

    def resolve(name: str) -> FieldInfo | None:
        symbol = symtab.get(name)
        if symbol is None:
            return None
        if symbol.predicate is not None:
            return FieldInfo(name, 1, None, is_predicate=True, writable=False)
        base, ofs = base_of(symtab, name)
        assert base.of_field is not None
        if symbol.is_string:
            return FieldInfo(name, 32, Subfield(base.of_field, 0, 32), is_string=True)
        storage = _readable_register(base.of_field, ofs, symbol.width)
        return FieldInfo(
            name,
            symbol.width,
            storage,
            writable=base.name not in READ_ONLY_BASES,
            prereqs=symbol.prereqs,
            kind=kinds.field_kind(symtab, name),
            maskable=kinds.is_maskable(symtab, name),
        )

    return resolve
