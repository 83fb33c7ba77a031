"""Normal form -> OpenFlow flows, with conjunctive matches (OVN's expr_to_matches).

Theory of operation: each `Clause` of the normal form maps every base field
to alternatives. Fields become OpenFlow fields through the symbol table
(registers xxregN/xregN split into the 32-bit regN OVS matches; logical
ports become their tunnel keys through `lookup_port`, unknown ports match
nothing). Then, per clause:

- no field with several alternatives: one flow;
- one such field: one flow per alternative;
- two or more (address set x port group, ports x IPs, ...): a conjunctive
  match. Dimension k of n gets one flow per alternative with action
  ``conjunction(id, k/n)``, and one flow ``conj_id=id`` carries the real
  actions, so the flow count is the sum of the set sizes plus one instead of
  their product. Ids come from `alloc_conj_id`.

Every flow keeps the clause's single-valued fields, so OpenFlow prerequisites
(eth_type, nw_proto) are in each flow. Identical matches are emitted once:
conjunction votes for one match are merged into one flow, and a vote whose
match already has a plain flow is dropped (that flow already takes the same
actions).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from pyovn.logical.expr.normalize import Atom, Clause
from pyovn.logical.expr.symbols import SYMTAB, Symbol
from pyovn.logical.flow import Conjunction, FieldMatch, Flow, Match, OFAction
from pyovn.logical.layout import OPENFLOW_FIELD_BITS

Fields = tuple[FieldMatch, ...]
Alternatives = tuple[Fields, ...]  # one dimension of a conjunctive match
PortLookup = Callable[[str], int | None]
ConjIdAllocator = Callable[[], int]

# Wide registers as the 32-bit registers OVS matches, most significant first.
_REGISTER_WORDS: dict[str, tuple[str, ...]] = {
    "xxreg0": ("reg0", "reg1", "reg2", "reg3"),
    "xxreg1": ("reg4", "reg5", "reg6", "reg7"),
    "xreg4": ("reg8", "reg9"),
}
# nw_frag bits: 1 = fragment, 2 = later fragment; packets only have 0, 1, 3.
_FRAG_STATES = (0, 1, 3)
_FRAG_CANONICAL = {  # set of matching states -> (value, mask) ovs-ofctl can name
    frozenset({0}): (0, 3),
    frozenset({1, 3}): (1, 1),
    frozenset({1}): (1, 3),
    frozenset({3}): (3, 3),
    frozenset({0, 1}): (0, 2),
}


def _field_matches(of_field: str, value: int, mask: int) -> tuple[FieldMatch, ...] | None:
    """OpenFlow matches for `of_field & mask == value`; None if nothing matches."""
    words = _REGISTER_WORDS.get(of_field)
    if words is not None:
        out = []
        for i, reg in enumerate(reversed(words)):
            m = (mask >> (32 * i)) & 0xFFFFFFFF
            if m:
                v = (value >> (32 * i)) & 0xFFFFFFFF
                out.append(FieldMatch(reg, v, None if m == 0xFFFFFFFF else m))
        return tuple(reversed(out))
    if of_field == "nw_frag":
        states = frozenset(s for s in _FRAG_STATES if s & mask == value)
        if not states:
            return None
        if len(states) == 3:
            return ()
        value, mask = _FRAG_CANONICAL[states]
        return (FieldMatch("nw_frag", value, mask),)
    full = (1 << OPENFLOW_FIELD_BITS[of_field]) - 1
    return (FieldMatch(of_field, value, None if mask == full else mask),)


def _atom_matches(
    symbol: Symbol, atom: Atom, lookup_port: PortLookup
) -> tuple[FieldMatch, ...] | None:
    assert symbol.of_field is not None
    if atom.string is not None:
        key = lookup_port(atom.string)
        return None if key is None else (FieldMatch(symbol.of_field, key),)
    return _field_matches(symbol.of_field, atom.value, atom.mask)


@dataclass(frozen=True, slots=True)
class CompiledMatches:
    """The flows of one expression, before table/priority/actions are known."""

    plain: tuple[tuple[FieldMatch, ...], ...]  # each: a flow with the real actions
    conjunctions: tuple[tuple[Fields, tuple[Alternatives, ...]], ...]
    # each conjunction: (match of the conj_id flow, per dimension its alternatives)


# Logical fields OVS reads from the L4 header: zero in later fragments, and
# OpenFlow refuses to match them together with nw_frag=later.
L4_FIELDS = frozenset(
    {
        "tcp.src",
        "tcp.dst",
        "tcp.flags",
        "udp.src",
        "udp.dst",
        "sctp.src",
        "sctp.dst",
        "icmp4.type",
        "icmp4.code",
        "icmp6.type",
        "icmp6.code",
        "nd.target",
        "nd.sll",
        "nd.tll",
    }
)


def _later_fragments_only(dims: dict[str, tuple[Atom, ...]]) -> bool:
    frag = dims.get("ip.frag")
    if frag is None or len(frag) != 1:
        return False
    return {s for s in _FRAG_STATES if s & frag[0].mask == frag[0].value} == {3}


def _resolve_later_fragments(clause: Clause) -> dict[str, tuple[Atom, ...]] | None:
    """For later fragments, L4 fields are 0: decide their tests here (None: no match)."""
    dims = dict(clause.dims)
    if not _later_fragments_only(dims):
        return dims
    for name in [n for n in dims if n in L4_FIELDS]:
        if not any(a.value == 0 for a in dims[name]):
            return None
        del dims[name]
    return dims


def clause_matches(
    clauses: Sequence[Clause],
    lookup_port: PortLookup,
    symtab: Mapping[str, Symbol] = SYMTAB,
) -> CompiledMatches:
    """Turn the normal form into OpenFlow matches (see the module docstring)."""
    plain: list[tuple[FieldMatch, ...]] = []
    conjunctions: list[tuple[Fields, tuple[Alternatives, ...]]] = []
    for clause in clauses:
        common: list[FieldMatch] = []
        sets: list[Alternatives] = []
        resolved = _resolve_later_fragments(clause)
        if resolved is None:
            continue
        dead = False
        for name, alts in resolved.items():
            options = [_atom_matches(symtab[name], a, lookup_port) for a in alts]
            live = tuple(dict.fromkeys(o for o in options if o is not None))
            if not live:
                dead = True
                break
            if len(live) == 1:
                common.extend(live[0])
            else:
                sets.append(live)
        if dead:
            continue
        base = tuple(common)
        if len(sets) == 0:
            plain.append(base)
        elif len(sets) == 1:
            plain.extend(base + alt for alt in sets[0])
        else:
            conjunctions.append((base, tuple(sets)))
    return CompiledMatches(tuple(plain), tuple(conjunctions))


_FIELD_ORDER = {name: i for i, name in enumerate(OPENFLOW_FIELD_BITS)}


def _canonical(fields: Fields) -> Fields:
    """Fields in the layout's declaration order (metadata, registers, L2, L3, L4, ct)."""
    # Each OpenFlow field occurs at most once in a match, so its rank is a total order.
    return tuple(sorted(fields, key=_field_rank))


