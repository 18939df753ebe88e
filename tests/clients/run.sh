#!/usr/bin/env bash
# Independent MCP clients against okta-mcp (issue 5):
#   1. the official MCP Python SDK (pytest, tests/clients/test_python_sdk.py)
#   2. the MCP Inspector CLI (tests/clients/inspector.sh)
# Builds okta-mcp and fake-okta, installs the pinned client packages into
# tests/clients/.venv and tests/clients/node_modules, runs both, and ends with
# the line "N passed, N failed[, N skipped]". Exit status non-zero on any failure.
# A missing python venv / node is a skip locally, a failure with CI=true.
# Set SKIP_BUILD=1 to use the binaries already in target/debug (or OKTA_MCP_BIN / FAKE_OKTA_BIN).
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
ci=false
case "${CI:-}" in true | 1 | yes) ci=true ;; esac

passed=0
failed=0
skipped=0
log() { echo "[clients] $*"; }
missing_peer() { # what
  if $ci; then
    log "FAIL: $1 (CI=true: a missing client is a failure)"
    failed=$((failed + 1))
  else
    log "SKIP: $1"
    skipped=$((skipped + 1))
  fi
}
finish() {
  if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
  else
    echo "$passed passed, $failed failed"
  fi
  [ "$failed" -eq 0 ]
  exit $?
}

# --- build -----------------------------------------------------------------
if [ "${SKIP_BUILD:-}" != "1" ]; then
  log "cargo build --bin okta-mcp; cargo build -p fake-okta"
  if ! (cd "$root" && timeout 2700 cargo build --bin okta-mcp && timeout 2700 cargo build -p fake-okta); then
    log "FAIL: cargo build"
    failed=$((failed + 1))
    finish
  fi
fi
export OKTA_MCP_BIN="${OKTA_MCP_BIN:-$root/target/debug/okta-mcp}"
export FAKE_OKTA_BIN="${FAKE_OKTA_BIN:-$root/target/debug/fake-okta}"

# --- Python MCP SDK --------------------------------------------------------
run_python() {
  local venv="$here/.venv" rc
  log "python-venv.sh (pip install -r requirements.txt -c constraints.txt)"
  bash "$here/python-venv.sh"
  rc=$?
  if [ "$rc" -eq 2 ]; then missing_peer "python3 with venv not found"; return; fi
  if [ "$rc" -ne 0 ]; then
    log "FAIL: pip install of the pinned Python packages"
    failed=$((failed + 1))
    return
  fi
  local junit
  junit="$(mktemp)"
  log "pytest test_python_sdk.py"
  (cd "$here" && timeout 900 "$venv/bin/python" -m pytest -p no:cacheprovider -q -rfE \
      --junitxml="$junit" test_python_sdk.py)
  rc=$?
  local counts
  counts="$("$venv/bin/python" - "$junit" <<'EOF'
import sys, xml.etree.ElementTree as ET
try:
    root = ET.parse(sys.argv[1]).getroot()
except Exception:
    print("0 0 0"); sys.exit()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
t = f = s = 0
for su in suites:
    t += int(su.get("tests", 0)); f += int(su.get("failures", 0)) + int(su.get("errors", 0)); s += int(su.get("skipped", 0))
print(t - f - s, f, s)
EOF
)"
  rm -f "$junit"
  local p f s
  read -r p f s <<<"$counts"
  passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    log "FAIL: pytest exited $rc with no failed test counted (collection error, timeout or no tests)"
    failed=$((failed + 1))
  fi
  if [ "$((p + f + s))" -eq 0 ] && [ "$rc" -eq 0 ]; then
    log "FAIL: pytest ran no test"
    failed=$((failed + 1))
  fi
}

# --- MCP Inspector CLI -----------------------------------------------------
run_inspector() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    missing_peer "node/npm not found"
    return
  fi
  log "npm ci (node $(node --version))"
  if ! (cd "$here" && timeout 900 npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    log "FAIL: npm ci"
    failed=$((failed + 1))
    return
  fi
  local out rc
  out="$(mktemp)"
  timeout 600 bash "$here/inspector.sh" | tee "$out"
  rc=${PIPESTATUS[0]}
  local p f
  p="$(grep -c '^ok ' "$out")"
  f="$(grep -c '^FAIL ' "$out")"
  rm -f "$out"
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    log "FAIL: inspector.sh exited $rc with no failed check counted"
    failed=$((failed + 1))
  fi
}

run_python
run_inspector
finish
