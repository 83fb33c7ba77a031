"""Match expressions of the logical-flow language.

Stages, each a pure function over immutable trees (see each module):
`parser.parse_match` (text -> syntax + expression trees, type checked),
`annotate.annotate` (prerequisites, subfields, predicates),
`normalize.simplify` / `normalize.normalize` (negation and ranges to masked
matches, disjunctive normal form with per-field value sets), and
`to_matches.to_flows` (OpenFlow flows, conjunctive matches where sets meet).
"""
