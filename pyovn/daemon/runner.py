"""``run_daemon``: the life of a pyovn daemon, from options to clean exit.

Order matters and follows OVS: set up logging; fork if ``--detach`` (before
any event loop exists); in the process that will serve, open the log file and
create the pidfile (its lock belongs to the serving pid); start the asyncio
loop, open the unixctl socket (named after the serving pid), install signal
handlers and run the daemon's ``serve``. ``serve`` calls ``Daemon.ready()``
once it accepts connections, which releases the ``--detach`` parent. On exit
(``ovs-appctl exit``, SIGTERM, SIGINT or ``serve`` returning) the socket and
pidfile are removed.
"""

from __future__ import annotations

import asyncio
import os
import resource
import signal
import sys
import traceback
from collections.abc import Awaitable, Callable

from pyovn.daemon import ratelimit
from pyovn.daemon.detach import StartupNotifier, detach, foreground
from pyovn.daemon.errors import DaemonError, UnixctlError
from pyovn.daemon.options import DaemonOptions
from pyovn.daemon.paths import DaemonPaths, resolve_paths
from pyovn.daemon.pidfile import Pidfile
from pyovn.daemon.unixctl import CommandTable, Handler, UnixctlServer
from pyovn.daemon.vlog import Vlog, get_logger
from pyovn.daemon.vlog_spec import Level

log = get_logger("daemon")

MemoryReporter = Callable[[], dict[str, int]]


