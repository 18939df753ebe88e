#!/usr/bin/env bash
# Checks the release pipeline on this machine, as far as it goes without
# GitHub:
#   1. `dist generate --check`: release.yml is what dist-workspace.toml gives;
#   2. `dist plan`: the five archives, their checksums, the two installers;
#   3. `dist build` for the host target: its archive, .sha256 and the shell
#      installer (a release build: minutes);
#   4. the host's .mcpb from that archive (packaging/mcpb/pack-release.sh);
#   5. the shell installer, downloading from a local HTTP server on
#      127.0.0.1 into a temporary CARGO_HOME (it checks the sha256 it
#      carries), then the installed `okta-mcp --version`.
# Only GitHub runs the other targets, the PowerShell installer and the
# workflows themselves.
#
# Needs: dist (`cargo install --locked cargo-dist --version 0.34.0`),
# `repository` set in Cargo.toml, node with `npm ci --prefix packaging/mcpb`,
# python3 (the local server), curl.
#   bash packaging/check-release.sh
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
target="$(rustc -vV | sed -n 's/^host: //p')"
distrib="$root/target/distrib" # dist writes here whatever CARGO_TARGET_DIR says

echo "== dist generate --check"
dist generate --check
echo "== dist plan"
dist plan
echo "== dist build --artifacts=all --target=$target"
dist build --artifacts=all --target="$target"
archive="$(ls "$distrib"/okta-mcp-"$target".tar.xz "$distrib"/okta-mcp-"$target".zip 2>/dev/null | head -n 1)"
[ -n "$archive" ] || { echo "no archive for $target in $distrib" >&2; exit 1; }
(cd "$distrib" && sha256sum -c "$(basename "$archive").sha256")

echo "== the Claude Desktop bundle"
bash packaging/mcpb/pack-release.sh "$distrib"
(cd "$distrib" && sha256sum -c "okta-mcp-$target.mcpb.sha256")

echo "== the shell installer against a local server"
scratch="$(mktemp -d)"
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  rm -rf "$scratch"
}
trap cleanup EXIT
python3 -m http.server 0 --bind 127.0.0.1 --directory "$distrib" >"$scratch/http.log" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 50); do
  port="$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$scratch/http.log" | head -n 1)"
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "the local server did not start" >&2; exit 1; }
INSTALLER_DOWNLOAD_URL="http://127.0.0.1:$port" CARGO_HOME="$scratch/cargo" \
  INSTALLER_NO_MODIFY_PATH=1 sh "$distrib/okta-mcp-installer.sh"
"$scratch/cargo/bin/okta-mcp" --version
echo "== release checks passed for $target"
