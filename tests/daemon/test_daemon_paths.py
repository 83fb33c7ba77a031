"""Default file locations and OVS's relative-path rules."""

from __future__ import annotations

from pyovn.daemon.paths import DaemonPaths, logdir, resolve_paths, rundir

ENV = {"OVS_RUNDIR": "/r", "OVS_LOGDIR": "/l"}


def test_default_directories() -> None:
    assert rundir({}) == "/var/run/openvswitch"
    assert logdir({}) == "/var/log/openvswitch"
    assert rundir(ENV) == "/r" and logdir(ENV) == "/l"


def test_defaults_use_program_name_and_pid() -> None:
    paths = resolve_paths("ovsdb-server", "", "", None, pid=77, env=ENV)
    assert paths == DaemonPaths(
        "/r/ovsdb-server.pid", "/l/ovsdb-server.log", "/r/ovsdb-server.77.ctl"
    )


def test_off_when_not_asked() -> None:
    paths = resolve_paths("ovn-northd", None, None, "none", pid=1, env={})
    assert paths == DaemonPaths(None, None, None)


def test_relative_values_resolve_against_run_and_log_dirs() -> None:
    paths = resolve_paths("x", "sub/x.pid", "x.log", "my.ctl", pid=1, env=ENV)
    assert paths == DaemonPaths("/r/sub/x.pid", "/l/x.log", "/r/my.ctl")


def test_absolute_values_are_kept() -> None:
    paths = resolve_paths("x", "/a/p", "/b/l", "/c/s", pid=1, env=ENV)
    assert paths == DaemonPaths("/a/p", "/b/l", "/c/s")


def test_relative_directories_resolve_against_start_directory() -> None:
    env = {"OVS_RUNDIR": "run", "OVS_LOGDIR": "logs/"}
    paths = resolve_paths("x", "", "", None, pid=5, env=env, cwd="/home/me")
    assert paths == DaemonPaths("/home/me/run/x.pid", "/home/me/logs/x.log", "/home/me/run/x.5.ctl")
