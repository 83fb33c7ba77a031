"""Where a daemon's files go by default, resolved the way OVS resolves them.

OVS puts ``NAME.pid`` and the control socket ``NAME.<pid>.ctl`` in its run
directory (``$OVS_RUNDIR``, else ``/var/run/openvswitch``) and ``NAME.log`` in
its log directory (``$OVS_LOGDIR``, else ``/var/log/openvswitch``); a relative
``--pidfile``/``--unixctl`` is taken relative to the run directory and a
relative ``--log-file`` relative to the log directory, not to the working
directory. Everything here is pure: the environment and pid come in.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_RUNDIR = "/var/run/openvswitch"
DEFAULT_LOGDIR = "/var/log/openvswitch"


def rundir(env: Mapping[str, str] | None = None) -> str:
    """The OVS run directory: ``$OVS_RUNDIR`` or the packaged default."""
    env = os.environ if env is None else env
    return env.get("OVS_RUNDIR") or DEFAULT_RUNDIR


def logdir(env: Mapping[str, str] | None = None) -> str:
    """The OVS log directory: ``$OVS_LOGDIR`` or the packaged default."""
    env = os.environ if env is None else env
    return env.get("OVS_LOGDIR") or DEFAULT_LOGDIR


def abs_file_name(directory: str, name: str) -> str:
    """``name`` if absolute, else ``directory/name`` (OVS's abs_file_name)."""
    if name.startswith("/"):
        return name
    return f"{directory.rstrip('/')}/{name}"


@dataclass(frozen=True)
class DaemonPaths:
    """A daemon's resolved files; None where the feature is off."""

    pidfile: str | None
    log_file: str | None
    unixctl: str | None


def resolve_paths(
    name: str,
    pidfile: str | None,
    log_file: str | None,
    unixctl: str | None,
    pid: int,
    env: Mapping[str, str] | None = None,
    cwd: str = "/",
) -> DaemonPaths:
    """Resolve option values (None: off, "": default) to absolute paths.

    ``unixctl`` None means the default socket, ``"none"`` means no socket.
    A relative ``$OVS_RUNDIR``/``$OVS_LOGDIR`` is taken relative to ``cwd``
    (the directory the daemon was started in, before ``--detach`` left it).
    """
    run = abs_file_name(cwd, rundir(env))
    log = abs_file_name(cwd, logdir(env))
    pid_path = None
    if pidfile is not None:
        pid_path = abs_file_name(run, pidfile or f"{name}.pid")
    log_path = None
    if log_file is not None:
        log_path = abs_file_name(log, log_file or f"{name}.log")
    if unixctl is None:
        ctl_path: str | None = abs_file_name(run, f"{name}.{pid}.ctl")
    elif unixctl == "none":
        ctl_path = None
    else:
        ctl_path = abs_file_name(run, unixctl)
    return DaemonPaths(pidfile=pid_path, log_file=log_path, unixctl=ctl_path)
