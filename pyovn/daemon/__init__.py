"""OVS-compatible daemon plumbing shared by every pyovn daemon.

Every pyovn daemon (``ovsdb-server``, ``ovn-northd``, ``ovn-controller``)
behaves like its OVS/OVN namesake towards init scripts and operators: the same
daemon options (``--detach``, ``--pidfile[=F]``, ``--log-file[=F]``,
``--unixctl=PATH``, ``--no-chdir``, ``--monitor``, ``--overwrite-pidfile``,
``-v``/``--verbose[=SPEC]``, ``-V``/``--version``, ``-h``/``--help``), the same
default file locations, the same log line format and a unixctl socket that
the real ``ovs-appctl`` talks to.

Using it from a daemon's CLI module (e.g. ``pyovn/cli/ovsdb_server.py``)::

    import click
    from pyovn.daemon import Daemon, DaemonOptions, daemon_options, run_daemon

    @daemon_options("ovsdb-server")          # outermost: wraps the command
    @click.command()
    @click.option("--remote", multiple=True)
    @click.argument("databases", nargs=-1)
    def command(remote, databases, daemon: DaemonOptions) -> None:
        async def serve(d: Daemon) -> None:
            server = await start_my_server(...)            # open sockets
            d.register_command("ovsdb-server/list-remotes", list_remotes)
            d.ready()                 # --detach parent returns now, exit 0
            await d.wait_exit()       # `ovs-appctl exit`, SIGTERM, SIGINT
            await server.close()
        raise SystemExit(run_daemon(daemon, serve))

API
---
``daemon_options(name, version=None)``
    Decorator for a ``click.Command`` (put it *above* ``@click.command``).
    Adds the daemon and logging options, ``-h``/``--help`` and
    ``-V``/``--version``, parses ``-v``/``-vSPEC``/``--verbose[=SPEC]``,
    ``--pidfile[=F]`` and ``--log-file[=F]`` with getopt's optional-argument
    rules (a value only when attached), validates ``-v`` specs (bad spec:
    ``NAME: processing "SPEC": reason`` on stderr, exit 1) and passes one
    keyword argument ``daemon: DaemonOptions`` to the callback.

``DaemonOptions`` (frozen dataclass)
    ``name`` (OVS program name), ``version`` (text of ``version``), ``detach``,
    ``no_chdir``, ``monitor``, ``pidfile`` / ``log_file`` (None: not asked
    for; ``""``: asked for without a value, i.e. the default file; otherwise
    the value given), ``unixctl`` (None: default ``NAME.<pid>.ctl``;
    ``"none"``: no control socket), ``overwrite_pidfile``, ``verbose`` (the
    ``-v`` specs in order, ``""`` for a bare ``-v``).
    ``DaemonOptions.parse(name, argv)`` builds one from an argument list
    without click (handy for tests and small tools).

``run_daemon(options, serve) -> int``
    Detaches if asked (the parent returns only when ``serve`` calls
    ``Daemon.ready()``, printing nothing; if start-up fails it prints the
    child's error on stderr and exits 1), sets up logging, writes the pidfile
    (refusing if a live process holds it, unless ``--overwrite-pidfile``),
    opens the unixctl socket, installs SIGTERM/SIGINT (graceful exit) and
    SIGHUP (reopen log file) handlers, runs ``await serve(daemon)`` in an
    asyncio loop, then removes the pidfile and socket. Returns the exit
    status (0 on a clean exit, 1 on start-up failure).  ``serve`` returning
    ends the daemon; raising ``DaemonError`` reports its message as one line.

A detached daemon changes to ``/`` when it calls ``ready()`` (as OVS does at
daemonize_complete), unless ``--no-chdir``: relative paths from the command
line work during start-up, but keep absolute paths for later use.

``Daemon`` (what ``serve`` receives)
    ``name``, ``options``, ``paths: DaemonPaths`` (resolved ``pidfile``,
    ``log_file``, ``unixctl`` paths or None), ``ready()``, ``request_exit()``,
    ``await wait_exit()``, ``exiting: bool``,
    ``register_command(name, handler, usage="", min_args=0, max_args=0)``
    where ``handler(args: list[str]) -> str`` (or an async function returning
    str) and raises ``UnixctlError(message)`` to make ``ovs-appctl`` print the
    message and exit 2; ``add_memory_reporter(fn)`` where ``fn() -> dict[str,
    int]`` feeds ``memory/show``. For unit tests of a daemon's commands:
    ``d = Daemon.standalone("ovsdb-server")`` (no files, no socket) and
    ``await d.run_command("ovsdb-server/list-dbs")``.

Built-in unixctl commands: ``exit``, ``version``, ``list-commands`` (also
``help``), ``vlog/list``, ``vlog/set SPEC...``, ``vlog/reopen``,
``vlog/close``, ``vlog/list-pattern``, ``vlog/disable-rate-limit
[module]...``, ``vlog/enable-rate-limit [module]...``, ``memory/show``.
A daemon may replace any of them with ``register_command`` (e.g. an
``exit`` that takes ``--restart``). Replies follow OVS: non-empty text gets
a trailing newline; ``UnixctlError`` texts reach ovs-appctl's stderr.

Logging (``pyovn.daemon.vlog``)
    A vlog *module* is a Python logger's last dotted component
    (``pyovn.ovsdb.jsonrpc`` is module ``jsonrpc``);
    ``get_logger("ovsdb_server")`` returns ``logging.getLogger
    ("pyovn.ovsdb_server")``. Destinations ``console`` (stderr, default INFO,
    OFF once detached), ``file`` (default INFO, only with ``--log-file``) and
    ``syslog`` (levels kept for compatibility, nothing is sent). Levels
    off/emer/err/warn/info/dbg map to Python's CRITICAL+1/CRITICAL/ERROR/
    WARNING/INFO/DEBUG. File lines look like
    ``2026-12-02T17:14:19.123Z|00001|module|INFO|message``.
    ``RateLimiter(rate_per_minute, burst)`` with ``.log(logger, level, msg,
    *args)`` limits hot-path messages like OVS's VLOG_RATE_LIMIT.

Client (``pyovn.daemon.appctl``): ``await call(target, command, args,
env=None) -> str`` and ``call_sync(...)`` do what ``ovs-appctl -t TARGET``
does (TARGET a socket path or a program name found through its pidfile);
error replies raise ``UnixctlError``, unreachable daemons ``DaemonError``.

Paths (``pyovn.daemon.paths``): ``$OVS_RUNDIR`` (default
``/var/run/openvswitch``) holds ``NAME.pid`` and ``NAME.<pid>.ctl``;
``$OVS_LOGDIR`` (default ``/var/log/openvswitch``) holds ``NAME.log``.
Relative ``--pidfile``/``--unixctl`` values resolve against the run
directory and ``--log-file`` against the log directory, as in OVS.
"""

from pyovn.daemon.errors import DaemonError, PidfileError, UnixctlError, VlogSpecError
from pyovn.daemon.options import DaemonOptions, daemon_options, normalize_argv
from pyovn.daemon.paths import DaemonPaths, logdir, resolve_paths, rundir
from pyovn.daemon.ratelimit import RateLimiter
from pyovn.daemon.runner import Daemon, run_daemon
from pyovn.daemon.vlog import Vlog, get_logger
from pyovn.daemon.vlog_spec import Level

__all__ = [
    "Daemon",
    "DaemonError",
    "DaemonOptions",
    "DaemonPaths",
    "Level",
    "PidfileError",
    "RateLimiter",
    "UnixctlError",
    "Vlog",
    "VlogSpecError",
    "daemon_options",
    "get_logger",
    "logdir",
    "normalize_argv",
    "resolve_paths",
    "rundir",
    "run_daemon",
]
