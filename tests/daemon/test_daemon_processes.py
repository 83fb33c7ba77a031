"""The test daemon under real OVS tools: --detach, pidfiles, ovs-appctl, logs."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from daemon_harness import NAME, TESTD, Daemons, wait_gone
from test_daemon_pidfile import lock_holder

pytestmark = pytest.mark.integration

FILE_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|\d{5}\|[\w-]+\|[A-Z]+\|.*$")


@pytest.fixture
def daemons(tmp_path: Path) -> Iterator[Daemons]:
    d = Daemons(tmp_path)
    try:
        yield d
    finally:
        d.cleanup()


def started(d: Daemons, *args: str) -> int:
    result = d.start("--pidfile", *args)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    return d.pid()


def stop(d: Daemons, pid: int) -> None:
    assert d.appctl(NAME, "exit").returncode == 0
    assert wait_gone(pid)


def test_detach_returns_once_serving_and_prints_nothing(daemons: Daemons) -> None:
    result = daemons.start("--pidfile", "--log-file")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    pid = daemons.pid()
    # no waiting: the parent returned only after these existed
    assert daemons.ctl_path(pid).exists()
    assert daemons.pidfile.read_text() == f"{pid}\n"
    # the serving process holds the pidfile lock, which is what ovs-appctl checks
    assert lock_holder(daemons.pidfile) == pid
    assert FILE_LINE.match(daemons.log_file.read_text().splitlines()[0])
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    assert os.getsid(pid) == pid
    stop(daemons, pid)


def test_appctl_by_name_then_exit_removes_files(daemons: Daemons) -> None:
    pid = started(daemons)
    version = daemons.appctl(NAME, "version")
    assert (version.returncode, version.stdout) == (0, f"{NAME} (pyovn) 0.1.0\n")
    commands = daemons.appctl(NAME, "list-commands").stdout
    for name in ("exit", "version", "vlog/list", "vlog/set", "vlog/reopen", "memory/show",
                 "vlog/disable-rate-limit", "vlog/list-pattern", "vlog/close",
                 "test/echo"):
        assert f"\n  {name} " in commands
    assert daemons.appctl(NAME, "help").stdout == commands
    assert daemons.appctl(NAME, "test/echo", "a", "b c").stdout == "a b c\n"
    assert re.fullmatch(r"(\S+:\d+ ?)+\n", daemons.appctl(NAME, "memory/show").stdout)
    result = daemons.appctl(NAME, "exit")
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    assert wait_gone(pid)
    assert not daemons.pidfile.exists()
    assert not daemons.ctl_path(pid).exists()


def test_appctl_by_socket_path_relative_unixctl(daemons: Daemons) -> None:
    pid = started(daemons, "--unixctl=my.ctl", "--no-chdir")
    socket_path = daemons.run_dir / "my.ctl"
    assert socket_path.exists() and not daemons.ctl_path(pid).exists()
    assert os.readlink(f"/proc/{pid}/cwd") == str(daemons.root)
    assert daemons.appctl(str(socket_path), "version").returncode == 0
    assert daemons.appctl(str(socket_path), "exit").returncode == 0
    assert wait_gone(pid)
    assert not socket_path.exists() and not daemons.pidfile.exists()


def test_long_socket_path_works_with_ovs_appctl(daemons: Daemons) -> None:
    deep = daemons.root / ("x" * 70) / ("y" * 70)
    deep.mkdir(parents=True)
    socket_path = str(deep / "t.ctl")
    pid = started(daemons, f"--unixctl={socket_path}")
    assert daemons.appctl(socket_path, "test/echo", "long").stdout == "long\n"
    assert daemons.appctl(socket_path, "exit").returncode == 0
    assert wait_gone(pid)


def test_appctl_errors_exit_2_with_message(daemons: Daemons) -> None:
    pid = started(daemons)
    failed = daemons.appctl(NAME, "test/fail", "disk on fire")
    assert failed.returncode == 2 and failed.stdout == ""
    assert failed.stderr.startswith("disk on fire\n")
    assert "server returned an error" in failed.stderr
    unknown = daemons.appctl(NAME, "no/such")
    assert unknown.returncode == 2
    assert unknown.stderr.startswith('"no/such" is not a valid command')
    bad_spec = daemons.appctl(NAME, "vlog/set", "console:file")
    assert bad_spec.returncode == 2
    assert bad_spec.stderr.startswith("cannot specify multiple destinations\n")
    too_many = daemons.appctl(NAME, "version", "extra")
    assert too_many.stderr.startswith('"version" command takes at most 0 arguments')
    stop(daemons, pid)


def test_vlog_set_changes_levels(daemons: Daemons) -> None:
    pid = started(daemons, "--log-file", "-vtestd:file:warn")
    listing = daemons.appctl(NAME, "vlog/list").stdout
    # detached: console is off everywhere, as OVS does
    assert "\ntestd              OFF       INFO       WARN\n" in listing
    daemons.appctl(NAME, "test/log", "testd", "info", "before-set")
    assert daemons.appctl(NAME, "vlog/set", "testd:file:dbg").returncode == 0
    listing = daemons.appctl(NAME, "vlog/list").stdout
    assert "\ntestd              OFF       INFO        DBG\n" in listing
    daemons.appctl(NAME, "test/log", "testd", "debug", "after-set")
    assert daemons.appctl(NAME, "vlog/set", "file:off").returncode == 0
    daemons.appctl(NAME, "test/log", "testd", "error", "after-off")
    text = daemons.log_file.read_text()
    assert "before-set" not in text and "after-off" not in text
    assert "|testd|DBG|after-set\n" in text
    assert daemons.appctl(NAME, "vlog/set").returncode == 0  # no spec: all dbg
    assert "\ntestd              DBG        DBG        DBG\n" in daemons.appctl(
        NAME, "vlog/list"
    ).stdout
    stop(daemons, pid)


def test_log_file_relative_name_and_format(daemons: Daemons) -> None:
    pid = started(daemons, "--log-file=other.log")
    stop(daemons, pid)
    lines = (daemons.log_dir / "other.log").read_text().splitlines()
    assert all(FILE_LINE.match(line) for line in lines), lines
    numbers = [line.split("|", 2)[1] for line in lines]
    assert numbers == [f"{i:05d}" for i in range(1, len(lines) + 1)]
    assert lines[0].endswith(f"|vlog|INFO|opened log file {daemons.log_dir}/other.log")
    assert lines[1].endswith(f"|testd|INFO|{NAME} started")
    assert lines[-1].endswith(f"|testd|INFO|{NAME} exiting")


def test_sighup_and_vlog_reopen_follow_rotation(daemons: Daemons) -> None:
    pid = started(daemons, "--log-file")
    rotated = daemons.log_dir / "rotated.log"
    os.rename(daemons.log_file, rotated)
    os.kill(pid, signal.SIGHUP)
    for _ in range(500):  # the signal is handled asynchronously
        if daemons.log_file.exists():
            break
        time.sleep(0.01)
    daemons.appctl(NAME, "test/log", "testd", "info", "after-hup")
    assert "|vlog|INFO|closing log file" in rotated.read_text()
    assert "after-hup" in daemons.log_file.read_text()
    os.rename(daemons.log_file, rotated)
    assert daemons.appctl(NAME, "vlog/reopen").returncode == 0
    daemons.appctl(NAME, "test/log", "testd", "info", "after-reopen")
    assert "opened log file" in daemons.log_file.read_text()
    assert "after-reopen" in daemons.log_file.read_text()
    stop(daemons, pid)


def test_vlog_reopen_without_log_file_is_an_error(daemons: Daemons) -> None:
    pid = started(daemons)
    result = daemons.appctl(NAME, "vlog/reopen")
    assert result.returncode == 2
    assert result.stderr.startswith("Logging to file not configured\n")
    stop(daemons, pid)


def test_stale_pidfile_of_dead_process_is_replaced(daemons: Daemons) -> None:
    dead = subprocess.Popen(["true"])
    dead.wait()
    daemons.pidfile.write_text(f"{dead.pid}\n")
    pid = started(daemons)
    assert pid != dead.pid and lock_holder(daemons.pidfile) == pid
    stop(daemons, pid)


def test_live_pidfile_refuses_unless_overwrite(daemons: Daemons) -> None:
    first = started(daemons)
    second = daemons.start("--pidfile")
    assert second.returncode == 1 and second.stdout == ""
    assert second.stderr == (
        f"{NAME}: {daemons.pidfile}: already running as pid {first}, aborting\n"
    )
    assert daemons.pid() == first
    assert daemons.appctl(NAME, "version").returncode == 0
    third = daemons.start("--pidfile", "--overwrite-pidfile")
    assert third.returncode == 0
    newest = daemons.pid()
    assert newest != first and lock_holder(daemons.pidfile) == newest
    stop(daemons, newest)  # ovs-appctl -t NAME reaches the pidfile's owner
    os.kill(first, signal.SIGTERM)
    assert wait_gone(first)


def test_startup_failure_reaches_the_parent(daemons: Daemons) -> None:
    result = daemons.start("--pidfile", "--log-file", "--fail-startup=no database here")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == f"{NAME}: no database here\n"
    assert list(daemons.run_dir.iterdir()) == []  # pidfile and socket removed
    assert daemons.log_file.read_text().endswith("|daemon|ERR|no database here\n")


def test_child_dying_silently_is_reported(daemons: Daemons) -> None:
    result = daemons.start("--crash-startup")
    assert result.returncode == 1
    assert result.stderr == f"{NAME}: fork child died before signaling startup (exit status 3)\n"


def test_bad_log_file_fails_start_up(daemons: Daemons) -> None:
    result = daemons.start("--log-file=/nonexistent-dir/x.log")
    assert result.returncode == 1
    assert result.stderr.startswith(f"{NAME}: could not open log file /nonexistent-dir/x.log")


def test_sigterm_is_a_clean_exit(daemons: Daemons) -> None:
    pid = started(daemons, "--log-file")
    os.kill(pid, signal.SIGTERM)
    assert wait_gone(pid)
    assert not daemons.pidfile.exists() and not daemons.ctl_path(pid).exists()
    assert daemons.log_file.read_text().splitlines()[-1].endswith(f"{NAME} exiting")


def wait_for(path: Path) -> None:
    for _ in range(1500):
        if path.exists():
            return
        time.sleep(0.01)
    raise AssertionError(f"{path} never appeared")


def test_foreground_console_logging_and_sigint(daemons: Daemons) -> None:
    proc = daemons.popen("--pidfile", "-vunixctl:console:dbg")
    wait_for(daemons.ctl_path(proc.pid))
    wait_for(daemons.pidfile)
    daemons.appctl(NAME, "test/log", "testd", "warn", "careful")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0 and out == ""
    lines = err.splitlines()
    assert all(re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\|\d{5}\|", line) for line in lines), err
    assert any(line.endswith("|testd|WARN|careful") for line in lines)
    assert any("|unixctl|DBG|received request test/log" in line for line in lines)
    assert not daemons.pidfile.exists()


def test_foreground_console_off_and_bad_spec(daemons: Daemons) -> None:
    proc = daemons.popen("-vconsole:off")
    ctl = daemons.ctl_path(proc.pid)
    wait_for(ctl)
    daemons.appctl(str(ctl), "test/log", "testd", "error", "hidden")
    assert daemons.appctl(str(ctl), "exit").returncode == 0
    assert proc.communicate(timeout=30) == ("", "")
    bad = subprocess.run([*TESTD, "-vnope:console:file"], env=daemons.env, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 1
    assert bad.stderr == (
        f'{NAME}: processing "nope:console:file": cannot specify multiple destinations\n'
    )


def test_python_appctl_client(daemons: Daemons) -> None:
    from pyovn.daemon import appctl
    from pyovn.daemon.errors import DaemonError, UnixctlError

    pid = started(daemons)
    env = daemons.env
    assert appctl.resolve_target(NAME, env) == str(daemons.ctl_path(pid))
    assert appctl.call_sync(NAME, "test/echo", ["x", "y"], env) == "x y\n"
    with pytest.raises(UnixctlError, match="^boom\n$"):
        appctl.call_sync(NAME, "test/fail", ["boom"], env)
    assert appctl.call_sync(str(daemons.ctl_path(pid)), "exit") == ""
    assert wait_gone(pid)
    with pytest.raises(DaemonError, match="cannot read pidfile"):
        appctl.call_sync(NAME, "version", env=env)


def test_relative_paths_work_during_start_up(daemons: Daemons) -> None:
    # like `ovsdb-server --detach conf.db`: the working directory changes to /
    # only once the daemon is ready (OVS's daemonize_complete)
    (daemons.root / "input.txt").write_text("hello")
    pid = started(daemons, "--read-at-startup=input.txt")
    assert os.readlink(f"/proc/{pid}/cwd") == "/"
    assert daemons.appctl(NAME, "test/echo", "up").stdout == "up\n"
    stop(daemons, pid)
    missing = daemons.start("--read-at-startup=absent.txt")
    assert missing.returncode == 1 and "absent.txt" in missing.stderr
