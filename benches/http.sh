#!/usr/bin/env bash
# Remote mode under load (benches/http_bench.py): 50 MCP clients through nginx (round robin) to two
# `okta-mcp serve --http` replicas on one redis-server, against crates/fake-okta, next to the
# same calls over stdio; memory per replica after the run. Local single-user mode
# (OKTA_MCP_HTTP_AUTH=none): no sign-in in the path. Writes the `http-replicas` section of
# benches/results.md. A script, not a test; 127.0.0.1 only; a few minutes.
#
#   bash benches/http.sh [--clients N] [--calls N] [--seq-calls N] [--procs N]
# Env: BENCH_BUILD=0  measure the release binaries already built (no cargo build)
# Needs: cargo, python3 >= 3.11, nginx (apt: nginx-light), redis-server (apt: redis-server).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
cd "$ROOT"
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/release"
if [[ "${BENCH_BUILD:-1}" == 1 ]]; then
  echo "[bench] cargo build --release -p okta-mcp -p fake-okta" >&2
  cargo build -q --release -p okta-mcp -p fake-okta
fi
exec timeout -k 10 1800 python3 "$HERE/http_bench.py" --bin-dir "$BIN" "$@"
