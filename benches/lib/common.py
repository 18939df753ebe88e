"""Measurements shared by both sides of the benchmark (ours: benches/bench.py, Okta's:
benches/okta-python/bench.py), so both servers go through exactly the same code.

A side is described by a ``Side``: how to start its server (command + environment), the org
URL it talks to, how to make the same HTTP request directly, and the names/arguments of its
read tools. Python 3.11 stdlib only. Logs go to stderr.
"""
from __future__ import annotations

import http.client
import json
import os
import ssl
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

from mcp_stdio import McpStdioClient, compact_json_bytes, measure, tool_result_text

WORK = Path(__file__).resolve().parent.parent / ".work"


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def pct(xs: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(q * (len(xs) - 1)))))]


@dataclass
class Side:
    label: str                                  # "ours" / "okta"
    cmd: list[str]
    env: dict[str, str]                         # for every start
    org: str                                    # base URL of the org the server talks to
    auth_header: str                            # Authorization value for direct requests
    cafile: str | None = None                   # for an https org
    get_user_tool: str = "get_user"
    list_users_tool: str = "list_users"
    fresh_env: Callable[[str], dict[str, str]] | None = None   # per-start extra env (e.g. keyring dir)
    stderr: str | None = None
    _n: int = field(default=0, repr=False)

    def start_env(self, tag: str) -> dict[str, str]:
        e = dict(self.env)
        if self.fresh_env:
            self._n += 1
            e.update(self.fresh_env(f"{tag}-{self._n}"))
        return e

    def client(self, tag: str, timeout: float = 60.0, **extra_env: str) -> McpStdioClient:
        return McpStdioClient(self.cmd, {**self.start_env(tag), **extra_env}, stderr=self.stderr,
                              default_timeout=timeout)


# ---------------------------------------------------------------- direct HTTP (the baseline)
class Direct:
    """One keep-alive connection to the org (http or https with the given CA)."""

    def __init__(self, side: Side) -> None:
        u = urlparse(side.org)
        self.headers = {"Authorization": side.auth_header, "Accept": "application/json"}
        if u.scheme == "https":
            ctx = ssl.create_default_context(cafile=side.cafile)
            self.conn = http.client.HTTPSConnection(u.hostname, u.port, timeout=30, context=ctx)
        else:
            self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def get(self, path: str) -> tuple[int, bytes]:
        self.conn.request("GET", path, headers=self.headers)
        r = self.conn.getresponse()
        return r.status, r.read()

    def close(self) -> None:
        self.conn.close()


def some_user_id(side: Side) -> str:
    d = Direct(side)
    try:
        status, body = d.get("/api/v1/users?limit=1")
    finally:
        d.close()
    if status != 200:
        raise SystemExit(f"bench[{side.label}]: GET /api/v1/users answered {status}: {body[:200]!r}")
    return json.loads(body)[0]["id"]


def id_argument(tool: dict) -> str:
    """The name of the (first required) string argument of a get-by-id tool."""
    schema = tool.get("inputSchema") or {}
    for name in schema.get("required") or []:
        if (schema.get("properties", {}).get(name) or {}).get("type") in ("string", None):
            return name
    return "id"


def looks_failed(result: dict) -> str | None:
    """An error text if a tools/call result failed (isError, or Okta's server's in-band error)."""
    text = tool_result_text(result)
    if result.get("isError"):
        return text[:300] or "isError"
    head = text.lstrip()[:200]
    if head.startswith(("{\"error\"", "[{\"error\"", "{\"exception\"", "[{\"exception\"")):
        return text[:300]
    return None


# ---------------------------------------------------------------- measurements
def cold(side: Side, runs: int, timeout: float = 60.0) -> dict:
    """``runs`` fresh servers: spawn -> initialize -> tools/list; medians."""
    log(f"{side.label}: {runs} cold starts")
    m = measure(side.cmd, side.env, runs=runs, timeout=timeout, stderr=side.stderr,
                before_each=(lambda i: side.fresh_env(f"cold-{i}")) if side.fresh_env else None)
    keys = ("spawn_to_initialize_s", "spawn_to_tools_list_s", "tools_list_s", "cpu_s_at_tools_list",
            "after_tools_list_VmHWM_kB", "after_tools_list_VmRSS_kB", "tool_count", "tools_bytes")
    return {"runs": runs,
            "median": {k: m["median"].get(k) for k in keys},
            "min": {k: m["min"].get(k) for k in keys},
            "max": {k: m["max"].get(k) for k in keys},
            "protocolVersion": m["samples"][0].get("protocolVersion"),
            "serverInfo": m["samples"][0].get("server"),
            "exit_codes": sorted({str(s.get("exit_code")) for s in m["samples"]})}


def tools_list(side: Side, dump: Path | None = None, **extra_env: str) -> dict:
    """tools/list of one configuration; the tools array is saved for token counting."""
    with side.client("list", **extra_env) as c:
        c.initialize()
        tools = c.list_tools()
    if dump:
        dump.write_text(json.dumps(tools, separators=(",", ":"), ensure_ascii=False))
    return {"tools": len(tools), "bytes": compact_json_bytes(tools), "pages": c.tools_pages,
            "response_bytes": c.tools_response_bytes, "file": str(dump) if dump else None,
            "env": extra_env}


