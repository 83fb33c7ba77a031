"""Start pyovn's and OVS's ovsdb-server as processes for integration tests."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYOVN = [sys.executable, "-m", "pyovn"]


@dataclass
class ServerProc:
    proc: subprocess.Popen[bytes]
    sock: Path
    db: Path
    ctl: Path
    log: Path

    @property
    def remote(self) -> str:
        return f"unix:{self.sock}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(10)

    def kill9(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(10)

    def tcp_port(self) -> int:
        """The port a ptcp:0 remote chose, read from the log as a script would."""
        deadline = time.time() + 10
        while time.time() < deadline:
            text = self.log.read_text() if self.log.exists() else ""
            m = re.search(r"listening on port (\d+)", text)
            if m:
                return int(m.group(1))
            time.sleep(0.05)
        raise AssertionError("no 'listening on port' line in the log")


def _accepts(sock: Path) -> bool:
    """Whether a server listens on `sock` (the file exists before listen())."""
    if not sock.exists():
        return False
    probe = socket.socket(socket.AF_UNIX)
    try:
        probe.connect(str(sock))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def create_db(db: Path, schema: str | Path) -> None:
    subprocess.run(["ovsdb-tool", "create", str(db), str(schema)], check=True)


def start(kind: str, workdir: Path, db: Path, extra: list[str] | None = None,
          name: str = "s") -> ServerProc:
    """Start `kind` ("pyovn" or "ovs") serving `db` on a unix socket in workdir."""
    sock = workdir / f"{name}.sock"
    ctl = workdir / f"{name}.ctl"
    log = workdir / f"{name}.log"
    args = [f"--remote=punix:{sock}", f"--unixctl={ctl}", f"--log-file={log}",
            "-vconsole:off", *(extra or []), str(db)]
    if kind == "pyovn":
        cmd = [*PYOVN, "ovsdb-server", *args]
    else:
        cmd = ["ovsdb-server", f"--pidfile={workdir / (name + '.pid')}", *args]
    env = dict(os.environ, OVS_RUNDIR=str(workdir), OVS_LOGDIR=str(workdir),
               OVS_DBDIR=str(workdir))
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    server = ServerProc(proc, sock, db, ctl, log)
    deadline = time.time() + 20
    while not _accepts(sock):
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            raise AssertionError(f"{kind} ovsdb-server exited: {err}")
        if time.time() > deadline:
            server.stop()
            raise AssertionError(f"{kind} ovsdb-server did not start")
        time.sleep(0.02)
    return server
