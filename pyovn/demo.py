"""`make demo`: a pyovn OVSDB server on OVN's northbound schema, driven by ovn-nbctl.

Until the network sandbox exists this is the main job: it shows that real OVN
tooling runs unchanged against pyovn's database server. Everything happens in
a temporary directory that is removed at the end.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console

NB_SCHEMA = Path("/usr/share/ovn/ovn-nb.ovsschema")
console = Console(highlight=False)


def pyovn(*args: str) -> list[str]:
    return [sys.executable, "-m", "pyovn", *args]


def run(cmd: list[str], env: dict[str, str], show: bool = True) -> str:
    if show:
        shown = shlex.join(["pyovn", *cmd[3:]] if cmd[0] == sys.executable else cmd)
        console.print(f"[bold cyan]$[/] {shown}")
    result = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        console.print(f"[red]failed ({result.returncode}):[/] {result.stderr.strip()}")
        raise SystemExit(1)
    out = result.stdout.rstrip()
    if show and out:
        console.print(out)
    return out


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pyovn-demo-") as tmp:
        work = Path(tmp)
        env = dict(os.environ, OVS_RUNDIR=tmp, OVS_LOGDIR=tmp, OVS_DBDIR=tmp)
        db = work / "ovnnb_db.db"
        sock = work / "ovnnb_db.sock"
        console.rule("pyovn demo: OVSDB server on OVN's NB schema, driven by real ovn-nbctl")
        run(pyovn("ovsdb-tool", "create", str(db), str(NB_SCHEMA)), env)
        run(
            pyovn(
                "ovsdb-server", "--detach", "--no-chdir", f"--remote=punix:{sock}",
                "--pidfile", "--log-file", "-vconsole:off", str(db),
            ),
            env,
        )
        nbctl = ["ovn-nbctl", f"--db=unix:{sock}"]
        try:
            start = time.monotonic()
            run([*nbctl, "ls-add", "sw0"], env)
            run([*nbctl, "lsp-add", "sw0", "vm1", "--", "lsp-set-addresses", "vm1",
                 "00:00:00:00:00:01 10.0.0.11"], env)
            run([*nbctl, "lsp-add", "sw0", "vm2", "--", "lsp-set-addresses", "vm2",
                 "00:00:00:00:00:02 10.0.0.12"], env)
            run([*nbctl, "lr-add", "lr0"], env)
            run([*nbctl, "lrp-add", "lr0", "lr0-sw0", "00:00:00:00:ff:01", "10.0.0.1/24"], env)
            run([*nbctl, "lsp-add", "sw0", "sw0-lr0", "--", "lsp-set-type", "sw0-lr0", "router",
                 "--", "lsp-set-addresses", "sw0-lr0", "router",
                 "--", "lsp-set-options", "sw0-lr0", "router-port=lr0-sw0"], env)
            run([*nbctl, "acl-add", "sw0", "to-lport", "1000", 'outport == "vm2" && tcp.dst == 22',
                 "drop"], env)
            run([*nbctl, "lb-add", "lb0", "10.0.0.100:80", "10.0.0.11:8080,10.0.0.12:8080", "tcp"],
                env)
            run([*nbctl, "ls-lb-add", "sw0", "lb0"], env)
            elapsed = time.monotonic() - start
            console.rule("what the database now holds")
            run([*nbctl, "show"], env)
            run([*nbctl, "list", "ACL"], env)
            run([*nbctl, "lb-list"], env)
            console.print(f"[green]9 ovn-nbctl transactions committed in {elapsed:.2f} s[/]")
            console.rule("the ACL's match and action, compiled to OpenFlow by pyovn.logical")
            match = run([*nbctl, "get", "ACL", ".", "match"], env, show=False).strip('"')
            run(pyovn("lflow", "parse-match", "--annotate", match.replace('\\"', '"')), env)
            run(pyovn("lflow", "compile", match.replace('\\"', '"'), "--actions", "drop;",
                      "--table", "52", "--priority", "2000"), env)
            console.rule("the same data, read back by OVS's own ovsdb-tool from pyovn's file")
            out = run(["ovsdb-tool", "show-log", str(db)], env, show=False)
            records = len(out.splitlines())
            console.print(f"ovsdb-tool show-log: {records} records, schema OVN_Northbound")
        finally:
            _stop_by_pidfile(work)
        console.print("[green]demo finished; server stopped, files removed[/]")


def _stop_by_pidfile(work: Path) -> None:
    """Ask the server to exit through its unixctl socket, found from its pidfile."""
    pid = int((work / "ovsdb-server.pid").read_text().strip())
    ctl = work / f"ovsdb-server.{pid}.ctl"
    subprocess.run(["ovs-appctl", "-t", str(ctl), "exit"], timeout=10, check=False)
    for _ in range(100):
        if not (work / "ovsdb-server.pid").exists():
            return
        time.sleep(0.05)


if __name__ == "__main__":
    main()
