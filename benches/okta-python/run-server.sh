#!/usr/bin/env bash
# Exec Okta's okta-mcp-server 1.1.7 (stdio MCP) headlessly against a local fake Okta behind the TLS front.
#   OKTA_ORG_URL=https://127.0.0.1:PORT bash benches/okta-python/run-server.sh
# or pass the URL as $1. All variables below can be overridden from the environment.
#
# Headless auth = private_key_jwt (OKTA_PRIVATE_KEY + OKTA_KEY_ID): at start, before answering
# `initialize`, the server POSTs a client_credentials grant with a signed JWT assertion to
# {OKTA_ORG_URL}/oauth2/v1/token and stores the access token in the (plaintext) keyring.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(cd "$HERE/.." && pwd)/.work"
VENV="$WORK/okta-venv"
[[ -x "$VENV/bin/okta-mcp-server" && -s "$WORK/jwt-key.pem" ]] || { echo "run benches/okta-python/setup.sh first" >&2; exit 2; }

export OKTA_ORG_URL="${1:-${OKTA_ORG_URL:?usage: run-server.sh https://127.0.0.1:PORT (or set OKTA_ORG_URL)}}"
export OKTA_CLIENT_ID="${OKTA_CLIENT_ID:-0oabenchclient0000001}"
# All 19 scopes named by okta_mcp_server.utils.scope_registry -> every tool enabled, no scope stubs.
export OKTA_SCOPES="${OKTA_SCOPES:-okta.apps.manage okta.apps.read okta.brands.manage okta.brands.read okta.deviceAssurance.manage okta.deviceAssurance.read okta.domains.manage okta.domains.read okta.emailDomains.manage okta.emailDomains.read okta.groups.manage okta.groups.read okta.logs.read okta.policies.manage okta.policies.read okta.templates.manage okta.templates.read okta.users.manage okta.users.read}"
export OKTA_KEY_ID="${OKTA_KEY_ID:-bench-key-1}"
export OKTA_PRIVATE_KEY="${OKTA_PRIVATE_KEY:-$(cat "$WORK/jwt-key.pem")}"
# Forced file keyring, else `keyring` finds no backend / a locked Secret Service and blocks or prompts.
export PYTHON_KEYRING_BACKEND="${PYTHON_KEYRING_BACKEND:-keyrings.alt.file.PlaintextKeyring}"
# The plaintext keyring lives in $XDG_DATA_HOME/python_keyring/keyring_pass.cfg. A cached token
# (a JWT with exp > now+60s) makes the server skip the token request at start; pass a fresh
# XDG_DATA_HOME per run for true cold starts.
export XDG_DATA_HOME="${XDG_DATA_HOME:-$WORK/okta-keyring}"
# Trust the throwaway CA: `requests` (token call) reads REQUESTS_CA_BUNDLE, aiohttp (okta SDK) uses
# ssl.create_default_context(), which reads SSL_CERT_FILE. Forced (this machine's environment already
# points both at the system bundle); OKTA_BENCH_CA overrides.
export SSL_CERT_FILE="${OKTA_BENCH_CA:-$WORK/tls/ca.pem}"
export REQUESTS_CA_BUNDLE="$SSL_CERT_FILE"
unset CURL_CA_BUNDLE
export OKTA_LOG_LEVEL="${OKTA_LOG_LEVEL:-WARNING}"
# Never go through a proxy for the loopback org.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}" no_proxy="127.0.0.1,localhost${no_proxy:+,$no_proxy}"
exec "$VENV/bin/okta-mcp-server"
