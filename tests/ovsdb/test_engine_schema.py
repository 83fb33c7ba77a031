"""Schema parsing and validation, checked against what ovsdb-server says."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from test_engine_fixtures import real_server

from pyovn.ovsdb.errors import OvsdbError
from pyovn.ovsdb.schema import DatabaseSchema
from pyovn.ovsdb.types import UNLIMITED, AtomicType

REAL_SCHEMAS = [
    "/usr/share/openvswitch/vswitch.ovsschema",
    "/usr/share/ovn/ovn-nb.ovsschema",
    "/usr/share/ovn/ovn-sb.ovsschema",
]


@pytest.mark.parametrize("path", REAL_SCHEMAS)
def test_real_schema_round_trips(path: str) -> None:
    original = json.loads(Path(path).read_text())
    schema = DatabaseSchema.from_json(original)
    again = DatabaseSchema.from_json(schema.to_json())
    assert again == schema
    assert schema.name == original["name"]
    assert schema.version == original["version"]
    assert set(schema.tables) == set(original["tables"])
    for table in schema.tables.values():
        assert "_uuid" in table.columns and "_version" in table.columns
        assert not table.columns["_uuid"].mutable


def test_vswitch_schema_details() -> None:
    schema = DatabaseSchema.from_json(json.loads(Path(REAL_SCHEMAS[0]).read_text()))
    bridge = schema.tables["Bridge"]
    assert bridge.indexes == (("name",),)
    ports = bridge.columns["ports"].type
    assert ports.key.ref_table == "Port" and ports.n_min == 0 and ports.n_max == UNLIMITED
    assert not schema.tables["Port"].is_root
    assert schema.tables["Open_vSwitch"].is_root
    assert schema.tables["Open_vSwitch"].max_rows == 1
    fail_mode = bridge.columns["fail_mode"].type
    assert fail_mode.key.enum == ("secure", "standalone")
    assert ("Bridge", "ports", "strong") in schema.referrers["Port"]


def _schema(tables: object, **extra: object) -> dict[str, object]:
    return {"name": "X", "tables": tables, **extra}


def _col(type_json: object, **extra: object) -> dict[str, object]:
    return {"T": {"columns": {"a": {"type": type_json, **extra}}}}


# (schema, expected details) as ovsdb-tool create 3.1 reports them.
BAD_SCHEMAS = [
    (_schema(_col("integer"), version="1.2"), 'schema version "1.2" not in format x.y.z'),
    (_schema({"T": {"columns": {"a": {"type": "integer"}}, "foo": 1}}),
     "Parsing table schema for table T failed: Member 'foo' is present but not allowed here."),
    (_schema(_col("integer"), foo=1, bar=2),
     "Parsing database schema failed: Member 'bar' and 1 other member are present but not "
     "allowed here."),
    (_schema({"_T": {"columns": {"a": {"type": "integer"}}}}),
     'names beginning with "_" are reserved'),
    (_schema({"T": {"columns": {"_a": {"type": "integer"}}}}),
     'names beginning with "_" are reserved'),
    (_schema({"T-1": {"columns": {"a": {"type": "integer"}}}}), "name must be a valid id"),
    (_schema({"T": {"columns": {}}}), "table must have at least one column"),
    (_schema(_col("int")), '"int" is not an atomic-type'),
    (_schema(_col({"key": "integer", "min": 2})), "ovsdb type fails constraint checks"),
    (_schema(_col({"key": "integer", "max": 0})), "ovsdb type fails constraint checks"),
    (_schema(_col({"key": "integer", "max": "lots"})), "bad min or max value"),
    (_schema(_col({"key": {"type": "integer", "minInteger": 5, "maxInteger": 1}})),
     "minInteger exceeds maxInteger"),
    (_schema(_col({"key": {"type": "real", "minReal": 2, "maxReal": 1}})),
     "minReal exceeds maxReal"),
    (_schema(_col({"key": {"type": "string", "minLength": 3, "maxLength": 1}})),
     "minLength exceeds maxLength"),
    (_schema(_col({"key": {"type": "uuid", "refTable": "Q"}})),
     "column a key refers to undefined table Q"),
    (_schema(_col({"key": {"type": "uuid", "refTable": "T", "refType": "medium"}})),
     'refType must be "strong" or "weak" (not "medium")'),
    (_schema({"T": {"maxRows": 0, "columns": {"a": {"type": "integer"}}}}),
     "maxRows must be at least 1"),
    (_schema({"T": {"indexes": [["b"]], "columns": {"a": {"type": "integer"}}}}),
     "b is not a valid column name"),
    (_schema({"T": {"indexes": [[]], "columns": {"a": {"type": "integer"}}}}),
     "index must have at least one column"),
    (_schema({"T": {"indexes": [["a"]],
                    "columns": {"a": {"type": "integer", "ephemeral": True}}}}),
     "ephemeral columns (such as a) may not be indexed"),
    (_schema(_col({"key": {"type": "string", "minInteger": 1}})),
     "Parsing ovsdb type failed: Member 'minInteger' is present but not allowed here."),
    (_schema(_col({"key": {"type": "integer", "refTable": "T"}})),
     "Parsing ovsdb type failed: Member 'refTable' is present but not allowed here."),
    (_schema(_col({"key": {"type": "string", "enum": ["set", [1]]}})), "expected string"),
    ({"name": "1X", "tables": _col("integer")},
     "Parsing database schema failed: Type mismatch for member 'name'."),
    (_schema(_col("integer", mutable="no")),
     "Parsing schema for column a failed: Type mismatch for member 'mutable'."),
]

GOOD_SCHEMAS = [
    _schema(_col("integer")),
    _schema(_col({"key": {"type": "string", "enum": "x"}})),
    _schema(_col({"key": "integer", "value": "uuid", "min": 0, "max": 1})),
    _schema(_col({"key": "integer", "min": 1, "max": 1}, ephemeral=True)),
    _schema(_col("integer"), cksum="12 34", version="1.0.0"),
]


@pytest.mark.parametrize(("schema_json", "details"), BAD_SCHEMAS)
def test_bad_schema_rejected_like_ovsdb(schema_json: object, details: str) -> None:
    with pytest.raises(OvsdbError) as info:
        DatabaseSchema.from_json(schema_json)
    assert info.value.tag == "syntax error"
    assert info.value.details == details


@pytest.mark.parametrize("schema_json", GOOD_SCHEMAS)
def test_good_schema_accepted(schema_json: object) -> None:
    schema = DatabaseSchema.from_json(schema_json)
    assert DatabaseSchema.from_json(schema.to_json()) == schema


def test_is_root_defaults_and_output() -> None:
    none_root = DatabaseSchema.from_json(_schema({"A": {"columns": {"a": {"type": "integer"}}},
                                                  "B": {"columns": {"b": {"type": "integer"}}}}))
    assert all(t.is_root for t in none_root.tables.values())
    assert "isRoot" not in none_root.to_json()["tables"]["A"]
    mixed = DatabaseSchema.from_json(_schema({
        "A": {"isRoot": True, "columns": {"a": {"type": "integer"}}},
        "B": {"columns": {"b": {"type": "integer"}}}}))
    assert mixed.to_json()["tables"]["A"]["isRoot"] is True
    assert "isRoot" not in mixed.to_json()["tables"]["B"]


def test_weak_refs_are_always_mutable_and_strong_nonroot_not_ephemeral() -> None:
    schema = DatabaseSchema.from_json(_schema({
        "A": {"isRoot": True, "columns": {
            "w": {"type": {"key": {"type": "uuid", "refTable": "A", "refType": "weak"}},
                  "mutable": False},
            "s": {"type": {"key": {"type": "uuid", "refTable": "B"}, "min": 0},
                  "ephemeral": True}}},
        "B": {"columns": {"b": {"type": "integer"}}}}))
    assert schema.tables["A"].columns["w"].mutable
    assert not schema.tables["A"].columns["s"].ephemeral


def test_type_english() -> None:
    schema = DatabaseSchema.from_json(json.loads(Path(REAL_SCHEMAS[0]).read_text()))
    cols = schema.tables["Bridge"].columns
    assert cols["name"].type.to_english() == "string"
    assert cols["ports"].type.to_english() == "set of uuids"
    assert cols["external_ids"].type.to_english() == "map of (string, string) pairs"
    assert cols["name"].type.key.type is AtomicType.STRING


@pytest.mark.integration
def test_acceptance_matches_ovsdb_tool(tmp_path: Path) -> None:
    cases = [s for s, _ in BAD_SCHEMAS] + GOOD_SCHEMAS
    for i, schema_json in enumerate(cases):
        path = tmp_path / f"s{i}.ovsschema"
        path.write_text(json.dumps(schema_json))
        proc = subprocess.run(["ovsdb-tool", "create", str(tmp_path / f"d{i}.db"), str(path)],
                              capture_output=True, text=True, timeout=30)
        try:
            DatabaseSchema.from_json(schema_json)
            ours = True
        except OvsdbError as e:
            ours = False
            assert (e.details or "") in proc.stderr, (schema_json, proc.stderr)
        assert ours == (proc.returncode == 0), (schema_json, proc.stderr)


@pytest.mark.integration
@pytest.mark.parametrize("path", REAL_SCHEMAS)
def test_get_schema_from_ovsdb_server_parses_to_the_same(tmp_path: Path, path: str) -> None:
    """ovsdb-server rewrites a schema in get_schema; ours must read as equal."""
    original = json.loads(Path(path).read_text())
    gen = real_server(tmp_path, original)
    server = next(gen)
    conn = server.connect()
    try:
        served = conn.call("get_schema", [original["name"]])["result"]
    finally:
        conn.close()
        gen.close()
    ours = DatabaseSchema.from_json(original)
    assert DatabaseSchema.from_json(served) == ours
    assert DatabaseSchema.from_json(ours.to_json()) == DatabaseSchema.from_json(served)
    for tname, table in served["tables"].items():
        assert ("isRoot" in table) == ("isRoot" in ours.to_json()["tables"][tname])
