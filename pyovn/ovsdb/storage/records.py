"""Record framing of OVSDB standalone files (ovsdb(5)): pure, no I/O.

Theory of operation
-------------------
A standalone database file is a sequence of records.  Each record is a
header line and a body::

    OVSDB JSON <length> <sha1>\\n
    <json>\\n

``length`` counts the body bytes, its trailing new-line included, and
``sha1`` is the lower-case hex SHA-1 of exactly those bytes.  OVS reads a
header with ``fgets`` into a 128-byte buffer and requires every body to be a
JSON object; the first record is the schema, the rest are transactions.

``encode_record`` writes one record the way OVS 3.1 does (compact JSON).
``scan_records`` walks a whole file image and stops at the first record that
is incomplete or wrong (torn header, short body, SHA-1 mismatch, invalid
JSON, not an object): everything before it is good, everything from it on is
the *tail* the caller drops.  That split is the whole crash-recovery story:
each ``write()`` appends whole records (header and body), so a crash leaves
at most one partial record, at the end.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

MAGIC = b"OVSDB JSON "
CLUSTER_MAGIC = b"OVSDB CLUSTER "  # OVS's Raft log files, which pyovn does not read
# OVS reads headers with fgets(header, 128, ...): a longer line is a bad header.
MAX_HEADER_LENGTH = 127
_HEADER_RE = re.compile(rb"OVSDB JSON ([0-9]+) ([0-9a-fA-F]{40})\n")


class LogRecord(NamedTuple):
    """One good record: where it sits in the file, its hash and its JSON.

    A NamedTuple rather than a frozen dataclass: opening a large file builds
    one per record, and tuples are several times cheaper to create.
    """

    offset: int  # first byte of the header line
    end: int  # first byte after the body
    sha1: str  # hex SHA-1 of the body, as in the header (lower case)
    json: dict[str, Any]


@dataclass(frozen=True)
class TornTail:
    """Why scanning stopped before the end of the data, and where."""

    offset: int  # first byte of the bad record: the file is good up to here
    reason: str


@dataclass(frozen=True)
class ScanResult:
    records: list[LogRecord]
    good_end: int  # offset after the last good record
    tail: TornTail | None  # None when the data ended exactly after a record


def encode_json(obj: dict[str, Any]) -> bytes:
    """Compact JSON with non-ASCII kept as UTF-8, as OVS's json_to_string."""
    return orjson.dumps(obj)


def encode_record(obj: dict[str, Any]) -> tuple[bytes, str]:
    """Return the bytes of one record holding ``obj`` and the body's SHA-1."""
    body = encode_json(obj) + b"\n"
    digest = hashlib.sha1(body).hexdigest()
    header = b"%s%d %s\n" % (MAGIC, len(body), digest.encode("ascii"))
    return header + body, digest


def _parse_header(data: bytes, offset: int) -> tuple[int, str, int] | str:
    """Parse the header at ``offset``: (body length, sha1, body offset) or a reason."""
    newline = data.find(b"\n", offset, offset + MAX_HEADER_LENGTH)
    if newline < 0:
        if len(data) - offset < MAX_HEADER_LENGTH:
            return "incomplete header line"
        return "header line too long"
    match = _HEADER_RE.fullmatch(data, offset, newline + 1)
    if match is None or int(match.group(1)) == 0:
        shown = data[offset:newline].decode("utf-8", "replace")
        return f'parse error in header line "{shown}"'
    return int(match.group(1)), match.group(2).decode("ascii").lower(), newline + 1


def _parse_body(body: memoryview) -> dict[str, Any] | str:
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as err:
        return f"not valid JSON ({err})"
    if not isinstance(value, dict):
        return "not a JSON object"
    return value


def read_record(data: bytes, offset: int, view: memoryview | None = None) -> LogRecord | TornTail:
    """Decode the record starting at ``offset`` in ``data`` (``view``: a memoryview of it)."""
    header = _parse_header(data, offset)
    if isinstance(header, str):
        return TornTail(offset, header)
    length, expected, body_offset = header
    end = body_offset + length
    if end > len(data):
        return TornTail(
            offset,
            f"{length} bytes starting at offset {body_offset} are incomplete "
            f"(only {len(data) - body_offset} present)",
        )
    body = (view if view is not None else memoryview(data))[body_offset:end]
    actual = hashlib.sha1(body).hexdigest()
    if actual != expected:
        return TornTail(
            offset,
            f"{length} bytes starting at offset {body_offset} have SHA-1 hash "
            f"{actual} but should have hash {expected}",
        )
    parsed = _parse_body(body)
    if isinstance(parsed, str):
        return TornTail(offset, f"{length} bytes starting at offset {body_offset} are {parsed}")
    return LogRecord(offset, end, actual, parsed)


def iter_records(data: bytes, start: int = 0) -> Iterator[LogRecord | TornTail]:
    """Yield good records from ``start``, then one TornTail if data is left over."""
    offset = start
    size = len(data)
    view = memoryview(data)
    while offset < size:
        item = read_record(data, offset, view)
        yield item
        if isinstance(item, TornTail):
            return
        offset = item.end


def scan_records(data: bytes) -> ScanResult:
    """Split a file image into its good records and the (possibly empty) bad tail."""
    records: list[LogRecord] = []
    tail: TornTail | None = None
    for item in iter_records(data):
        if isinstance(item, TornTail):
            tail = item
        else:
            records.append(item)
    good_end = records[-1].end if records else 0
    return ScanResult(records, good_end, tail)
