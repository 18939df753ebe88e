#!/usr/bin/env bash
# Lists what a plain `cargo build` would compile that `cargo test --workspace`
# did not already (so a "no-op" build after the tests is not one), from
# cargo's unit graph: each unit with its features, profile and, recursively,
# its dependencies. Prints "0 []" when the build is a no-op after the tests.
# The unit graph is a nightly-only cargo flag; the channel override below is
# cargo's own testing switch, used here only to read the graph (nothing is
# built).
set -euo pipefail
cd "$(dirname "$0")/.."
export __CARGO_TEST_CHANNEL_OVERRIDE_DO_NOT_USE_THIS=nightly
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo test --workspace --no-run -Z unstable-options --unit-graph >"$tmp/test.json"
cargo build -Z unstable-options --unit-graph >"$tmp/build.json"
python3 - "$tmp/test.json" "$tmp/build.json" <<'PY'
import functools, hashlib, json, sys

def units(path):
    us = json.load(open(path))["units"]

    @functools.lru_cache(None)
    def key(i):
        u = us[i]
        profile = {k: v for k, v in u["profile"].items() if k != "name"}
        own = (u["pkg_id"].split("#")[-1], u["target"]["name"], u["mode"],
               json.dumps(profile, sort_keys=True), tuple(sorted(u["features"])), u.get("platform"))
        deps = tuple(sorted(key(d["index"]) for d in u["dependencies"]))
        return hashlib.sha256(repr((own, deps)).encode()).hexdigest()

    return {key(i): f'{us[i]["pkg_id"].split("#")[-1]} {us[i]["target"]["name"]}'
            for i in range(len(us)) if us[i]["mode"] in ("build", "run-custom-build")}

tested, built = units(sys.argv[1]), units(sys.argv[2])
extra = sorted(v for k, v in built.items() if k not in tested)
print(len(extra), extra)
sys.exit(1 if extra else 0)
PY
