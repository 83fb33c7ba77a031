"""A real ovs-vswitchd and ovs-vsctl running on `pyovn ovsdb-server`."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import server_procs
from server_procs import ServerProc

pytestmark = [pytest.mark.integration, pytest.mark.system, pytest.mark.slow]

VSWITCH_SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


@pytest.fixture
def netns() -> Iterator[str]:
    name = f"pyovn-vs-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", name], check=True)
    try:
        yield name
    finally:
        subprocess.run(["ip", "netns", "del", name], check=False)


@pytest.fixture
def vswitch_db(tmp_path: Path) -> Iterator[ServerProc]:
    db = tmp_path / "conf.db"
    server_procs.create_db(db, VSWITCH_SCHEMA)
    server = server_procs.start("pyovn", tmp_path, db)
    yield server
    server.stop()


def test_vswitchd_on_pyovn(tmp_path: Path, netns: str, vswitch_db: ServerProc) -> None:
    env = dict(os.environ, OVS_RUNDIR=str(tmp_path), OVS_LOGDIR=str(tmp_path),
               OVS_DBDIR=str(tmp_path))

    def vsctl(*args: str) -> str:
        done = subprocess.run(["ovs-vsctl", f"--db={vswitch_db.remote}", "--timeout=30", *args],
                              capture_output=True, text=True, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    vsctl("--no-wait", "init")
    vswitchd = subprocess.Popen(
        ["ip", "netns", "exec", netns, "ovs-vswitchd", vswitch_db.remote,
         f"--pidfile={tmp_path / 'ovs-vswitchd.pid'}",
         f"--log-file={tmp_path / 'ovs-vswitchd.log'}",
         f"--unixctl={tmp_path / 'ovs-vswitchd.ctl'}", "-vconsole:off"],
        env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # Without --no-wait, ovs-vsctl waits until vswitchd has applied the change
        # (it watches next_cfg/cur_cfg through its monitor on our server).
        vsctl("add-br", "br0", "--", "set", "bridge", "br0", "datapath_type=netdev")
        vsctl("add-port", "br0", "p1", "--", "set", "interface", "p1", "type=internal")
        deadline = time.time() + 30
        ofport = ""
        while time.time() < deadline:
            ofport = vsctl("get", "interface", "p1", "ofport")
            if ofport.isdigit() and int(ofport) > 0:
                break
            time.sleep(0.2)
        assert ofport.isdigit() and int(ofport) > 0, ofport
        assert vsctl("list-br") == "br0"
        assert vsctl("list-ports", "br0") == "p1"
        cur_cfg = vsctl("get", "open_vswitch", ".", "cur_cfg")
        assert int(cur_cfg) >= 2
        assert (tmp_path / "br0.mgmt").exists()
        vsctl("del-port", "br0", "p1")
        assert vsctl("list-ports", "br0") == ""
    finally:
        try:
            os.killpg(vswitchd.pid, signal.SIGTERM)
            vswitchd.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(vswitchd.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            vswitchd.wait(10)
