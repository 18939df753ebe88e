#!/usr/bin/env python3
"""Checks the deploy files against the schemas and against what the README promises.

Run through deploy/check.sh (which installs the pinned tools into deploy/.venv):
    python3 deploy/check.py --binary target/debug/okta-mcp

1. Every Kubernetes object (the kustomization rendered here, and secrets.example.yaml) is
   valid against the Kubernetes schemas of kubernetes-validate (strict: unknown fields are
   errors), for 1.30 (the oldest with the preStop `sleep` action) and the newest it knows.
2. The invariants: 2+ replicas, non-root, read-only root filesystem, resources, /readyz and
   /healthz probes, a preStop pause, a grace period above OKTA_MCP_SHUTDOWN_GRACE + the
   pause, Service/Ingress/PDB wired to the pods, Valkey with a password from a Secret, TLS
   at the Ingress, secrets only from Secrets (never in the ConfigMap), and Secret templates
   with placeholders only.
3. The real binary agrees: every ConfigMap key is a setting `okta-mcp --help` names (or one
   of the few environment variables it reads besides), the Dockerfile's CMD and the
   Deployment's args are its command line, and the ConfigMap's settings (with generated keys
   instead of the Secrets, the memory store, 127.0.0.1) start remote mode: /healthz,
   /readyz and the protected-resource metadata answer for the public URL.
Prints `N passed, N failed` and exits non-zero on any failure.
"""
from __future__ import annotations

import argparse
import base64
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml
import kubernetes_validate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
KUBE = HERE / "kubernetes"
OLDEST, NEWEST = "1.30.0", kubernetes_validate.utils.latest_version()
# Read by okta-mcp besides its settings (README: RUST_LOG; the state folder).
EXTRA_ENV = {"RUST_LOG", "XDG_STATE_HOME"}
SECRET_VARS = {"OKTA_MCP_SIGNING_KEY", "OKTA_MCP_STORE_KEY", "OKTA_MCP_WEB_PRIVATE_KEY", "OKTA_PRIVATE_KEY",
               "OKTA_API_TOKEN", "OKTA_ACCESS_TOKEN", "OKTA_MCP_STORE"}

results: list[tuple[str, str | None]] = []


def check(name: str, ok: bool, why: str = "") -> None:
    results.append((name, None if ok else (why or "false")))


def docs(path: Path) -> list[dict]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def render() -> list[dict]:
    """The kustomization's objects: `namespace` applied to each resource file's objects."""
    k = yaml.safe_load((KUBE / "kustomization.yaml").read_text())
    extra = set(k) - {"apiVersion", "kind", "namespace", "resources"}
    if extra:
        raise SystemExit(f"check: kustomization.yaml has {sorted(extra)}: this check renders only "
                         "namespace and resources (keep it so, or render with kubectl here)")
    out = []
    for r in k["resources"]:
        for d in docs(KUBE / r):
            if d["kind"] != "Namespace":
                d.setdefault("metadata", {})["namespace"] = k["namespace"]
            out.append(d)
    return out


def one(objs: list[dict], kind: str, name: str) -> dict:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    if len(found) != 1:
        raise SystemExit(f"check: expected one {kind} {name}, found {len(found)}")
    return found[0]


