#!/usr/bin/env bash
# okta-mcp driven by the MCP Inspector CLI (pinned in package.json, installed by
# `npm ci` here) over stdio, against fake-okta on 127.0.0.1.
# Prints one "ok"/"FAIL" line per check; exits with the number of failed checks
# (0 = all passed). Needs node and tests/clients/node_modules.
# Binaries: OKTA_MCP_BIN / FAKE_OKTA_BIN, default target/debug/{okta-mcp,fake-okta}.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
okta_mcp="${OKTA_MCP_BIN:-$root/target/debug/okta-mcp}"
fake_okta="${FAKE_OKTA_BIN:-$root/target/debug/fake-okta}"
token="clients-test-token"
work="$(mktemp -d)"
fake_pid=""

cleanup() {
  if [ -n "$fake_pid" ]; then
    kill "$fake_pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$fake_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$fake_pid" 2>/dev/null
    wait "$fake_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

failed=0
ok()   { echo "ok   inspector: $1"; }
fail() { echo "FAIL inspector: $1"; failed=$((failed + 1)); }

cd "$here" || exit 1
pinned="$(node -p 'require("./package.json").devDependencies["@modelcontextprotocol/inspector"]')"
got="$(timeout 30 npx --no-install mcp-inspector --version 2>/dev/null | tail -1)"
if [ "$got" = "$pinned" ]; then ok "installed version $got is the pinned one"; else fail "installed version '$got' != pinned '$pinned' (run npm ci in tests/clients)"; exit "$failed"; fi

"$fake_okta" --users 25 --token "$token" --port 0 >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
url=""
for _ in $(seq 100); do
  url="$(head -n1 "$work/fake.out" 2>/dev/null)"
  [ -n "$url" ] && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.1
done
case "$url" in
  http://127.0.0.1:*) ;;
  *) fail "fake-okta did not start: $(cat "$work/fake.err")"; exit "$failed" ;;
esac

# The inspector starts okta-mcp itself; -e is the only environment it gets.
inspect() {
  timeout 60 npx --no-install mcp-inspector --cli "$okta_mcp" \
    -e "OKTA_ORG_URL=$url" -e "OKTA_SCOPES=okta.users.read" -e "OKTA_API_TOKEN=$token" \
    "$@"
}

# check NAME OUTFILE JS: JS gets `d` (parsed JSON output) and throws on failure.
check() {
  local name="$1" out="$2" js="$3"
  if node -e '
      const fs = require("fs");
      const d = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      '"$js"'
    ' "$out" 2>"$work/check.err"; then
    ok "$name"
  else
    fail "$name: $(head -c 600 "$work/check.err")"
    echo "  output: $(head -c 600 "$out")"
  fi
}

if inspect --method tools/list >"$work/list.json" 2>"$work/list.err"; then
  check "tools/list has list_users, hides create_user" "$work/list.json" '
    const names = d.tools.map(t => t.name);
    if (!names.includes("list_users")) throw new Error("list_users missing: " + names);
    if (names.includes("create_user")) throw new Error("create_user listed with read scope only");
    const lu = d.tools.find(t => t.name === "list_users");
    if (!lu.annotations || lu.annotations.readOnlyHint !== true) throw new Error("list_users not readOnly");
  '
else
  fail "tools/list exited $?: $(tail -c 800 "$work/list.err")"
fi

if inspect --method tools/call --tool-name list_users --tool-arg limit=2 >"$work/call.json" 2>"$work/call.err"; then
  check "tools/call list_users limit=2 returns 2 items" "$work/call.json" '
    if (d.isError) throw new Error("isError: " + JSON.stringify(d.content));
    const items = d.structuredContent && d.structuredContent.items;
    if (!Array.isArray(items) || items.length !== 2) throw new Error("items: " + JSON.stringify(items));
  '
else
  fail "tools/call list_users exited $?: $(tail -c 800 "$work/call.err")"
fi

if inspect --method tools/call --tool-name get_user --tool-arg id=00unosuchuser000000 >"$work/err.json" 2>"$work/err.err"; then
  check "tools/call get_user unknown id is an isError result with E0000007" "$work/err.json" '
    if (d.isError !== true) throw new Error("not isError");
    if (!JSON.stringify(d.content).includes("E0000007")) throw new Error("no E0000007");
  '
else
  # The CLI may exit non-zero on an isError result; judge by its output then.
  if [ -s "$work/err.json" ]; then
    check "tools/call get_user unknown id is an isError result with E0000007" "$work/err.json" '
      if (d.isError !== true) throw new Error("not isError");
      if (!JSON.stringify(d.content).includes("E0000007")) throw new Error("no E0000007");
    '
  else
    fail "tools/call get_user exited without output: $(tail -c 800 "$work/err.err")"
  fi
fi

exit "$failed"
