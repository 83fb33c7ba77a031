"""-v / vlog/set specs and the level table."""

from __future__ import annotations

import logging

import pytest

from pyovn.daemon.errors import VlogSpecError
from pyovn.daemon.vlog_spec import (
    FacilitySetting,
    Level,
    LevelSetting,
    PatternSetting,
    VlogLevels,
    parse_spec,
)


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", LevelSetting(None, None, Level.DBG)),
        ("console:off", LevelSetting(None, "console", Level.OFF)),
        ("file:info", LevelSetting(None, "file", Level.INFO)),
        ("jsonrpc:file:dbg", LevelSetting("jsonrpc", "file", Level.DBG)),
        ("dbg:file:jsonrpc", LevelSetting("jsonrpc", "file", Level.DBG)),
        ("syslog:off", LevelSetting(None, "syslog", Level.OFF)),
        ("console", LevelSetting(None, "console", Level.DBG)),
        ("WARN", LevelSetting(None, None, Level.WARN)),
        ("any:any:emer", LevelSetting(None, None, Level.EMER)),
        ("reconnect,console err", LevelSetting("reconnect", "console", Level.ERR)),
        ("ovsdb_server:FILE:Info", LevelSetting("ovsdb_server", "file", Level.INFO)),
    ],
)
def test_parse_level_specs(spec: str, expected: LevelSetting) -> None:
    assert parse_spec(spec) == expected


def test_parse_pattern_keeps_colons_in_pattern() -> None:
    assert parse_spec("PATTERN:file:%D{%H:%M}|%m") == PatternSetting("file", "%D{%H:%M}|%m")


def test_parse_empty_pattern() -> None:
    assert parse_spec("PATTERN:console") == PatternSetting("console", "")


def test_parse_facility() -> None:
    assert parse_spec("FACILITY:local3") == FacilitySetting("local3")


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("console:file", "cannot specify multiple destinations"),
        ("info:dbg", "cannot specify multiple levels"),
        ("foo:bar", 'no destination, level, or module "bar"'),
        ("foo:b@d", 'no destination, level, or module "b@d"'),
        ("PATTERN:tty:%m", 'unknown destination "tty"'),
        ("FACILITY:nowhere", 'unknown facility "nowhere"'),
    ],
)
def test_parse_errors(spec: str, reason: str) -> None:
    with pytest.raises(VlogSpecError) as info:
        parse_spec(spec)
    assert str(info.value) == reason
    assert info.value.spec == spec


def test_python_levels() -> None:
    assert Level.OFF.python_level > logging.CRITICAL
    assert [Level[n].python_level for n in ("EMER", "ERR", "WARN", "INFO", "DBG")] == [
        logging.CRITICAL, logging.ERROR, logging.WARNING, logging.INFO, logging.DEBUG,
    ]
    assert Level.from_python(logging.WARNING) is Level.WARN
    assert Level.from_python(5) is Level.DBG
    assert Level.from_python(45) is Level.ERR


def test_module_setting_then_all_modules_setting() -> None:
    levels = VlogLevels()
    levels.apply(parse_spec("jsonrpc:file:dbg"))  # type: ignore[arg-type]
    assert levels.level("jsonrpc", "file") is Level.DBG
    assert levels.level("jsonrpc", "console") is Level.INFO
    assert levels.level("other", "file") is Level.INFO
    levels.apply(parse_spec("file:warn"))  # type: ignore[arg-type]
    # "all modules" overrides earlier per-module choices, as in OVS
    assert levels.level("jsonrpc", "file") is Level.WARN
    assert levels.level("not_seen_yet", "file") is Level.WARN


def test_most_verbose() -> None:
    levels = VlogLevels()
    levels.apply(LevelSetting(None, "console", Level.OFF))
    assert levels.most_verbose("x") is Level.INFO
    levels.apply(LevelSetting("x", "syslog", Level.DBG))
    assert levels.most_verbose("x") is Level.DBG
    assert levels.most_verbose("y") is Level.INFO
    assert levels.most_verbose() is Level.DBG


def test_format_list_matches_ovs_layout() -> None:
    levels = VlogLevels()
    levels.apply(LevelSetting(None, "console", Level.OFF))
    levels.apply(LevelSetting("jsonrpc", "file", Level.DBG))
    assert levels.format_list(["vlog", "backtrace"]) == (
        "                 console    syslog    file\n"
        "                 -------    ------    ------\n"
        "backtrace          OFF       INFO       INFO\n"
        "jsonrpc            OFF       INFO        DBG\n"
        "vlog               OFF       INFO       INFO\n"
    )
