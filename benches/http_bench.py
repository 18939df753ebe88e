#!/usr/bin/env python3
"""Remote mode under load: 50 concurrent MCP clients through nginx (round robin) to two
`okta-mcp serve --http` replicas sharing one redis-server, against crates/fake-okta, next to
the same calls over stdio. Usually run through benches/http.sh (builds, then runs this).

    python3 benches/http_bench.py --bin-dir DIR [--clients 50] [--calls 200]

Local single-user mode (OKTA_MCP_HTTP_AUTH=none, the server's own API token): no sign-in,
so what is measured is the transport, the proxy, the shared store and the call path, not
the OAuth gate (whose token check is a local HMAC check plus one store read per request).
Measured, per tool (get_user by id; list_users with limit 20), p50/p99 of one call:
  - over stdio, one client, sequential (the baseline);
  - through nginx, one client, sequential, for each protocol generation;
  - through nginx, N clients at once (each its own connection and, for 2025-11-25, its own
    session), each making its calls back to back, for each protocol generation;
and VmRSS/VmHWM of each replica (and nginx, redis) after the run, how the requests split
between the replicas (nginx's log), errors, and throughput. Clients run in several
processes (threads within each) so the client's GIL is not what is measured.
Writes benches/.work/http-results.json and the `http-replicas` section of
benches/results.md. Python 3.11 stdlib + benches/lib/. 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "lib"))
import common  # noqa: E402
from common import Side, WORK, dump_json, log, pct  # noqa: E402
from mcp_stdio import read_proc_status  # noqa: E402

ROOT = HERE.parent
OKTA_19 = " ".join(
    [f"okta.{r}.{a}" for r in ("apps", "brands", "deviceAssurance", "domains", "emailDomains",
                               "groups", "policies", "templates", "users") for a in ("read", "manage")]
    + ["okta.logs.read"])
PROTOCOLS = ("2025-11-25", "2026-07-28")


# ---------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, what: str, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"bench-http: {what} exited ({proc.returncode}) before listening")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"bench-http: {what} did not listen on {port}")


def program(name: str) -> str:
    found = shutil.which(name) or next((p for p in (f"/usr/sbin/{name}", f"/usr/bin/{name}")
                                        if os.access(p, os.X_OK)), None)
    if not found:
        raise SystemExit(f"bench-http: `{name}` is missing (apt-get install nginx-light redis-server)")
    return found


class Procs:
    """The peer processes, stopped in reverse order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], **kw) -> subprocess.Popen:
        p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, **kw)
        self.items.append((name, p))
        return p

    def stop(self) -> None:
        for _, p in reversed(self.items):
            if p.poll() is None:
                p.terminate()
        for _, p in reversed(self.items):
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()


def nginx_conf(d: Path, port: int, upstreams: list[int]) -> str:
    servers = "".join(f"    server 127.0.0.1:{p} max_fails=0;\n" for p in upstreams)
    return f"""daemon off;
master_process off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  log_format up '$request $status $upstream_addr';
  upstream replicas {{
{servers}    keepalive 64;
  }}
  server {{
    listen 127.0.0.1:{port};
    access_log {d}/access.log up;
    location / {{
      proxy_pass http://replicas;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 60s;
    }}
  }}
}}
"""


