"""Record framing: golden bytes written by OVS, torn and corrupt tails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pyovn.ovsdb.storage.records import (
    LogRecord,
    TornTail,
    encode_record,
    read_record,
    scan_records,
)

DATA = Path(__file__).parent / "data" / "storage"
OVS_FILE = DATA / "ovs-written.db"


def test_scan_file_written_by_ovsdb_server() -> None:
    data = OVS_FILE.read_bytes()
    scan = scan_records(data)
    assert scan.tail is None
    assert scan.good_end == len(data)
    assert len(scan.records) == 8
    assert scan.records[0].json["name"] == "StorageTest"
    first = scan.records[1].json
    assert first["_comment"] == "first"
    assert first["_is_diff"] is True
    assert first["Child"]["6756c97f-9ad8-4758-bd4d-7cf79e497051"]["name"] == "c1"
    # Non-ASCII text round-trips as UTF-8.
    item = scan.records[2].json["Item"]["86da520d-d178-4780-8a5d-21cd90f3d68d"]
    assert item["name"] == 'é ünï "q"'
    # Records tile the file exactly.
    for before, after in zip(scan.records, scan.records[1:], strict=False):
        assert before.end == after.offset


def test_reencoded_ovs_records_are_byte_identical_when_key_order_is_kept() -> None:
    # orjson keeps insertion order, so re-encoding OVS's parsed JSON must
    # reproduce OVS's bytes exactly: same escaping, same number formats.
    data = OVS_FILE.read_bytes()
    for record in scan_records(data).records:
        encoded, digest = encode_record(record.json)
        assert encoded == data[record.offset : record.end]
        assert digest == record.sha1


def test_encode_record_format() -> None:
    encoded, digest = encode_record({"a": [1, "é"]})
    body = b'{"a":[1,"\xc3\xa9"]}\n'
    assert digest == hashlib.sha1(body).hexdigest()
    assert encoded == b"OVSDB JSON %d %s\n" % (len(body), digest.encode()) + body


def _two_record_file() -> tuple[bytes, int]:
    schema, _ = encode_record({"name": "S", "version": "1.0.0", "tables": {}})
    txn, _ = encode_record({"_date": 1, "T": {"u": {"c": 1}}})
    return schema + txn, len(schema)


def test_every_torn_tail_of_last_record_is_detected() -> None:
    data, boundary = _two_record_file()
    for cut in range(boundary + 1, len(data)):
        scan = scan_records(data[:cut])
        assert [r.offset for r in scan.records] == [0], cut
        assert scan.good_end == boundary
        assert scan.tail is not None and scan.tail.offset == boundary


def test_cut_exactly_at_record_boundary_is_clean() -> None:
    data, boundary = _two_record_file()
    assert scan_records(data[:boundary]).tail is None
    assert scan_records(data).tail is None


def _corrupt_body(data: bytes, boundary: int, new_body: bytes, keep_sha: bool) -> bytes:
    header_end = data.index(b"\n", boundary) + 1
    length = len(new_body)
    sha = data[boundary:header_end].split()[3] if keep_sha else hashlib.sha1(new_body).hexdigest()
    if isinstance(sha, str):
        sha = sha.encode()
    return data[:boundary] + b"OVSDB JSON %d %s\n" % (length, sha) + new_body


@pytest.mark.parametrize(
    ("body", "keep_sha", "reason"),
    [
        (b'{"_date":2,"T":{"u":{"c":1}}}\n', True, "have SHA-1 hash"),
        (b'{"_date":1,"T":\n', False, "not valid JSON"),
        (b"[1,2,3]\n", False, "not a JSON object"),
        (b'"str"\n', False, "not a JSON object"),
        (b'{"a":"\xff"}\n', False, "not valid JSON"),
    ],
)
def test_corrupt_last_record(body: bytes, keep_sha: bool, reason: str) -> None:
    data, boundary = _two_record_file()
    bad = _corrupt_body(data, boundary, body, keep_sha)
    scan = scan_records(bad)
    assert len(scan.records) == 1
    assert scan.tail is not None
    assert scan.tail.offset == boundary
    assert reason in scan.tail.reason


@pytest.mark.parametrize(
    "header",
    [
        b"OVSDB JSON 0 " + b"0" * 40 + b"\n",
        b"OVSDB JSON x " + b"0" * 40 + b"\n",
        b"OVSDB JSON 10 " + b"0" * 39 + b"\n",
        b"OVSDB JSON 10 " + b"g" * 40 + b"\n",
        b"OVSDB CLUSTER 10 " + b"0" * 40 + b"\n",
        b"garbage\n",
        b"OVSDB JSON 10 " + b"0" * 40 + b" \n",
        b"OVSDB JSON " + b"9" * 200 + b"\n",
    ],
)
def test_bad_header_lines(header: bytes) -> None:
    data, boundary = _two_record_file()
    scan = scan_records(data[:boundary] + header + b"{}\n")
    assert len(scan.records) == 1
    assert scan.tail is not None and scan.tail.offset == boundary


def test_uppercase_sha1_is_accepted_like_ovs() -> None:
    body = b'{"a":1}\n'
    sha = hashlib.sha1(body).hexdigest().upper().encode()
    item = read_record(b"OVSDB JSON %d %s\n" % (len(body), sha) + body, 0)
    assert isinstance(item, LogRecord)
    assert item.json == {"a": 1}


def test_garbage_after_good_records_stops_scan_there() -> None:
    data, _ = _two_record_file()
    scan = scan_records(data + b"\x00\x00\x00")
    assert len(scan.records) == 2
    assert scan.tail == TornTail(len(data), scan.tail.reason if scan.tail else "")


def test_empty_data() -> None:
    scan = scan_records(b"")
    assert scan.records == [] and scan.tail is None and scan.good_end == 0


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | st.text(),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)


@settings(max_examples=40)
@given(st.lists(st.dictionaries(st.text(max_size=8), json_values, max_size=4), max_size=4))
def test_round_trip_any_records(objs: list[dict[str, object]]) -> None:
    data = b"".join(encode_record(obj)[0] for obj in objs)
    scan = scan_records(data)
    assert scan.tail is None
    assert [r.json for r in scan.records] == [orjson.loads(orjson.dumps(o)) for o in objs]
