#!/usr/bin/env bash
# One command from a fresh clone: build, start crates/fake-okta, measure okta-mcp, then Okta's
# okta-mcp-server (benches/okta-python/, when it can run), and write ONE side-by-side table to
# benches/results.md. Heavy; not run in CI.
#
#   bash benches/run.sh [--runs N] [--calls N]
# Env: BENCH_CLEAN_BUILD=1  also time a clean release build (separate CARGO_TARGET_DIR under
#                           benches/.work/, never `cargo clean`; many minutes)
#      BENCH_OKTA=0         skip Okta's server
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="$HERE/.work"
mkdir -p "$WORK"
cd "$ROOT"
say() { echo "[bench] $*" >&2; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$1" "$2"; }

EXTRA="{}"
add() { EXTRA="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=sys.argv[3]
try: v=float(v)
except ValueError: pass
d[sys.argv[2]]=v; print(json.dumps(d))' "$EXTRA" "$1" "$2")"; }

if [[ "${BENCH_CLEAN_BUILD:-0}" == 1 ]]; then
  say "clean release build in $WORK/target-clean"
  rm -rf "$WORK/target-clean"
  t0=$(now); CARGO_TARGET_DIR="$WORK/target-clean" cargo build -q --release -p okta-mcp; add clean_build_s "$(secs "$t0" "$(now)")"
fi

say "cargo build --release -p okta-mcp -p fake-okta"
cargo build -q --release -p okta-mcp -p fake-okta
add release_binary_bytes "$(stat -c %s target/release/okta-mcp)"

say "incremental release rebuild after touching scope-map.toml (build.rs reruns, the crate recompiles)"
touch scope-map.toml
t0=$(now); cargo build -q --release -p okta-mcp; add incremental_build_s "$(secs "$t0" "$(now)")"

FAKE_PID=""
cleanup() {
  if [[ -n "$FAKE_PID" ]] && kill -0 "$FAKE_PID" 2>/dev/null; then
    kill -TERM "$FAKE_PID" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$FAKE_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$FAKE_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM
: > "$WORK/fake-okta.ours.out"
target/release/fake-okta --users 10000 --port 0 --token T < /dev/null > "$WORK/fake-okta.ours.out" 2> "$WORK/fake-okta.ours.err" &
FAKE_PID=$!
URL=""
for _ in $(seq 1 600); do
  URL="$(head -n1 "$WORK/fake-okta.ours.out" 2>/dev/null | tr -d '\r')"
  [[ "$URL" == http://* ]] && break
  kill -0 "$FAKE_PID" 2>/dev/null || { say "fake-okta exited: $(tail -3 "$WORK/fake-okta.ours.err")"; exit 3; }
  sleep 0.1
done
[[ "$URL" == http://* ]] || { say "fake-okta printed no URL"; exit 3; }
say "fake okta: $URL"

timeout -k 10 1800 python3 "$HERE/bench.py" --fake "$URL" --token T --extra "$EXTRA" "$@" > /dev/null
cleanup; FAKE_PID=""

if [[ "${BENCH_OKTA:-1}" == 1 ]]; then
  set +e
  bash "$HERE/okta-python/setup.sh" 2> "$WORK/okta-setup.err"
  rc=$?
  set -e
  if [[ $rc == 0 ]]; then
    say "Okta's server: benches/okta-python/bench.sh"
    if ! bash "$HERE/okta-python/bench.sh" > "$WORK/okta-bench.out"; then
      add okta_reason "benches/okta-python/bench.sh failed; see $WORK/okta-bench.out"
    fi
  else
    add okta_reason "setup.sh exit $rc: $(grep -m1 'CANNOT RUN' "$WORK/okta-setup.err" || tail -1 "$WORK/okta-setup.err")"
  fi
else
  add okta_reason "skipped (BENCH_OKTA=0)"
fi
python3 "$HERE/bench.py" --table-only --extra "$EXTRA"
say "written: benches/results.md"
