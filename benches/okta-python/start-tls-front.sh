#!/usr/bin/env bash
# Start nginx on 127.0.0.1 terminating TLS (throwaway cert from setup.sh) and proxying to a fake Okta.
#   bash benches/okta-python/start-tls-front.sh http://127.0.0.1:PORT   -> prints https://127.0.0.1:TLSPORT
# Env: TLS_PORT (default: a free port), TLS_FRONT_DIR (default benches/.work/nginx; one nginx per dir).
# Stop with: bash benches/okta-python/stop-tls-front.sh   (same TLS_FRONT_DIR)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(cd "$HERE/.." && pwd)/.work"
DIR="${TLS_FRONT_DIR:-$WORK/nginx}"
TLS="$WORK/tls"
UP="${1:?usage: start-tls-front.sh http://127.0.0.1:PORT}"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

[[ "$UP" =~ ^http://(127\.[0-9.]+|localhost|\[::1\]):[0-9]+/?$ ]] || { echo "upstream must be http://127.x.x.x:PORT (loopback only), got: $UP" >&2; exit 2; }
UP="${UP%/}"
[[ -s "$TLS/server.pem" && -x "$NGINX" ]] || { echo "run benches/okta-python/setup.sh first" >&2; exit 2; }

# Refuse to start twice in one dir.
if [[ -s "$DIR/nginx.pid" ]] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
  echo "already running (pid $(cat "$DIR/nginx.pid")); stop it first: stop-tls-front.sh" >&2; exit 3
fi
mkdir -p "$DIR/tmp"
PORT="${TLS_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
UPHOSTPORT="${UP#http://}"

# The token endpoint answers from the front with a JWT-shaped access token (exp in 24 h; the
# signature is not checked by anyone). Okta's server treats a non-JWT token, like the fake's opaque
# one, as expired and would fetch a new token before every tool call; a real Okta org issues JWT
# access tokens, so this keeps its per-call numbers realistic. The fake runs without --token and
# accepts any Bearer token. TOKEN_FROM_FAKE=1 passes the token request through to the fake instead.
TOKEN="$(python3 - <<'PY'
import base64, json, time
b = lambda o: base64.urlsafe_b64encode(json.dumps(o, separators=(",", ":")).encode()).rstrip(b"=").decode()
now = int(time.time())
print(".".join([b({"alg": "RS256", "kid": "bench", "typ": "JWT"}),
                b({"iss": "bench", "sub": "0oabenchclient0000001", "iat": now, "exp": now + 86400, "cid": "bench"}),
                base64.urlsafe_b64encode(b"not-a-signature").rstrip(b"=").decode()]))
PY
)"
printf '%s\n' "$TOKEN" > "$DIR/token"
if [[ "${TOKEN_FROM_FAKE:-0}" == 1 ]]; then
  TOKEN_LOCATION=""
else
  TOKEN_LOCATION="location = /oauth2/v1/token { default_type application/json; return 200 '{\"token_type\":\"Bearer\",\"expires_in\":86400,\"access_token\":\"$TOKEN\"}'; }"
fi

cat > "$DIR/nginx.conf" <<CONF
daemon on;
worker_processes 1;
pid $DIR/nginx.pid;
error_log $DIR/error.log warn;
events { worker_connections 1024; }
http {
  # One line per request (bench.py counts what the server asks the org for); TLS_ACCESS_LOG=0 disables.
  log_format bench '\$msec \$request_method \$request_uri \$status \$body_bytes_sent \$request_time';
  $( [[ "${TLS_ACCESS_LOG:-1}" == 0 ]] && echo 'access_log off;' || echo "access_log $DIR/access.log bench;" )
  client_body_temp_path $DIR/tmp/body;
  proxy_temp_path $DIR/tmp/proxy;
  fastcgi_temp_path $DIR/tmp/fastcgi;
  uwsgi_temp_path $DIR/tmp/uwsgi;
  scgi_temp_path $DIR/tmp/scgi;
  client_max_body_size 16m;
  upstream fake_okta { server $UPHOSTPORT; keepalive 16; }
  server {
    listen 127.0.0.1:$PORT ssl;
    ssl_certificate $TLS/server.pem;
    ssl_certificate_key $TLS/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    $TOKEN_LOCATION
    location / {
      proxy_pass http://fake_okta;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-Proto https;
      proxy_set_header X-Forwarded-Host \$http_host;
      proxy_buffering off;
      proxy_read_timeout 60s;
    }
  }
}
CONF

"$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log" -t -q >/dev/null 2>"$DIR/configtest.log" || { cat "$DIR/configtest.log" >&2; exit 4; }
"$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/error.log"

# Wait (bounded) until TLS answers with our CA.
for _ in $(seq 1 50); do
  if curl -s -o /dev/null --max-time 1 --cacert "$TLS/ca.pem" "https://127.0.0.1:$PORT/" ; then
    echo "https://127.0.0.1:$PORT" > "$DIR/url"
    echo "https://127.0.0.1:$PORT"
    exit 0
  fi
  sleep 0.1
done
echo "nginx did not answer on https://127.0.0.1:$PORT within 5s; see $DIR/error.log" >&2
bash "$HERE/stop-tls-front.sh" >/dev/null 2>&1 || true
exit 5
