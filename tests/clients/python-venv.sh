#!/usr/bin/env bash
# Creates tests/clients/.venv (if needed) and installs the pinned Python
# packages into it: the MCP Python SDK and pytest. Used by tests/clients/run.sh
# and, before `cargo test`, by .ci/run (tests/remote_e2e.rs drives the SDK).
# Exit status: 0 ready; 2 python3 or its venv module is missing; 1 pip failed.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
py="$(command -v python3 || true)"
if [ -z "$py" ]; then
  echo "python3 not found" >&2
  exit 2
fi
if [ ! -x "$venv/bin/python" ]; then
  echo "creating $venv" >&2
  if ! timeout 300 "$py" -m venv "$venv"; then
    rm -rf "$venv"
    echo "python3 -m venv failed (python3-venv missing?)" >&2
    exit 2
  fi
fi
timeout 900 "$venv/bin/python" -m pip install -q --disable-pip-version-check \
  -r "$here/requirements.txt" -c "$here/constraints.txt" || exit 1