def schemas(objs: list[dict]) -> None:
    for version in (OLDEST, NEWEST):
        for o in objs:
            label = f"schema {version}: {o['kind']}/{o['metadata']['name']}"
            try:
                kubernetes_validate.validate(o, version, strict=True)
                check(label, True)
            except Exception as e:  # noqa: BLE001 - the validator's own error types
                check(label, False, str(e).splitlines()[0])


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def invariants(objs: list[dict], secrets: list[dict]) -> dict:
    dep = one(objs, "Deployment", "okta-mcp")
    cm = one(objs, "ConfigMap", "okta-mcp")["data"]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    check("deployment: 2 or more replicas", spec["replicas"] >= 2, f"replicas {spec['replicas']}")
    check("deployment: selector matches the pod labels",
          all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()))
    psc = pod.get("securityContext", {})
    check("pod: runAsNonRoot with a non-zero uid", psc.get("runAsNonRoot") is True and psc.get("runAsUser", 0) > 0)
    check("pod: no service account token", pod.get("automountServiceAccountToken") is False)
    server = next(c for c in pod["containers"] if c["name"] == "okta-mcp")
    for c in pod["containers"]:
        sc = c.get("securityContext", {})
        check(f"container {c['name']}: read-only root, no privilege escalation, no capabilities",
              sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False
              and sc.get("capabilities", {}).get("drop") == ["ALL"], json.dumps(sc))
        res = c.get("resources", {})
        check(f"container {c['name']}: cpu and memory requests and a memory limit",
              {"cpu", "memory"} <= set(res.get("requests", {})) and "memory" in res.get("limits", {}))
    port = next(p for p in server["ports"] if p["name"] == "http")["containerPort"]
    check("server: listens on its container port", server["args"] == ["serve", "--http", f"0.0.0.0:{port}"],
          str(server["args"]))
    rp, lp = server.get("readinessProbe", {}), server.get("livenessProbe", {})
    check("server: readiness probe GET /readyz", rp.get("httpGet", {}).get("path") == "/readyz")
    check("server: liveness probe GET /healthz", lp.get("httpGet", {}).get("path") == "/healthz")
    pause = server.get("lifecycle", {}).get("preStop", {}).get("sleep", {}).get("seconds", 0)
    check("server: a preStop pause so the load balancer drains first", pause >= 5, f"sleep {pause}")
    grace = int(cm.get("OKTA_MCP_SHUTDOWN_GRACE", "20"))
    tgp = pod.get("terminationGracePeriodSeconds", 30)
    check("pod: terminationGracePeriodSeconds > preStop pause + OKTA_MCP_SHUTDOWN_GRACE",
          tgp > pause + grace, f"{tgp} <= {pause} + {grace}")
    # Secrets come from Secrets, never from the ConfigMap or a literal.
    env = env_of(server)
    for var in ("OKTA_MCP_SIGNING_KEY", "OKTA_MCP_STORE_KEY"):
        check(f"server: {var} from a Secret", "secretKeyRef" in env.get(var, {}).get("valueFrom", {}))
    leaked = sorted(SECRET_VARS & set(cm))
    check("configmap: holds no secret setting", not leaked, str(leaked))
    store = env.get("OKTA_MCP_STORE", {}).get("value", "")
    m = re.fullmatch(r"redis://:\$\((\w+)\)@([\w.-]+):(\d+)(/\d+)?", store)
    check("server: OKTA_MCP_STORE is redis with the password expanded from a Secret",
          bool(m) and "secretKeyRef" in env.get(m.group(1), {}).get("valueFrom", {})
          and list(env).index(m.group(1)) < list(env).index("OKTA_MCP_STORE"), store)
    key_file = cm.get("OKTA_MCP_WEB_PRIVATE_KEY_FILE", "")
    mounts = {v["mountPath"]: v for v in server.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    key_mount = mounts.get(str(Path(key_file).parent))
    check("server: the web app's key file is on a Secret volume",
          bool(key_mount) and "secret" in vols[key_mount["name"]], key_file)
    writable = [p for p, v in mounts.items() if "emptyDir" in vols[v["name"]] and not v.get("readOnly")]
    audit = cm.get("OKTA_AUDIT_LOG", "")
    check("server: the audit log is on a writable volume", any(audit.startswith(p + "/") for p in writable), audit)
    # Service, Ingress, PDB.
    svc = one(objs, "Service", "okta-mcp")
    check("service: selects the server pods", all(labels.get(k) == v for k, v in svc["spec"]["selector"].items())
          and svc["spec"]["selector"] == spec["selector"]["matchLabels"])
    check("service: targets the server's port", svc["spec"]["ports"][0]["targetPort"] in ("http", port))
    ing = one(objs, "Ingress", "okta-mcp")
    public = cm["OKTA_MCP_PUBLIC_URL"]
    host = re.sub(r"^https://", "", public).rstrip("/")
    check("configmap: OKTA_MCP_PUBLIC_URL is https", public.startswith("https://"), public)
    tls_hosts = [h for t in ing["spec"].get("tls", []) for h in t.get("hosts", [])]
    check("ingress: TLS for the public host", host in tls_hosts and all(t.get("secretName") for t in ing["spec"]["tls"]),
          f"{host} not in {tls_hosts}")
    backends = [p["backend"]["service"] for r in ing["spec"]["rules"] if r.get("host") == host
                for p in r["http"]["paths"]]
    check("ingress: routes the public host to the service",
          any(b["name"] == "okta-mcp" and b["port"].get("name") == svc["spec"]["ports"][0]["name"] for b in backends))
    pdb = one(objs, "PodDisruptionBudget", "okta-mcp")
    check("pdb: keeps one server pod", pdb["spec"]["selector"]["matchLabels"] == spec["selector"]["matchLabels"]
          and pdb["spec"].get("minAvailable") == 1)
    # Valkey.
    vk = one(objs, "StatefulSet", "okta-mcp-valkey")
    vpod = vk["spec"]["template"]["spec"]
    vc = vpod["containers"][0]
    vsvc = one(objs, "Service", "okta-mcp-valkey")
    check("valkey: the store URL names its service and port", bool(m) and m.group(2) == "okta-mcp-valkey"
          and int(m.group(3)) == vsvc["spec"]["ports"][0]["port"])
    check("valkey: the service selects the valkey pods",
          vsvc["spec"]["selector"] == vk["spec"]["selector"]["matchLabels"])
    args = vc.get("args", [])
    pw_var = args[args.index("--requirepass") + 1] if "--requirepass" in args else ""
    pv = re.fullmatch(r"\$\((\w+)\)", pw_var)
    check("valkey: requirepass from the same Secret as the server's",
          bool(pv) and bool(m) and env_of(vc).get(pv.group(1), {}).get("valueFrom", {}).get("secretKeyRef")
          == env[m.group(1)]["valueFrom"]["secretKeyRef"], pw_var)
    check("valkey: non-root", vpod.get("securityContext", {}).get("runAsNonRoot") is True)
    np = one(objs, "NetworkPolicy", "okta-mcp-valkey")
    check("valkey: only the server pods may connect",
          np["spec"]["podSelector"]["matchLabels"] == vk["spec"]["selector"]["matchLabels"]
          and np["spec"]["ingress"][0]["from"][0]["podSelector"]["matchLabels"] == spec["selector"]["matchLabels"])
    # The Secret templates: every Secret key referenced exists there, and holds a placeholder.
    by_name = {s["metadata"]["name"]: s for s in secrets}
    refs = [e["valueFrom"]["secretKeyRef"] for c in pod["containers"] + vpod["containers"]
            for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})]
    refs += [{"name": v["secret"]["secretName"], "key": Path(key_file).name} for v in vols.values() if "secret" in v]
    for r in {(r["name"], r["key"]): r for r in refs}.values():
        s = by_name.get(r["name"], {})
        value = s.get("stringData", {}).get(r["key"])
        check(f"secrets.example.yaml: {r['name']}/{r['key']} is a placeholder",
              isinstance(value, str) and value.startswith("REPLACE"), repr(value))
    check("secrets.example.yaml: only placeholders, no data",
          all("data" not in s and all(v.startswith("REPLACE") for v in s.get("stringData", {}).values())
              for s in secrets))
    check("kustomization: never applies the Secret templates",
          not any(o["kind"] == "Secret" for o in objs))
    return {"cm": cm, "server": server}


