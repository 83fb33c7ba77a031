"""Helpers for storage tests that use the real OVS tools as the peer."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from pyovn.cli.ovsdb_tool import main as pyovn_tool_main

DATA = Path(__file__).parent / "data" / "storage"
TEST_SCHEMA = DATA / "storage-test.ovsschema"
REAL_SCHEMAS = [
    Path("/usr/share/openvswitch/vswitch.ovsschema"),
    Path("/usr/share/ovn/ovn-nb.ovsschema"),
    Path("/usr/share/ovn/ovn-sb.ovsschema"),
]


def ovs_tool(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run OVS's ovsdb-tool; console logging off so stderr holds only errors."""
    return subprocess.run(
        ["ovsdb-tool", "-vconsole:off", *args],
        capture_output=True, text=True, check=check, timeout=60,
    )


def pyovn_tool(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Run pyovn's ovsdb-tool in this process."""
    status = pyovn_tool_main(list(args))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def normalise_show_log(text: str) -> list[list[str]]:
    """Show-log paragraphs with row blocks and column lines sorted.

    OVS walks tables, rows and columns in hash order; only the set of lines
    in each row block and the set of blocks in each record are meaningful.
    """
    records: list[list[str]] = []
    for paragraph in re.split(r"\n(?=record \d+:)", text.strip("\n")):
        head, *rest = paragraph.strip("\n").split("\n")
        blocks: list[list[str]] = []
        for line in rest:
            if not line:
                continue
            if line.startswith("  table "):
                blocks.append([line])
            else:
                blocks[-1].append(line)
        rendered = sorted("\n".join([b[0], *sorted(b[1:])]) for b in blocks)
        records.append([head, *rendered])
    return records


@contextmanager
def real_ovsdb_server(db: Path, tmp: Path) -> Iterator[str]:
    """Run OVS's ovsdb-server on ``db``; yields its unix socket remote."""
    sock = tmp / f"{db.name}.sock"
    ctl = tmp / f"{db.name}.ctl"
    proc = subprocess.Popen(
        [
            "ovsdb-server", f"--remote=punix:{sock}", f"--unixctl={ctl}",
            "-vconsole:off", "--no-chdir", str(db),
        ],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ovsdb-server did not start on {db}")
            time.sleep(0.02)
        yield f"unix:{sock}"
    finally:
        if proc.poll() is None:
            subprocess.run(["ovs-appctl", "-t", str(ctl), "exit"], capture_output=True,
                           timeout=20, check=False)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def client_transact(remote: str, db_name: str, *ops: dict[str, Any]) -> Any:
    out = subprocess.run(
        ["ovsdb-client", "transact", remote, json.dumps([db_name, *ops])],
        capture_output=True, text=True, check=True, timeout=30,
    )
    return json.loads(out.stdout)


# A small workload touching every kind of change the file records: inserts
# with references, map/set diffs, garbage collection, deletes, comments,
# non-ASCII text and reals.
WORKLOAD: list[list[dict[str, Any]]] = [
    [
        {"op": "insert", "table": "Item", "row": {
            "name": "a", "value": 1, "tags": ["set", ["x", "y"]],
            "options": ["map", [["k", "v"]]], "children": ["named-uuid", "c"]}},
        {"op": "insert", "table": "Child", "uuid-name": "c",
         "row": {"name": "c1", "counts": ["map", [["n", 1]]]}},
        {"op": "comment", "comment": "first"},
    ],
    [{"op": "insert", "table": "Item",
      "row": {"name": 'é ünï "q"', "weight": 0.5, "enabled": True}}],
    [{"op": "update", "table": "Item", "where": [["name", "==", "a"]],
      "row": {"value": 7, "tags": ["set", ["y", "z"]],
              "options": ["map", [["k", "w"], ["k2", "v2"]]]}}],
    [{"op": "update", "table": "Item", "where": [["name", "==", "a"]],
      "row": {"children": ["set", []]}}],
    [{"op": "insert", "table": "Item", "row": {"name": "gone", "weight": 1e20}}],
    [{"op": "update", "table": "Item", "where": [["name", "==", "gone"]],
      "row": {"weight": 0.1, "name": "renamed"}}],
    [{"op": "delete", "table": "Item", "where": [["name", "==", "renamed"]]}],
    [{"op": "mutate", "table": "Item", "where": [["name", "==", "a"]],
      "mutations": [["value", "-=", 10], ["tags", "insert", ["set", ["1a", "true", ""]]]]}],
]
