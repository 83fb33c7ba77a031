"""Controller userdata: encode/decode round trip, layout, and hostile bytes."""

from __future__ import annotations

import struct

import pytest
from actions_cases import make_context
from hypothesis import given
from hypothesis import strategies as st

from pyovn.logical import ofactions as of
from pyovn.logical.actions import encode_actions, parse_actions
from pyovn.logical.actions.controller_ops import (
    UNPAUSED,
    ControllerOp,
    Opcode,
    UserdataError,
    ovn_field_note,
)

short_text = st.text(max_size=20)


@st.composite
def ops(draw: st.DrawFn) -> ControllerOp:
    return ControllerOp(
        draw(st.sampled_from(list(Opcode))),
        draw(st.none() | st.binary(max_size=64)),
        draw(st.none() | short_text),
        tuple(draw(st.lists(st.tuples(st.integers(0, 0xFFFF), st.binary(max_size=40)),
                            max_size=4))),
        tuple(draw(st.lists(st.tuples(short_text.filter(lambda s: len(s.encode()) < 256),
                                      short_text), max_size=4))),
        tuple(draw(st.lists(st.tuples(st.sampled_from(["port", "ip", "mac"]), short_text),
                            max_size=3))),
    )


@given(ops())
def test_round_trip(op: ControllerOp) -> None:
    assert ControllerOp.decode(op.encode()) == op


def test_wire_layout() -> None:
    op = ControllerOp(Opcode.PUT_ARP, result="reg0[3]", params=(("k", "v"),))
    assert op.encode() == (
        bytes([1, Opcode.PUT_ARP, 0, 0])
        + struct.pack("!HH", 2, 7) + b"reg0[3]"
        + struct.pack("!HH", 4, 3) + b"\x01kv"
    )


def test_pause_per_opcode() -> None:
    assert UNPAUSED == {Opcode.LOG, Opcode.TRIGGER_EVENT}
    assert ControllerOp(Opcode.ARP).pause and not ControllerOp(Opcode.LOG).pause


def test_ovn_field_note_layout() -> None:
    assert ovn_field_note("icmp6.frag_mtu", 1500) == b"ovn\x00\x00\x01\x00\x00\x05\xdc"


def test_encoded_actions_decode_back() -> None:
    encoded = encode_actions(
        parse_actions("reg1[0] = put_dhcp_opts(offerip = 10.0.0.5, netmask = 255.255.255.0, "
                      'hostname = "vm1", lease_time = 60);'),
        make_context(),
    )
    (ctl,) = encoded
    assert isinstance(ctl, of.Controller) and ctl.pause
    op = ControllerOp.decode(ctl.userdata)
    assert op.opcode is Opcode.PUT_DHCP_OPTS
    assert op.result == "reg1[0]"
    assert op.options == (
        (0, bytes([10, 0, 0, 5])),
        (1, bytes([255, 255, 255, 0])),
        (12, b"vm1"),
        (51, (60).to_bytes(4, "big")),
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "shorter than its header"),
        (b"\x02\x01\x00\x00", "unknown userdata version"),
        (b"\x01\xee\x00\x00", "unknown opcode"),
        (b"\x01\x01\x00\x00\x00\x01", "truncated TLV header"),
        (b"\x01\x01\x00\x00\x00\x01\x00\x09ab", "truncated TLV value"),
        (b"\x01\x01\x00\x00\x00\x63\x00\x00", "unknown TLV type"),
        (b"\x01\x01\x00\x00\x00\x03\x00\x01a", "truncated option"),
        (b"\x01\x01\x00\x00\x00\x04\x00\x02\x05a", "truncated key"),
    ],
)
def test_malformed_userdata(data: bytes, message: str) -> None:
    with pytest.raises(UserdataError, match=message):
        ControllerOp.decode(data)


@given(st.binary(max_size=80))
def test_random_bytes_decode_or_raise_userdata_error(data: bytes) -> None:
    try:
        op = ControllerOp.decode(data)
    except UserdataError:
        return
    assert isinstance(op.opcode, Opcode)
