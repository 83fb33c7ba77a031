"""OVSDB column types: atomic types, base types with constraints, and Type.

Theory of operation: a column's ``Type`` is a key ``BaseType``, an optional
value ``BaseType`` (maps) and a count range ``n_min..n_max`` (``UNLIMITED``
is OVS's UINT_MAX).  A ``BaseType`` knows how to parse one atom from JSON and
to check its constraints (range, length, enum); each BaseType picks its
parser once at construction so the hot path is a single call.  JSON forms
and error texts follow OVS's ovsdb-types.c.
"""

from __future__ import annotations

import enum
import json
import re
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pyovn.ovsdb.errors import (
    MemberParser,
    constraint_violation,
    is_id,
    ovs_real,
    syntax_error,
)

Atom = int | float | bool | str | uuid.UUID

INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1
UNLIMITED = 2**32 - 1
DBL_MAX = sys.float_info.max
ZERO_UUID = uuid.UUID(int=0)

_UUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
                      r"[0-9a-fA-F]{12}$")


class AtomicType(enum.Enum):
    INTEGER = "integer"
    REAL = "real"
    BOOLEAN = "boolean"
    STRING = "string"
    UUID = "uuid"


class SymbolResolver(Protocol):
    """Resolves ``["named-uuid", NAME]`` to the UUID the transaction gave NAME."""

    def resolve(self, name: str) -> uuid.UUID: ...


# ---------------------------------------------------------------- atoms

def parse_uuid_string(s: Any, json_obj: Any) -> uuid.UUID:
    if not isinstance(s, str) or not _UUID_RE.match(s):
        raise syntax_error(json_obj, f'"{s}" is not a valid UUID')
    if len(s) != 36:
        return uuid.UUID(s)  # "$" also matches before a final new-line
    # The pattern has checked the form, so skip uuid.UUID's own parsing.
    u = _new_object(uuid.UUID)
    _set_slot(u, "int", int(s.replace("-", ""), 16))
    _set_slot(u, "is_safe", _SAFE_UNKNOWN)
    return u  # type: ignore[no-any-return]


_new_object = object.__new__
_set_slot = object.__setattr__
_SAFE_UNKNOWN = uuid.SafeUUID.unknown


def _parse_integer(j: Any, symtab: SymbolResolver | None) -> Atom:
    if type(j) is int and INT64_MIN <= j <= INT64_MAX:
        return j
    # OVS's JSON lexer turns integral numbers like 1.0 or 1e2 into integers.
    if type(j) is float and j.is_integer() and INT64_MIN <= j <= INT64_MAX:
        return int(j)
    raise syntax_error(j, "expected integer")


def _parse_real(j: Any, symtab: SymbolResolver | None) -> Atom:
    if type(j) is float:
        return j
    if type(j) is int:
        return float(j)
    raise syntax_error(j, "expected real")


def _parse_boolean(j: Any, symtab: SymbolResolver | None) -> Atom:
    if type(j) is bool:
        return j
    raise syntax_error(j, "expected boolean")


def _parse_string(j: Any, symtab: SymbolResolver | None) -> Atom:
    if type(j) is str:
        return j
    raise syntax_error(j, "expected string")


def _parse_uuid(j: Any, symtab: SymbolResolver | None) -> Atom:
    if type(j) is list and len(j) == 2 and type(j[0]) is str:
        tag, value = j
        if tag == "uuid":
            return parse_uuid_string(value, j)
        if tag == "named-uuid" and symtab is not None:
            if not isinstance(value, str) or not is_id(value):
                raise syntax_error(j, "named-uuid string is not a valid <id>")
            return symtab.resolve(value)
    raise syntax_error(j, 'expected ["uuid", <string>]')


_PARSERS: dict[AtomicType, Callable[[Any, SymbolResolver | None], Atom]] = {
    AtomicType.INTEGER: _parse_integer,
    AtomicType.REAL: _parse_real,
    AtomicType.BOOLEAN: _parse_boolean,
    AtomicType.STRING: _parse_string,
    AtomicType.UUID: _parse_uuid,
}