class Daemon:
    """What a daemon's ``serve`` gets: its paths, commands and exit signal."""

    def __init__(
        self,
        options: DaemonOptions,
        paths: DaemonPaths,
        vlog: Vlog,
        notifier: StartupNotifier,
    ) -> None:
        self.name = options.name
        self.options = options
        self.paths = paths
        self.vlog = vlog
        self.commands = CommandTable()
        self._notifier = notifier
        self._exit = asyncio.Event()
        self._memory_reporters: list[MemoryReporter] = []
        self.is_ready = False
        _register_builtins(self)

    @classmethod
    def standalone(cls, name: str) -> Daemon:
        """A Daemon with no files, socket or detaching: for unit tests of a
        daemon's commands (``await d.run_command("x/y", "arg")``)."""
        no_files = DaemonPaths(None, None, None)
        return cls(DaemonOptions(name=name), no_files, Vlog(name), foreground())

    async def run_command(self, name: str, *args: str) -> str:
        """Run a unixctl command as ovs-appctl would; raises UnixctlError."""
        return await self.commands.dispatch(name, args)

    # -- for serve -----------------------------------------------------
    def ready(self) -> None:
        """Declare that the daemon serves: a ``--detach`` parent exits 0.

        A detached daemon also moves to ``/`` now (unless ``--no-chdir``), so
        paths it keeps using must be absolute by then."""
        if not self.is_ready:
            self.is_ready = True
            self._notifier.ready()

    def request_exit(self) -> None:
        self._exit.set()

    @property
    def exiting(self) -> bool:
        return self._exit.is_set()

    async def wait_exit(self) -> None:
        await self._exit.wait()

    def register_command(
        self, name: str, handler: Handler, usage: str = "", min_args: int = 0, max_args: int = 0
    ) -> None:
        """Add (or replace) a unixctl command."""
        self.commands.register(name, handler, usage, min_args, max_args)

    def add_memory_reporter(self, reporter: MemoryReporter) -> None:
        self._memory_reporters.append(reporter)

    # -- built-ins -----------------------------------------------------
    def memory_text(self) -> str:
        counts: dict[str, int] = {}
        for reporter in self._memory_reporters:
            counts.update(reporter())
        if not counts:
            counts["rss-kB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return " ".join(f"{k}:{v}" for k, v in counts.items())

    def reopen_log(self) -> None:
        try:
            self.vlog.reopen_log_file()
        except DaemonError as e:
            log.warning("%s", e)


def _register_builtins(d: Daemon) -> None:
    def exit_command(args: list[str]) -> str:
        d.request_exit()
        return ""

    def vlog_set(args: list[str]) -> str:
        for spec in args or [""]:  # no spec: everything to dbg, as in OVS
            try:
                d.vlog.set(spec)
            except DaemonError as e:
                raise UnixctlError(str(e)) from e
        return ""

    def vlog_reopen(args: list[str]) -> str:
        try:
            d.vlog.reopen_log_file()
        except DaemonError as e:
            raise UnixctlError(str(e)) from e
        return ""

    def vlog_close(args: list[str]) -> str:
        d.vlog.close_log_file()
        return ""

    def rate_limit(disabled: bool) -> Handler:
        def handler(args: list[str]) -> str:
            ratelimit.SWITCHES.set([a.lower() for a in args], disabled)
            return ""

        return handler

    builtins: list[tuple[str, Handler, str, int, int]] = [
        ("exit", exit_command, "", 0, 0),
        ("version", lambda args: d.options.version, "", 0, 0),
        ("list-commands", lambda args: d.commands.list_text(), "", 0, 0),
        ("help", lambda args: d.commands.list_text(), "", 0, 0),
        ("vlog/list", lambda args: d.vlog.format_list(), "", 0, 0),
        ("vlog/list-pattern", lambda args: d.vlog.format_patterns(), "", 0, 0),
        ("vlog/set", vlog_set, "{spec | PATTERN:destination:pattern}", 0, 1 << 30),
        ("vlog/reopen", vlog_reopen, "", 0, 0),
        ("vlog/close", vlog_close, "", 0, 0),
        ("vlog/disable-rate-limit", rate_limit(True), "[module]...", 0, 1 << 30),
        ("vlog/enable-rate-limit", rate_limit(False), "[module]...", 0, 1 << 30),
        ("memory/show", lambda args: d.memory_text(), "", 0, 0),
    ]
    for name, handler, usage, low, high in builtins:
        d.register_command(name, handler, usage, low, high)


Serve = Callable[[Daemon], Awaitable[None]]


def run_daemon(options: DaemonOptions, serve: Serve) -> int:
    """Run ``serve`` as an OVS-style daemon; returns the exit status."""
    vlog = Vlog(options.name)
    vlog.install()
    try:
        for spec in options.verbose:
            try:
                vlog.set(spec)
            except DaemonError as e:
                print(f'{options.name}: processing "{spec}": {e}', file=sys.stderr)
                return 1
        start_dir = os.getcwd()
        if options.detach:
            notifier = detach(options.name, options.no_chdir)
            # stderr is the terminal until ready(), then /dev/null: keep quiet.
            vlog.set_level(None, "console", Level.OFF)
        else:
            notifier = foreground()
        return _run_serving(options, serve, vlog, notifier, start_dir)
    finally:
        vlog.uninstall()


def _run_serving(
    options: DaemonOptions, serve: Serve, vlog: Vlog, notifier: StartupNotifier, start_dir: str
) -> int:
    pidfile: Pidfile | None = None
    try:
        paths = resolve_paths(
            options.name,
            options.pidfile,
            options.log_file,
            options.unixctl,
            pid=os.getpid(),
            cwd=start_dir,
        )
        if paths.log_file is not None:
            vlog.open_log_file(paths.log_file)
        if paths.pidfile is not None:
            pidfile = Pidfile.create(paths.pidfile, options.overwrite_pidfile)
        return asyncio.run(_main(options, paths, vlog, notifier, serve))
    except DaemonError as e:
        _report_failure(vlog, options.name, str(e), notifier)
        return 1
    finally:
        if pidfile is not None:
            pidfile.remove()


def _report_failure(vlog: Vlog, name: str, message: str, notifier: StartupNotifier) -> None:
    """One line to whoever started us; the log file gets it too."""
    vlog.write_file_only("daemon", Level.ERR, message)
    line = f"{name}: {message}"
    if notifier.detached:
        notifier.failed(line)
    else:
        print(line, file=sys.stderr)


async def _main(
    options: DaemonOptions,
    paths: DaemonPaths,
    vlog: Vlog,
    notifier: StartupNotifier,
    serve: Serve,
) -> int:
    daemon = Daemon(options, paths, vlog, notifier)
    loop = asyncio.get_running_loop()
    server = UnixctlServer(paths.unixctl, daemon.commands) if paths.unixctl else None
    if server is not None:
        await server.start()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, daemon.request_exit)
    loop.add_signal_handler(signal.SIGHUP, daemon.reopen_log)
    try:
        await serve(daemon)
    except DaemonError:
        raise
    except Exception as e:
        # The traceback goes to the log file only: the console gets one line.
        vlog.write_file_only("daemon", Level.ERR, traceback.format_exc().rstrip())
        raise DaemonError(f"unexpected error: {type(e).__name__}: {e}") from e
    finally:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(signum)
        if server is not None:
            await server.close()
    daemon.ready()  # serve returned without declaring itself ready: still success
    return 0
