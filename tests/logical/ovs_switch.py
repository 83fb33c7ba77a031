"""Real Open vSwitch for tests: `ovs-ofctl parse-flows`, and a throwaway switch.

`parse_flows(tmp, lines)` has OVS parse flows in `ovs-ofctl add-flows` syntax
(comment lines allowed, as add-flows allows them) and fails on any it rejects.

`ovsdb_server(tmp, schema, name)` serves a fresh database of `schema` on a
unix socket in `tmp` and yields the socket.

A throwaway switch (ovsdb-server + netdev ovs-vswitchd):
`running_switch(tmp)` starts both daemons, ovs-vswitchd inside a network
namespace of its own (one userspace datapath per namespace), adds a netdev
bridge and yields its OpenFlow management socket. Everything is torn down on
exit, failures included: process groups are killed, the namespace deleted.
Tests get it through the `netdev_bridge` fixture (conftest.py).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


def await_path(path: Path, seconds: float = 15.0) -> None:
    limit = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > limit:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.05)


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Terminate the process group of `proc` (started with start_new_session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "OVS_RUNDIR": str(tmp), "OVS_LOGDIR": str(tmp), "OVS_DBDIR": str(tmp)}


@contextlib.contextmanager
def ovsdb_server(tmp: Path, schema: str, name: str) -> Iterator[Path]:
    """Serve a fresh database of `schema` at unix socket ``tmp/NAME.sock``."""
    tmp.mkdir(parents=True, exist_ok=True)
    db, sock = tmp / f"{name}.db", tmp / f"{name}.sock"
    subprocess.run(["ovsdb-tool", "create", str(db), schema], check=True)
    proc = subprocess.Popen(
        ["ovsdb-server", str(db), f"--remote=punix:{sock}", "--no-chdir",
         f"--unixctl={tmp}/{name}.ctl", f"--log-file={tmp}/{name}-ovsdb-server.log",
         "-vconsole:off"],
        env=_env(tmp), start_new_session=True,
    )
    try:
        await_path(sock)
        yield sock
    finally:
        stop(proc)


@contextlib.contextmanager
def running_switch(tmp: Path, bridge: str = "br0") -> Iterator[Path]:
    """Yield the management socket of `bridge` on a private ovs-vswitchd.

    Teardown runs in reverse: ovs-vswitchd, the namespace, ovsdb-server."""
    env = _env(tmp)
    netns = f"pyovn-lsw-{os.getpid()}-{abs(hash(tmp)) % 10**6}"
    with contextlib.ExitStack() as stack:
        sock = stack.enter_context(ovsdb_server(tmp, SCHEMA, "conf"))
        subprocess.run(["ip", "netns", "add", netns], check=True)
        stack.callback(subprocess.run, ["ip", "netns", "del", netns], check=False)
        vsctl = ["ovs-vsctl", f"--db=unix:{sock}", "--no-wait"]
        subprocess.run([*vsctl, "init"], check=True, env=env)
        vswitchd = subprocess.Popen(
            ["ip", "netns", "exec", netns, "ovs-vswitchd", f"unix:{sock}", "--no-chdir",
             f"--unixctl={tmp}/vswitchd.ctl", f"--log-file={tmp}/ovs-vswitchd.log",
             "-vconsole:off"],
            env=env, start_new_session=True,
        )
        stack.callback(stop, vswitchd)
        await_path(tmp / "vswitchd.ctl")
        subprocess.run(
            [*vsctl, "add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev"],
            check=True, env=env,
        )
        mgmt = tmp / f"{bridge}.mgmt"
        await_path(mgmt)
        yield mgmt


def parse_flows(tmp: Path, lines: list[str]) -> list[str]:
    """OVS's FLOW_MOD line for each flow of `lines` (``#`` lines are comments)."""
    path = tmp / "parse-flows.txt"
    path.write_text("\n".join(lines) + "\n")
    proc = subprocess.run(
        ["ovs-ofctl", "-O", "OpenFlow15", "parse-flows", str(path)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "decode error" not in proc.stdout, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "WARN" not in proc.stderr, proc.stderr[-3000:]
    mods = [line for line in proc.stdout.splitlines() if line.startswith("OFPT_FLOW_MOD")]
    assert len(mods) == sum(1 for line in lines if line and not line.startswith("#"))
    return mods
