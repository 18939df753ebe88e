#!/usr/bin/env bash
# Builds the fuzz targets in fuzz/ (cargo fuzz, nightly) and runs each for a
# fixed time, then prints executions, exec/s, coverage, corpus and findings.
# Not run in CI.
#
#   scripts/fuzz.sh                      # every target, 300 s each
#   FUZZ_SECONDS=60 scripts/fuzz.sh tool_call
#
# Settings (environment):
#   FUZZ_SECONDS    seconds per target (default 300)
#   FUZZ_NO_BUILD=1 reuse the binaries already built (the build of the
#                   instrumented crate takes long: ~744 generated operations)
#   FUZZ_KEEP_GOING=1  go on after a crash (libFuzzer fork mode); findings
#                   are still saved under fuzz/artifacts/<target>/
#
# Targets:
#   tool_call      argument validation + request building for every tool,
#                  offline (requests captured, answered 200 {})
#   jsonrpc_input  arbitrary bytes on the server's JSON-RPC input
#
# Corpora grow in fuzz/corpus/<target>/ (not committed); seeds are in
# fuzz/seeds/<target>/, dictionaries in fuzz/dict/.
set -euo pipefail

seconds=${FUZZ_SECONDS:-300}
root=$(cd "$(dirname "$0")/.." && pwd)
fuzz="$root/fuzz"
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(tool_call jsonrpc_input)
fi

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is missing: cargo install cargo-fuzz --locked (and rustup toolchain install nightly)" >&2
  exit 1
fi

cd "$fuzz"
if [ "${FUZZ_NO_BUILD:-0}" != 1 ]; then
  echo "== building fuzz targets (release, coverage instrumentation, address sanitizer)"
  cargo +nightly fuzz build -O "${targets[@]:0:1}" >/dev/null
  for t in "${targets[@]:1}"; do
    cargo +nightly fuzz build -O "$t" >/dev/null
  done
fi
bin_dir="$fuzz/target/x86_64-unknown-linux-gnu/release"

summary=()
for t in "${targets[@]}"; do
  bin="$bin_dir/$t"
  [ -x "$bin" ] || { echo "no binary $bin (build first)" >&2; exit 1; }
  corpus="$fuzz/corpus/$t"
  artifacts="$fuzz/artifacts/$t"
  mkdir -p "$corpus" "$artifacts"
  extra=()
  [ -d "$fuzz/seeds/$t" ] && extra+=("$fuzz/seeds/$t")
  opts=(-max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=3072
        -artifact_prefix="$artifacts/")
  case "$t" in
    jsonrpc_input) opts+=(-dict="$fuzz/dict/jsonrpc.dict" -max_len=8192 -len_control=0) ;;
    tool_call) opts+=(-max_len=4096 -len_control=0) ;;
  esac
  if [ "${FUZZ_KEEP_GOING:-0}" = 1 ]; then
    opts+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  fi
  log="$fuzz/artifacts/$t.log"
  before=$(find "$artifacts" -type f | wc -l)
  echo "== $t: ${seconds}s (log: $log)"
  set +e
  "$bin" "${opts[@]}" "$corpus" "${extra[@]}" >"$log" 2>&1
  status=$?
  set -e
  execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
  rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
  last=$(grep -E '^#[0-9]+' "$log" | tail -1)
  [ -n "$execs" ] || execs=$(echo "$last" | sed -E 's/^#([0-9]+).*/\1/')
  cov=$(echo "$last" | grep -o 'cov: [0-9]*' | awk '{print $2}')
  ft=$(echo "$last" | grep -o 'ft: [0-9]*' | awk '{print $2}')
  corp=$(find "$corpus" -type f | wc -l)
  after=$(find "$artifacts" -type f | wc -l)
  findings=$((after - before))
  line="$t: ${seconds}s, exit $status, executions ${execs:-?}, exec/s ${rate:-?}, cov ${cov:-?}, features ${ft:-?}, corpus $corp files, new findings $findings"
  echo "$line"
  if [ "$findings" -gt 0 ]; then
    grep -E 'panicked at|ERROR: libFuzzer|SUMMARY' "$log" | head -5
    ls -t "$artifacts" | head -5 | sed "s|^|  $artifacts/|"
  fi
  summary+=("$line")
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
