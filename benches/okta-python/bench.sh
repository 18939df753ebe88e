#!/usr/bin/env bash
# One command: setup, start fake Okta + TLS front, measure okta-mcp-server 1.1.7, stop everything.
#   bash benches/okta-python/bench.sh [--runs N]
# Env: FAKE_OKTA_URL=http://127.0.0.1:PORT  use an already running fake instead of starting crates/fake-okta
#      FAKE_OKTA_USERS (default 10000)
# Results: benches/.work/okta-python-results.json (summary also printed).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="$ROOT/benches/.work"

bash "$HERE/setup.sh"

FAKE_PID=""
cleanup() {
  bash "$HERE/stop-tls-front.sh" >/dev/null 2>&1 || true
  if [[ -n "$FAKE_PID" ]] && kill -0 "$FAKE_PID" 2>/dev/null; then
    kill -TERM "$FAKE_PID" 2>/dev/null
    for _ in $(seq 1 30); do kill -0 "$FAKE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$FAKE_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

if [[ -z "${FAKE_OKTA_URL:-}" ]]; then
  # run.sh has just built it together with okta-mcp; building fake-okta alone would unify
  # features differently and recompile it.
  if [[ "${BENCH_FAKE_BUILT:-0}" != 1 || ! -x "$ROOT/target/release/fake-okta" ]]; then
    echo "[bench] building crates/fake-okta" >&2
    (cd "$ROOT" && cargo build -q -p fake-okta --release) || { echo "[bench] crates/fake-okta does not build; set FAKE_OKTA_URL to a running fake" >&2; exit 3; }
  fi
  : > "$WORK/fake-okta.out"
  "$ROOT/target/release/fake-okta" --users "${FAKE_OKTA_USERS:-10000}" --port 0 --rate-limit 100000000 < /dev/null > "$WORK/fake-okta.out" 2> "$WORK/fake-okta.err" &
  FAKE_PID=$!
  for _ in $(seq 1 600); do
    FAKE_OKTA_URL="$(head -n1 "$WORK/fake-okta.out" 2>/dev/null | tr -d '\r')"
    [[ "$FAKE_OKTA_URL" == http://* ]] && break
    kill -0 "$FAKE_PID" 2>/dev/null || { echo "[bench] fake-okta exited: $(tail -3 "$WORK/fake-okta.err")" >&2; exit 3; }
    sleep 0.1
  done
  [[ "$FAKE_OKTA_URL" == http://* ]] || { echo "[bench] fake-okta printed no URL within 60s" >&2; exit 3; }
fi
echo "[bench] fake okta: $FAKE_OKTA_URL" >&2

bash "$HERE/stop-tls-front.sh" >/dev/null 2>&1 || true
ORG="$(bash "$HERE/start-tls-front.sh" "$FAKE_OKTA_URL")"
echo "[bench] tls front: $ORG" >&2

# Bounded: 20 cold starts of ~6-8 s each, 1,000 calls twice, paging; hard stop after 30 minutes.
timeout -k 10 1800 python3 "$HERE/bench.py" --org "$ORG" "$@"
