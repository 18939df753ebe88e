#!/usr/bin/env python3
"""Measure Okta's okta-mcp-server 1.1.7 over MCP stdio against a fake Okta behind the TLS front.

Usually run through bench.sh (which starts the fake, the TLS front and stops both). Direct use:
    python3 benches/okta-python/bench.py --org https://127.0.0.1:PORT [--runs 20] [--out FILE]

Per cold run: fresh keyring dir (so the server must fetch a token, as a first start does),
spawn -> initialize -> tools/list -> tools/call list_users {} -> close.
Also counts the requests the server made to the org (from the TLS front's access log) before
answering initialize/tools/list, and does a few starts with a cached token for comparison.
Python 3.11 stdlib only.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "lib"))
from mcp_stdio import McpStdioClient, compact_json_bytes, tool_result_text  # noqa: E402

WORK = HERE.parent / ".work"
ACCESS_LOG = Path(os.environ.get("TLS_FRONT_DIR", WORK / "nginx")) / "access.log"


def log_size() -> int:
    try:
        return ACCESS_LOG.stat().st_size
    except FileNotFoundError:
        return 0


def log_since(off: int) -> list[str]:
    try:
        with open(ACCESS_LOG, "rb") as f:
            f.seek(off)
            return [ln.split(" ", 1)[1] for ln in f.read().decode().splitlines() if " " in ln]
    except FileNotFoundError:
        return []


def one_run(org: str, keyring_dir: str, call: bool, stderr: str, timeout: float) -> dict:
    cmd = ["bash", str(HERE / "run-server.sh"), org]
    c = McpStdioClient(cmd, {"XDG_DATA_HOME": keyring_dir}, stderr=stderr, default_timeout=timeout)
    s: dict = {}
    off = log_size()
    try:
        c.start()
        c.initialize()
        s["org_requests_before_initialize"] = log_since(off)
        tools = c.list_tools()
        s["spawn_to_initialize_s"] = c.since_spawn("initialize")
        s["spawn_to_tools_list_s"] = c.since_spawn("tools/list")
        s["tools_list_s"] = c.timings["tools/list"]
        s["tool_count"] = len(tools)
        s["tools_bytes"] = c.tools_bytes
        s["tools_response_bytes"] = c.tools_response_bytes
        s["cpu_s_at_tools_list"] = c.cpu_seconds()  # run-server.sh execs, so this is the Python server
        mem = c.memory(include_children=True)
        s["rss_after_tools_list_kB"] = mem.get("VmRSS")
        s["hwm_after_tools_list_kB"] = mem.get("VmHWM")
        s["procs"] = mem.get("tree_procs")
        s["protocolVersion"] = (c.init_result or {}).get("protocolVersion")
        s["_tools"] = tools
        if call:
            off2 = log_size()
            r = c.call_tool("list_users", {})
            txt = tool_result_text(r)
            s["list_users_s"] = c.timings["tools/call:list_users"]
            s["list_users_is_error"] = bool(r.get("isError"))
            try:
                j = json.loads(txt)
                s["list_users_fetched"] = j.get("total_fetched") if isinstance(j, dict) else None
                s["list_users_has_more"] = j.get("has_more") if isinstance(j, dict) else None
            except json.JSONDecodeError:
                s["list_users_fetched"] = None
            s["list_users_text_bytes"] = len(txt.encode())
            s["list_users_org_requests"] = log_since(off2)
            s["hwm_after_call_kB"] = c.memory().get("VmHWM")
    finally:
        s["exit_code"] = c.close()
    return s


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--org", required=True, help="https URL of the TLS front")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--cached-runs", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--out", default=str(WORK / "okta-python-results.json"))
    a = ap.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    stderr = str(WORK / "okta-mcp-server.stderr.log")
    Path(stderr).write_text("")
    load_start = os.getloadavg()
    tmp = tempfile.mkdtemp(prefix="okta-kr-")
    try:
        cold = []
        for i in range(a.runs):
            d = os.path.join(tmp, f"cold{i}")
            cold.append(one_run(a.org, d, True, stderr, a.timeout))
            print(f"cold {i + 1}/{a.runs}: tools/list at {cold[-1]['spawn_to_tools_list_s']:.3f}s "
                  f"rss {cold[-1]['rss_after_tools_list_kB']} kB", file=sys.stderr)
        cached = []
        shared = os.path.join(tmp, "cached")
        one_run(a.org, shared, False, stderr, a.timeout)  # prime the keyring with a token
        for i in range(a.cached_runs):
            cached.append(one_run(a.org, shared, False, stderr, a.timeout))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    tools = cold[0].pop("_tools")
    for s in cold + cached:
        s.pop("_tools", None)
    (WORK / "okta-python-tools.json").write_text(json.dumps(tools, indent=1, ensure_ascii=False))
    sizes = {
        "compact_utf8": compact_json_bytes(tools),
        "compact_ascii_escaped": len(json.dumps(tools, separators=(",", ":")).encode()),
        "python_default_separators_ascii": len(json.dumps(tools).encode()),
    }
    keys = ["spawn_to_initialize_s", "spawn_to_tools_list_s", "cpu_s_at_tools_list", "tools_list_s", "rss_after_tools_list_kB",
            "hwm_after_tools_list_kB", "list_users_s", "hwm_after_call_kB"]
    out = {
        "server": "okta-mcp-server 1.1.7",
        "org": a.org,
        "runs": a.runs,
        "python": str(WORK / "okta-venv" / "bin" / "python"),
        "loadavg_1_5_15_start_end": [load_start, os.getloadavg()],
        "nproc": os.cpu_count(),
        "cold_median": {k: med([s.get(k) for s in cold]) for k in keys},
        "cold_min": {k: min((s[k] for s in cold if s.get(k) is not None), default=None) for k in keys},
        "cold_max": {k: max((s[k] for s in cold if s.get(k) is not None), default=None) for k in keys},
        "cached_token_median": {k: med([s.get(k) for s in cached]) for k in keys[:6]},
        "tool_count": cold[0]["tool_count"],
        "tools_bytes": sizes,
        "tools_response_line_bytes": cold[0]["tools_response_bytes"],
        "protocolVersion": cold[0]["protocolVersion"],
        "org_requests_before_initialize_cold": cold[0]["org_requests_before_initialize"],
        "org_requests_before_initialize_cached": cached[0]["org_requests_before_initialize"] if cached else None,
        "list_users": {k: cold[0].get(k) for k in ("list_users_is_error", "list_users_fetched", "list_users_has_more",
                                                   "list_users_text_bytes", "list_users_org_requests")},
        "exit_codes": sorted({s["exit_code"] for s in cold + cached}, key=str),
        "samples": {"cold": cold, "cached": cached},
    }
    Path(a.out).write_text(json.dumps(out, indent=2))
    brief = {k: v for k, v in out.items() if k != "samples"}
    print(json.dumps(brief, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
