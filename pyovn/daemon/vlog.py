"""OVS-style logging (vlog) on top of Python's ``logging``.

Theory of operation: one ``Vlog`` object per process owns a single handler
on the root logger. For each record it finds the vlog *module* (the logger
name's last dotted component: ``pyovn.ovsdb.jsonrpc`` -> ``jsonrpc``),
looks up that module's level for each destination in a ``VlogLevels`` table
and writes one line per destination that wants it: console (stderr) and the
log file; syslog levels are kept for ``vlog/list`` only. Every written record
gets the next message number (``%05N``), shared by all destinations as in
OVS. Logger levels are kept at the most verbose level any destination wants,
so disabled debug calls stay cheap (``logger.isEnabledFor`` says no).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from typing import TextIO

from pyovn.daemon.errors import DaemonError, VlogSpecError
from pyovn.daemon.vlog_pattern import (
    CONSOLE_PATTERN,
    FILE_PATTERN,
    SYSLOG_PATTERN,
    LineFields,
    Part,
    compile_pattern,
    render,
)
from pyovn.daemon.vlog_spec import (
    DESTINATIONS,
    FacilitySetting,
    Level,
    LevelSetting,
    PatternSetting,
    VlogLevels,
    parse_spec,
)

LOGGER_PREFIX = "pyovn."
SYSLOG_PREFIX = "<%B> %D{%h %e %T} %E %A:"  # shown by vlog/list-pattern only


def get_logger(module: str) -> logging.Logger:
    """The logger for vlog module ``module`` (``pyovn.MODULE``)."""
    return logging.getLogger(LOGGER_PREFIX + module)


def module_of(logger_name: str) -> str:
    """The vlog module a logger writes as: its last dotted component."""
    return logger_name.rsplit(".", 1)[-1]


log = get_logger("vlog")


class Vlog:
    """Per-process vlog state: levels, patterns, console and log file."""

    def __init__(self, program: str, console: TextIO | None = None) -> None:
        self.program = program
        self.levels = VlogLevels()
        self.patterns: dict[str, str] = {
            "console": CONSOLE_PATTERN,
            "file": FILE_PATTERN,
            "syslog": SYSLOG_PATTERN,
        }
        self._compiled: dict[str, tuple[Part, ...]] = {
            d: compile_pattern(p) for d, p in self.patterns.items()
        }
        self._console = console
        self.log_file: str | None = None
        self._file: TextIO | None = None
        self._seq = 0
        self._start = time.time()
        self._host = socket.gethostname()
        self._handler = _VlogHandler(self)
        self._saved: tuple[list[logging.Handler], int] | None = None
        self._saved_logger_class: type[logging.Logger] = logging.Logger

    # -- configuration -------------------------------------------------
    def install(self) -> None:
        """Attach to the root logger, replacing its handlers until uninstall()."""
        root = logging.getLogger()
        self._saved = (list(root.handlers), root.level)
        for handler in self._saved[0]:
            root.removeHandler(handler)
        root.addHandler(self._handler)
        self._saved_logger_class = logging.getLoggerClass()
        _VlogLogger.active = self
        logging.setLoggerClass(_VlogLogger)
        # Python warnings would otherwise go straight to stderr, which a
        # detaching daemon must keep silent.
        logging.captureWarnings(True)
        self._sync_logger_levels()

    def uninstall(self) -> None:
        """Detach from the root logger, restore its handlers, close the file."""
        root = logging.getLogger()
        root.removeHandler(self._handler)
        logging.captureWarnings(False)
        if _VlogLogger.active is self:
            _VlogLogger.active = None
            logging.setLoggerClass(self._saved_logger_class)
        if self._saved is not None:
            handlers, level = self._saved
            for handler in handlers:
                root.addHandler(handler)
            root.setLevel(level)
            self._saved = None
        for logger in _pyovn_loggers():
            logger.setLevel(logging.NOTSET)
        self.close_log_file()

    def set(self, spec: str) -> None:
        """Apply one ``-v``/``vlog/set`` spec; raises VlogSpecError."""
        setting = parse_spec(spec)
        if isinstance(setting, LevelSetting):
            self.levels.apply(setting)
            self._sync_logger_levels()
        elif isinstance(setting, PatternSetting):
            self.patterns[setting.destination] = setting.pattern
            self._compiled[setting.destination] = compile_pattern(setting.pattern)
        elif isinstance(setting, FacilitySetting):
            pass  # nothing goes to syslog, so the facility changes nothing

    def set_level(self, module: str | None, destination: str | None, level: Level) -> None:
        self.levels.apply(LevelSetting(module, destination, level))
        self._sync_logger_levels()

    def modules(self) -> list[str]:
        """Modules that exist now: pyovn loggers plus explicitly set ones."""
        names = {module_of(logger.name) for logger in _pyovn_loggers()}
        return sorted(names | set(self.levels.modules))

    def format_list(self) -> str:
        return self.levels.format_list(self.modules())

    def format_patterns(self) -> str:
        """``vlog/list-pattern`` output."""
        lines = [
            "         prefix                            format\n",
            "         ------                            ------\n",
        ]
        for destination in ("syslog", "console", "file"):
            prefix = SYSLOG_PREFIX if destination == "syslog" else "none"
            lines.append(f"{destination.upper():<9}{prefix:<34}{self.patterns[destination]}\n")
        return "".join(lines)

    def module_python_level(self, module: str) -> int:
        """The level a module's logger needs: its most verbose destination."""
        return self.levels.most_verbose(module).python_level

    def _sync_logger_levels(self) -> None:
        # pyovn loggers get exactly what their module needs (new ones through
        # _VlogLogger); others inherit the root level, the most verbose any
        # module wants, and the handler filters the rest. Until install()
        # the process's loggers are not ours to touch.
        if self._saved is None:
            return
        logging.getLogger().setLevel(self.levels.most_verbose().python_level)
        for logger in _pyovn_loggers():
            logger.setLevel(self.module_python_level(module_of(logger.name)))

    # -- log file ------------------------------------------------------
    def open_log_file(self, path: str) -> None:
        """Start writing to ``path`` (append); raises DaemonError."""
        try:
            new = open(path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        except OSError as e:
            raise DaemonError(f"could not open log file {path} ({e.strerror})") from e
        if self._file is not None:
            log.info("closing log file")
            self._file.close()
        self._file = new
        self.log_file = path
        log.info("opened log file %s", path)

    def reopen_log_file(self) -> None:
        """Reopen the log file if it was moved away (logrotate, SIGHUP)."""
        if self.log_file is None or self._file is None:
            raise DaemonError("Logging to file not configured")
        try:
            same = os.path.samestat(os.stat(self.log_file), os.fstat(self._file.fileno()))
        except OSError:
            same = False
        if not same:
            self.open_log_file(self.log_file)

    def close_log_file(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    # -- writing -------------------------------------------------------
    def emit(self, record: logging.LogRecord) -> None:
        module = module_of(record.name)
        levelno = record.levelno
        targets = []
        for destination in ("console", "file"):
            if levelno < self.levels.level(module, destination).python_level:
                continue
            stream = self._stream(destination)
            if stream is not None:
                targets.append((destination, stream))
        if not targets:
            return
        self._seq += 1
        fields = self._fields(record, module)
        for destination, stream in targets:
            stream.write(render(self._compiled[destination], fields) + "\n")
            stream.flush()

    def write_file_only(self, module: str, level: Level, message: str) -> None:
        """Write one line to the log file alone (e.g. a traceback)."""
        if self._file is None or level > self.levels.level(module, "file"):
            return
        record = logging.LogRecord(
            LOGGER_PREFIX + module, level.python_level, "", 0, "%s", (message,), None
        )
        self._seq += 1
        self._file.write(render(self._compiled["file"], self._fields(record, module)) + "\n")

    def _stream(self, destination: str) -> TextIO | None:
        if destination == "file":
            return self._file
        return self._console if self._console is not None else sys.stderr

    def _fields(self, record: logging.LogRecord, module: str) -> LineFields:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self._handler.formatException(record.exc_info)
        thread = record.threadName or "main"
        if record.thread == threading.main_thread().ident:
            thread = "main"
        return LineFields(
            when=record.created,
            seq=self._seq,
            module=module,
            level=Level.from_python(record.levelno).name,
            message=message,
            program=self.program,
            pid=os.getpid(),
            thread=thread,
            uptime_ms=int((record.created - self._start) * 1000),
            host=self._host,
        )


class _VlogLogger(logging.Logger):
    """Logger class in force while a Vlog is installed: new pyovn loggers
    start at their module's level instead of inheriting the root's."""

    active: Vlog | None = None

    def __init__(self, name: str, level: int = logging.NOTSET) -> None:
        super().__init__(name, level)
        vlog = _VlogLogger.active
        if vlog is not None and name.startswith(LOGGER_PREFIX):
            self.level = vlog.module_python_level(module_of(name))


def _pyovn_loggers() -> list[logging.Logger]:
    return [
        logger
        for name, logger in list(logging.root.manager.loggerDict.items())
        if name.startswith(LOGGER_PREFIX) and isinstance(logger, logging.Logger)
    ]


class _VlogHandler(logging.Handler):
    def __init__(self, vlog: Vlog) -> None:
        super().__init__(logging.NOTSET)
        self._vlog = vlog
        self._formatter = logging.Formatter()

    def formatException(self, exc_info: object) -> str:  # noqa: N802 - logging's name
        return self._formatter.formatException(exc_info)  # type: ignore[arg-type]

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._vlog.emit(record)
        except Exception:  # logging must never kill the daemon
            self.handleError(record)


def validate_specs(specs: tuple[str, ...]) -> None:
    """Raise VlogSpecError for the first invalid spec (no state changes)."""
    for spec in specs:
        parse_spec(spec)


__all__ = [
    "DESTINATIONS",
    "Level",
    "Vlog",
    "VlogSpecError",
    "get_logger",
    "module_of",
    "validate_specs",
]