def _field_rank(m: FieldMatch) -> int:
    return _FIELD_ORDER.get(m.field, len(_FIELD_ORDER))


def to_flows(
    compiled: CompiledMatches,
    table: int,
    priority: int,
    actions: tuple[OFAction, ...],
    alloc_conj_id: ConjIdAllocator,
    extra: tuple[FieldMatch, ...] = (),
) -> list[Flow]:
    """Flows in one table; `extra` (e.g. the datapath's metadata) goes in every match."""
    plain: dict[tuple[FieldMatch, ...], None] = {}
    votes: dict[tuple[FieldMatch, ...], list[Conjunction]] = {}
    conj_flows: list[Flow] = []
    for fields in compiled.plain:
        plain[_canonical(extra + fields)] = None
    for base, dims in compiled.conjunctions:
        conj_id = alloc_conj_id()
        conj_flows.append(Flow(table, priority, Match(_canonical(extra + base), conj_id), actions))
        for k, alts in enumerate(dims, start=1):
            for alt in alts:
                vote = Conjunction(conj_id, k, len(dims))
                votes.setdefault(_canonical(extra + base + alt), []).append(vote)
    flows = [Flow(table, priority, Match(m), actions) for m in plain]
    for fields, conj in votes.items():
        if fields not in plain:
            flows.append(Flow(table, priority, Match(fields), tuple(conj)))
    return flows + conj_flows
