#!/usr/bin/env python3
"""Measure okta-mcp (ours, release build) over MCP stdio against crates/fake-okta.

Usually run through benches/run.sh, which builds, starts the fake, runs this, runs Okta's side
(benches/okta-python/bench.sh) and then benches/table.py. Direct use:
    python3 benches/bench.py --fake http://127.0.0.1:PORT --token T [--runs 20] [--calls 1000]
Writes benches/.work/okta-mcp-results.json. Python 3.11 stdlib + benches/lib/.
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE / "lib"))
import common  # noqa: E402
from common import Side, WORK, dump_json, log  # noqa: E402

SERVER = str(ROOT / "target" / "release" / "okta-mcp")
GATEWAY = "search_okta_operations,describe_okta_operation,call_okta_operation"

# The 19 scopes Okta's server is run with (benches/okta-python/README.md): its 113 tools.
OKTA_19 = " ".join(
    [f"okta.{r}.{a}" for r in ("apps", "brands", "deviceAssurance", "domains", "emailDomains",
                               "groups", "policies", "templates", "users") for a in ("read", "manage")]
    + ["okta.logs.read"])


def spec_scopes() -> str:
    """Every OAuth scope the pinned spec declares (its security blocks)."""
    lock = (ROOT / "openapi" / "spec.lock").read_text()
    release = re.search(r'^release\s*=\s*"([^"]+)"', lock, re.M).group(1)
    for p in (ROOT / "openapi" / "management.yaml",
              ROOT.parent / "shared" / "okta-openapi" / f"management-{release}.yaml"):
        if p.is_file():
            return " ".join(sorted(set(re.findall(r"^\s+- (okta\.[A-Za-z0-9_.]+)\s*$", p.read_text(), re.M))))
    raise SystemExit("bench: the pinned spec was not found (needed for the list of scopes)")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fake", required=True)
    ap.add_argument("--token", default="T")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--out", default=str(WORK / "okta-mcp-results.json"))
    a = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    stderr = WORK / "okta-mcp.stderr.log"
    stderr.write_text("")
    all_scopes = spec_scopes()
    out_scopes = len(all_scopes.split())
    # Like for like with Okta's server: the same 19 scopes, default tool selection.
    side = Side(label="ours", cmd=[SERVER], org=a.fake, auth_header=f"SSWS {a.token}",
                env={"OKTA_ORG_URL": a.fake, "OKTA_API_TOKEN": a.token, "OKTA_SCOPES": OKTA_19,
                     "RUST_LOG": "warn"},
                stderr=str(stderr))
    out: dict = {"server": "okta-mcp (release)", "binary": SERVER, "loadavg_start": common.loadavg(),
                 "scopes": "Okta's 19 (OKTA_19) unless noted", "all_scopes_count": out_scopes}
    out["cold"] = common.cold(side, a.runs)

    log("ours: tools/list sizes")
    tl = WORK / "tools"
    tl.mkdir(exist_ok=True)
    out["sizes"] = {
        "default_okta19": common.tools_list(side, tl / "ours-default-okta19.json"),
        "default_all_scopes": common.tools_list(side, tl / "ours-default-all.json", OKTA_SCOPES=all_scopes),
        "curated_only_all_scopes": common.tools_list(side, tl / "ours-curated-all.json", OKTA_SCOPES=all_scopes,
                                                     OKTA_EXCLUDE_TOOLS=GATEWAY),
        "all_tools": common.tools_list(side, tl / "ours-all-tools.json", OKTA_SCOPES=all_scopes, OKTA_TOOLS="all"),
    }
    out["per_call"] = common.per_call(side, a.calls)
    out["throughput"] = common.throughput(side, a.calls)

    log("ours: auto-paging list_users (fresh server per run)")
    big = {"OKTA_MAX_OUTPUT_BYTES": "50000000"}  # the cap's ceiling is 100 MiB
    lu = side.list_users_tool
    out["paging"] = {
        # Whole user objects, output cap lifted so all of them come back: memory holds the output.
        "full_10000": common.one_call(side, lu, {"fetch_all": True, "max_pages": 100, "limit": 100}, **big),
        "full_1000": common.one_call(side, lu, {"fetch_all": True, "max_pages": 10, "limit": 100}, **big),
        # Same 100 pages read and parsed, only ids kept: memory should not grow with pages.
        "ids_10000": common.one_call(side, lu, {"fetch_all": True, "max_pages": 100, "limit": 100, "fields": "id"},
                                     OKTA_MAX_OUTPUT_BYTES="2000000"),
        "ids_1000": common.one_call(side, lu, {"fetch_all": True, "max_pages": 10, "limit": 100, "fields": "id"},
                                    OKTA_MAX_OUTPUT_BYTES="2000000"),
        # Default output cap (80,000 bytes): the result is cut with a cursor, as a model would see it.
        "default_cap": common.one_call(side, lu, {"fetch_all": True, "max_pages": 100, "limit": 100}),
    }
    out["loadavg_end"] = common.loadavg()
    dump_json(Path(a.out), out)
    log(f"ours: written {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