DEFAULT_ATOMS: dict[AtomicType, Atom] = {
    AtomicType.INTEGER: 0,
    AtomicType.REAL: 0.0,
    AtomicType.BOOLEAN: False,
    AtomicType.STRING: "",
    AtomicType.UUID: ZERO_UUID,
}


def _string_needs_quotes(s: str) -> bool:
    if not s or not (s[0].isascii() and (s[0].isalpha() or s[0] == "_")):
        return True
    if any(not (c.isascii() and (c.isalnum() or c in "_-.")) for c in s[1:]):
        return True
    return s in ("true", "false") or bool(_UUID_RE.match(s))


def atom_to_string(atom: Atom) -> str:
    """An atom as OVS's ovsdb_atom_to_string prints it (error messages)."""
    if isinstance(atom, bool):
        return "true" if atom else "false"
    if isinstance(atom, float):
        return f"{atom:.15g}"
    if isinstance(atom, str):
        if _string_needs_quotes(atom):
            return json.dumps(atom, ensure_ascii=False)
        return atom
    return str(atom)


def atoms_to_string(atoms: tuple[Atom, ...]) -> str:
    return "[" + ", ".join(atom_to_string(a) for a in atoms) + "]"


def atom_json_to_python(atom: Atom) -> Any:
    """The JSON form of one atom (uuids as ["uuid", s]); reals as OVS prints."""
    if isinstance(atom, uuid.UUID):
        return ["uuid", str(atom)]
    if type(atom) is float:
        return ovs_real(atom)
    return atom


# ---------------------------------------------------------------- base types

