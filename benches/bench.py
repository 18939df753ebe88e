#!/usr/bin/env python3
"""Measure okta-mcp (ours) over MCP stdio against crates/fake-okta; optionally merge the
Okta-python results (benches/.work/okta-python-results.json) into one side-by-side table.

Usually run through benches/run.sh. Direct use:
    python3 benches/bench.py --fake http://127.0.0.1:PORT --token T [--runs 20] [--calls 1000]
    python3 benches/bench.py --table-only        # rebuild benches/results.md from saved JSON
Python 3.11 stdlib + benches/lib/mcp_stdio.py.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "lib"))
from mcp_stdio import McpStdioClient, measure, tool_result_text  # noqa: E402

WORK = HERE / ".work"
OURS_JSON = WORK / "okta-mcp-results.json"
OKTA_JSON = WORK / "okta-python-results.json"
RESULTS_MD = HERE / "results.md"
SERVER = str(ROOT / "target" / "release" / "okta-mcp")

# The 19 scopes Okta's server is run with (benches/okta-python/README.md): its 113 tools.
OKTA_19 = " ".join(
    [f"okta.{r}.{a}" for r in ("apps", "brands", "deviceAssurance", "domains", "emailDomains",
                               "groups", "policies", "templates", "users") for a in ("read", "manage")]
    + ["okta.logs.read"])


def spec_scopes() -> str:
    """Every OAuth scope the pinned spec declares (regex over its security blocks)."""
    lock = (ROOT / "openapi" / "spec.lock").read_text()
    release = re.search(r'^release\s*=\s*"([^"]+)"', lock, re.M).group(1)
    for p in (ROOT / "openapi" / "management.yaml",
              ROOT.parent / "shared" / "okta-openapi" / f"management-{release}.yaml"):
        if p.is_file():
            return " ".join(sorted(set(re.findall(r"^\s+- (okta\.[A-Za-z0-9_.]+)\s*$", p.read_text(), re.M))))
    raise SystemExit("bench: the pinned spec was not found (needed for the list of scopes)")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def env_for(fake: str, token: str, scopes: str, **extra: str) -> dict[str, str]:
    e = {"OKTA_ORG_URL": fake, "OKTA_API_TOKEN": token, "OKTA_SCOPES": scopes, "RUST_LOG": "warn"}
    e.update(extra)
    return e


def first_json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def find_user_id(obj) -> str | None:
    if isinstance(obj, dict):
        if isinstance(obj.get("id"), str) and "profile" in obj:
            return obj["id"]
        for v in obj.values():
            r = find_user_id(v)
            if r:
                return r
    elif isinstance(obj, list):
        for v in obj:
            r = find_user_id(v)
            if r:
                return r
    return None


def list_size(fake, token, scopes, tools_env: dict[str, str]) -> dict:
    with McpStdioClient([SERVER], env_for(fake, token, scopes, **tools_env)) as c:
        c.initialize()
        tools = c.list_tools()
        return {"tools": len(tools), "bytes": c.tools_bytes, "tokens": c.tools_bytes // 4}


def per_call(fake, token, scopes, calls: int) -> dict:
    stderr = str(WORK / "okta-mcp.stderr.log")
    with McpStdioClient([SERVER], env_for(fake, token, scopes), stderr=stderr) as c:
        c.initialize()
        tools = {t["name"]: t for t in c.list_tools()}
        hwm_tools_list = c.memory().get("VmHWM")
        first = c.call_tool("list_users", {"limit": 1})
        uid = find_user_id(first.get("structuredContent")) or find_user_id(first_json(tool_result_text(first)))
        if not uid:
            raise SystemExit(f"bench: no user id in list_users output: {tool_result_text(first)[:300]}")
        req = tools["get_user"]["inputSchema"].get("required", ["id"])
        arg = req[0] if req else "id"
        via = []
        for _ in range(calls):
            t0 = time.perf_counter()
            r = c.call_tool("get_user", {arg: uid})
            via.append(time.perf_counter() - t0)
            if r.get("isError"):
                raise SystemExit(f"bench: get_user failed: {tool_result_text(r)[:300]}")
        hwm_calls = c.memory().get("VmHWM")
        cpu = c.cpu_seconds()
    u = urlparse(fake)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    direct = []
    for _ in range(calls):
        t0 = time.perf_counter()
        conn.request("GET", f"/api/v1/users/{uid}", headers={"Authorization": f"SSWS {token}",
                                                            "Accept": "application/json"})
        resp = conn.getresponse()
        resp.read()
        direct.append(time.perf_counter() - t0)
        if resp.status != 200:
            raise SystemExit(f"bench: direct GET answered {resp.status}")
    conn.close()
    return {"calls": calls, "hwm_after_tools_list_kB": hwm_tools_list, "hwm_after_calls_kB": hwm_calls,
            "cpu_s_total": cpu,
            "via_p50_ms": pct(via, .5) * 1e3, "via_p99_ms": pct(via, .99) * 1e3,
            "direct_p50_ms": pct(direct, .5) * 1e3, "direct_p99_ms": pct(direct, .99) * 1e3,
            "overhead_p50_ms": (pct(via, .5) - pct(direct, .5)) * 1e3,
            "user_id_arg": arg}


def throughput(fake, token, scopes, calls: int, inflight: int = 8) -> dict:
    """One server, `inflight` tools/call requests outstanding at all times (pipelined on stdio)."""
    with McpStdioClient([SERVER], env_for(fake, token, scopes)) as c:
        c.initialize()
        c.list_tools()
        r = c.call_tool("list_users", {"limit": 1})
        uid = find_user_id(r.get("structuredContent")) or find_user_id(first_json(tool_result_text(r)))
        sent = done = errors = 0
        pending: dict[int, float] = {}
        lat = []

        def send():
            nonlocal sent
            rid = 100000 + sent
            c._send({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                     "params": {"name": "get_user", "arguments": {"id": uid}}})
            pending[rid] = time.perf_counter()
            sent += 1

        t0 = time.perf_counter()
        while sent < min(inflight, calls):
            send()
        deadline = time.perf_counter() + 300
        while done < calls:
            msg = json.loads(c._read_line(deadline))
            rid = msg.get("id")
            if rid not in pending:
                continue
            lat.append(time.perf_counter() - pending.pop(rid))
            done += 1
            if "error" in msg or msg.get("result", {}).get("isError"):
                errors += 1
            if sent < calls:
                send()
        wall = time.perf_counter() - t0
    return {"inflight": inflight, "calls": calls, "errors": errors, "wall_s": wall,
            "calls_per_s": calls / wall, "p50_ms": pct(lat, .5) * 1e3, "p99_ms": pct(lat, .99) * 1e3}


def paging(fake, token, scopes) -> dict:
    env = env_for(fake, token, scopes, OKTA_MAX_OUTPUT_BYTES="200000000", OKTA_MAX_RESPONSE_BYTES="200000000")
    with McpStdioClient([SERVER], env, default_timeout=600) as c:
        c.initialize()
        c.list_tools()
        t0 = time.perf_counter()
        r = c.call_tool("list_users", {"fetch_all": True, "max_pages": 100, "limit": 100})
        wall = time.perf_counter() - t0
        text = tool_result_text(r)
        sc = r.get("structuredContent")
        n = None
        for obj in (sc, first_json(text)):
            if isinstance(obj, dict):
                for k in ("items", "users", "value", "data"):
                    if isinstance(obj.get(k), list):
                        n = len(obj[k])
                        break
            elif isinstance(obj, list):
                n = len(obj)
            if n is not None:
                break
        return {"wall_s": wall, "users": n, "is_error": bool(r.get("isError")),
                "text_bytes": len(text.encode()), "hwm_kB": c.memory().get("VmHWM")}


def ours(a) -> dict:
    all_scopes = spec_scopes()
    out: dict = {"server": "okta-mcp (release)", "loadavg_start": os.getloadavg(), "nproc": os.cpu_count()}
    print("[bench] cold starts", file=sys.stderr)
    m = measure([SERVER], env_for(a.fake, a.token, all_scopes), runs=a.runs, timeout=60)
    med = m["median"]
    out["cold"] = {k: med.get(k) for k in ("spawn_to_initialize_s", "spawn_to_tools_list_s", "tools_list_s",
                                           "after_tools_list_VmHWM_kB", "cpu_s_at_tools_list", "tool_count",
                                           "tools_bytes")}
    out["cold_min_max_tools_list_s"] = [m["min"]["spawn_to_tools_list_s"], m["max"]["spawn_to_tools_list_s"]]
    print("[bench] tools/list sizes", file=sys.stderr)
    out["sizes"] = {
        "default_all_scopes": list_size(a.fake, a.token, all_scopes, {}),
        "curated_okta19_scopes": list_size(a.fake, a.token, OKTA_19, {}),
        "OKTA_TOOLS=all": list_size(a.fake, a.token, all_scopes, {"OKTA_TOOLS": "all"}),
    }
    print(f"[bench] {a.calls} get_user calls via server and direct", file=sys.stderr)
    out["per_call"] = per_call(a.fake, a.token, all_scopes, a.calls)
    print("[bench] throughput, 8 in flight", file=sys.stderr)
    out["throughput"] = throughput(a.fake, a.token, all_scopes, a.calls)
    print("[bench] auto-paging 10,000 users", file=sys.stderr)
    out["paging"] = paging(a.fake, a.token, all_scopes)
    out["loadavg_end"] = os.getloadavg()
    return out


def fmt(v, nd=1):
    if v is None:
        return "n/a"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}"


def ratio(a, b):
    try:
        return f"{b / a:,.1f}×" if a and b else "—"
    except TypeError:
        return "—"


def table(o: dict, k: dict | None, extra: dict) -> str:
    kc = (k or {}).get("cold_median", {})
    oc = o["cold"]
    s = o["sizes"]
    rows = [
        ("cold start: spawn → initialize answered (median, s)", oc["spawn_to_initialize_s"], kc.get("spawn_to_initialize_s"), 3),
        ("cold start: spawn → tools/list answered (median, s)", oc["spawn_to_tools_list_s"], kc.get("spawn_to_tools_list_s"), 3),
        ("CPU s used by tools/list (median)", oc["cpu_s_at_tools_list"], kc.get("cpu_s_at_tools_list"), 3),
        ("peak RSS after tools/list (kB)", oc["after_tools_list_VmHWM_kB"], kc.get("hwm_after_tools_list_kB"), 0),
        (f"peak RSS after {o['per_call']['calls']} get_user calls (kB) [Okta: after 1 list_users]",
         o["per_call"]["hwm_after_calls_kB"], kc.get("hwm_after_call_kB"), 0),
        ("tools listed, default (all scopes / Okta: its 19)", s["default_all_scopes"]["tools"], (k or {}).get("tool_count"), 0),
        ("tools/list bytes, default all scopes", s["default_all_scopes"]["bytes"], None, 0),
        ("tools/list bytes, curated (Okta's 19 scopes)", s["curated_okta19_scopes"]["bytes"],
         ((k or {}).get("tools_bytes") or {}).get("compact_utf8"), 0),
        ("tools/list ~tokens (bytes/4), curated", s["curated_okta19_scopes"]["tokens"],
         (((k or {}).get("tools_bytes") or {}).get("compact_utf8") or 0) // 4 or None, 0),
        ("tools/list bytes, OKTA_TOOLS=all", s["OKTA_TOOLS=all"]["bytes"], None, 0),
        ("tools listed, OKTA_TOOLS=all", s["OKTA_TOOLS=all"]["tools"], None, 0),
        ("get_user via server p50 (ms)", o["per_call"]["via_p50_ms"], None, 2),
        ("get_user via server p99 (ms)", o["per_call"]["via_p99_ms"], None, 2),
        ("same GET direct p50 / p99 (ms)", f"{o['per_call']['direct_p50_ms']:.2f} / {o['per_call']['direct_p99_ms']:.2f}", None, 2),
        ("per-call overhead p50 (ms)", o["per_call"]["overhead_p50_ms"], None, 2),
        ("list_users {} one call (s) [ours: get_user p50]", o["per_call"]["via_p50_ms"] / 1e3, kc.get("list_users_s"), 4),
        ("throughput, 8 in flight on one server (calls/s)", o["throughput"]["calls_per_s"], None, 0),
        ("auto-page 10,000 users: wall (s)", o["paging"]["wall_s"], None, 2),
        ("auto-page 10,000 users: users returned", o["paging"]["users"], None, 0),
        ("auto-page 10,000 users: peak RSS (kB)", o["paging"]["hwm_kB"], None, 0),
    ]
    for key, label in (("release_binary_bytes", "release binary size (bytes)"),
                       ("clean_build_s", "clean release build (s)"),
                       ("incremental_build_s", "incremental release rebuild after touching scope-map.toml (s)")):
        rows.append((label, extra.get(key), None, 1))
    out = ["# Benchmarks: okta-mcp vs Okta's okta-mcp-server 1.1.7", "",
           f"Measured {time.strftime('%Y-%m-%d %H:%M')} on {os.cpu_count()} cores, against crates/fake-okta "
           f"(--users 10000; ours over http loopback, Okta's via the nginx TLS front). "
           f"Load average during our runs: {o['loadavg_start'][0]:.1f} → {o['loadavg_end'][0]:.1f}. "
           "Ratio = Okta ÷ ours (higher = ours better for time/size/memory).", "",
           f"Okta side: {'measured, ' + OKTA_JSON.name if k else 'not measured (' + extra.get('okta_reason', 'no results') + ')'}.", "",
           "| measure | okta-mcp | okta-mcp-server (Python) | ratio |", "| --- | ---: | ---: | ---: |"]
    for label, ov, kv, nd in rows:
        out.append(f"| {label} | {fmt(ov, nd) if not isinstance(ov, str) else ov} | {fmt(kv, nd)} | "
                   f"{ratio(ov, kv) if not isinstance(ov, str) else '—'} |")
    t = o["throughput"]
    out += ["", f"Throughput: one server, {t['inflight']} tools/call requests pipelined on its stdin at all times "
                f"({t['calls']} get_user calls, {t['errors']} errors, latency p50 {t['p50_ms']:.2f} ms / p99 {t['p99_ms']:.2f} ms).",
            "Per-call overhead: the same `GET /api/v1/users/{id}` made with Python http.client (keep-alive) "
            "vs `get_user` through the server, both sequential.", ""]
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fake")
    ap.add_argument("--token", default="T")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--extra", default="{}", help="JSON: release_binary_bytes, clean_build_s, incremental_build_s, okta_reason")
    ap.add_argument("--table-only", action="store_true")
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    extra = json.loads(a.extra)
    if a.table_only:
        o = json.loads(OURS_JSON.read_text())
        extra = {**o.get("extra", {}), **extra}
    else:
        if not a.fake:
            ap.error("--fake URL is required")
        o = ours(a)
        o["extra"] = extra
        OURS_JSON.write_text(json.dumps(o, indent=2))
    k = json.loads(OKTA_JSON.read_text()) if OKTA_JSON.is_file() and not extra.get("okta_reason") else None
    md = table(o, k, {**o.get("extra", {}), **extra})
    RESULTS_MD.write_text(md)
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
