#!/usr/bin/env bash
# Idempotent setup for running Okta's own MCP server (okta-mcp-server 1.1.7, PyPI)
# against a local fake Okta.  Everything generated goes to benches/.work/ (gitignored).
#
#   bash benches/okta-python/setup.sh        # exit 0 = ready; non-zero = printed why
#
# Env overrides: OKTA_PY=/path/to/python3.13+  (else searched: PATH, pyenv)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCHES="$(cd "$HERE/.." && pwd)"
WORK="$BENCHES/.work"
VENV="$WORK/okta-venv"
TLS="$WORK/tls"
PKG="okta-mcp-server==1.1.7"

say() { echo "[okta-python/setup] $*" >&2; }
die() { say "CANNOT RUN: $*"; exit 2; }

mkdir -p "$WORK" "$TLS"

# ---------------------------------------------------------------- Python >= 3.13
py_ok() { "$1" -c 'import sys, ssl, venv; sys.exit(0 if sys.version_info >= (3, 13) else 1)' >/dev/null 2>&1; }
find_python() {
  local c
  if [[ -n "${OKTA_PY:-}" ]]; then echo "$OKTA_PY"; return 0; fi
  for c in python3.14 python3.13; do
    if command -v "$c" >/dev/null 2>&1 && py_ok "$(command -v "$c")"; then command -v "$c"; return 0; fi
  done
  local root="${PYENV_ROOT:-$HOME/.pyenv}"
  # newest first
  for c in $(ls -d "$root"/versions/3.1[3-9]* "$root"/versions/3.[2-9][0-9]* 2>/dev/null | sort -rV); do
    if [[ -x "$c/bin/python3" ]] && py_ok "$c/bin/python3"; then echo "$c/bin/python3"; return 0; fi
  done
  return 1
}
if [[ -n "${OKTA_PY:-}" ]] && ! py_ok "$OKTA_PY"; then die "OKTA_PY=$OKTA_PY is not a working Python >= 3.13"; fi
if ! PY="$(find_python)"; then
  say "okta-mcp-server 1.1.7 declares Requires-Python >=3.13; none found."
  say "searched: \$OKTA_PY, python3.14/python3.13 on PATH, ${PYENV_ROOT:-$HOME/.pyenv}/versions/3.13+"
  say "pyenv versions present: $(ls "${PYENV_ROOT:-$HOME/.pyenv}/versions" 2>/dev/null | tr '\n' ' ')"
  if command -v apt-cache >/dev/null; then
    cand="$(apt-cache policy python3.13 2>/dev/null | awk '/Candidate/{print $2}' || true)"
    say "Debian package python3.13: candidate '${cand:-none}' (bookworm has none; a trixie-or-later apt source would)"
  fi
  say "'uv python install' / pyenv builds need downloads from outside the registries, which this machine cannot reach."
  die "no Python >= 3.13"
fi
say "python: $PY ($("$PY" -c 'import sys; print(sys.version.split()[0])'))"

# ---------------------------------------------------------------- nginx + openssl
need_apt=()
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need_apt+=(nginx-light)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
if (( ${#need_apt[@]} )); then
  [[ $(id -u) -eq 0 ]] || die "need root to apt-get install ${need_apt[*]}"
  say "apt-get install ${need_apt[*]}"
  apt-get update -q >/dev/null
  # nginx-light is the small build; fall back to the full package name.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need_apt[@]/nginx-light/nginx}" >/dev/null \
    || die "apt-get install ${need_apt[*]} failed"
  # The Debian package may have started a system nginx on :80 via its init script; we never use it.
  if [[ -f /run/nginx.pid ]]; then /usr/sbin/nginx -s quit 2>/dev/null || true; fi
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
say "nginx: $("$NGINX" -v 2>&1)"

# ---------------------------------------------------------------- venv with okta-mcp-server
if [[ -x "$VENV/bin/python" ]] && ! py_ok "$VENV/bin/python"; then rm -rf "$VENV"; fi
if [[ ! -x "$VENV/bin/python" ]]; then
  say "creating venv $VENV"
  "$PY" -m venv "$VENV"
fi
have_ver="$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("okta-mcp-server"))' 2>/dev/null || true)"
have_alt="$("$VENV/bin/python" -c 'import keyrings.alt' >/dev/null 2>&1 && echo yes || true)"
if [[ "$have_ver" != "1.1.7" || "$have_alt" != "yes" ]]; then
  say "pip install $PKG keyrings.alt (pinned by constraints.txt)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -c "$HERE/constraints.txt" "$PKG" keyrings.alt \
    || die "pip install $PKG failed"
fi
[[ -x "$VENV/bin/okta-mcp-server" ]] || die "okta-mcp-server entry point missing in $VENV"

# ---------------------------------------------------------------- TLS: private CA + leaf for 127.0.0.1
# Python 3.13 enables VERIFY_X509_STRICT by default, so use a proper CA (keyUsage, critical basicConstraints)
# plus a leaf with SAN IP:127.0.0.1 rather than one self-signed leaf.
if [[ ! -s "$TLS/ca.pem" || ! -s "$TLS/server.pem" || ! -s "$TLS/server.key" ]] \
   || ! openssl x509 -checkend 86400 -noout -in "$TLS/server.pem" >/dev/null 2>&1; then
  say "generating throwaway CA + server cert for 127.0.0.1 in $TLS"
  (umask 077
   openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=okta-mcp bench local CA" \
     -keyout "$TLS/ca.key" -out "$TLS/ca.pem" \
     -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
   openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout "$TLS/server.key" -out "$TLS/server.csr" 2>/dev/null
   printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
     "extendedKeyUsage=serverAuth" "subjectAltName=IP:127.0.0.1,DNS:localhost" \
     "authorityKeyIdentifier=keyid" "subjectKeyIdentifier=hash" > "$TLS/server.ext"
   openssl x509 -req -in "$TLS/server.csr" -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -CAcreateserial \
     -days 30 -sha256 -extfile "$TLS/server.ext" -out "$TLS/server.pem" 2>/dev/null)
fi

# ---------------------------------------------------------------- RSA key for private_key_jwt
if [[ ! -s "$WORK/jwt-key.pem" ]]; then
  say "generating throwaway RSA key $WORK/jwt-key.pem (private_key_jwt client assertion)"
  (umask 077; openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$WORK/jwt-key.pem" 2>/dev/null)
fi

# ---------------------------------------------------------------- smoke: trust + import
"$VENV/bin/python" - "$TLS/ca.pem" <<'PY' || die "venv smoke check failed"
import ssl, sys
ctx = ssl.create_default_context(cafile=sys.argv[1])
import okta_mcp_server.server, keyrings.alt.file, jwt, cryptography  # noqa
PY
say "ready: venv=$VENV ca=$TLS/ca.pem key=$WORK/jwt-key.pem"
