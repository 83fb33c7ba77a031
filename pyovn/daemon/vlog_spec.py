"""OVS vlog levels, destinations and ``-v``/``vlog/set`` specifications.

Theory of operation: OVS keeps, for every log *module* and every
*destination* (console, syslog, file), a minimum *level*; a message is written
to a destination when its level is at least as severe as that minimum. A
spec such as ``jsonrpc:file:dbg`` names at most one module, one destination
and one level, in any order, separated by colons, commas or spaces; a missing
module or destination means all of them, a missing level means ``dbg``.
``PATTERN:destination:pattern`` and ``FACILITY:name`` are the two special
forms. This module parses specs and keeps the level table; it does no I/O.
The table has per-destination defaults (what "all modules" means, also for
modules that appear later) plus explicit per-module entries.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from pyovn.daemon.errors import VlogSpecError


class Level(IntEnum):
    """OVS log levels, least verbose first (as OVS orders them)."""

    OFF = 0
    EMER = 1
    ERR = 2
    WARN = 3
    INFO = 4
    DBG = 5

    @property
    def python_level(self) -> int:
        return _PYTHON_LEVELS[self]

    @classmethod
    def from_python(cls, levelno: int) -> Level:
        """The OVS level a Python record level belongs to."""
        if levelno >= logging.CRITICAL:
            return cls.EMER
        if levelno >= logging.ERROR:
            return cls.ERR
        if levelno >= logging.WARNING:
            return cls.WARN
        if levelno >= logging.INFO:
            return cls.INFO
        return cls.DBG


# OFF must filter even CRITICAL records, hence one above it.
_PYTHON_LEVELS = {
    Level.OFF: logging.CRITICAL + 1,
    Level.EMER: logging.CRITICAL,
    Level.ERR: logging.ERROR,
    Level.WARN: logging.WARNING,
    Level.INFO: logging.INFO,
    Level.DBG: logging.DEBUG,
}

DESTINATIONS = ("console", "syslog", "file")
FACILITIES = (
    "kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news", "uucp",
    "clock", "ftp", "ntp", "audit", "alert", "clock2",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6", "local7",
)
_MODULE_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


@dataclass(frozen=True)
class LevelSetting:
    """Set ``level`` for one module (None: all) at one destination (None: all)."""

    module: str | None
    destination: str | None
    level: Level


@dataclass(frozen=True)
class PatternSetting:
    """Use ``pattern`` to format lines for ``destination``."""

    destination: str
    pattern: str


@dataclass(frozen=True)
class FacilitySetting:
    """Use syslog facility ``facility`` (accepted; pyovn sends no syslog)."""

    facility: str


Setting = LevelSetting | PatternSetting | FacilitySetting


def parse_spec(spec: str) -> Setting:
    """Parse one ``-v``/``vlog/set`` spec; ``""`` (bare ``-v``) is all-dbg."""
    if spec[:8].lower() == "pattern:":
        destination, sep, pattern = spec[8:].partition(":")
        if destination.lower() not in DESTINATIONS:
            raise VlogSpecError(spec, f'unknown destination "{destination}"')
        return PatternSetting(destination.lower(), pattern)  # may be empty, as in OVS
    if spec[:9].lower() == "facility:":
        facility = spec[9:].lower()
        if facility not in FACILITIES:
            raise VlogSpecError(spec, f'unknown facility "{spec[9:]}"')
        return FacilitySetting(facility)
    return _parse_level_spec(spec)


def _parse_level_spec(spec: str) -> LevelSetting:
    module: str | None = None
    destination: str | None = None
    level: Level | None = None
    for word in re.split(r"[,: \t]+", spec):
        lower = word.lower()
        if not word or lower == "any":
            continue
        if lower in DESTINATIONS:
            if destination is not None:
                raise VlogSpecError(spec, "cannot specify multiple destinations")
            destination = lower
        elif lower.upper() in Level.__members__:
            if level is not None:
                raise VlogSpecError(spec, "cannot specify multiple levels")
            level = Level[lower.upper()]
        elif _MODULE_RE.match(word):
            # Unknown names are accepted: scripts written for OVS name OVS
            # modules pyovn does not have, and OVS would have accepted them.
            if module is not None:
                raise VlogSpecError(spec, f'no destination, level, or module "{word}"')
            module = lower
        else:
            raise VlogSpecError(spec, f'no destination, level, or module "{word}"')
    return LevelSetting(module, destination, Level.DBG if level is None else level)


class VlogLevels:
    """The level table: per-destination defaults plus per-module entries."""

    def __init__(self, defaults: dict[str, Level] | None = None) -> None:
        self.defaults: dict[str, Level] = dict.fromkeys(DESTINATIONS, Level.INFO)
        if defaults:
            self.defaults.update(defaults)
        self.modules: dict[str, dict[str, Level]] = {}

    def apply(self, setting: LevelSetting) -> None:
        """Apply a level setting, as OVS's vlog_set_levels does."""
        destinations = DESTINATIONS if setting.destination is None else (setting.destination,)
        if setting.module is None:
            targets = [self.defaults, *self.modules.values()]
        else:
            targets = [self.modules.setdefault(setting.module, dict(self.defaults))]
        for table in targets:
            for destination in destinations:
                table[destination] = setting.level

    def level(self, module: str, destination: str) -> Level:
        table = self.modules.get(module, self.defaults)
        return table[destination]

    def most_verbose(self, module: str | None = None) -> Level:
        """The most verbose level any destination wants (for one or all modules)."""
        if module is not None:
            return max(self.modules.get(module, self.defaults).values())
        tables = [self.defaults, *self.modules.values()]
        return max(level for table in tables for level in table.values())

    def format_list(self, modules: Iterable[str]) -> str:
        """``vlog/list`` output for ``modules`` (plus those with entries)."""
        lines = [
            "                 console    syslog    file\n",
            "                 -------    ------    ------\n",
        ]
        for module in sorted(set(modules) | set(self.modules)):
            console, syslog, file = (self.level(module, d).name for d in DESTINATIONS)
            lines.append(f"{module:<16}  {console:>4}       {syslog:>4}       {file:>4}\n")
        return "".join(lines)
