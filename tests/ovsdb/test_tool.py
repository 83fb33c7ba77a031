"""`pyovn ovsdb-tool`: commands, argument parsing and error lines (in process)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from pyovn.cli.ovsdb_tool import main, parse_args
from pyovn.ovsdb.storage import StandaloneStorage, scan_records
from pyovn.ovsdb.storage.ovs_order import shash_order
from pyovn.ovsdb.storage.show_log import atom_text, date_text

DATA = Path(__file__).parent / "data" / "storage"
SCHEMA = DATA / "storage-test.ovsschema"
OVS_FILE = DATA / "ovs-written.db"


def tool(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_create_writes_schema_record(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "t.db"
    assert tool(capsys, "create", str(db), str(SCHEMA)) == (0, "", "")
    records = scan_records(db.read_bytes()).records
    assert len(records) == 1
    assert records[0].json["name"] == "StorageTest"
    status, _, err = tool(capsys, "create", str(db), str(SCHEMA))
    assert status == 1
    assert err == f"ovsdb-tool: I/O error: {db}: create failed (File exists)\n"


def test_create_uses_ovs_defaults(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OVS_DBDIR", str(tmp_path))
    monkeypatch.setenv("OVS_PKGDATADIR", str(DATA))
    shutil.copy(SCHEMA, tmp_path / "vswitch.ovsschema")
    monkeypatch.setenv("OVS_PKGDATADIR", str(tmp_path))
    assert tool(capsys, "create")[0] == 0
    assert tool(capsys, "db-name") == (0, "StorageTest\n", "")


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("db-name", "StorageTest\n"),
        ("db-version", "1.2.3\n"),
        ("db-cksum", "\n"),
    ],
)
def test_db_queries_on_ovs_file(
    capsys: pytest.CaptureFixture[str], command: str, expected: str
) -> None:
    assert tool(capsys, command, str(OVS_FILE)) == (0, expected, "")


@pytest.mark.parametrize(
    ("command", "expected"),
    [("schema-name", "StorageTest\n"), ("schema-version", "1.2.3\n"), ("schema-cksum", "\n")],
)
def test_schema_queries(capsys: pytest.CaptureFixture[str], command: str, expected: str) -> None:
    assert tool(capsys, command, str(SCHEMA)) == (0, expected, "")


def test_needs_conversion(capsys: pytest.CaptureFixture[str]) -> None:
    assert tool(capsys, "needs-conversion", str(OVS_FILE), str(SCHEMA))[1] == "no\n"
    vswitch = "/usr/share/openvswitch/vswitch.ovsschema"
    assert tool(capsys, "needs-conversion", str(OVS_FILE), vswitch)[1] == "yes\n"


def test_db_kind_and_versions(capsys: pytest.CaptureFixture[str]) -> None:
    assert tool(capsys, "db-is-standalone", str(OVS_FILE))[0] == 0
    assert tool(capsys, "db-is-clustered", str(OVS_FILE))[0] == 2
    assert tool(capsys, "compare-versions", "1.2.3", "<", "1.10.0")[0] == 0
    assert tool(capsys, "compare-versions", "1.2.3", "==", "1.10.0")[0] == 2
    status, _, err = tool(capsys, "compare-versions", "1.2", "<", "1.10.0")
    assert status == 1 and "not a valid version" in err


def test_show_log_levels(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = tool(capsys, "show-log", str(OVS_FILE))
    assert status == 0
    assert out.startswith('record 0: "StorageTest" schema, version="1.2.3", cksum=""\n\n')
    assert 'record 1: 2026-12-02 17:19:16.299 "first"\nrecord 2:' in out
    _, more, _ = tool(capsys, "-m", "show-log", str(OVS_FILE))
    assert '  table Item row "a" (438b4c64) diff:\n\n' in more
    _, most, _ = tool(capsys, "show-log", "-mm", str(OVS_FILE))
    assert (
        '  table Item insert row "é ünï \\"q\\"" (86da520d):\n'
        '    name="é ünï \\"q\\""\n    enabled=true\n    weight=0.5\n\n'
    ) in most
    assert "  table Child row \"c1\" (6756c97f) diff:\n    delete row\n" in most
    assert "    options={k=w, k2=v2}\n" in most


def test_show_log_stops_at_corrupt_record(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    db.write_bytes(OVS_FILE.read_bytes()[:-5])
    status, out, err = tool(capsys, "show-log", str(db))
    assert status == 1
    assert out.count("record ") == 7
    assert err.startswith(f"ovsdb-tool: {db}: ") and err.count("\n") == 1
    # show-log only reads: the torn file is left as it was.
    assert db.stat().st_size == OVS_FILE.stat().st_size - 5


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "missing command name; use --help for help"),
        (["bogus"], "unknown command 'bogus'; use --help for help"),
        (["db-name", "a", "b"], "'db-name' command takes at most 1 arguments"),
        (["db-is-standalone"], "'db-is-standalone' command requires at least 1 arguments"),
        (["--frob"], "unrecognized option '--frob'"),
        (["-q"], "invalid option -- 'q'"),
        (["db-name", "/nonexistent/x.db"],
         "I/O error: /nonexistent/x.db: open failed (No such file"),
        (["schema-name", "/nonexistent.ovsschema"], 'failed to read schema: "/nonexistent'),
    ],
)
def test_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    status, out, err = tool(capsys, *argv)
    assert status == 1
    assert out == ""
    assert err.startswith(f"ovsdb-tool: {message}")
    assert err.count("\n") == 1


def test_bad_schema_file_error_matches_ovs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.ovsschema"
    bad.write_text('{"name":"x","tables":{"T":{"columns":{"a":{"type":"blah"}}}}}')
    status, _, err = tool(capsys, "create", str(tmp_path / "x.db"), str(bad))
    assert status == 1
    assert err == (
        f'ovsdb-tool: syntax ""blah"": syntax error: failed to parse "{bad}" as ovsdb '
        'schema: "blah" is not an atomic-type\n'
    )


def test_empty_and_garbage_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"garbage\n")
    for db in (empty, garbage):
        for command in ("db-name", "show-log", "db-is-standalone"):
            status, _, err = tool(capsys, command, str(db))
            assert status == 1 and err.count("\n") == 1, (command, err)


def test_help_and_version(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = tool(capsys, "--help")
    assert status == 0 and "show-log" in out and "The default DB is" in out
    status, out, _ = tool(capsys, "-V")
    assert status == 0 and out.startswith("ovsdb-tool (pyovn)")


def test_parse_args_like_getopt() -> None:
    parsed = parse_args(["show-log", "-mm", "x.db", "--more", "--rbac-role=r", "-vconsole:off"])
    assert parsed.words == ["show-log", "x.db"]
    assert parsed.verbosity == 3
    assert parsed.rbac_role == "r"
    assert parsed.vlog_specs == ["console:off"]
    assert parse_args(["--rbac-role", "r", "--", "-m"]).words == ["-m"]


@pytest.mark.parametrize(
    ("atom", "text"),
    [
        ("br0", "br0"),
        ("a1", "a1"),
        ("x.y-z_", "x.y-z_"),
        ("1a", '"1a"'),
        ("", '""'),
        ("true", '"true"'),
        ("é", '"é"'),
        ("6756c97f-9ad8-4758-bd4d-7cf79e497051", '"6756c97f-9ad8-4758-bd4d-7cf79e497051"'),
        (True, "true"),
        (1e20, "1e+20"),
        (0.1, "0.1"),
        (-3, "-3"),
    ],
)
def test_atom_text_like_ovs(atom: object, text: str) -> None:
    assert atom_text(atom) == text  # type: ignore[arg-type]


def test_date_text_handles_seconds_and_milliseconds() -> None:
    assert date_text(1796231956299) == "2026-12-02 17:19:16.299"
    assert date_text(1796231956) == "2026-12-02 17:19:16.000"


def test_read_only_commands_work_beside_a_writer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    shutil.copy(OVS_FILE, db)
    with StandaloneStorage.open(str(db)):
        assert tool(capsys, "db-name", str(db)) == (0, "StorageTest\n", "")
        assert tool(capsys, "show-log", str(db))[0] == 0


def test_unexpected_failure_is_still_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyovn.ovsdb import tool as tool_module

    def broken(*args: object) -> int:
        raise KeyError("boom")

    command = tool_module.COMMANDS["db-name"]
    monkeypatch.setitem(
        tool_module.COMMANDS, "db-name",
        tool_module.Command(command.name, command.usage, 0, 1, broken),
    )
    status, out, err = tool(capsys, "db-name", str(OVS_FILE))
    assert (status, out) == (1, "")
    assert err == "ovsdb-tool: internal error: KeyError: 'boom'\n"


@pytest.mark.parametrize(
    "transaction",
    [
        '["StorageTest",1]',
        '["StorageTest",{"op":1}]',
        '["StorageTest",{"op":"insert","table":"Item","row":{"value":1e400}}]',
        '["StorageTest",{"op":"insert","table":"Item","row":{"name":"\\ud800"}}]',
        '["StorageTest",{"op":"select","table":"Item","where":[["name"]]}]',
        "[null]",
        '"x"',
    ],
)
def test_hostile_transactions_never_trace_back(
    capsys: pytest.CaptureFixture[str], transaction: str
) -> None:
    status, out, err = tool(capsys, "query", str(OVS_FILE), transaction)
    assert "Traceback" not in err
    if status == 0:
        assert json.loads(out) and err == ""
    else:
        assert status == 1 and err.count("\n") == 1


@pytest.mark.parametrize(
    ("names", "ovs_order"),
    [
        # Orders OVS 3.1's show-log printed for records of ovs-written.db.
        (["name", "children", "options", "value", "tags"],
         ["name", "children", "options", "tags", "value"]),
        (["name", "weight", "enabled"], ["name", "enabled", "weight"]),
        (["options", "value", "tags"], ["options", "tags", "value"]),
        (["_date", "Child", "_is_diff", "_comment", "Item"],
         ["_date", "Child", "Item", "_comment", "_is_diff"]),
        (["bridges", "external_ids", "next_cfg"], ["bridges", "external_ids", "next_cfg"]),
    ],
)
def test_shash_order_matches_ovs(names: list[str], ovs_order: list[str]) -> None:
    assert shash_order(names) == ovs_order


def test_shash_order_is_a_permutation_through_resizes() -> None:
    names = [f"k{i}" for i in range(1000)]
    ordered = shash_order(names)
    assert sorted(ordered) == sorted(names) and ordered != names


def test_pyovn_command_line_entry_point(tmp_path: Path) -> None:
    pyovn = Path(sys.executable).with_name("pyovn")
    done = subprocess.run(
        [str(pyovn), "ovsdb-tool", "show-log", "-m", str(OVS_FILE)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.startswith('record 0: "StorageTest" schema')
    done = subprocess.run(
        [str(pyovn), "ovsdb-tool", "db-is-clustered", str(OVS_FILE)],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert (done.returncode, done.stdout, done.stderr) == (2, "", "")
    done = subprocess.run(
        [str(pyovn), "ovsdb-tool", "db-name", str(tmp_path / "missing.db")],
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 1
    missing = tmp_path / "missing.db"
    assert done.stderr == (
        f"ovsdb-tool: I/O error: {missing}: open failed (No such file or directory)\n")


def test_log_file_default_follows_ovs_logdir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OVS_LOGDIR", str(tmp_path))
    assert tool(capsys, "--log-file", "create", str(tmp_path / "x.db"), str(SCHEMA))[0] == 0
    assert (tmp_path / "ovsdb-tool.log").exists()
