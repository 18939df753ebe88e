#!/usr/bin/env node
// Packs an okta-mcp binary into an MCP Bundle (.mcpb) for Claude Desktop,
// one bundle per platform, with the mcpb CLI pinned in package-lock.json
// (`npm ci` here first). The manifest beside this file is the template: the
// bundle gets its version from Cargo.toml, the one platform it runs on, and
// the binary under server/ (okta-mcp, or okta-mcp.exe for win32).
//
//   node packaging/mcpb/pack.mjs --binary target/release/okta-mcp \
//     [--platform darwin|linux|win32] --out dist/okta-mcp-macos-arm64.mcpb
//
// The manifest is validated before packing; any failure exits non-zero.
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const cli = join(here, "node_modules/@anthropic-ai/mcpb/dist/cli/cli.js");
const PLATFORMS = ["darwin", "linux", "win32"];

function fail(message) {
  console.error(`pack.mjs: ${message}`);
  process.exit(1);
}

/** The package version from the root Cargo.toml's [package] table. */
function cargoVersion() {
  const text = readFileSync(join(root, "Cargo.toml"), "utf8");
  const pkg = text.split(/^\[/m).find((t) => t.startsWith("package]"));
  const m = pkg && pkg.match(/^version\s*=\s*"([^"]+)"/m);
  if (!m) fail("no version in the [package] table of Cargo.toml");
  return m[1];
}

function mcpb(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit" });
  if (r.status !== 0) fail(`mcpb ${args[0]} failed (exit ${r.status ?? r.signal})`);
}

const { values } = parseArgs({
  options: {
    binary: { type: "string" },
    platform: { type: "string", default: process.platform },
    out: { type: "string" },
  },
});
if (!values.binary || !values.out) {
  fail("usage: pack.mjs --binary PATH [--platform darwin|linux|win32] --out FILE.mcpb");
}
if (!PLATFORMS.includes(values.platform)) {
  fail(`--platform must be one of ${PLATFORMS.join(", ")}, not ${values.platform}`);
}
if (!existsSync(values.binary)) fail(`no binary at ${values.binary}`);
if (!existsSync(cli)) fail(`the mcpb CLI is missing: run \`npm ci\` in ${here}`);

const manifest = JSON.parse(readFileSync(join(here, "manifest.json"), "utf8"));
const exe = values.platform === "win32" ? "okta-mcp.exe" : "okta-mcp";
manifest.version = cargoVersion();
manifest.server.entry_point = `server/${exe}`;
manifest.server.mcp_config.command = `\${__dirname}/server/${exe}`;
manifest.compatibility = { ...manifest.compatibility, platforms: [values.platform] };

const stage = mkdtempSync(join(tmpdir(), "okta-mcp-mcpb-"));
try {
  mkdirSync(join(stage, "server"));
  writeFileSync(join(stage, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  copyFileSync(values.binary, join(stage, "server", exe));
  chmodSync(join(stage, "server", exe), 0o755);
  mcpb("validate", join(stage, "manifest.json"));
  const out = resolve(values.out);
  mkdirSync(dirname(out), { recursive: true });
  mcpb("pack", stage, out);
  if (!existsSync(out)) fail(`mcpb pack wrote no ${out}`);
  console.log(`pack.mjs: ${out} (okta-mcp ${manifest.version}, ${values.platform})`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
