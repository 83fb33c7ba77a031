"""Logical actions: parse, format (round trip) and encode to OpenFlow.

Public API (others call it):

- `parse_actions(text, symtab=None)` -> `ActionList`, raising `LogicalError`
  subclasses with a 1-based column;
- `format_actions(actions)` -> OVN's canonical text;
- `encode_actions(actions, ctx)` -> OpenFlow actions (`OFAction` tuple);
  `encode_actions_full` also returns the groups and meters used;
- `action_prerequisites(actions)` -> match text the flow's match must imply.
"""

from __future__ import annotations

from pyovn.logical.actions.ast import ActionList
from pyovn.logical.actions.encode import (
    ActionEncodeError,
    EncodeContext,
    EncodeResult,
    encode_actions,
    encode_actions_full,
)
from pyovn.logical.actions.format import format_actions
from pyovn.logical.actions.parser import parse_actions
from pyovn.logical.actions.prereqs import action_prerequisites

__all__ = [
    "ActionEncodeError",
    "ActionList",
    "action_prerequisites",
    "EncodeContext",
    "EncodeResult",
    "encode_actions",
    "encode_actions_full",
    "format_actions",
    "parse_actions",
]
