#!/usr/bin/env bash
# Packs one Claude Desktop bundle per release archive in DIR (cargo-dist's
# okta-mcp-<target>.tar.xz / .zip): okta-mcp-<target>.mcpb beside it, with
# its sha256 in okta-mcp-<target>.mcpb.sha256 (the format of dist's own
# per-archive checksums). Needs `npm ci` in packaging/mcpb.
#
#   bash packaging/mcpb/pack-release.sh target/distrib
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dir="${1:?usage: pack-release.sh DIR_WITH_ARCHIVES}"
dir="$(cd "$dir" && pwd)"

platform_of() { # target triple -> mcpb platform
  case "$1" in
    *-apple-darwin) echo darwin ;;
    *-windows-*) echo win32 ;;
    *-linux-*) echo linux ;;
    *) return 1 ;;
  esac
}

sha256_of() {
  if command -v sha256sum >/dev/null; then sha256sum "$1" | cut -d' ' -f1; else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

packed=0
shopt -s nullglob
for archive in "$dir"/okta-mcp-*.tar.xz "$dir"/okta-mcp-*.zip; do
  name="$(basename "$archive")"
  target="${name#okta-mcp-}"
  target="${target%.tar.xz}"
  target="${target%.zip}"
  platform="$(platform_of "$target")" || { echo "pack-release: no platform for $target" >&2; exit 1; }
  work="$(mktemp -d)"
  case "$archive" in
    *.zip) unzip -q "$archive" -d "$work" ;;
    *) tar -xJf "$archive" -C "$work" ;;
  esac
  bin="$(find "$work" -type f \( -name okta-mcp -o -name okta-mcp.exe \) | head -n 1)"
  if [ -z "$bin" ]; then
    echo "pack-release: no okta-mcp binary in $name" >&2
    exit 1
  fi
  out="$dir/okta-mcp-$target.mcpb"
  node "$here/pack.mjs" --binary "$bin" --platform "$platform" --out "$out"
  echo "$(sha256_of "$out")  $(basename "$out")" >"$out.sha256"
  rm -rf "$work"
  packed=$((packed + 1))
done
if [ "$packed" -eq 0 ]; then
  echo "pack-release: no okta-mcp-*.tar.xz or .zip in $dir" >&2
  exit 1
fi
echo "pack-release: $packed bundle(s) in $dir"
