"""The server's message splitter: any split of a stream gives the same messages."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyovn.jsonstream import MessageSplitter
from pyovn.ovsdb.jsonrpc import ProtocolError

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1)
    | st.text(alphabet=st.characters(blacklist_categories=["Cs"])),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=5), children, max_size=4),
    max_leaves=20,
)


def assert_splits_into(stream: bytes, cuts: list[int], messages: list[dict]) -> None:
    """Fed in pieces cut at `cuts`, `stream` gives exactly `messages`."""
    splitter = MessageSplitter(1 << 30, 1000)
    got = []
    last = 0
    for cut in [*cuts, len(stream)]:
        got.extend(splitter.feed(stream[last:cut]))
        last = cut
    assert got == messages
    assert splitter.buffered == 0


@settings(max_examples=60)
@given(st.lists(st.dictionaries(st.text(max_size=5), json_values, max_size=4), min_size=1,
                max_size=5), st.data())
def test_split_anywhere_gives_the_same_messages(messages: list[dict], data: st.DataObject) -> None:
    stream = b" \n".join(orjson.dumps(m) for m in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    assert_splits_into(stream, cuts, messages)


ascii_tricky = st.text(alphabet='{}[]"\\ a:,', max_size=12)
tricky_values = st.recursive(
    st.integers(-5, 5) | ascii_tricky,
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(ascii_tricky, children, max_size=3),
    max_leaves=10,
)


@settings(max_examples=100)
@given(st.lists(st.dictionaries(ascii_tricky, tricky_values, max_size=3), min_size=1,
                max_size=6), st.data())
def test_back_to_back_messages_with_brackets_in_strings(messages: list[dict],
                                                        data: st.DataObject) -> None:
    # No separator: the splitter's "}{" cut meets strings holding "}{" too.
    stream = b"".join(orjson.dumps(m) for m in messages)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=4)))
    assert_splits_into(stream, cuts, messages)


def test_strings_with_brackets_quotes_and_escapes() -> None:
    stream = b'{"a":"}{[\\"\\\\"}{"b":["\\u005d"]}'
    for cut in range(len(stream) + 1):
        s = MessageSplitter(1 << 20, 10)
        assert s.feed(stream[:cut]) + s.feed(stream[cut:]) == [{"a": '}{["\\'}, {"b": ["]"]}]


@pytest.mark.parametrize("data", [b"[1]", b'"x"', b"5", b"{]", b'{"a":tru}', b"{" * 11,
                                  b'{"a":"\xff"}'])
def test_garbage_raises(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        MessageSplitter(1 << 20, 10).feed(data)


def test_unfinished_message_is_bounded() -> None:
    s = MessageSplitter(100, 10)
    s.feed(b'{"a":"' + b"x" * 50)
    with pytest.raises(ProtocolError):
        s.feed(b"y" * 60)


def test_invalid_json_is_refused_before_the_message_ends() -> None:
    with pytest.raises(ProtocolError):
        MessageSplitter(1 << 20, 100).feed(b"{bad json")


def test_non_ascii_and_very_large_messages_take_the_careful_scan() -> None:
    big = {"method": "echo", "params": ["x" * (3 << 20)], "id": 1}
    small = {"method": "echo", "params": ["\u00e9t\u00e9 {}"], "id": 2}
    stream = orjson.dumps(big) + orjson.dumps(small) + orjson.dumps(big)
    splitter = MessageSplitter(1 << 30, 100)
    got = []
    for at in range(0, len(stream), 65536):
        got.extend(splitter.feed(stream[at:at + 65536]))
    assert got == [big, small, big]
