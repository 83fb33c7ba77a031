"""OVSDB errors as exceptions, carrying the RFC 7047 error object fields.

ovsdb-server reports failures as ``{"error": TAG, "details": TEXT,
"syntax": JSON-TEXT}``; ``syntax`` is the offending JSON, serialised with
sorted keys the way OVS's json_to_string(JSSF_SORT) writes it.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any


def ovs_real(x: float) -> float | int:
    """A real number as OVS prints it: 15 significant digits, integral -> int."""
    if not math.isfinite(x):
        return x
    short = float(f"{x:.15g}")
    if short.is_integer() and abs(short) < 2**63:
        return int(short)
    return short


def _prepare(obj: Any) -> Any:
    if isinstance(obj, float):
        return ovs_real(obj)
    if isinstance(obj, list | tuple):
        return [_prepare(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _prepare(v) for k, v in obj.items()}
    return obj


def json_to_string(obj: Any) -> str:
    """Compact, key-sorted JSON text as OVS writes it in error ``syntax``."""
    return json.dumps(_prepare(obj), sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False)


class OvsdbError(Exception):
    """An RFC 7047 error: ``tag`` is the "error" string ("syntax error", ...)."""

    def __init__(self, tag: str, details: str | None = None,
                 syntax: Any = None, has_syntax: bool = False) -> None:
        super().__init__(f"{tag}: {details}" if details else tag)
        self.tag = tag
        self.details = details
        self.syntax = syntax
        self.has_syntax = has_syntax or syntax is not None
        # Raised by MemberParser: in OVS such errors win over any other.
        self.from_parser = False

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"error": self.tag}
        if self.details is not None:
            obj["details"] = self.details
        if self.has_syntax:
            obj["syntax"] = json_to_string(self.syntax)
        return obj

    def with_prefix(self, prefix: str) -> OvsdbError:
        """The same error with ``prefix`` prepended to its details."""
        return OvsdbError(self.tag, prefix + (self.details or ""), self.syntax,
                          self.has_syntax)


def syntax_error(json_obj: Any, details: str, tag: str = "syntax error") -> OvsdbError:
    """An error that quotes the offending JSON, like ovsdb_syntax_error()."""
    return OvsdbError(tag, details, json_obj, has_syntax=True)


def constraint_violation(details: str) -> OvsdbError:
    return OvsdbError("constraint violation", details)


_ID_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def is_id(s: str) -> bool:
    """OVSDB <id>: ASCII letter or underscore, then letters, digits, underscores."""
    return _ID_RE.fullmatch(s) is not None


def _is_integer(v: Any) -> bool:
    return type(v) is int


def _is_number(v: Any) -> bool:
    return type(v) is int or type(v) is float


_KIND_CHECKS: dict[str, Any] = {
    "string": lambda v: type(v) is str,
    "id": lambda v: type(v) is str and _ID_RE.fullmatch(v) is not None,
    "integer": _is_integer,
    "number": _is_number,
    "boolean": lambda v: type(v) is bool,
    "array": lambda v: type(v) is list,
    "object": lambda v: type(v) is dict,
    "null": lambda v: v is None,
}


class MemberParser:
    """Reads members of a JSON object the way OVS's ovsdb_parser does.

    Errors read "Parsing NAME failed: ..." and quote the whole object.
    """

    __slots__ = ("obj", "name", "used")

    def __init__(self, obj: Any, name: str) -> None:
        if not isinstance(obj, dict):
            err = OvsdbError("syntax error", f"Parsing {name} failed: Object expected.")
            err.from_parser = True
            raise err
        self.obj = obj
        self.name = name
        self.used: set[str] = set()

    def error(self, message: str) -> OvsdbError:
        err = syntax_error(self.obj, f"Parsing {self.name} failed: {message}")
        err.from_parser = True
        return err

    def get(self, member: str, kinds: tuple[str, ...], optional: bool = False) -> Any:
        if member not in self.obj:
            if optional:
                return None
            raise self.error(f"Required '{member}' member is missing.")
        self.used.add(member)
        value = self.obj[member]
        for k in kinds:
            if _KIND_CHECKS[k](value):
                return value
        raise self.error(f"Type mismatch for member '{member}'.")

    def finish(self) -> None:
        """Raise if the object has members nobody asked for."""
        if len(self.used) == len(self.obj):
            return
        unused = [k for k in self.obj if k not in self.used]
        if len(unused) == 1:
            raise self.error(f"Member '{unused[0]}' is present but not allowed here.")
        if unused:
            first = sorted(unused)[0]
            n = len(unused) - 1
            raise self.error(f"Member '{first}' and {n} other member{'s' if n > 1 else ''}"
                             " are present but not allowed here.")