@dataclass(frozen=True, slots=True)
class BaseType:
    """One atomic type plus its constraints (RFC 7047 <base-type>)."""

    type: AtomicType
    min_integer: int = INT64_MIN
    max_integer: int = INT64_MAX
    min_real: float = -DBL_MAX
    max_real: float = DBL_MAX
    min_length: int = 0
    max_length: int = UNLIMITED
    enum: tuple[Atom, ...] | None = None
    ref_table: str | None = None
    ref_type: str = "strong"
    parse_atom: Callable[[Any, SymbolResolver | None], Atom] = field(
        init=False, compare=False, repr=False)
    has_constraints: bool = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "parse_atom", _PARSERS[self.type])
        constrained = (self.enum is not None or self.ref_table is not None
                       or self.min_integer != INT64_MIN or self.max_integer != INT64_MAX
                       or self.min_real != -DBL_MAX or self.max_real != DBL_MAX
                       or self.min_length != 0 or self.max_length != UNLIMITED)
        object.__setattr__(self, "has_constraints", constrained)

    @property
    def is_strong_ref(self) -> bool:
        return self.ref_table is not None and self.ref_type == "strong"

    @property
    def is_weak_ref(self) -> bool:
        return self.ref_table is not None and self.ref_type == "weak"

    def without_constraints(self) -> BaseType:
        return BaseType(self.type)

    def atom_from_json(self, j: Any, symtab: SymbolResolver | None = None) -> Atom:
        atom = self.parse_atom(j, symtab)
        if self.has_constraints:
            self.check(atom)
        return atom

    def check(self, atom: Atom) -> None:
        """Raise "constraint violation" if ``atom`` breaks this type's constraints."""
        if self.enum is not None:
            if atom not in self.enum:
                raise constraint_violation(
                    f"{atom_to_string(atom)} is not one of the allowed values "
                    f"({atoms_to_string(self.enum)})")
            return
        t = self.type
        if t is AtomicType.INTEGER:
            _check_range(atom, self.min_integer, self.max_integer, INT64_MIN, INT64_MAX)
        elif t is AtomicType.REAL:
            _check_range(atom, self.min_real, self.max_real, -DBL_MAX, DBL_MAX)
        elif t is AtomicType.STRING:
            assert isinstance(atom, str)
            n = len(atom)  # code points == UTF-8 characters, as OVS counts them
            if n < self.min_length:
                raise constraint_violation(
                    f"{json.dumps(atom, ensure_ascii=False)} length {n} is less than "
                    f"minimum allowed length {self.min_length}")
            if n > self.max_length:
                raise constraint_violation(
                    f"{json.dumps(atom, ensure_ascii=False)} length {n} is greater than "
                    f"maximum allowed length {self.max_length}")

    # -- JSON

    @classmethod
    def from_json(cls, j: Any) -> BaseType:
        if isinstance(j, str):
            return cls(_atomic_type_from_json(j))
        parser = MemberParser(j, "ovsdb type")
        atype = _atomic_type_from_json(parser.get("type", ("string",)))
        kw: dict[str, Any] = {}
        enum_json = parser.get("enum", tuple(_ANY), optional=True)
        if atype is AtomicType.INTEGER:
            kw.update(_range_members(parser, "Integer", ("integer",)))
        elif atype is AtomicType.REAL:
            kw.update({k: float(v) for k, v in
                       _range_members(parser, "Real", ("number",)).items()})
        elif atype is AtomicType.STRING:
            kw.update(_length_members(parser))
        elif atype is AtomicType.UUID:
            ref_table = parser.get("refTable", ("id",), optional=True)
            if ref_table is not None:
                kw["ref_table"] = ref_table
                ref_type = parser.get("refType", ("id",), optional=True)
                if ref_type is not None:
                    if ref_type not in ("strong", "weak"):
                        raise syntax_error(j, 'refType must be "strong" or "weak" '
                                              f'(not "{ref_type}")')
                    kw["ref_type"] = ref_type
        if enum_json is not None:
            from pyovn.ovsdb.data import Datum  # data builds on types
            etype = Type(BaseType(atype), None, 1, UNLIMITED)
            kw["enum"] = Datum.from_json(etype, enum_json).keys
        parser.finish()
        return cls(atype, **kw)

    def to_json(self) -> Any:
        if not self.has_constraints:
            return self.type.value
        obj: dict[str, Any] = {"type": self.type.value}
        if self.enum is not None:
            from pyovn.ovsdb.data import Datum
            etype = Type(BaseType(self.type), None, 1, UNLIMITED)
            obj["enum"] = Datum(self.enum, None).to_json(etype)
        if self.min_integer != INT64_MIN:
            obj["minInteger"] = self.min_integer
        if self.max_integer != INT64_MAX:
            obj["maxInteger"] = self.max_integer
        if self.min_real != -DBL_MAX:
            obj["minReal"] = self.min_real
        if self.max_real != DBL_MAX:
            obj["maxReal"] = self.max_real
        if self.min_length != 0:
            obj["minLength"] = self.min_length
        if self.max_length != UNLIMITED:
            obj["maxLength"] = self.max_length
        if self.ref_table is not None:
            obj["refTable"] = self.ref_table
            if self.ref_type == "weak":
                obj["refType"] = "weak"
        return obj


_ANY = ("string", "number", "boolean", "array", "object", "null")


def _atomic_type_from_json(name: str) -> AtomicType:
    try:
        return AtomicType(name)
    except ValueError:
        raise syntax_error(name, f'"{name}" is not an atomic-type') from None


def _range_members(parser: MemberParser, suffix: str,
                   kinds: tuple[str, ...]) -> dict[str, Any]:
    lo = parser.get("min" + suffix, kinds, optional=True)
    hi = parser.get("max" + suffix, kinds, optional=True)
    if lo is not None and hi is not None and lo > hi:
        raise syntax_error(parser.obj, f"min{suffix} exceeds max{suffix}")
    out: dict[str, Any] = {}
    attr = suffix.lower()
    if lo is not None:
        out["min_" + attr] = lo
    if hi is not None:
        out["max_" + attr] = hi
    return out


def _length_members(parser: MemberParser) -> dict[str, int]:
    out: dict[str, int] = {}
    for member, attr in (("minLength", "min_length"), ("maxLength", "max_length")):
        value = parser.get(member, ("integer",), optional=True)
        if value is not None:
            if not 0 <= value <= UNLIMITED:
                raise syntax_error(parser.obj, f"{member} out of valid range 0 to {UNLIMITED}")
            out[attr] = value
    if out.get("min_length", 0) > out.get("max_length", UNLIMITED):
        raise syntax_error(parser.obj, "minLength exceeds maxLength")
    return out


