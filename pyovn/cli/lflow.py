"""`pyovn lflow`: the logical-flow language at the command line (no database).

    pyovn lflow parse-match [--annotate|--normalize|--ovn] 'EXPR'
    pyovn lflow parse-actions 'ACTIONS'
    pyovn lflow compile 'EXPR' [--actions A] [--table N] [--priority P]
                              [--datapath KEY] [--port NAME=KEY]...
                              [--chassis-resident PORT]...

Common options: ``--json``, ``--address-set NAME=A,B``, ``--port-group
NAME=P,Q``; the argument ``-`` reads one item per line from stdin and prints
one line per item. `parse-match` prints the canonical source form (sets and
constant formats kept); ``--ovn`` prints OVN's own expr_format text,
``--annotate`` adds prerequisites, ``--normalize`` prints the normal form.
`compile` maps logical ports to tunnel keys with ``--port``; ports without
one get keys in order of first appearance, starting at 1 and skipping keys
given explicitly. ``--datapath KEY`` adds ``metadata=KEY`` to every flow.
Conjunction ids count from 1 across a batch. Without ``--actions`` flows
resubmit to the next table, as ``next;`` would; with ``--actions`` they carry
the encoded actions (pyovn.logical.actions) and the match is ANDed with the
actions' prerequisites, as OVN does. Groups (``ct_lb``) and meters
(``log(meter=...)``) get ids 1, 2, ... across a batch; each item's flows are
preceded by a comment line per group they use, ``# group: group_id=N,...``
in ``ovs-ofctl add-group`` syntax, and per meter, so the output stays valid
``ovs-ofctl add-flows`` input.
"""

from __future__ import annotations

import importlib
import itertools
import sys
from collections.abc import Callable, Iterator
from typing import Any

import click
import orjson

from pyovn.logical import layout
from pyovn.logical.errors import LogicalError
from pyovn.logical.expr.pipeline import (
    MatchEnv,
    annotated,
    canonical,
    compile_match,
    normalized,
    ovn_format,
    port_names,
)
from pyovn.logical.expr.to_matches import to_flows
from pyovn.logical.flow import FieldMatch, OFAction, Resubmit
from pyovn.logical.ofactions import GroupDef

Handler = Callable[[str], str]


