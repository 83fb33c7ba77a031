"""OpenFlow actions the logical action encoder emits, as plain frozen data.

Theory of operation: every type here is one OpenFlow 1.5 (plus Nicira
extension) action as OVS 3.1 understands it, and knows its ``ovs-ofctl``
spelling through ``to_ofctl()``. They satisfy `pyovn.logical.flow.OFAction`,
so they sit in `Flow.actions` beside `Resubmit`. Only the encodings OVS
accepts over OpenFlow 1.5 are used: ``set_field`` (with mask) rather than
``load``, ``move`` (copy_field) rather than reg_move, the standard ``dec_ttl``.

Subfields use `layout.Subfield` and print with ovs-fields(7) names
(``reg13[0..15]``, ``eth_src[]``), which ovs-ofctl accepts everywhere.
The wire encodings live in `pyovn.logical.actions.ofwire`; this module is
text and data only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyovn.logical.flow import OFAction, Resubmit, format_field_value
from pyovn.logical.layout import OPENFLOW_FIELD_BITS, Subfield

__all__ = [
    "CheckPktLarger",
    "Clone",
    "Controller",
    "Ct",
    "CtClear",
    "DecTtl",
    "Group",
    "GroupBucket",
    "GroupDef",
    "Learn",
    "Move",
    "Nat",
    "Note",
    "Pop",
    "Push",
    "Resubmit",
    "SetField",
    "SetQueue",
    "join_ofctl",
]


def join_ofctl(actions: tuple[OFAction, ...]) -> str:
    """Actions as an ovs-ofctl action list; the empty list is ``drop``."""
    return ",".join(a.to_ofctl() for a in actions) or "drop"


@dataclass(frozen=True, slots=True)
class SetField:
    """``set_field:value[/mask]->field``; mask None means every bit."""

    field: str
    value: int
    mask: int | None = None

    def __post_init__(self) -> None:
        # OVS rejects a set_field whose value has 1-bits outside its mask.
        if self.mask is not None and self.value & ~self.mask:
            raise ValueError(f"set_field value {self.value:#x} outside mask {self.mask:#x}")

    def to_ofctl(self) -> str:
        text = format_field_value(self.field, self.value)
        full = (1 << OPENFLOW_FIELD_BITS.get(self.field, 128)) - 1
        if self.mask is not None and self.mask != full:
            text += "/" + format_field_value(self.field, self.mask)
        return f"set_field:{text}->{self.field}"


@dataclass(frozen=True, slots=True)
class Move:
    """``move:src->dst`` (OpenFlow 1.5 copy_field)."""

    src: Subfield
    dst: Subfield

    def to_ofctl(self) -> str:
        return f"move:{self.src.to_ofctl()}->{self.dst.to_ofctl()}"


@dataclass(frozen=True, slots=True)
class DecTtl:
    def to_ofctl(self) -> str:
        return "dec_ttl"


@dataclass(frozen=True, slots=True)
class Push:
    subfield: Subfield

    def to_ofctl(self) -> str:
        return f"push:{self.subfield.to_ofctl()}"


@dataclass(frozen=True, slots=True)
class Pop:
    subfield: Subfield

    def to_ofctl(self) -> str:
        return f"pop:{self.subfield.to_ofctl()}"


@dataclass(frozen=True, slots=True)
class Clone:
    actions: tuple[OFAction, ...]

    def to_ofctl(self) -> str:
        return "clone(" + ",".join(a.to_ofctl() for a in self.actions) + ")"


@dataclass(frozen=True, slots=True)
class Nat:
    """The ``nat(...)`` argument of ``ct``; kind None is plain ``nat``."""

    kind: str | None = None  # "src" | "dst" | None
    ip: str | None = None  # IPv4 or IPv6 text
    port_lo: int | None = None
    port_hi: int | None = None
    random: bool = False

    def to_ofctl(self) -> str:
        if self.kind is None:
            return "nat"
        addr = self.ip or ""
        if self.port_lo is not None:
            if ":" in addr:
                addr = f"[{addr}]"
            addr += f":{self.port_lo}"
            if self.port_hi is not None and self.port_hi != self.port_lo:
                addr += f"-{self.port_hi}"
        flags = ",random" if self.random else ""
        return f"nat({self.kind}={addr}{flags})"


@dataclass(frozen=True, slots=True)
class Ct:
    """``ct(...)``: send through conntrack in `zone`, then maybe to `table`."""

    zone: Subfield
    commit: bool = False
    table: int | None = None
    nat: Nat | None = None
    exec_actions: tuple[OFAction, ...] = ()

    def to_ofctl(self) -> str:
        parts = []
        if self.commit:
            parts.append("commit")
        if self.table is not None:
            parts.append(f"table={self.table}")
        parts.append(f"zone={self.zone.to_ofctl()}")
        if self.nat is not None:
            parts.append(self.nat.to_ofctl())
        if self.exec_actions:
            parts.append("exec(" + ",".join(a.to_ofctl() for a in self.exec_actions) + ")")
        return "ct(" + ",".join(parts) + ")"


@dataclass(frozen=True, slots=True)
class CtClear:
    def to_ofctl(self) -> str:
        return "ct_clear"


@dataclass(frozen=True, slots=True)
class GroupBucket:
    actions: tuple[OFAction, ...]
    weight: int = 100

    def to_ofctl(self, bucket_id: int) -> str:
        acts = ",".join(a.to_ofctl() for a in self.actions)
        return f"bucket=bucket_id={bucket_id},weight:{self.weight},actions={acts}"


@dataclass(frozen=True, slots=True)
class GroupDef:
    """A select group (what ``ct_lb`` needs); the id is given by the allocator."""

    buckets: tuple[GroupBucket, ...]
    hash_fields: tuple[str, ...] = ()  # empty: selection_method=dp_hash

    def to_ofctl(self) -> str:
        """The group without its id, in ``ovs-ofctl add-group`` syntax."""
        head = "type=select"
        if self.hash_fields:
            head += ",selection_method=hash,fields(" + ",".join(self.hash_fields) + ")"
        else:
            head += ",selection_method=dp_hash"
        buckets = ",".join(b.to_ofctl(i) for i, b in enumerate(self.buckets))
        return f"{head},{buckets}"

    def to_ofctl_with_id(self, group_id: int) -> str:
        return f"group_id={group_id},{self.to_ofctl()}"


@dataclass(frozen=True, slots=True)
class Group:
    """``group:N``; carries its definition so callers can install it."""

    group_id: int
    definition: GroupDef | None = field(default=None, compare=False)

    def to_ofctl(self) -> str:
        return f"group:{self.group_id}"


@dataclass(frozen=True, slots=True)
class Controller:
    """``controller(userdata=..,pause,meter_id=N)`` (NXAST_CONTROLLER2)."""

    userdata: bytes
    pause: bool = True
    meter_id: int | None = None

    def to_ofctl(self) -> str:
        parts = []
        if self.userdata:
            parts.append("userdata=" + ".".join(f"{b:02x}" for b in self.userdata))
        if self.pause:
            parts.append("pause")
        if self.meter_id is not None:
            parts.append(f"meter_id={self.meter_id}")
        return "controller(" + ",".join(parts) + ")"


@dataclass(frozen=True, slots=True)
class SetQueue:
    queue_id: int

    def to_ofctl(self) -> str:
        return f"set_queue:{self.queue_id}"


@dataclass(frozen=True, slots=True)
class CheckPktLarger:
    """``check_pkt_larger(N)->dst``: dst (1 bit) = packet longer than N bytes."""

    pkt_len: int
    dst: Subfield

    def to_ofctl(self) -> str:
        return f"check_pkt_larger({self.pkt_len})->{self.dst.to_ofctl()}"


@dataclass(frozen=True, slots=True)
class Note:
    data: bytes

    def to_ofctl(self) -> str:
        return "note:" + ".".join(f"{b:02x}" for b in self.data)


@dataclass(frozen=True, slots=True)
class Learn:
    """``learn(...)`` with its specs already in ovs-ofctl syntax."""

    table: int
    specs: tuple[str, ...]
    idle_timeout: int = 0
    hard_timeout: int = 0
    delete_learned: bool = False

    def to_ofctl(self) -> str:
        parts = [f"table={self.table}"]
        if self.idle_timeout:
            parts.append(f"idle_timeout={self.idle_timeout}")
        if self.hard_timeout:
            parts.append(f"hard_timeout={self.hard_timeout}")
        if self.delete_learned:
            parts.append("delete_learned")
        parts.extend(self.specs)
        return "learn(" + ",".join(parts) + ")"
