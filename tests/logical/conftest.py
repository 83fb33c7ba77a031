"""Fixtures shared by the tests of pyovn.logical."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from ovs_switch import running_switch


@pytest.fixture
def netdev_bridge(tmp_path: Path) -> Iterator[Path]:
    """The OpenFlow management socket of netdev bridge `br0` on a throwaway
    ovs-vswitchd in its own network namespace (see ovs_switch.py). Its
    directory also holds ``vswitchd.ctl``, for ``ovs-appctl -t``."""
    if os.geteuid() != 0 or shutil.which("ovs-vswitchd") is None:
        pytest.fail("needs root and ovs-vswitchd")
    with running_switch(tmp_path / "switch") as mgmt:
        yield mgmt