def per_call(side: Side, calls: int) -> dict:
    """``calls`` sequential get_user calls through the server vs the same GET made directly
    (keep-alive). Also VmHWM after tools/list and after the calls."""
    uid = some_user_id(side)
    log(f"{side.label}: {calls} {side.get_user_tool} calls through the server, then {calls} direct GETs")
    with side.client("per-call", timeout=120) as c:
        c.initialize()
        tools = {t["name"]: t for t in c.list_tools()}
        hwm_list = c.memory().get("VmHWM")
        args = {id_argument(tools[side.get_user_tool]): uid}
        first = c.call_tool(side.get_user_tool, args)
        err = looks_failed(first)
        if err:
            raise SystemExit(f"bench[{side.label}]: {side.get_user_tool} failed: {err}")
        if uid not in tool_result_text(first) and uid not in json.dumps(first.get("structuredContent")):
            raise SystemExit(f"bench[{side.label}]: {side.get_user_tool} did not return user {uid}")
        via = []
        for _ in range(calls):
            t0 = time.perf_counter()
            r = c.call_tool(side.get_user_tool, args)
            via.append(time.perf_counter() - t0)
            if r.get("isError"):
                raise SystemExit(f"bench[{side.label}]: {side.get_user_tool} failed: {looks_failed(r)}")
        mem = c.memory()
        cpu = c.cpu_seconds()
    d = Direct(side)
    direct = []
    try:
        d.get(f"/api/v1/users/{uid}")  # connect (and TLS handshake) outside the timing
        for _ in range(calls):
            t0 = time.perf_counter()
            status, _ = d.get(f"/api/v1/users/{uid}")
            direct.append(time.perf_counter() - t0)
            if status != 200:
                raise SystemExit(f"bench[{side.label}]: direct GET answered {status}")
    finally:
        d.close()
    return {"calls": calls, "tool": side.get_user_tool, "args": list(args),
            "hwm_after_tools_list_kB": hwm_list, "hwm_after_calls_kB": mem.get("VmHWM"),
            "rss_after_calls_kB": mem.get("VmRSS"), "cpu_s_total": cpu,
            "via_p50_ms": pct(via, .5) * 1e3, "via_p99_ms": pct(via, .99) * 1e3,
            "via_mean_ms": statistics.fmean(via) * 1e3,
            "direct_p50_ms": pct(direct, .5) * 1e3, "direct_p99_ms": pct(direct, .99) * 1e3,
            "overhead_p50_ms": (pct(via, .5) - pct(direct, .5)) * 1e3,
            "overhead_p99_ms": (pct(via, .99) - pct(direct, .99)) * 1e3}


def throughput(side: Side, calls: int, inflight: int = 8) -> dict:
    """One server, ``inflight`` tools/call requests outstanding at all times (as 8 concurrent
    callers sharing one MCP session would be)."""
    uid = some_user_id(side)
    log(f"{side.label}: throughput, {calls} calls with {inflight} in flight")
    with side.client("throughput", timeout=300) as c:
        c.initialize()
        tools = {t["name"]: t for t in c.list_tools()}
        args = {id_argument(tools[side.get_user_tool]): uid}
        c.call_tool(side.get_user_tool, args)  # warm
        sent = done = errors = 0
        pending: dict[int, float] = {}
        lat: list[float] = []

        def send() -> None:
            nonlocal sent
            rid = c.send_request("tools/call", {"name": side.get_user_tool, "arguments": args})
            pending[rid] = time.perf_counter()
            sent += 1

        t0 = time.perf_counter()
        while sent < min(inflight, calls):
            send()
        deadline = time.perf_counter() + 600
        while done < calls:
            msg = c.next_response(deadline)
            rid = msg.get("id")
            if rid not in pending:
                continue
            lat.append(time.perf_counter() - pending.pop(rid))
            done += 1
            res = msg.get("result") or {}
            if "error" in msg or res.get("isError") or looks_failed(res):
                errors += 1
            if sent < calls:
                send()
        wall = time.perf_counter() - t0
        hwm = c.memory().get("VmHWM")
    return {"inflight": inflight, "calls": calls, "errors": errors, "wall_s": wall,
            "calls_per_s": calls / wall, "p50_ms": pct(lat, .5) * 1e3, "p99_ms": pct(lat, .99) * 1e3,
            "hwm_kB": hwm}


def count_items(result: dict) -> int | None:
    """How many list items a tools/call result holds (either side's shapes)."""
    for obj in (result.get("structuredContent"), _json(tool_result_text(result))):
        if isinstance(obj, list):
            return len(obj)
        if isinstance(obj, dict):
            for k in ("items", "users", "value", "data"):
                if isinstance(obj.get(k), list):
                    return len(obj[k])
            for k in ("total_users", "total_fetched"):
                if isinstance(obj.get(k), int):
                    return obj[k]
    return None


def _json(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return None


def one_call(side: Side, tool: str, args: dict, timeout: float = 600, **extra_env: str) -> dict:
    """A fresh server, one tools/call: wall time, VmHWM, items returned, result bytes."""
    with side.client(f"call-{tool}", timeout=timeout, **extra_env) as c:
        c.initialize()
        c.list_tools()
        hwm0 = c.memory().get("VmHWM")
        t0 = time.perf_counter()
        r = c.call_tool(tool, args)
        wall = time.perf_counter() - t0
        text = tool_result_text(r)
        return {"tool": tool, "args": args, "env": extra_env, "wall_s": wall, "items": count_items(r),
                "error": looks_failed(r), "result_bytes": len(text.encode()),
                "hwm_before_kB": hwm0, "hwm_kB": c.memory().get("VmHWM"),
                "notice": (_json(text) or {}).get("notice") if isinstance(_json(text), dict) else None}


def dump_json(path: Path, obj) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=2, default=str))


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]