def _check_range(atom: Any, lo: Any, hi: Any, floor: Any, ceiling: Any) -> None:
    if lo <= atom <= hi:
        return
    show = atom_to_string
    if lo != floor:
        if hi != ceiling:
            raise constraint_violation(f"{show(atom)} is not in the valid range "
                                       f"{show(lo)} to {show(hi)} (inclusive)")
        raise constraint_violation(f"{show(atom)} is less than minimum allowed value "
                                   f"{show(lo)}")
    raise constraint_violation(f"{show(atom)} is greater than maximum allowed value {show(hi)}")


# ---------------------------------------------------------------- column types

@dataclass(frozen=True, slots=True)
class Type:
    """A column type: key, optional value (maps) and element count bounds."""

    key: BaseType
    value: BaseType | None = None
    n_min: int = 1
    n_max: int = 1
    # pyovn.ovsdb.data's specialised parser for this type's common valid
    # values, built there on first use (types cannot import data).
    fast_json: Any = field(default=None, init=False, compare=False, repr=False)

    @property
    def is_map(self) -> bool:
        return self.value is not None

    @property
    def is_scalar(self) -> bool:
        return self.n_min == 1 and self.n_max == 1 and self.value is None

    @property
    def is_optional(self) -> bool:
        return self.n_min == 0 and self.n_max == 1

    @property
    def is_composite(self) -> bool:
        """More than one element allowed: diffs are element-wise, not whole values."""
        return self.n_max > 1

    @property
    def is_set(self) -> bool:
        return self.value is None and not self.is_scalar

    def with_count(self, n_min: int, n_max: int) -> Type:
        return Type(self.key, self.value, n_min, n_max)

    def to_english(self) -> str:
        key = self.key.type.value
        if self.is_scalar:
            return key
        if self.n_max == UNLIMITED:
            count = f" of {self.n_min} or more" if self.n_min else " of"
        elif self.n_min:
            count = f" of {self.n_min} to {self.n_max}"
        else:
            count = f" of up to {self.n_max}"
        if self.value is None:
            return f"set{count} {key}s"
        return f"map{count} ({key}, {self.value.type.value}) pairs"

    @classmethod
    def from_json(cls, j: Any) -> Type:
        if isinstance(j, str):
            return cls(BaseType(_atomic_type_from_json(j)))
        parser = MemberParser(j, "ovsdb type")
        key = BaseType.from_json(parser.get("key", ("string", "object")))
        value_json = parser.get("value", ("string", "object"), optional=True)
        value = BaseType.from_json(value_json) if value_json is not None else None
        n_min = _count_from_json(parser.get("min", ("integer",), optional=True), 1)
        max_json = parser.get("max", ("integer", "string"), optional=True)
        n_max = UNLIMITED if max_json == "unlimited" else _count_from_json(max_json, 1)
        parser.finish()
        if not (n_min <= 1 and n_min <= n_max and n_max >= 1):
            raise syntax_error(j, "ovsdb type fails constraint checks")
        return cls(key, value, n_min, n_max)

    def to_json(self) -> Any:
        if self.is_scalar and not self.key.has_constraints:
            return self.key.type.value
        obj: dict[str, Any] = {"key": self.key.to_json()}
        if self.value is not None:
            obj["value"] = self.value.to_json()
        if self.n_min != 1:
            obj["min"] = self.n_min
        if self.n_max == UNLIMITED:
            obj["max"] = "unlimited"
        elif self.n_max != 1:
            obj["max"] = self.n_max
        return obj


def _count_from_json(j: Any, default: int) -> int:
    if j is None:
        return default
    if type(j) is int and 0 <= j <= UNLIMITED:
        return j
    raise syntax_error(j, "bad min or max value")


__all__ = ["Atom", "AtomicType", "BaseType", "Type", "UNLIMITED", "ZERO_UUID"]