def _split_definitions(defs: tuple[str, ...], option: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for d in defs:
        name, sep, values = d.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=A,B,... not {d!r}", param_hint=option)
        out[name] = [v.strip() for v in values.split(",") if v.strip()]
    return out


def _env(address_sets: tuple[str, ...], port_groups: tuple[str, ...]) -> MatchEnv:
    try:
        return MatchEnv.from_strings(
            _split_definitions(address_sets, "--address-set"),
            _split_definitions(port_groups, "--port-group"),
        )
    except LogicalError as err:
        raise click.BadParameter(str(err), param_hint="--address-set") from None


def _items(arg: str) -> Iterator[str]:
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        yield line.rstrip("\n")


def _run(arg: str, as_json: bool, handler: Handler) -> None:
    """Apply `handler` to each item; one output line (or JSON object) per item."""
    batch = arg == "-"
    failed = False
    for item in _items(arg):
        try:
            text = handler(item)
            ok: dict[str, Any] = {"ok": True, "text": text}
        except LogicalError as err:
            failed = True
            ok = {"ok": False, "error": err.message, "column": err.column}
        except RecursionError:
            failed = True
            ok = {"ok": False, "error": "Expression nested too deeply.", "column": 0}
        except Exception as exc:  # noqa: BLE001 - one line per item, never a traceback
            failed = True
            ok = {"ok": False, "error": f"internal error: {exc!r}", "column": 0}
        if as_json:
            click.echo(orjson.dumps(ok).decode())
        elif ok["ok"]:
            click.echo(ok["text"])
        else:
            click.echo(f"column {ok['column']}: {ok['error']}", err=not batch)
    if failed and not batch:
        sys.exit(1)


_common = [
    click.option("--json", "as_json", is_flag=True, help="one JSON object per item"),
    click.option("--address-set", "address_sets", multiple=True, metavar="NAME=A,B"),
    click.option("--port-group", "port_groups", multiple=True, metavar="NAME=P,Q"),
]


def _with_common(f: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_common):
        f = option(f)
    return f


@click.group(name="lflow")
def command() -> None:
    """The logical-flow language: parse, format and compile matches and actions."""


@command.command("parse-match")
@click.argument("expr")
@click.option("--annotate", is_flag=True, help="add prerequisites (OVN's expr_annotate)")
@click.option("--normalize", is_flag=True, help="print the normal form")
@click.option("--ovn", "ovn", is_flag=True, help="print as OVN's expr_format does")
@click.option(
    "--chassis-resident",
    "resident",
    multiple=True,
    metavar="PORT",
    help="with --normalize: is_chassis_resident(PORT) is true",
)
@_with_common
def parse_match_cmd(
    expr: str,
    annotate: bool,
    normalize: bool,
    ovn: bool,
    resident: tuple[str, ...],
    as_json: bool,
    address_sets: tuple[str, ...],
    port_groups: tuple[str, ...],
) -> None:
    """Print EXPR in canonical form."""
    env = _env(address_sets, port_groups)
    residents = frozenset(resident)
    if normalize:
        handler: Handler = lambda text: normalized(text, env, residents.__contains__)  # noqa: E731
    elif annotate:
        handler = lambda text: annotated(text, env)  # noqa: E731
    elif ovn:
        handler = lambda text: ovn_format(text, env)  # noqa: E731
    else:
        handler = lambda text: canonical(text, env)  # noqa: E731
    _run(expr, as_json, handler)


def _actions_api() -> Any:
    return importlib.import_module("pyovn.logical.actions")


@command.command("parse-actions")
@click.argument("actions")
@_with_common
def parse_actions_cmd(
    actions: str, as_json: bool, address_sets: tuple[str, ...], port_groups: tuple[str, ...]
) -> None:
    """Print ACTIONS in canonical form."""
    api = _actions_api()
    _run(actions, as_json, lambda text: str(api.format_actions(api.parse_actions(text))))


class _PortKeys:
    """Logical port name -> tunnel key: given ones, then 1, 2, ... by first use."""

    def __init__(self, given: dict[str, int]) -> None:
        self.keys = dict(given)
        used = set(given.values())
        self._fresh = (k for k in itertools.count(1) if k not in used)

    def __call__(self, name: str) -> int:
        if name not in self.keys:
            self.keys[name] = next(self._fresh)
        return self.keys[name]


def _parse_ports(ports: tuple[str, ...]) -> dict[str, int]:
    out = {}
    for p in ports:
        name, sep, key = p.partition("=")
        if not sep or not key.isdigit() or int(key) >= 1 << 32:
            raise click.BadParameter(f"expected NAME=KEY not {p!r}", param_hint="--port")
        out[name] = int(key)
    return out


class _Allocator:
    """Ids 1, 2, ... for groups (one per distinct definition) and meters (per name).

    Shared across a batch, so equal ``ct_lb`` backends reuse one group.
    """

    def __init__(self) -> None:
        self.groups: dict[GroupDef, int] = {}
        self.meters: dict[str, int] = {}

    def group(self, definition: GroupDef) -> int:
        return self.groups.setdefault(definition, len(self.groups) + 1)

    def meter(self, name: str) -> int:
        return self.meters.setdefault(name, len(self.meters) + 1)


def _encode_actions(
    text: str, table: int, lookup: _PortKeys, datapath: int | None, ids: _Allocator
) -> tuple[tuple[OFAction, ...], str | None, list[str]]:
    """OpenFlow actions of logical `text` in `table`, their match prerequisites,
    and comment lines naming the groups and meters they use."""
    api = _actions_api()
    parsed = api.parse_actions(text)
    ctx = api.EncodeContext.at_openflow_table(
        table,
        lookup_port=lookup,
        datapath_key=datapath or 0,
        allocate_group=ids.group,
        allocate_meter=ids.meter,
    )
    result = api.encode_actions_full(parsed, ctx)
    # Comments, so the output stays valid `ovs-ofctl add-flows` input.
    notes = [f"# group: {g.to_ofctl_with_id(gid)}" for gid, g in result.groups]
    notes += [f"# meter: meter_id={mid} is meter {name!r}" for mid, name in result.meters]
    return tuple(result.actions), api.action_prerequisites(parsed), notes


@command.command("compile")
@click.argument("expr")
@click.option("--actions", "actions_text", default=None, help="logical actions of the flow")
@click.option(
    "--table", type=click.IntRange(0, 253), default=layout.TABLE_LOG_INGRESS, show_default=True
)
@click.option("--priority", type=click.IntRange(0, 65535), default=100, show_default=True)
@click.option(
    "--datapath",
    type=click.IntRange(0, (1 << 24) - 1),
    default=None,
    help="add metadata=KEY to every flow",
)
@click.option("--port", "ports", multiple=True, metavar="NAME=KEY", help="logical port key")
@click.option(
    "--chassis-resident",
    "resident",
    multiple=True,
    metavar="PORT",
    help="is_chassis_resident(PORT) is true",
)
@_with_common
def compile_cmd(
    expr: str,
    actions_text: str | None,
    table: int,
    priority: int,
    datapath: int | None,
    ports: tuple[str, ...],
    resident: tuple[str, ...],
    as_json: bool,
    address_sets: tuple[str, ...],
    port_groups: tuple[str, ...],
) -> None:
    """Print the OpenFlow flows of EXPR in ovs-ofctl add-flows syntax.

    Logical ports without --port get tunnel keys 1, 2, ... in order of first
    appearance (skipping given keys). Without --actions the flows resubmit to
    the next table, as `next;' would. Groups the actions use (ct_lb) precede
    the flows as `# group: group_id=N,...' comment lines (add-group syntax).
    """
    env = _env(address_sets, port_groups)
    lookup = _PortKeys(_parse_ports(ports))
    conj_ids = itertools.count(1)
    residents = frozenset(resident)
    extra = () if datapath is None else (FieldMatch(layout.LOG_DATAPATH.field, datapath),)
    ids = _Allocator()

    if actions_text is not None and layout.stage_for(table) is None:
        raise click.BadParameter(f"table {table} runs no logical stage", param_hint="--table")

    def handler(text: str) -> str:
        for name in port_names(text, env):
            lookup(name)  # keys by first appearance in the text
        actions: tuple[OFAction, ...] = (Resubmit(table + 1),)
        prereqs = None
        notes: list[str] = []
        if actions_text is not None:
            try:
                actions, prereqs, notes = _encode_actions(
                    actions_text, table, lookup, datapath, ids
                )
            except LogicalError as err:
                raise type(err)(f"in --actions: {err.message}", err.column) from None
        compiled = compile_match(text, env, lookup, residents.__contains__, prereqs)
        flows = to_flows(compiled, table, priority, actions, lambda: next(conj_ids), extra)
        return "\n".join([*notes, *(f.to_ofctl() for f in flows)])

    _run(expr, as_json, handler)
