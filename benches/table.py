#!/usr/bin/env python3
"""Build the side-by-side table (benches/results.md, and from it the README's summary rows) from the two result files:
benches/.work/okta-mcp-results.json (ours) and benches/.work/okta-python-results.json (Okta's).

    python3 benches/table.py [--extra JSON] [--okta-reason TEXT]

Tokens: counted with the o200k_base BPE of the PyPI package bpe-openai when
benches/.work/tok-venv has it (run.sh installs it), else approximated as bytes / 4.
Python 3.11 stdlib.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / ".work"
OURS = WORK / "okta-mcp-results.json"
OKTA = WORK / "okta-python-results.json"
RESULTS = HERE / "results.md"
TOK_PY = WORK / "tok-venv" / "bin" / "python"


def sh(*cmd: str) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def count_tokens(files: list[str]) -> tuple[dict[str, int], str]:
    """o200k_base token counts of the given JSON files (via tok-venv), else {}."""
    files = [f for f in files if f and Path(f).is_file()]
    if not files or not TOK_PY.exists():
        return {}, "bytes/4"
    code = ("import json,sys,bpe_openai as b; e=b.get_encoding('o200k_base');"
            "print(json.dumps({f: len(e.encode(open(f,encoding='utf-8').read())) for f in sys.argv[1:]}))")
    out = subprocess.run([str(TOK_PY), "-c", code, *files], capture_output=True, text=True)
    if out.returncode != 0:
        print(f"[bench] token count failed, using bytes/4: {out.stderr[-300:]}", file=sys.stderr)
        return {}, "bytes/4"
    return json.loads(out.stdout), "o200k_base, bpe-openai"


def machine() -> str:
    cpu = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
    mem = re.search(r"^MemTotal:\s*(\d+)", Path("/proc/meminfo").read_text(), re.M)
    osr = dict(re.findall(r'^(\w+)="?([^"\n]*)"?$', Path("/etc/os-release").read_text(), re.M)) \
        if Path("/etc/os-release").is_file() else {}
    okta_py = WORK / "okta-venv" / "bin" / "python"
    parts = [
        f"CPU: {cpu.group(1) if cpu else platform.processor()} ({os.cpu_count()} cores visible)",
        f"RAM: {int(mem.group(1)) / 1024 / 1024:.1f} GiB" if mem else "RAM: ?",
        f"OS: {osr.get('PRETTY_NAME', platform.system())}, kernel {platform.release()}",
        f"{sh('rustc', '-V')}",
        f"bench driver: Python {platform.python_version()}",
        f"Okta's server: Python {sh(str(okta_py), '-c', 'import sys; print(sys.version.split()[0])') or '?'}",
        f"node {sh('node', '--version') or 'absent'} (not used)",
    ]
    return "; ".join(parts)


def commit() -> str:
    head = sh("git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD") or "?"
    dirty = sh("git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "--", "src", "build.rs",
               "crates", "scope-map.toml", "openapi", "Cargo.toml", "Cargo.lock")
    return head + (" (+ uncommitted changes in the build inputs)" if dirty else "")


def g(d: dict | None, *path, default=None):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return default
        d = d[p]
    return d


def num(v, nd: int = 0, unit: str = "") -> str:
    if v is None:
        return "—"
    if isinstance(v, str):
        return v
    if not isinstance(v, (int, float)):
        return "—"  # not measured (e.g. BENCH_OKTA=0: no Okta results)
    return f"{v:,.{nd}f}{unit}"


def mb(kb) -> str:
    return "—" if kb is None else f"{kb / 1024:,.1f} MiB"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--extra", default="{}")
    ap.add_argument("--okta-reason", default="")
    a = ap.parse_args()
    o = json.loads(OURS.read_text())
    extra = {**o.get("extra", {}), **json.loads(a.extra)}
    k = json.loads(OKTA.read_text()) if OKTA.is_file() and not a.okta_reason else None
    if k and k.get("loadavg_start") is None:
        k = None  # a results file from an older script version
    why = a.okta_reason or ("no results file" if not k else "")
    na = f"not measured: {why}" if not k else None

    sz = o["sizes"]
    files = [s.get("file") for s in sz.values()] + [g(k, "sizes", "default_okta19", "file")]
    toks, tok_kind = count_tokens(files)

    def tok(s: dict | None):
        if not s:
            return None
        return toks.get(s.get("file")) if toks else s["bytes"] // 4

    rows: list[tuple[str, object, object, str]] = []  # label, ours, okta, ratio-kind ("lower"/"higher"/"")

    def row(label, ov, kv, kind="lower"):
        rows.append((label, ov, na if (k is None and kv is None) else kv, kind))

    oc, kc = o["cold"]["median"], g(k, "cold", "median") or {}
    row(f"cold start: spawn → `initialize` answered, median of {o['cold']['runs']} (ms)",
        oc["spawn_to_initialize_s"] * 1e3, kc.get("spawn_to_initialize_s") and kc["spawn_to_initialize_s"] * 1e3)
    row("cold start: spawn → `tools/list` answered, median (ms)",
        oc["spawn_to_tools_list_s"] * 1e3, kc.get("spawn_to_tools_list_s") and kc["spawn_to_tools_list_s"] * 1e3)
    row("  min – max (ms)",
        f"{o['cold']['min']['spawn_to_tools_list_s'] * 1e3:,.1f} – {o['cold']['max']['spawn_to_tools_list_s'] * 1e3:,.1f}",
        k and f"{k['cold']['min']['spawn_to_tools_list_s'] * 1e3:,.0f} – {k['cold']['max']['spawn_to_tools_list_s'] * 1e3:,.0f}", "")
    row("CPU time used by then, median (ms; /proc ticks of 10 ms)", oc["cpu_s_at_tools_list"] * 1e3,
        kc.get("cpu_s_at_tools_list") and kc["cpu_s_at_tools_list"] * 1e3)
    row("peak RSS after `tools/list`, median (MiB)", oc["after_tools_list_VmHWM_kB"] / 1024,
        kc.get("after_tools_list_VmHWM_kB") and kc["after_tools_list_VmHWM_kB"] / 1024)
    pc, kpc = o["per_call"], g(k, "per_call") or {}
    row(f"peak RSS after {pc['calls']:,} `get_user` calls (MiB)", pc["hwm_after_calls_kB"] / 1024,
        kpc.get("hwm_after_calls_kB") and kpc["hwm_after_calls_kB"] / 1024)

    d_o, d_k = sz["default_okta19"], g(k, "sizes", "default_okta19")
    row("tools listed, default selection, Okta's 19 scopes", d_o["tools"], d_k and d_k["tools"], "")
    row("`tools/list` bytes, default selection, Okta's 19 scopes", d_o["bytes"], d_k and d_k["bytes"])
    row(f"  ≈ tokens ({tok_kind})", tok(d_o), tok(d_k))
    c_o = sz["curated_only_all_scopes"]
    row(f"`tools/list` bytes, the curated {c_o['tools']} alone, all scopes (gateway tools excluded) "
        f"vs Okta's {d_k['tools'] if d_k else '113'}", c_o["bytes"], d_k and d_k["bytes"])
    row(f"  ≈ tokens ({tok_kind})", tok(c_o), tok(d_k))
    a_o = sz["default_all_scopes"]
    row(f"`tools/list` bytes, default selection, all {o.get('all_scopes_count', 'the spec')} scopes "
        f"({a_o['tools']} tools)", a_o["bytes"],
        k and "same as above: it has no other tools", "")
    row(f"  ≈ tokens ({tok_kind})", tok(a_o), k and "—", "")
    e_o = sz["all_tools"]
    row(f"`tools/list` bytes, list everything (`OKTA_TOOLS=all`, {e_o['tools']} tools)", e_o["bytes"],
        k and "no such mode (113 tools is all it has)", "")
    row(f"  ≈ tokens ({tok_kind})", tok(e_o), k and "—", "")

    row(f"`get_user` through the server, p50 / p99 over {pc['calls']:,} calls (ms)",
        f"{pc['via_p50_ms']:.3f} / {pc['via_p99_ms']:.3f}",
        kpc and f"{kpc['via_p50_ms']:.2f} / {kpc['via_p99_ms']:.2f}", "")
    row("same GET made directly (keep-alive), p50 / p99 (ms)",
        f"{pc['direct_p50_ms']:.3f} / {pc['direct_p99_ms']:.3f}",
        kpc and f"{kpc['direct_p50_ms']:.3f} / {kpc['direct_p99_ms']:.3f} (through the TLS front)", "")
    row("per-call overhead of the server, p50 (ms)", pc["overhead_p50_ms"], kpc.get("overhead_p50_ms"))
    row("per-call overhead of the server, p99 (ms)", pc["overhead_p99_ms"], kpc.get("overhead_p99_ms"))
    t, kt = o["throughput"], g(k, "throughput") or {}
    row(f"throughput, {t['inflight']} calls in flight on one session (calls/s)", t["calls_per_s"],
        kt.get("calls_per_s"), "higher")
    row("  latency under that load, p50 / p99 (ms); errors",
        f"{t['p50_ms']:.2f} / {t['p99_ms']:.2f}; {t['errors']}",
        kt and f"{kt['p50_ms']:.1f} / {kt['p99_ms']:.1f}; {kt['errors']}", "")

    p, kp = o["paging"], g(k, "paging") or {}
    f10, f1 = p["full_10000"], p["full_1000"]
    fa, ex = kp.get("fetch_all_2000"), kp.get("export_csv_10000")
    row(f"auto-page 10,000 users: wall (s) [ours: 100 pages × 100, {f10['items']:,} users returned; "
        f"Okta: `export_users_csv`, pages of 200 to a CSV file]", f10["wall_s"], ex and ex["wall_s"])
    row("auto-page 10,000 users: peak RSS (MiB) [ours: output cap lifted, all users in the result]",
        f10["hwm_kB"] / 1024, ex and ex["hwm_kB"] / 1024)
    row(f"  same, 1,000 users (10 pages; {f1['items']:,} returned): wall (s) / peak RSS (MiB)",
        f"{f1['wall_s']:.2f} / {f1['hwm_kB'] / 1024:.1f}",
        fa and f"list_users fetch_all ({fa['items']} users, its cap): {fa['wall_s']:.2f} / {fa['hwm_kB'] / 1024:.1f}", "")
    i10, i1 = p["ids_10000"], p["ids_1000"]
    row("  pages read in full, only ids kept (`fields=id`): peak RSS 10 pages → 100 pages (MiB)",
        f"{i1['hwm_kB'] / 1024:.1f} → {i10['hwm_kB'] / 1024:.1f}", k and "no fields option", "")
    dc = p["default_cap"]
    row("  default output cap (80,000 B): users returned / result bytes / peak RSS (MiB)",
        f"{dc['items']} / {dc['result_bytes']:,} / {dc['hwm_kB'] / 1024:.1f}",
        fa and f"its fetch_all result: {fa['result_bytes']:,} B, no cap", "")

    fp = g(k, "footprint") or {}
    row("release binary size (MiB) [Okta: installed site-packages]", extra.get("release_binary_bytes") and
        extra["release_binary_bytes"] / 1024 / 1024, fp.get("site_packages_kB") and fp["site_packages_kB"] / 1024)
    row("clean release build (s)", extra.get("clean_build_s") or "not run (BENCH_CLEAN_BUILD=1)",
        k and "no build (pip install)", "")
    row("incremental release rebuild after touching scope-map.toml (s)",
        extra.get("incremental_build_s") or "not run (BENCH_INCREMENTAL=0 or BENCH_BUILD=0)",
        k and "no build", "")

    def ratio(ov, kv, kind):
        if kind not in ("lower", "higher") or not isinstance(ov, (int, float)) or not isinstance(kv, (int, float)):
            return ""
        if ov <= 0 or kv <= 0:
            return ""
        r = kv / ov if kind == "lower" else ov / kv
        return f"{r:,.0f}×" if r >= 100 else f"{r:,.1f}×"

    def cell(v, label):
        if isinstance(v, float):
            nd = 3 if abs(v) < 1 else (2 if abs(v) < 10 else 1)
            if "bytes" in label and "MiB" not in label:
                nd = 0
            return num(v, nd)
        return num(v)

    lines = [
        "# Benchmarks: okta-mcp vs Okta's okta-mcp-server 1.1.7",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bash benches/run.sh`, commit {commit()}"
        + (f"; binary built before the run, at {extra['prebuilt']} (BENCH_BUILD=0)." if extra.get("prebuilt") else "."),
        "",
        f"Machine: {machine()}.",
        f"Load average (1 min) during our runs {o['loadavg_start'][0]} → {o['loadavg_end'][0]}"
        + (f", during Okta's {k['loadavg_start'][0]} → {k['loadavg_end'][0]}" if k else "")
        + " (other builds shared the 2 cores: wall times are noisy, CPU times less so).",
        "",
        "Both servers run against crates/fake-okta (10,000 users) on 127.0.0.1: ours over plain http "
        "(SSWS token), Okta's through an nginx TLS front with a throwaway CA (it only accepts https orgs; "
        "the front also answers its token request with a JWT-shaped token, see benches/okta-python/README.md). "
        "Both with Okta's 19 scopes unless a row says otherwise. Ratio = Okta ÷ ours for time, size and memory, "
        "ours ÷ Okta for throughput: above 1× ours is better.",
        "",
        f"Okta's side: {'measured' if k else na}.",
        "",
        "| measure | okta-mcp | okta-mcp-server 1.1.7 | ratio |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, ov, kv, kind in rows:
        lines.append(f"| {label} | {cell(ov, label)} | {cell(kv, label)} | {ratio(ov, kv, kind)} |")
    lines += [
        "",
        "Notes:",
        "- Cold start: a new process each run, `initialize` then `tools/list` (ours: release binary; Okta's: its "
        "console script, with a fresh keyring each run so it fetches a token before answering `initialize`, as on "
        "a first start). Peak RSS is VmHWM from /proc.",
        "- Per-call overhead: `get_user` (a read tool) sequentially through the server vs the same "
        "`GET /api/v1/users/{id}` made directly with Python http.client over one keep-alive connection "
        "(for Okta's server through the same TLS front), p50/p99 of each, overhead = difference.",
        "- Throughput: one server, 8 `tools/call` requests outstanding at all times on its stdin.",
        "- Auto-paging: okta-mcp's `list_users` with `fetch_all`, `max_pages` 100, `limit` 100. Okta's `list_users` "
        "`fetch_all` stops at 10 pages of 200 (2,000 users) by design, so its 10,000-user row is `export_users_csv` "
        "(same pager without the cap, 0.1 s pause between pages, writes a CSV file and returns a summary).",
        "- Tokens: " + ("o200k_base BPE from the PyPI package bpe-openai 0.1.4 over the compact JSON of the tools "
                        "array; Claude's tokenizer is not published, so treat these as approximate."
                        if toks else "approximated as bytes / 4 (install bpe-openai in benches/.work/tok-venv for a "
                                     "real BPE count)."),
    ]
    md = "\n".join(lines) + "\n"
    # The sections other scripts write (benches/build-times.sh, benches/http.sh) are kept as
    # they were.
    sys.path.insert(0, str(HERE / "lib"))
    from put_section import keep
    old = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else ""
    kept = "\n".join(s for s in (keep(old, "build-times"), keep(old, "http-replicas")) if s)
    RESULTS.write_text(md + ("\n" + kept if kept else ""))
    # The README's summary rows come from results.md, never typed by hand.
    import readme_summary
    readme_summary.main([])
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