# ---------------------------------------------------------------- a minimal Streamable HTTP client
class HttpMcp:
    """One MCP client over one keep-alive connection: 2025-11-25 (initialize, session id) or
    2026-07-28 (stateless: every request carries its protocol version and capabilities)."""

    def __init__(self, port: int, host: str, protocol: str, quickack: bool = False) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.host, self.protocol, self.quickack = host, protocol, quickack
        self.session: str | None = None
        self.next_id = 1

    def post(self, body: dict, extra: dict[str, str] | None = None) -> tuple[int, dict | None]:
        headers = {"Host": self.host, "Content-Type": "application/json",
                   "Accept": "application/json, text/event-stream",
                   "MCP-Protocol-Version": self.protocol, **(extra or {})}
        if self.session:
            headers["Mcp-Session-Id"] = self.session
        self.conn.request("POST", "/mcp", json.dumps(body).encode(), headers)
        if self.quickack and self.conn.sock:
            # Diagnosis only: ACK at once instead of delaying it (Linux resets this flag).
            self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        r = self.conn.getresponse()
        raw = r.read()
        if r.getheader("Mcp-Session-Id"):
            self.session = r.getheader("Mcp-Session-Id")
        if not raw:
            return r.status, None
        if (r.getheader("Content-Type") or "").startswith("text/event-stream"):
            datas = [ln[5:].strip() for ln in raw.decode().splitlines() if ln.startswith("data:")]
            raw = next((d for d in datas if d), "{}").encode()
        return r.status, json.loads(raw)

    def request(self, method: str, params: dict, extra: dict[str, str] | None = None) -> dict:
        rid, self.next_id = self.next_id, self.next_id + 1
        status, msg = self.post({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}, extra)
        if status != 200 or not msg or "error" in msg:
            raise RuntimeError(f"{method}: HTTP {status} {json.dumps(msg)[:300]}")
        return msg["result"]

    def open(self) -> None:
        if self.protocol == "2025-11-25":
            self.request("initialize", {"protocolVersion": self.protocol, "capabilities": {},
                                        "clientInfo": {"name": "bench-http", "version": "0"}})
            status, _ = self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
            if status not in (200, 202):
                raise RuntimeError(f"notifications/initialized: HTTP {status}")

    def call(self, tool: str, args: dict) -> dict:
        params: dict = {"name": tool, "arguments": args}
        extra = None
        if self.protocol != "2025-11-25":
            params["_meta"] = {"io.modelcontextprotocol/protocolVersion": self.protocol,
                               "io.modelcontextprotocol/clientCapabilities": {},
                               "io.modelcontextprotocol/clientInfo": {"name": "bench-http", "version": "0"}}
            extra = {"Mcp-Method": "tools/call", "Mcp-Name": tool}
        result = self.request("tools/call", params, extra)
        if result.get("isError"):
            raise RuntimeError(f"{tool}: {common.tool_result_text(result)[:300]}")
        return result

    def close(self) -> None:
        if self.session:
            try:
                self.conn.request("DELETE", "/mcp", headers={"Host": self.host, "Mcp-Session-Id": self.session,
                                                            "MCP-Protocol-Version": self.protocol})
                self.conn.getresponse().read()
            except OSError:
                pass
        self.conn.close()


def client_loop(port: int, protocol: str, tool: str, args: dict, calls: int, start: float) -> dict:
    """One client: open, wait for the common start, `calls` calls back to back."""
    lat: list[float] = []
    errors: list[str] = []
    c = HttpMcp(port, f"127.0.0.1:{port}", protocol)
    try:
        c.open()
        time.sleep(max(0.0, start - time.time()))
        for _ in range(calls):
            t0 = time.perf_counter()
            try:
                c.call(tool, args)
                lat.append(time.perf_counter() - t0)
            except (RuntimeError, OSError, http.client.HTTPException) as e:
                errors.append(str(e)[:200])
                c.close()
                c = HttpMcp(port, f"127.0.0.1:{port}", protocol)
                c.open()
    except (RuntimeError, OSError, http.client.HTTPException) as e:
        errors.append(f"open: {e}"[:200])
    finally:
        c.close()
    return {"lat": lat, "errors": errors}


def worker(job: tuple) -> list[dict]:
    """One process: `threads` clients."""
    port, protocol, tool, args, calls, threads, start = job
    out: list[dict] = [{} for _ in range(threads)]

    def run(i: int) -> None:
        out[i] = client_loop(port, protocol, tool, args, calls, start)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return out


