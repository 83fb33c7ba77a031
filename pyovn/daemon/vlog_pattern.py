"""OVS log-line patterns (``PATTERN:file:%D{...}|%05N|%c%T|%p|%m``).

Theory of operation: a pattern is compiled once into literal text and
directives (``%[-][0][WIDTH]X`` with an optional ``{strftime}`` argument for
the time directives); rendering fills the directives from a ``LineFields``
value. Only the clock-free work happens here: the caller supplies the time.
Directives: ``A`` program, ``B`` syslog priority, ``c`` module, ``d``/``D``
local/UTC time (``###`` in the format is milliseconds), ``E`` host, ``m``
message, ``N`` message number, ``n`` newline, ``p`` level, ``P`` pid, ``r``
milliseconds since start, ``t`` thread name, ``T`` thread name in
parentheses unless it is the main thread, ``%`` a percent sign.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

CONSOLE_PATTERN = "%D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m"
FILE_PATTERN = "%D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m"
SYSLOG_PATTERN = "ovs|%05N|%c%T|%p|%m"
DEFAULT_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.###"
_DIRECTIVES = frozenset("ABcdDEmNnpPrtT%")
# syslog severities for %B, indexed by OVS level name
_SYSLOG_SEVERITY = {"EMER": 0, "ERR": 3, "WARN": 4, "INFO": 6, "DBG": 7}


@dataclass(frozen=True)
class LineFields:
    """Everything a log line may show."""

    when: float  # seconds since the epoch
    seq: int
    module: str
    level: str  # OVS level name: EMER, ERR, WARN, INFO, DBG
    message: str
    program: str
    pid: int
    thread: str  # "main" for the main thread
    uptime_ms: int
    host: str


@dataclass(frozen=True)
class _Directive:
    char: str
    left: bool
    zero: bool
    width: int
    arg: str | None


Part = str | _Directive


def compile_pattern(pattern: str) -> tuple[Part, ...]:
    """Split ``pattern`` into literal strings and directives."""
    parts: list[Part] = []
    literal: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch != "%" or i + 1 == len(pattern):
            literal.append(ch)
            i += 1
            continue
        directive, i = _parse_directive(pattern, i + 1)
        if directive is None:
            literal.append("%")
            continue
        if literal:
            parts.append("".join(literal))
            literal = []
        parts.append(directive)
    if literal:
        parts.append("".join(literal))
    return tuple(parts)


def _parse_directive(pattern: str, i: int) -> tuple[_Directive | None, int]:
    start = i
    left = pattern.startswith("-", i)
    i += left
    zero = pattern.startswith("0", i)
    i += zero
    digits = ""
    while i < len(pattern) and pattern[i].isdigit():
        digits += pattern[i]
        i += 1
    if i >= len(pattern) or pattern[i] not in _DIRECTIVES:
        return None, start  # not a directive: keep the text literally
    char = pattern[i]
    i += 1
    arg = None
    if char in "dD" and pattern.startswith("{", i):
        end = pattern.find("}", i)
        if end >= 0:
            arg = pattern[i + 1 : end]
            i = end + 1
    return _Directive(char, left, zero, int(digits or 0), arg), i


def render(parts: tuple[Part, ...], fields: LineFields) -> str:
    """Format one log line (without the trailing newline)."""
    out: list[str] = []
    for part in parts:
        if isinstance(part, str):
            out.append(part)
            continue
        text = _expand(part, fields)
        if part.width and len(text) < part.width:
            if part.left:
                text = text.ljust(part.width)
            else:
                text = text.rjust(part.width, "0" if part.zero else " ")
        out.append(text)
    return "".join(out)


def _expand(d: _Directive, f: LineFields) -> str:
    c = d.char
    if c == "m":
        return f.message
    if c == "N":
        return str(f.seq)
    if c == "c":
        return f.module
    if c == "p":
        return f.level
    if c in "dD":
        return format_time(f.when, d.arg or DEFAULT_TIME_FORMAT, utc=c == "D")
    if c == "T":
        return "" if f.thread == "main" else f"({f.thread})"
    simple = {
        "A": f.program,
        "B": f"<{8 * 3 + _SYSLOG_SEVERITY.get(f.level, 6)}>",  # facility daemon
        "E": f.host,
        "n": "\n",
        "P": str(f.pid),
        "r": str(f.uptime_ms),
        "t": f.thread,
        "%": "%",
    }
    return simple[c]


def format_time(when: float, fmt: str, utc: bool) -> str:
    """strftime with OVS's ``###`` meaning milliseconds."""
    tm = time.gmtime(when) if utc else time.localtime(when)
    millis = f"{int(when * 1000) % 1000:03d}"
    return time.strftime(fmt.replace("###", millis), tm)
