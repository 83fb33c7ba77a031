"""Pidfiles created the OVS way (the live-holder case is in the integration tests)."""

from __future__ import annotations

import fcntl
import os
import struct
from pathlib import Path

import pytest

from pyovn.daemon.errors import PidfileError
from pyovn.daemon.pidfile import Pidfile, read_pid


def lock_holder(path: Path) -> int | None:
    """The pid holding a write lock on ``path``, as OVS's F_GETLK check sees it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0)
        answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
    finally:
        os.close(fd)
    kind, _, _, _, pid = struct.unpack("hhqqi4x", answer)
    return None if kind == fcntl.F_UNLCK else pid


def test_create_writes_pid_and_removes(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    pidfile = Pidfile.create(str(path))
    assert path.read_text() == f"{os.getpid()}\n"
    assert read_pid(str(path)) == os.getpid()
    assert [p.name for p in tmp_path.iterdir()] == ["d.pid"]  # no temporary left
    pidfile.remove()
    assert not path.exists()
    pidfile.remove()  # idempotent


def test_stale_file_is_replaced(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    path.write_text("999999\n")
    pidfile = Pidfile.create(str(path))
    assert read_pid(str(path)) == os.getpid()
    pidfile.remove()


def test_remove_leaves_someone_elses_file(tmp_path: Path) -> None:
    path = tmp_path / "d.pid"
    pidfile = Pidfile.create(str(path))
    path.unlink()
    path.write_text("123\n")
    pidfile.remove()
    assert path.read_text() == "123\n"


def test_unwritable_directory(tmp_path: Path) -> None:
    with pytest.raises(PidfileError, match="create failed"):
        Pidfile.create(str(tmp_path / "missing" / "d.pid"))


def test_read_pid_of_garbage(tmp_path: Path) -> None:
    (tmp_path / "g.pid").write_text("not a pid\n")
    assert read_pid(str(tmp_path / "g.pid")) is None
    assert read_pid(str(tmp_path / "none.pid")) is None


def test_lock_query_helper_sees_no_lock_on_plain_file(tmp_path: Path) -> None:
    (tmp_path / "p").write_text("1\n")
    assert lock_holder(tmp_path / "p") is None
