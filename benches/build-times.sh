#!/usr/bin/env bash
# How long the contributor's loop takes (issue 10), measured as a new
# contributor sees it: on a fresh clone of HEAD with ../shared beside it.
#
#   bash benches/build-times.sh            # [--runs N] (default 3) [--no-ci]
#
# Each row is the median of N runs (min and max shown). Prints a markdown
# table with the machine and commit, and writes it into benches/results.md
# between the build-times markers (table.py keeps that section).
# Crates come from the local cargo registry cache after the first run, so
# "clean" means a new target directory, not new downloads. Scripts, not
# tests: nothing here asserts a time; the targets column only reports.
set -euo pipefail

runs=3
with_ci=true
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --no-ci) with_ci=false; shift ;;
    *) echo "usage: $0 [--runs N] [--no-ci]" >&2; exit 2 ;;
  esac
done

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
shared="$(cd "$root/../shared" 2>/dev/null && pwd || true)"
work="$here/.work/build-times"
log="$work/log.txt"
mkdir -p "$work"
: >"$log"
say() { echo "[build-times] $*" >&2; }

# A fresh clone of HEAD at $work/N/okta-mcp, with ../shared beside it.
fresh_clone() { # name
  local dir="$work/$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  git clone -q --no-hardlinks "$root" "$dir/okta-mcp"
  if [ -n "$shared" ]; then ln -s "$shared" "$dir/shared"; fi
  echo "$dir/okta-mcp"
}

# Seconds taken by a command (its output goes to the log; a failure stops the script).
timed() {
  local start end
  start=$(date +%s.%N)
  if ! "$@" >>"$log" 2>&1; then
    say "FAILED: $* (see $log)"
    tail -30 "$log" >&2
    exit 1
  fi
  end=$(date +%s.%N)
  python3 -c "print(f'{$end - $start:.2f}')"
}

declare -A samples
add() { samples[$1]="${samples[$1]:-} $2"; say "$1: $2 s"; }

clone="$(fresh_clone loop)"
cd "$clone"
for i in $(seq "$runs"); do
  say "run $i of $runs"
  rm -rf target
  add release_clean "$(timed cargo build --release --locked)"
  add release_noop "$(timed cargo build --release --locked)"
  add debug_clean_test "$(timed cargo test --workspace --locked)"
  add debug_noop "$(timed cargo build --locked)"
  touch src/call.rs
  add touch_runtime "$(timed cargo build --locked)"
  # One description in scope-map.toml, changed and then restored (the
  # restore's rebuild is not timed).
  cp scope-map.toml "$work/scope-map.toml.orig"
  python3 - <<'EOF'
import re
text = open("scope-map.toml", encoding="utf-8").read()
new, n = re.subn(r'^(description = ".*?)(")$', r"\1 (edited)\2", text, count=1, flags=re.M)
assert n == 1, "no description line in scope-map.toml"
open("scope-map.toml", "w", encoding="utf-8").write(new)
EOF
  add edit_scope_map "$(timed cargo build --locked)"
  cp "$work/scope-map.toml.orig" scope-map.toml
  timed cargo build --locked >/dev/null
done

if $with_ci; then
  for i in $(seq "$runs"); do
    say "CI run $i of $runs on a fresh clone"
    ci_clone="$(fresh_clone "ci-$i")"
    add ci_fresh "$(cd "$ci_clone" && timed env CI=true bash .ci/run)"
    rm -rf "$work/ci-$i"
  done
fi

stats() { # samples -> "median min max"
  python3 -c 'import statistics,sys; v=sorted(map(float,sys.argv[1:])); print(f"{statistics.median(v):.1f} {v[0]:.1f} {v[-1]:.1f}")' $1
}
human() { # seconds -> "4 min 12 s" or "3.2 s"
  python3 -c 'import sys; s=float(sys.argv[1]); print(f"{int(s//60)} min {s%60:.0f} s" if s >= 60 else f"{s:.1f} s")' "$1"
}
row() { # key label target_seconds target_text
  local key=$1 label=$2 target=$3 text=$4
  [ -n "${samples[$key]:-}" ] || return 0
  read -r med lo hi <<<"$(stats "${samples[$key]}")"
  local ok="no"
  if python3 -c "import sys; sys.exit(0 if float('$med') <= float('$target') else 1)"; then ok="yes"; fi
  echo "| $label | $(human "$med") | $(human "$lo") – $(human "$hi") | $text | $ok |"
}

cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
mem="$(free -g | awk '/Mem:/ {print $2}')"
table="$(
  echo "### Build times (benches/build-times.sh)"
  echo
  echo "Fresh clone of $(git -C "$root" rev-parse --short HEAD), $(nproc) cores ($cpu), ${mem} GiB,"
  echo "$(rustc --version), $(date -u +%Y-%m-%d), load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Median of $runs runs; crates from the local registry cache (no downloads timed)."
  echo
  echo "| step | median | min – max | target | met |"
  echo "| --- | ---: | ---: | --- | --- |"
  row release_clean "clean release build" 329 "≤ 5 min 29 s"
  row debug_clean_test "clean debug build + \`cargo test --workspace\`" 100000 "(reported)"
  row debug_noop "no-op \`cargo build\` (debug)" 2 "< 2 s"
  row release_noop "no-op \`cargo build --release\`" 2 "< 2 s"
  row touch_runtime "touch \`src/call.rs\`, debug \`cargo build\`" 20 "< 20 s"
  row edit_scope_map "edit one description in \`scope-map.toml\`, debug \`cargo build\`" 30 "< 30 s"
  row ci_fresh "\`.ci/run\` on a fresh clone" 600 "< 10 min"
)"
echo "$table"
python3 "$here/lib/put_section.py" "$here/results.md" build-times <<<"$table"
say "written to benches/results.md"
