#!/usr/bin/env node
// Prints, as JSON, how a host starts the server of an unpacked bundle: the
// command, args and env that Claude Desktop derives from manifest.json and
// the user's answers, computed by the pinned mcpb package's own
// getMcpConfigForManifest (the function the desktop app uses), so a test can
// start the server exactly that way.
//
//   node packaging/mcpb/launch-config.mjs UNPACKED_DIR USER_CONFIG.json
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { resolve, sep } from "node:path";
import { getMcpConfigForManifest } from "@anthropic-ai/mcpb";

const [dir, userConfigPath] = process.argv.slice(2);
if (!dir || !userConfigPath) {
  console.error("usage: launch-config.mjs UNPACKED_DIR USER_CONFIG.json");
  process.exit(2);
}
const manifest = JSON.parse(readFileSync(resolve(dir, "manifest.json"), "utf8"));
const userConfig = JSON.parse(readFileSync(userConfigPath, "utf8"));
const config = await getMcpConfigForManifest({
  manifest,
  extensionPath: resolve(dir),
  systemDirs: { HOME: homedir() },
  userConfig,
  pathSeparator: sep,
});
if (!config) {
  console.error("launch-config.mjs: the host would not start this server (required settings missing)");
  process.exit(1);
}
process.stdout.write(`${JSON.stringify(config)}\n`);