def concurrent(port: int, protocol: str, tool: str, args: dict, clients: int, calls: int, procs: int) -> dict:
    per = [clients // procs + (1 if i < clients % procs else 0) for i in range(procs)]
    start = time.time() + 2.0 + clients * 0.02  # every session opened before the first call
    with mp.get_context("fork").Pool(procs) as pool:
        parts = pool.map(worker, [(port, protocol, tool, args, calls, n, start) for n in per if n])
        busy = time.time() - start  # from the common start to the last answer
    lat = [x for part in parts for c in part for x in c["lat"]]
    errors = [e for part in parts for c in part for e in c["errors"]]
    return {"clients": clients, "calls_each": calls, "ok": len(lat), "errors": len(errors),
            "first_errors": errors[:3], "p50_ms": pct(lat, .5) * 1e3 if lat else None,
            "p99_ms": pct(lat, .99) * 1e3 if lat else None, "max_ms": max(lat) * 1e3 if lat else None,
            "wall_s": busy, "calls_per_s": len(lat) / busy if busy > 0 else None}


def sequential_http(port: int, protocol: str, tool: str, args: dict, calls: int, quickack: bool = False) -> dict:
    c = HttpMcp(port, f"127.0.0.1:{port}", protocol, quickack)
    c.open()
    c.call(tool, args)  # warm
    lat = []
    for _ in range(calls):
        t0 = time.perf_counter()
        c.call(tool, args)
        lat.append(time.perf_counter() - t0)
    c.close()
    return {"calls": calls, "p50_ms": pct(lat, .5) * 1e3, "p99_ms": pct(lat, .99) * 1e3}


def sequential_stdio(side: Side, tool: str, args: dict, calls: int) -> dict:
    with side.client("stdio-seq", timeout=120) as c:
        c.initialize()
        c.list_tools()
        c.call_tool(tool, args)
        lat = []
        for _ in range(calls):
            t0 = time.perf_counter()
            r = c.call_tool(tool, args)
            lat.append(time.perf_counter() - t0)
            if r.get("isError"):
                raise SystemExit(f"bench-http: stdio {tool} failed: {common.looks_failed(r)}")
        mem = c.memory()
    return {"calls": calls, "p50_ms": pct(lat, .5) * 1e3, "p99_ms": pct(lat, .99) * 1e3,
            "rss_kB": mem.get("VmRSS"), "hwm_kB": mem.get("VmHWM")}


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = read_proc_status_meminfo()
    osr = platform.freedesktop_os_release().get("PRETTY_NAME", platform.system()) \
        if hasattr(platform, "freedesktop_os_release") else platform.system()
    nginx_v = subprocess.run([program("nginx"), "-v"], capture_output=True, text=True).stderr.strip()
    redis_v = subprocess.run([program("redis-server"), "--version"], capture_output=True, text=True).stdout.split()
    return (f"CPU: {cpu} ({os.cpu_count()} cores visible); RAM: {mem}; OS: {osr}, kernel {platform.release()}; "
            f"{nginx_v.replace('nginx version: ', '')}; redis-server {redis_v[2][2:] if len(redis_v) > 2 else '?'}; "
            f"client: Python {platform.python_version()}")


def read_proc_status_meminfo() -> str:
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        return f"{kb / 1048576:.1f} GiB"
    except (OSError, ValueError, IndexError):
        return "?"


def fmt(x: float | None, nd: int = 2) -> str:
    return "—" if x is None else f"{x:,.{nd}f}"


def table(r: dict) -> str:
    c = r["config"]
    lines = [
        "### Remote mode: two replicas behind nginx with redis (benches/http.sh)",
        "",
        f"Measured {r['when']} by `bash benches/http.sh`, commit {r['commit']}; release build. "
        f"Machine: {r['machine']}. Load average (1 min) {r['load'][0]} → {r['load'][1]} "
        "(other builds shared the cores: wall times are noisy).",
        "",
        f"Two `okta-mcp serve --http` replicas (release) on 127.0.0.1, `OKTA_MCP_STORE=redis://…` on one "
        f"redis-server, nginx round robin in front (HTTP/1.1 keep-alive to the replicas), crates/fake-okta "
        f"({c['users']:,} users) behind both; Okta's 19 scopes. **Local single-user mode** "
        "(`OKTA_MCP_HTTP_AUTH=none`, the server's own API token): no sign-in, so the OAuth gate is not in the "
        "path (it adds one signature check and one store read per request). "
        f"{c['clients']} clients at once, each with its own connection (and, for 2025-11-25, its own session, "
        f"kept in redis), {c['calls']} calls each back to back, from {c['procs']} client processes. "
        "Each cell: p50 / p99 of one `tools/call`, client side, in ms.",
        "",
        "| tool | stdio, 1 client (ms) | HTTP via nginx, 1 client: 2025-11-25 ; 2026-07-28 (ms) | "
        f"HTTP via nginx, {c['clients']} clients, 2025-11-25 (ms) | same, 2026-07-28 (ms) | "
        f"calls/s at {c['clients']} clients, 2025-11-25 / 2026-07-28 | errors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for tool, t in r["tools"].items():
        s, h1, h2 = t["stdio"], t["http_seq"]["2025-11-25"], t["http_seq"]["2026-07-28"]
        a, b = t["http_conc"]["2025-11-25"], t["http_conc"]["2026-07-28"]
        lines.append(
            f"| `{tool}` | {fmt(s['p50_ms'])} / {fmt(s['p99_ms'])} | {fmt(h1['p50_ms'])} / {fmt(h1['p99_ms'])} ; "
            f"{fmt(h2['p50_ms'])} / {fmt(h2['p99_ms'])} | {fmt(a['p50_ms'])} / {fmt(a['p99_ms'])} | "
            f"{fmt(b['p50_ms'])} / {fmt(b['p99_ms'])} | {fmt(a['calls_per_s'], 0)} / {fmt(b['calls_per_s'], 0)} | "
            f"{a['errors'] + b['errors']} of {a['ok'] + a['errors'] + b['ok'] + b['errors']:,} |")
    lines += ["", "| process | VmRSS after the run (MiB) | peak, VmHWM (MiB) |", "| --- | ---: | ---: |"]
    for name, m in r["memory"].items():
        lines.append(f"| {name} | {fmt(m.get('VmRSS', 0) / 1024, 1)} | {fmt(m.get('VmHWM', 0) / 1024, 1)} |")
    st = r["stdio_memory"]
    lines.append(f"| okta-mcp over stdio, after its {c['seq_calls']:,} calls (for comparison) | "
                 f"{fmt(st.get('rss_kB', 0) / 1024, 1)} | {fmt(st.get('hwm_kB', 0) / 1024, 1)} |")
    lines += ["", "2025-11-25 (session) calls, 1 client straight to replica 1 (no nginx), p50 / p99 (ms): "
              + "; ".join(f"`{tool}` {fmt(t['http_seq']['replica']['p50_ms'])} / {fmt(t['http_seq']['replica']['p99_ms'])}"
                          f", and {fmt(t['http_seq']['quickack']['p50_ms'])} / {fmt(t['http_seq']['quickack']['p99_ms'])} "
                          "when the client ACKs at once (TCP_QUICKACK)" for tool, t in r["tools"].items())
              + ". A session's answer is an event stream written in more than one piece: when the plain "
              "figure is far above the TCP_QUICKACK one, a later write is waiting for the peer's delayed ACK "
              "(Nagle's algorithm on the replica's sockets; serve --http turns it off since 25efcb3, before "
              "which this was about 44 ms a call)."]
    split = ", ".join(f"{k}: {v:,}" for k, v in r["split"].items())
    lines += ["", f"Requests per replica (nginx's log): {split}. "
              f"Direct `GET /api/v1/users/{{id}}` to the fake, p50 / p99: {fmt(r['direct']['p50_ms'])} / "
              f"{fmt(r['direct']['p99_ms'])} ms. The 1-client rows are {c['seq_calls']:,} sequential calls; "
              "2026-07-28 is stateless (no session: every request carries its version and capabilities)."]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin-dir", required=True, type=Path)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--calls", type=int, default=200, help="calls per client in the concurrent runs")
    ap.add_argument("--seq-calls", type=int, default=500)
    ap.add_argument("--procs", type=int, default=5, help="client processes")
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--no-write", action="store_true", help="do not touch benches/results.md")
    a = ap.parse_args()
    server, fake_bin = a.bin_dir / "okta-mcp", a.bin_dir / "fake-okta"
    for b in (server, fake_bin):
        if not os.access(b, os.X_OK):
            raise SystemExit(f"bench-http: {b} is missing (cargo build --release -p okta-mcp -p fake-okta)")
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="http-", dir=WORK))
    procs = Procs()
    load0 = common.loadavg()[0]
    try:
        fake_out = open(tmp / "fake.out", "w+")
        fake = procs.start("fake-okta", [str(fake_bin), "--users", str(a.users), "--port", "0", "--token", "T",
                                         "--rate-limit", "100000000"], stdout=fake_out,
                           stderr=open(tmp / "fake.err", "w"))
        org = ""
        for _ in range(300):
            fake_out.seek(0)
            org = fake_out.readline().strip()
            if org.startswith("http://"):
                break
            if fake.poll() is not None:
                raise SystemExit("bench-http: fake-okta exited")
            time.sleep(0.05)
        log(f"fake okta: {org}")
        rport = free_port()
        redis = procs.start("redis-server", [program("redis-server"), "--bind", "127.0.0.1", "--port", str(rport),
                                             "--save", "", "--appendonly", "no", "--dir", str(tmp)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(rport, "redis-server", redis)
        env = {k: v for k, v in os.environ.items() if not k.startswith("OKTA")}
        env.update({"OKTA_ORG_URL": org, "OKTA_API_TOKEN": "T", "OKTA_SCOPES": OKTA_19, "RUST_LOG": "warn",
                    "OKTA_AUDIT_LOG": "off", "OKTA_MCP_HTTP_AUTH": "none",
                    "OKTA_MCP_STORE": f"redis://127.0.0.1:{rport}", "XDG_STATE_HOME": str(tmp / "state")})
        ports, replicas = [], []
        for i in (1, 2):
            p = free_port()
            replicas.append(procs.start(f"replica {i}", [str(server), "serve", "--http", f"127.0.0.1:{p}"], env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(tmp / f"replica{i}.err", "w")))
            ports.append(p)
        for i, (p, r) in enumerate(zip(ports, replicas), 1):
            wait_port(p, f"replica {i}", r)
        nport = free_port()
        (tmp / "nginx.conf").write_text(nginx_conf(tmp, nport, ports))
        nginx = procs.start("nginx", [program("nginx"), "-p", str(tmp), "-c", str(tmp / "nginx.conf"), "-e", "stderr"],
                            stdout=subprocess.DEVNULL, stderr=open(tmp / "nginx.err", "w"))
        wait_port(nport, "nginx", nginx)
        log(f"replicas on {ports}, redis on {rport}, nginx on {nport}")

        side = Side(label="ours", cmd=[str(server)], org=org, auth_header="SSWS T",
                    env={"OKTA_ORG_URL": org, "OKTA_API_TOKEN": "T", "OKTA_SCOPES": OKTA_19, "RUST_LOG": "warn",
                         "OKTA_AUDIT_LOG": "off"})
        uid = common.some_user_id(side)
        tools = {"get_user": {"id": uid}, "list_users": {"limit": 20}}
        d = common.Direct(side)
        d.get(f"/api/v1/users/{uid}")
        direct = []
        for _ in range(a.seq_calls):
            t0 = time.perf_counter()
            d.get(f"/api/v1/users/{uid}")
            direct.append(time.perf_counter() - t0)
        d.close()
        out: dict = {"tools": {}}
        stdio_mem: dict = {}
        for tool, args in tools.items():
            log(f"{tool}: stdio, {a.seq_calls} sequential calls")
            s = sequential_stdio(side, tool, args, a.seq_calls)
            stdio_mem = {"rss_kB": s.pop("rss_kB"), "hwm_kB": s.pop("hwm_kB")}
            t = {"stdio": s, "http_seq": {}, "http_conc": {}}
            for proto in PROTOCOLS:
                log(f"{tool}: HTTP {proto}, 1 client, {a.seq_calls} calls")
                t["http_seq"][proto] = sequential_http(nport, proto, tool, args, a.seq_calls)
                if proto == "2025-11-25":  # the same on one replica without nginx, then ACKing at once
                    t["http_seq"]["replica"] = sequential_http(ports[0], proto, tool, args, a.seq_calls)
                    t["http_seq"]["quickack"] = sequential_http(ports[0], proto, tool, args, a.seq_calls, True)
                log(f"{tool}: HTTP {proto}, {a.clients} clients x {a.calls} calls")
                t["http_conc"][proto] = concurrent(nport, proto, tool, args, a.clients, a.calls, a.procs)
                log(f"  -> {json.dumps(t['http_conc'][proto])[:300]}")
            out["tools"][tool] = t
        out["memory"] = {f"replica {i} (okta-mcp serve --http)": read_proc_status(r.pid)
                         for i, r in enumerate(replicas, 1)}
        out["memory"]["nginx (one worker)"] = read_proc_status(nginx.pid)
        out["memory"]["redis-server"] = read_proc_status(redis.pid)
        out["stdio_memory"] = stdio_mem
        split: dict[str, int] = {}
        for line in (tmp / "access.log").read_text().splitlines():
            up = line.rsplit(" ", 1)[-1]
            name = f"replica {ports.index(int(up.rsplit(':', 1)[1])) + 1}" if up.startswith("127.0.0.1:") else up
            split[name] = split.get(name, 0) + 1
        out["split"] = dict(sorted(split.items()))
        out["direct"] = {"p50_ms": pct(direct, .5) * 1e3, "p99_ms": pct(direct, .99) * 1e3}
        out["config"] = {"clients": a.clients, "calls": a.calls, "seq_calls": a.seq_calls, "procs": a.procs,
                         "users": a.users}
        out["load"] = [load0, common.loadavg()[0]]
        out["machine"] = machine()
        out["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=ROOT, capture_output=True, text=True)
        out["commit"] = commit.stdout.strip() or "?"
        for i, r in enumerate(replicas, 1):
            if r.poll() is not None:
                raise SystemExit(f"bench-http: replica {i} exited during the run: "
                                 f"{(tmp / f'replica{i}.err').read_text()[-300:]}")
    finally:
        procs.stop()
    dump_json(WORK / "http-results.json", out)
    md = table(out)
    print(md)
    if not a.no_write:
        subprocess.run([sys.executable, str(HERE / "lib" / "put_section.py"), str(HERE / "results.md"),
                        "http-replicas"], input=md, text=True, check=True)
        log("written: benches/results.md (section http-replicas)")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
