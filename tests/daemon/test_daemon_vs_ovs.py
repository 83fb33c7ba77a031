"""Our unixctl answers next to real ovsdb-server 3.1's, for the shared commands."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest
from daemon_harness import Daemons, wait_gone

pytestmark = [pytest.mark.integration, pytest.mark.differential]

SCHEMA = "/usr/share/openvswitch/vswitch.ovsschema"


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Daemons, str, str]]:
    """Our test daemon and a real ovsdb-server, each with its socket path.

    Shared by the module's tests: none of the compared commands changes
    anything the others look at."""
    tmp_path = tmp_path_factory.mktemp("vs_ovs")
    d = Daemons(tmp_path)
    db = tmp_path / "conf.db"
    subprocess.run(["ovsdb-tool", "create", str(db), SCHEMA], check=True)
    ovs_ctl = str(tmp_path / "ovs.ctl")
    subprocess.run(
        ["ovsdb-server", "--detach", "--no-chdir", "--pidfile", f"--unixctl={ovs_ctl}",
         "-vconsole:off", str(db)],
        env=d.env, check=True, capture_output=True, timeout=60,
    )
    ovs_pid = int((d.run_dir / "ovsdb-server.pid").read_text())
    ours = d.start("--pidfile", "--unixctl=ours.ctl")
    assert ours.returncode == 0, ours.stderr
    try:
        yield d, str(d.run_dir / "ours.ctl"), ovs_ctl
    finally:
        subprocess.run(["ovs-appctl", "-t", ovs_ctl, "exit"], capture_output=True, timeout=60)
        wait_gone(ovs_pid)
        d.cleanup()


@pytest.mark.parametrize(
    "command",
    [
        ["vlog/list-pattern"],
        ["version", "extra"],
        ["vlog/set", "console:file"],
        ["vlog/set", "info:dbg"],
        ["vlog/reopen"],
        ["no-such-command"],
        ["exit", "now"],
    ],
)
def test_same_answer_as_ovsdb_server(both: tuple[Daemons, str, str], command: list[str]) -> None:
    d, ours, theirs = both
    mine, real = d.appctl(ours, *command), d.appctl(theirs, *command)
    assert mine.returncode == real.returncode
    assert mine.stdout == real.stdout
    # ovs-appctl names the target in its own last line; compare the server's part
    assert mine.stderr.replace(ours, "T") == real.stderr.replace(theirs, "T")


def test_vlog_list_layout_matches(both: tuple[Daemons, str, str]) -> None:
    d, ours, theirs = both
    mine = d.appctl(ours, "vlog/list").stdout.splitlines()
    real = d.appctl(theirs, "vlog/list").stdout.splitlines()
    assert mine[:2] == real[:2]
    real_vlog = next(line for line in real if line.startswith("vlog "))
    mine_vlog = next(line for line in mine if line.startswith("vlog "))
    assert mine_vlog == real_vlog  # both detached: console OFF, syslog and file INFO
