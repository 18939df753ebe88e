#!/usr/bin/env python3
"""Measure Okta's okta-mcp-server 1.1.7 over MCP stdio against crates/fake-okta behind the TLS
front, with the same code as ours (benches/lib/common.py).

Usually run through bench.sh (which starts the fake and the TLS front and stops both). Direct use:
    python3 benches/okta-python/bench.py --org https://127.0.0.1:PORT [--runs 20] [--calls 1000]
Cold starts get a fresh keyring each (so the server fetches a token, as a first start does);
the other measurements share one keyring (token cached, as in daily use).
Writes benches/.work/okta-python-results.json. Python 3.11 stdlib only.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
import common  # noqa: E402
from common import Side, WORK, dump_json, log  # noqa: E402

ACCESS_LOG = Path(os.environ.get("TLS_FRONT_DIR", WORK / "nginx")) / "access.log"
VENV = WORK / "okta-venv"


def log_size() -> int:
    try:
        return ACCESS_LOG.stat().st_size
    except FileNotFoundError:
        return 0


def log_since(off: int) -> list[str]:
    try:
        with open(ACCESS_LOG, "rb") as f:
            f.seek(off)
            return [" ".join(ln.split(" ")[1:4]) for ln in f.read().decode().splitlines() if " " in ln]
    except FileNotFoundError:
        return []


def org_requests_at_start(side: Side) -> dict:
    """Which requests the server sends to the org before initialize / for one list_users."""
    c = side.client("probe")
    try:
        c.start()
        off = log_size()
        c.initialize()
        before_init = log_since(off)
        c.list_tools()
        off = log_size()
        c.call_tool(side.list_users_tool, {})
        call = log_since(off)
    finally:
        c.close()
    return {"before_initialize": before_init, "list_users": call}


def footprint() -> dict:
    site = next(VENV.glob("lib/python3*/site-packages"), None)
    du = subprocess.run(["du", "-sk", str(site)], capture_output=True, text=True) if site else None
    py = subprocess.run([str(VENV / "bin" / "python"), "-c", "import sys; print(sys.version.split()[0])"],
                        capture_output=True, text=True)
    return {"site_packages_kB": int(du.stdout.split()[0]) if du and du.returncode == 0 else None,
            "python": py.stdout.strip()}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--org", required=True, help="https URL of the TLS front")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--out", default=str(WORK / "okta-python-results.json"))
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    stderr = WORK / "okta-mcp-server.stderr.log"
    stderr.write_text("")
    token = (WORK / "nginx" / "token").read_text().strip() if (WORK / "nginx" / "token").is_file() else "x"
    tmp = tempfile.mkdtemp(prefix="okta-kr-")
    shared_keyring = os.path.join(tmp, "shared")
    side = Side(label="okta", cmd=["bash", str(HERE / "run-server.sh"), a.org], org=a.org,
                auth_header=f"Bearer {token}", cafile=str(WORK / "tls" / "ca.pem"),
                env={"XDG_DATA_HOME": shared_keyring}, stderr=str(stderr))
    out: dict = {"server": "okta-mcp-server 1.1.7", "org": a.org, "loadavg_start": common.loadavg(),
                 "footprint": footprint()}
    try:
        cold_side = Side(**{**side.__dict__, "fresh_env": lambda tag: {"XDG_DATA_HOME": os.path.join(tmp, tag)}})
        out["cold"] = common.cold(cold_side, a.runs)
        out["org_requests"] = org_requests_at_start(side)
        tl = WORK / "tools"
        tl.mkdir(exist_ok=True)
        out["sizes"] = {"default_okta19": common.tools_list(side, tl / "okta-default-okta19.json")}
        out["per_call"] = common.per_call(side, a.calls)
        out["throughput"] = common.throughput(side, a.calls)
        log("okta: auto-paging (fresh server per run)")
        out["paging"] = {
            # list_users fetch_all is capped by design at 10 pages of 200 (2,000 users).
            "fetch_all_2000": common.one_call(side, side.list_users_tool, {"fetch_all": True}),
            # export_users_csv pages without that cap (200 per page, 0.1 s pause between pages)
            # and writes a CSV instead of returning the users.
            "export_csv_10000": common.one_call(side, "export_users_csv",
                                                {"output_path": str(WORK / "okta-export.csv")}),
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    out["loadavg_end"] = common.loadavg()
    dump_json(Path(a.out), out)
    log(f"okta: written {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
