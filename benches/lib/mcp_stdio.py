#!/usr/bin/env python3
"""Minimal, dependency-free MCP stdio client for measurements (Python >= 3.11, stdlib only).

Used by the benchmarks to drive any MCP server that speaks newline-delimited JSON-RPC on
stdin/stdout (ours and Okta's okta-mcp-server alike):

    from mcp_stdio import McpStdioClient
    with McpStdioClient(["okta-mcp"], env={...}) as c:
        c.initialize()                      # initialize + notifications/initialized
        tools = c.list_tools()              # follows nextCursor
        rss = c.memory()                    # {'VmHWM': kB, 'VmRSS': kB} of the child
        res = c.call_tool("list_users", {})

Every step is timed with time.perf_counter (see ``c.timings``). Every read has a deadline:
nothing here can block forever; a missed deadline raises ``McpTimeout`` (the child is killed
on close()).

CLI (prints one JSON object):
    python3 mcp_stdio.py [--runs N] [--env K=V ...] [--call NAME JSON] [--timeout S]
                         [--stderr FILE] -- CMD ARGS...
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Iterable

DEFAULT_PROTOCOL_VERSION = "2025-11-25"
CLIENT_INFO = {"name": "okta-mcp-bench", "version": "0.1.0"}


class McpError(RuntimeError):
    """The server answered with a JSON-RPC error, or the stream broke."""


class McpTimeout(McpError):
    """No (matching) message arrived before the deadline."""


def read_proc_status(pid: int, keys: Iterable[str] = ("VmHWM", "VmRSS")) -> dict[str, int]:
    """Return the given /proc/<pid>/status fields in kB ({} if the process is gone)."""
    want = set(keys)
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", "r", encoding="ascii", errors="replace") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in want:
                    out[k] = int(v.split()[0])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return out


def cpu_seconds(pid: int) -> float | None:
    """user+system CPU seconds used so far by ``pid`` (None if gone). Less sensitive to other
    load on the machine than wall time."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def descendants(pid: int) -> list[int]:
    """All live descendant pids of ``pid`` (via /proc/*/stat ppid)."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read().decode("ascii", "replace")
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
        except (OSError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(name))
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def compact_json_bytes(obj: Any) -> int:
    """Size in bytes of ``obj`` serialized compactly as UTF-8 JSON (how MCP SDKs send it)."""
    return len(json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


class McpStdioClient:
    def __init__(
        self,
        cmd: list[str],
        env: dict[str, str] | None = None,
        *,
        inherit_env: bool = True,
        cwd: str | None = None,
        stderr: str | int | None = None,
        default_timeout: float = 30.0,
        protocol_version: str = DEFAULT_PROTOCOL_VERSION,
        on_server_request: Callable[[dict], dict | None] | None = None,
    ) -> None:
        """``stderr``: a file path (appended), an open file / fd, or None (= DEVNULL, the default).

        The child's stderr is never a pipe we don't read, so a chatty server cannot stall.
        """
        self.cmd = list(cmd)
        full_env = dict(os.environ) if inherit_env else {}
        full_env.update(env or {})
        self.env = full_env
        self.cwd = cwd
        self.stderr = subprocess.DEVNULL if stderr is None else stderr
        self.default_timeout = default_timeout
        self.protocol_version = protocol_version
        self.on_server_request = on_server_request
        self.proc: subprocess.Popen | None = None
        self._buf = bytearray()
        self._next_id = 1
        self._sel: selectors.BaseSelector | None = None
        self._stderr_file = None
        self.t_spawn: float | None = None
        self.timings: dict[str, float] = {}      # step -> seconds
        self.marks: dict[str, float] = {}        # step -> perf_counter() at end
        self.notifications: list[dict] = []      # server notifications seen
        self.init_result: dict | None = None
        self.last_response_bytes = 0             # raw bytes of the last response line

    # ------------------------------------------------------------------ process
    def start(self) -> "McpStdioClient":
        err: Any = self.stderr
        if isinstance(err, str):
            self._stderr_file = open(err, "ab")
            err = self._stderr_file
        self.t_spawn = time.perf_counter()
        self.proc = subprocess.Popen(
            self.cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            env=self.env,
            cwd=self.cwd,
            bufsize=0,
            start_new_session=True,  # own process group: close() can end the whole tree
        )
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def memory(self, include_children: bool = False) -> dict[str, int]:
        """VmHWM (peak RSS) and VmRSS of the child in kB; with include_children, also the
        sums over the child and its descendants (``tree_VmHWM`` is an upper bound of the
        tree's peak, since the peaks need not coincide)."""
        m = read_proc_status(self.pid)
        if include_children:
            tree = [self.pid] + descendants(self.pid)
            st = [read_proc_status(p) for p in tree]
            m["tree_VmHWM"] = sum(s.get("VmHWM", 0) for s in st)
            m["tree_VmRSS"] = sum(s.get("VmRSS", 0) for s in st)
            m["tree_procs"] = len(tree)
        return m

    def cpu_seconds(self) -> float | None:
        """user+system CPU seconds the child has used so far."""
        return cpu_seconds(self.pid)

    def close(self, timeout: float = 5.0) -> int | None:
        """Close stdin (the MCP stdio shutdown), wait, then SIGTERM, then SIGKILL the group."""
        p = self.proc
        if p is None:
            return None
        try:
            if p.stdin and not p.stdin.closed:
                try:
                    p.stdin.close()
                except OSError:
                    pass
            try:
                return p.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
            for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 3.0)):
                try:
                    os.killpg(p.pid, sig)
                except (ProcessLookupError, PermissionError):
                    p.send_signal(sig)
                try:
                    return p.wait(timeout=wait)
                except subprocess.TimeoutExpired:
                    continue
            return None
        finally:
            # Also reap anything left in the child's process group.
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            if self._sel:
                self._sel.close()
                self._sel = None
            if p.stdout:
                p.stdout.close()
            if self._stderr_file:
                self._stderr_file.close()
                self._stderr_file = None

    def __enter__(self) -> "McpStdioClient":
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ wire
    def _send(self, msg: dict) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        data = (json.dumps(msg, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError as e:
            raise McpError(f"server stdin closed (exit code {self.proc.poll()})") from e

    def _read_line(self, deadline: float) -> bytes:
        assert self.proc is not None and self._sel is not None
        fd = self.proc.stdout.fileno()
        while True:
            nl = self._buf.find(b"\n")
            if nl >= 0:
                line = bytes(self._buf[:nl])
                del self._buf[: nl + 1]
                return line
            left = deadline - time.perf_counter()
            if left <= 0:
                raise McpTimeout("timed out waiting for a message from the server")
            if not self._sel.select(timeout=left):
                continue
            try:
                chunk = os.read(fd, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                code = self.proc.poll()
                if code is None:
                    try:
                        code = self.proc.wait(timeout=max(0.0, min(1.0, deadline - time.perf_counter())))
                    except subprocess.TimeoutExpired:
                        code = None
                raise McpError(f"server closed stdout (exit code {code})")
            self._buf += chunk

    def _handle_server_request(self, msg: dict) -> None:
        result = None
        if msg.get("method") == "ping":
            result = {}
        elif self.on_server_request is not None:
            result = self.on_server_request(msg)
        if result is not None:
            self._send({"jsonrpc": "2.0", "id": msg["id"], "result": result})
        else:
            self._send({"jsonrpc": "2.0", "id": msg["id"],
                        "error": {"code": -32601, "message": "method not supported by bench client"}})

    def notify(self, method: str, params: dict | None = None) -> None:
        msg: dict[str, Any] = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)

    def send_request(self, method: str, params: dict | None = None) -> int:
        """Send a request without waiting; returns its id (see next_response)."""
        rid = self._next_id
        self._next_id += 1
        msg: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self._send(msg)
        return rid

    def next_response(self, deadline: float) -> dict:
        """The next response from the server (any id); answers server requests (ping) and
        records notifications on the way. Sets ``last_response_bytes``."""
        while True:
            line = self._read_line(deadline)
            if not line.strip():
                continue
            try:
                resp = json.loads(line)
            except json.JSONDecodeError:
                # Not JSON-RPC (a server printing to stdout): ignore, but keep the deadline.
                continue
            if "method" in resp and "id" in resp:
                self._handle_server_request(resp)
                continue
            if "method" in resp:
                self.notifications.append(resp)
                continue
            self.last_response_bytes = len(line)
            return resp

    def request(self, method: str, params: dict | None = None, timeout: float | None = None) -> dict:
        """Send a request; return its ``result``. Raises McpError on a JSON-RPC error."""
        deadline = time.perf_counter() + (self.default_timeout if timeout is None else timeout)
        rid = self.send_request(method, params)
        while True:
            resp = self.next_response(deadline)
            if resp.get("id") != rid:
                continue
            if "error" in resp:
                raise McpError(f"{method}: {resp['error']}")
            return resp.get("result", {})

    def _timed(self, step: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        out = fn()
        t1 = time.perf_counter()
        self.timings[step] = t1 - t0
        self.marks[step] = t1
        return out

    # ------------------------------------------------------------------ MCP
    def initialize(self, timeout: float | None = None) -> dict:
        if self.proc is None:
            self.start()
        params = {"protocolVersion": self.protocol_version, "capabilities": {}, "clientInfo": CLIENT_INFO}
        res = self._timed("initialize", lambda: self.request("initialize", params, timeout))
        self.init_result = res
        self.notify("notifications/initialized")
        return res

    def list_tools(self, timeout: float | None = None, max_pages: int = 1000) -> list[dict]:
        """tools/list, following nextCursor. Sets ``tools_bytes`` (compact JSON of the full
        tools array), ``tools_pages`` and ``tools_response_bytes`` (raw response lines)."""
        tools: list[dict] = []
        raw = 0
        pages = 0

        def run() -> None:
            nonlocal raw, pages
            cursor = None
            while pages < max_pages:
                res = self.request("tools/list", {"cursor": cursor} if cursor else {}, timeout)
                pages += 1
                raw += self.last_response_bytes
                tools.extend(res.get("tools", []))
                cursor = res.get("nextCursor")
                if not cursor:
                    break

        self._timed("tools/list", run)
        self.tools_pages = pages
        self.tools_response_bytes = raw
        self.tools_bytes = compact_json_bytes(tools)
        return tools

    def call_tool(self, name: str, arguments: dict | None = None, timeout: float | None = None) -> dict:
        return self._timed(f"tools/call:{name}",
                           lambda: self.request("tools/call", {"name": name, "arguments": arguments or {}}, timeout))

    def since_spawn(self, step: str) -> float:
        """Seconds from spawn to the end of ``step``."""
        assert self.t_spawn is not None
        return self.marks[step] - self.t_spawn


def tool_result_text(result: dict) -> str:
    """Concatenated text content of a tools/call result."""
    return "".join(c.get("text", "") for c in result.get("content", []) if c.get("type") == "text")


def measure(cmd: list[str], env: dict[str, str] | None = None, *, runs: int = 20,
            call: tuple[str, dict] | None = None, timeout: float = 60.0,
            stderr: str | None = None, before_each: Callable[[int], dict[str, str] | None] | None = None,
            include_children: bool = False) -> dict:
    """Cold-start ``runs`` fresh servers: spawn -> initialize -> tools/list [-> tools/call], close.

    ``before_each(i)`` may return extra env for run i (e.g. a fresh keyring dir).
    Returns per-run samples and medians (seconds, kB, bytes)."""
    samples = []
    for i in range(runs):
        run_env = dict(env or {})
        if before_each:
            run_env.update(before_each(i) or {})
        c = McpStdioClient(cmd, run_env, stderr=stderr, default_timeout=timeout)
        try:
            c.start()
            c.initialize()
            tools = c.list_tools()
            s: dict[str, Any] = {
                "spawn_to_initialize_s": c.since_spawn("initialize"),
                "spawn_to_tools_list_s": c.since_spawn("tools/list"),
                "tools_list_s": c.timings["tools/list"],
                "tool_count": len(tools),
                "tools_bytes": c.tools_bytes,
                "tools_response_bytes": c.tools_response_bytes,
                "tools_pages": c.tools_pages,
                "server": (c.init_result or {}).get("serverInfo"),
                "protocolVersion": (c.init_result or {}).get("protocolVersion"),
            }
            s.update({f"after_tools_list_{k}_kB": v for k, v in c.memory(include_children).items()})
            s["cpu_s_at_tools_list"] = c.cpu_seconds()
            if call:
                res = c.call_tool(call[0], call[1])
                s["call_s"] = c.timings[f"tools/call:{call[0]}"]
                s["call_is_error"] = bool(res.get("isError"))
                s["call_text_bytes"] = len(tool_result_text(res).encode())
                s.update({f"after_call_{k}_kB": v for k, v in c.memory(include_children).items()})
        finally:
            s_exit = c.close()
        s["exit_code"] = s_exit
        samples.append(s)
    numeric = sorted({k for s in samples for k, v in s.items() if isinstance(v, (int, float)) and not isinstance(v, bool)})
    summary = {k: statistics.median([s[k] for s in samples if k in s]) for k in numeric}
    mins = {k: min(s[k] for s in samples if k in s) for k in numeric}
    maxs = {k: max(s[k] for s in samples if k in s) for k in numeric}
    return {"runs": runs, "median": summary, "min": mins, "max": maxs, "samples": samples}


def _main(argv: list[str]) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--env", action="append", default=[], metavar="K=V")
    ap.add_argument("--call", nargs=2, metavar=("NAME", "JSON_ARGS"))
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--stderr", default=None, help="append the server's stderr to this file")
    ap.add_argument("--children", action="store_true", help="also sum RSS over descendant processes")
    ap.add_argument("--samples", action="store_true", help="include per-run samples in the output")
    ap.add_argument("cmd", nargs=argparse.REMAINDER)
    a = ap.parse_args(argv)
    cmd = a.cmd[1:] if a.cmd[:1] == ["--"] else a.cmd
    if not cmd:
        ap.error("missing server command after --")
    env = dict(kv.split("=", 1) for kv in a.env)
    call = (a.call[0], json.loads(a.call[1])) if a.call else None
    out = measure(cmd, env, runs=a.runs, call=call, timeout=a.timeout, stderr=a.stderr,
                  include_children=a.children)
    if not a.samples:
        out["samples"] = out["samples"][:1]
    print(json.dumps(out, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
