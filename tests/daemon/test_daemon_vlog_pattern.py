"""Log-line patterns rendered like OVS's."""

from __future__ import annotations

import calendar

from pyovn.daemon.vlog_pattern import (
    CONSOLE_PATTERN,
    FILE_PATTERN,
    LineFields,
    compile_pattern,
    render,
)

WHEN = calendar.timegm((2026, 12, 2, 17, 14, 19)) + 0.1234


def fields(**changes: object) -> LineFields:
    base = dict(
        when=WHEN, seq=1, module="jsonrpc", level="INFO", message="hello", program="ovsdb-server",
        pid=42, thread="main", uptime_ms=1500, host="h1",
    )
    base.update(changes)
    return LineFields(**base)  # type: ignore[arg-type]


def test_file_pattern() -> None:
    line = render(compile_pattern(FILE_PATTERN), fields())
    assert line == "2026-12-02T17:14:19.123Z|00001|jsonrpc|INFO|hello"


def test_console_pattern_has_no_milliseconds() -> None:
    line = render(compile_pattern(CONSOLE_PATTERN), fields(seq=123456, level="WARN"))
    assert line == "2026-12-02T17:14:19Z|123456|jsonrpc|WARN|hello"


def test_thread_name_shown_only_off_main_thread() -> None:
    parts = compile_pattern("%c%T")
    assert render(parts, fields()) == "jsonrpc"
    assert render(parts, fields(thread="worker1")) == "jsonrpc(worker1)"


def test_widths_justification_and_other_directives() -> None:
    parts = compile_pattern("[%-8c][%8p][%05P]%A %r %t %E %B 100%% %n%q")
    assert render(parts, fields()) == (
        "[jsonrpc ][    INFO][00042]ovsdb-server 1500 main h1 <30> 100% \n%q"
    )


def test_default_time_format_and_trailing_percent() -> None:
    assert render(compile_pattern("%D %"), fields()) == "2026-12-02 17:14:19.123 %"
