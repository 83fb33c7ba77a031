"""Match expressions of the logical-flow language.

Stages, each a pure function over immutable trees (see each module):
`parser.parse_match` (text -> syntax + expression trees, type checked),
`annotate.annotate` (prerequisites, subfields, predicates),
`normalize.simplify` / `normalize.normalize` (negation and ranges to masked
matches, disjunctive normal form with per-field value sets), and
`to_matches.clause_matches` + `to_matches.to_flows` (OpenFlow flows,
conjunctive matches where sets meet), and `evaluate.evaluate` (a packet
against an annotated expression, for the tracer).

Callers usually want `pipeline`: ``env = MatchEnv.from_strings(address_sets,
port_groups)``, then ``compile_match(text, env, lookup_port,
is_chassis_resident, prerequisites)`` and ``to_flows(compiled, table,
priority, actions, alloc_conj_id, extra_fields)``; `lookup_port` maps a
logical port name to its tunnel key (None: no such port here, the term never
matches), `alloc_conj_id` hands out conjunction ids. Errors are
`pyovn.logical.errors.LogicalError` subclasses with a 1-based column (0 when
no single position applies).
"""
