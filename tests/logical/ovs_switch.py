"""A throwaway Open vSwitch (ovsdb-server + netdev ovs-vswitchd) for tests.

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


def _await_path(path: Path, seconds: float = 15.0) -> None:
    limit = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > limit:
            raise TimeoutError(f"{path} never appeared")
        time.sleep(0.05)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


@contextlib.contextmanager
def running_switch(tmp: Path, bridge: str = "br0") -> Iterator[Path]:
    """Yield the management socket of `bridge` on a private ovs-vswitchd."""
    tmp.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "OVS_RUNDIR": str(tmp), "OVS_LOGDIR": str(tmp), "OVS_DBDIR": str(tmp)}
    netns = f"pyovn-lsw-{os.getpid()}-{abs(hash(tmp)) % 10**6}"
    db, sock = tmp / "conf.db", tmp / "db.sock"
    subprocess.run(["ovsdb-tool", "create", str(db), SCHEMA], check=True)
    subprocess.run(["ip", "netns", "add", netns], check=True)
    started: list[subprocess.Popen[bytes]] = []
    try:
        started.append(subprocess.Popen(
            ["ovsdb-server", str(db), f"--remote=punix:{sock}", "--no-chdir",
             f"--unixctl={tmp}/db.ctl", f"--log-file={tmp}/ovsdb-server.log",
             "-vconsole:off"],
            env=env, start_new_session=True,
        ))
        _await_path(sock)
        vsctl = ["ovs-vsctl", f"--db=unix:{sock}", "--no-wait"]
        subprocess.run([*vsctl, "init"], check=True, env=env)
        started.append(subprocess.Popen(
            ["ip", "netns", "exec", netns, "ovs-vswitchd", f"unix:{sock}", "--no-chdir",
             f"--unixctl={tmp}/vswitchd.ctl", f"--log-file={tmp}/ovs-vswitchd.log",
             "-vconsole:off"],
            env=env, start_new_session=True,
        ))
        _await_path(tmp / "vswitchd.ctl")
        subprocess.run(
            [*vsctl, "add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev"],
            check=True, env=env,
        )
        mgmt = tmp / f"{bridge}.mgmt"
        _await_path(mgmt)
        yield mgmt
    finally:
        for proc in reversed(started):
            _stop(proc)
        subprocess.run(["ip", "netns", "del", netns], check=False)
