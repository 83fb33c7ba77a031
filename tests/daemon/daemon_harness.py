"""Start pyovn.daemon._testd in temporary run/log directories; kill leftovers."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

NAME = "pyovn-testd"
TESTD = [sys.executable, "-m", "pyovn.daemon._testd"]
_CTL = re.compile(r"\.(\d+)\.ctl$")


def is_gone(pid: int) -> bool:
    """True once ``pid`` has exited (a zombie counts: it no longer runs)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"


def wait_gone(pid: int, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_gone(pid):
            return True
        time.sleep(0.02)
    return False


class Daemons:
    """Runs the test daemon with OVS_RUNDIR/OVS_LOGDIR in a temporary tree."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.run_dir = root / "run"
        self.log_dir = root / "log"
        self.run_dir.mkdir()
        self.log_dir.mkdir()
        self.env = dict(os.environ, OVS_RUNDIR=str(self.run_dir), OVS_LOGDIR=str(self.log_dir))
        self.pids: set[int] = set()
        self.foreground: list[subprocess.Popen[str]] = []

    @property
    def pidfile(self) -> Path:
        return self.run_dir / f"{NAME}.pid"

    @property
    def log_file(self) -> Path:
        return self.log_dir / f"{NAME}.log"

    def start(self, *args: str) -> subprocess.CompletedProcess[str]:
        """Run ``_testd --detach ARGS`` and wait for the parent to return."""
        result = subprocess.run(
            [*TESTD, "--detach", *args], env=self.env, cwd=self.root,
            capture_output=True, text=True, timeout=60,
        )
        self._note_pids()
        return result

    def popen(self, *args: str) -> subprocess.Popen[str]:
        """Run ``_testd ARGS`` in the foreground."""
        proc = subprocess.Popen(
            [*TESTD, *args], env=self.env, cwd=self.root, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        self.foreground.append(proc)
        self.pids.add(proc.pid)
        return proc

    def appctl(self, target: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["ovs-appctl", "-T", "30", "-t", target, *args], env=self.env,
            capture_output=True, text=True, timeout=60,
        )

    def pid(self) -> int:
        return int(self.pidfile.read_text())

    def ctl_path(self, pid: int) -> Path:
        return self.run_dir / f"{NAME}.{pid}.ctl"

    def _note_pids(self) -> None:
        for ctl in self.run_dir.glob("*.ctl"):
            match = _CTL.search(ctl.name)
            if match:
                self.pids.add(int(match.group(1)))
        with contextlib.suppress(OSError, ValueError):
            self.pids.add(int(self.pidfile.read_text()))

    def cleanup(self) -> None:
        self._note_pids()
        for pid in self.pids:
            if is_gone(pid):
                continue
            with contextlib.suppress(OSError):
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                if b"pyovn.daemon._testd" in cmdline:
                    os.killpg(pid, signal.SIGKILL)  # detached: it leads its own group
        for proc in self.foreground:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=30)
