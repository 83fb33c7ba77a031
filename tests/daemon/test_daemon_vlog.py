"""Vlog bound to Python logging: levels per module and destination, file, reopen."""

from __future__ import annotations

import io
import logging
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyovn.daemon.errors import DaemonError, VlogSpecError
from pyovn.daemon.vlog import Vlog, get_logger, module_of

FIELDS = r"\|(\d{5})\|([\w-]+)\|([A-Z]+)\|(.*)$"
FILE_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z" + FIELDS)
CONSOLE_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" + FIELDS)


@pytest.fixture
def console() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def vlog(console: io.StringIO) -> Iterator[Vlog]:
    v = Vlog("testprog", console=console)
    v.install()
    yield v
    v.uninstall()


def file_lines(path: Path) -> list[tuple[str, ...]]:
    lines = path.read_text().splitlines()
    matches = [FILE_LINE.match(line) for line in lines]
    assert all(matches), lines
    return [m.groups() for m in matches if m]


def test_module_is_last_logger_component() -> None:
    assert module_of("pyovn.ovsdb.jsonrpc") == "jsonrpc"
    assert module_of("asyncio") == "asyncio"
    assert get_logger("ovsdb_server").name == "pyovn.ovsdb_server"


def test_console_default_info(vlog: Vlog, console: io.StringIO) -> None:
    log = get_logger("vtest_a")
    log.debug("hidden")
    log.info("shown %d", 1)
    log.warning("warned")
    lines = console.getvalue().splitlines()
    parsed = [CONSOLE_LINE.match(line).groups() for line in lines]  # type: ignore[union-attr]
    assert [p[1:] for p in parsed] == [
        ("vtest_a", "INFO", "shown 1"),
        ("vtest_a", "WARN", "warned"),
    ]
    assert int(parsed[1][0]) == int(parsed[0][0]) + 1


def test_log_file_format_and_shared_sequence(vlog: Vlog, console: io.StringIO,
                                             tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    vlog.set("console:off")
    vlog.open_log_file(str(path))
    get_logger("vtest_b").error("bad %s", "thing")
    assert file_lines(path) == [
        ("00001", "vlog", "INFO", f"opened log file {path}"),
        ("00002", "vtest_b", "ERR", "bad thing"),
    ]
    assert console.getvalue() == ""


def test_per_module_per_destination_levels(vlog: Vlog, console: io.StringIO,
                                           tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    vlog.set("console:warn")
    vlog.open_log_file(str(path))
    vlog.set("vtest_c:file:dbg")
    chatty, quiet = get_logger("vtest_c"), get_logger("vtest_d")
    chatty.debug("c-debug")
    quiet.debug("d-debug")
    chatty.info("c-info")
    messages = [line[3] for line in file_lines(path)]
    assert messages[1:] == ["c-debug", "c-info"]
    assert console.getvalue() == ""
    # disabled debug calls are cut at the logger, not formatted and dropped
    assert chatty.isEnabledFor(logging.DEBUG)
    assert not quiet.isEnabledFor(logging.DEBUG)


def test_off_silences_even_critical(vlog: Vlog, console: io.StringIO) -> None:
    vlog.set("vtest_e:off")
    get_logger("vtest_e").critical("nope")
    get_logger("vtest_f").critical("yes")
    assert "nope" not in console.getvalue()
    assert "|vtest_f|EMER|yes" in console.getvalue()


def test_bare_v_means_debug_everywhere(vlog: Vlog, console: io.StringIO) -> None:
    vlog.set("")
    get_logger("vtest_g").debug("deep")
    assert "|vtest_g|DBG|deep" in console.getvalue()


def test_bad_spec_changes_nothing(vlog: Vlog) -> None:
    before = vlog.format_list()
    with pytest.raises(VlogSpecError):
        vlog.set("console:file:info")
    assert vlog.format_list() == before


def test_list_shows_existing_pyovn_modules(vlog: Vlog) -> None:
    get_logger("vtest_h")
    vlog.set("console:off")
    text = vlog.format_list()
    assert "vtest_h            OFF       INFO       INFO\n" in text
    assert "\nvlog " in text


def test_pattern_setting(vlog: Vlog, console: io.StringIO) -> None:
    vlog.set("PATTERN:console:%c:%p:%m")
    get_logger("vtest_i").info("x")
    assert console.getvalue() == "vtest_i:INFO:x\n"
    assert vlog.format_patterns() == (
        "         prefix                            format\n"
        "         ------                            ------\n"
        "SYSLOG   <%B> %D{%h %e %T} %E %A:          ovs|%05N|%c%T|%p|%m\n"
        "CONSOLE  none                              %c:%p:%m\n"
        "FILE     none                              %D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m\n"
    )


def test_exception_traceback_follows_message(vlog: Vlog, console: io.StringIO) -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        get_logger("vtest_j").exception("failed")
    text = console.getvalue()
    assert "|vtest_j|ERR|failed\nTraceback" in text and "ValueError: boom" in text


def test_reopen_after_rotation(vlog: Vlog, tmp_path: Path) -> None:
    path = tmp_path / "t.log"
    vlog.open_log_file(str(path))
    vlog.reopen_log_file()  # same file still in place: nothing happens
    assert len(file_lines(path)) == 1
    os.rename(path, tmp_path / "t.log.1")
    get_logger("vtest_k").info("before reopen")
    vlog.reopen_log_file()
    get_logger("vtest_k").info("after reopen")
    old = [line[3] for line in file_lines(tmp_path / "t.log.1")]
    new = [line[3] for line in file_lines(path)]
    assert old[1:] == ["before reopen", "closing log file"]
    assert new == [f"opened log file {path}", "after reopen"]


def test_reopen_without_file_is_an_error(vlog: Vlog) -> None:
    with pytest.raises(DaemonError, match="Logging to file not configured"):
        vlog.reopen_log_file()


def test_unopenable_log_file(vlog: Vlog, tmp_path: Path) -> None:
    with pytest.raises(DaemonError, match="could not open log file"):
        vlog.open_log_file(str(tmp_path / "missing-dir" / "x.log"))


def test_uninstall_restores_root_logger(console: io.StringIO) -> None:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    v = Vlog("p", console=console)
    v.install()
    v.set("")
    assert root.handlers != handlers
    v.uninstall()
    assert root.handlers == handlers and root.level == level
    assert get_logger("vtest_a").level == logging.NOTSET


def test_python_warnings_are_logged(vlog: Vlog, console: io.StringIO) -> None:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("careful now", UserWarning, stacklevel=1)
    assert "|warnings|WARN|" in console.getvalue()
    assert "careful now" in console.getvalue()


def test_set_before_install_leaves_loggers_alone(console: io.StringIO) -> None:
    root = logging.getLogger()
    level = root.level
    v = Vlog("p", console=console)
    v.set("")
    assert root.level == level
    v.install()
    try:
        assert root.level == logging.DEBUG  # applied on install
    finally:
        v.uninstall()
    assert root.level == level
