#!/usr/bin/env bash
# Stop the nginx started by start-tls-front.sh (same TLS_FRONT_DIR). Bounded: TERM, wait 5s, then KILL.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
DIR="${TLS_FRONT_DIR:-$(cd "$HERE/.." && pwd)/.work/nginx}"
PIDF="$DIR/nginx.pid"
[[ -s "$PIDF" ]] || { echo "tls front not running ($PIDF missing)"; exit 0; }
PID="$(cat "$PIDF")"
# Only signal it if it really is our nginx master (guards against a stale pid file).
if kill -0 "$PID" 2>/dev/null && grep -q "nginx" "/proc/$PID/cmdline" 2>/dev/null; then
  kill -QUIT "$PID" 2>/dev/null
  for _ in $(seq 1 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$PID" 2>/dev/null; then kill -KILL "$PID" 2>/dev/null; pkill -KILL -P "$PID" 2>/dev/null; fi
fi
rm -f "$PIDF" "$DIR/url"
echo "tls front stopped"