def dockerfile_cmd() -> list[str]:
    text = (ROOT / "Dockerfile").read_text()
    final = text.split("\nFROM ")[-1]
    user = re.search(r"^USER\s+(\S+)", final, re.M)
    check("Dockerfile: the final stage runs as a non-root numeric user",
          bool(user) and user.group(1).split(":")[0].isdigit() and user.group(1).split(":")[0] != "0")
    check("Dockerfile: no secret setting baked in with ENV or ARG",
          not re.search(r"^(ENV|ARG)\b.*(KEY|TOKEN|SECRET|PASSWORD|OKTA_MCP_STORE)", text, re.M))
    cmd = re.search(r"^CMD\s+(\[.*\])\s*$", final, re.M)
    return json.loads(cmd.group(1)) if cmd else []


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url: str, host: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def with_binary(binary: Path, cm: dict, server: dict, cmd: list[str]) -> None:
    help_text = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30).stdout
    known = set(re.findall(r"\[env: (\w+)", help_text)) | EXTRA_ENV
    check("binary: --help names its settings", len(known) > 30, f"{len(known)} found")
    unknown = sorted(set(cm) - known)
    check("configmap: every key is a setting okta-mcp reads", not unknown, str(unknown))
    # Both command lines parse: with no public URL, a non-loopback address is refused by the
    # settings check (after clap accepted the arguments), naming OKTA_MCP_PUBLIC_URL.
    clean = {k: v for k, v in os.environ.items() if not k.startswith("OKTA")}
    clean.update({"HOME": tempfile.gettempdir()})
    for label, argv in (("Dockerfile CMD", cmd), ("Deployment args", server["args"])):
        p = subprocess.run([binary, *argv], capture_output=True, text=True, timeout=30, env=clean,
                           stdin=subprocess.DEVNULL)
        check(f"{label} {argv} is okta-mcp's command line",
              p.returncode != 0 and "OKTA_MCP_PUBLIC_URL is not set" in p.stderr and "error:" not in p.stderr,
              p.stderr.strip()[:300])
    # The ConfigMap's settings start remote mode (Secrets replaced by generated test values).
    with tempfile.TemporaryDirectory() as tmp:
        key = Path(tmp) / "web-key.pem"
        subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", str(key)],
                       check=True, capture_output=True)
        env = dict(clean)
        env.update(cm)
        port = free_port()
        env.update({
            "OKTA_MCP_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
            "OKTA_MCP_STORE_KEY": base64.b64encode(os.urandom(32)).decode(),
            "OKTA_MCP_STORE": "memory",
            "OKTA_MCP_WEB_PRIVATE_KEY_FILE": str(key),
            "OKTA_AUDIT_LOG": str(Path(tmp) / "audit.jsonl"),
            "XDG_STATE_HOME": str(Path(tmp) / "state"),
        })
        log = open(Path(tmp) / "stderr.log", "wb")
        proc = subprocess.Popen([binary, "serve", "--http", f"127.0.0.1:{port}"], env=env,
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        host = re.sub(r"^https://", "", cm["OKTA_MCP_PUBLIC_URL"]).rstrip("/")
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 20
            status = 0
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    status, _ = get(base + "/healthz", host)
                    break
                except OSError:
                    time.sleep(0.1)
            why = (Path(tmp) / "stderr.log").read_text()[-400:]
            check("configmap settings: remote mode starts, /healthz 200", status == 200, why)
            if status == 200:
                s, body = get(base + "/readyz", host)
                check("configmap settings: /readyz 200", s == 200, f"{s} {body[:200]!r}")
                s, body = get(base + "/.well-known/oauth-protected-resource", host)
                doc = json.loads(body) if s == 200 else {}
                check("configmap settings: protected-resource metadata names PUBLIC_URL/mcp",
                      doc.get("resource") == cm["OKTA_MCP_PUBLIC_URL"].rstrip("/") + "/mcp", f"{s} {body[:200]!r}")
                s, _ = get(base + "/mcp", "evil.example.net")
                check("configmap settings: another Host is refused", s == 403, str(s))
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=25)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
        check("configmap settings: SIGTERM stops the server cleanly", proc.returncode == 0, str(proc.returncode))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", type=Path, required=True, help="okta-mcp, to check the settings against")
    a = ap.parse_args()
    if not a.binary.is_file():
        raise SystemExit(f"check: {a.binary} is missing: build okta-mcp first (cargo build)")
    objs = render()
    secrets = docs(KUBE / "secrets.example.yaml")
    schemas(objs + secrets)
    seen = invariants(objs, secrets)
    cmd = dockerfile_cmd()
    with_binary(a.binary, seen["cm"], seen["server"], cmd)
    failed = [(n, w) for n, w in results if w is not None]
    for n, w in results:
        print(("ok   " if w is None else "FAIL ") + n + ("" if w is None else f": {w}"))
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
