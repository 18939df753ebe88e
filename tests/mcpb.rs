//! The MCP Bundle for Claude Desktop (`packaging/mcpb/`), end to end: packs
//! the binary under test with the pinned `@anthropic-ai/mcpb` CLI, unpacks
//! the bundle with the same CLI, asks that package's own
//! `getMcpConfigForManifest` (what the desktop app runs) how to start the
//! server with a filled-in settings form, starts it exactly so and gets
//! `tools/list` through rmcp's client, against the fake Okta.
//!
//! Needs `node` and `npm ci --prefix packaging/mcpb`. Without them the test
//! skips locally and FAILS when `CI=true`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use rmcp::ServiceExt;
use rmcp::transport::TokioChildProcess;
use serde_json::{Value, json};

fn mcpb_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/mcpb")
}

fn mcpb_cli() -> PathBuf {
    mcpb_dir().join("node_modules/@anthropic-ai/mcpb/dist/cli/cli.js")
}

/// Skips (locally) or fails (CI) when a prerequisite is missing.
fn prerequisites_missing() -> bool {
    let what = if Command::new("node").arg("--version").output().is_err() {
        "node"
    } else if !mcpb_cli().is_file() {
        "packaging/mcpb/node_modules (run `npm ci --prefix packaging/mcpb`)"
    } else {
        return false;
    };
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("CI=true and {what} is missing: the bundle test must run in CI");
    }
    eprintln!("skipping the .mcpb test: {what} is missing");
    true
}

fn node(args: &[&std::ffi::OsStr]) -> Output {
    let out = Command::new("node")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "node {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn host_platform() -> &'static str {
    if cfg!(windows) {
        "win32"
    } else if cfg!(target_os = "macos") {
        "darwin"
    } else {
        "linux"
    }
}

/// How the host starts the bundle's server for `user_config`.
struct Launch {
    command: String,
    args: Vec<String>,
    env: BTreeMap<String, String>,
}

fn launch_config(unpacked: &Path, scratch: &Path, user_config: &Value) -> Launch {
    let form = scratch.join("user-config.json");
    std::fs::write(&form, user_config.to_string()).unwrap();
    let out = node(&[
        mcpb_dir().join("launch-config.mjs").as_os_str(),
        unpacked.as_os_str(),
        form.as_os_str(),
    ]);
    let config: Value = serde_json::from_slice(&out.stdout).expect("launch config is JSON");
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| a.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default()
    };
    Launch {
        command: config["command"].as_str().expect("a command").to_owned(),
        args: strings(&config["args"]),
        env: config["env"]
            .as_object()
            .expect("an env")
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect(),
    }
}

/// Starts the server as `launch` says (plus a private HOME and state folder
/// and PATH, as a desktop app's own environment would give) and returns the
/// listed tool names and its stderr.
async fn tools_of(launch: &Launch, scratch: &Path) -> (Vec<String>, String) {
    let home = tempfile::tempdir_in(scratch).unwrap();
    let stderr_path = home.path().join("stderr.log");
    let mut cmd = tokio::process::Command::new(&launch.command);
    cmd.args(&launch.args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env("OKTA_NO_BROWSER", "1")
        .envs(&launch.env);
    if let Some(root) = std::env::var_os("SystemRoot") {
        cmd.env("SystemRoot", root);
    }
    let (transport, _) = TokioChildProcess::builder(cmd)
        .stderr(Stdio::from(std::fs::File::create(&stderr_path).unwrap()))
        .spawn()
        .expect("the bundle's command starts");
    let client = tokio::time::timeout(Duration::from_secs(30), ().serve(transport))
        .await
        .expect("initialize within 30 s")
        .expect("initialize succeeds");
    let tools = tokio::time::timeout(Duration::from_secs(30), client.list_all_tools())
        .await
        .expect("tools/list within 30 s")
        .expect("tools/list succeeds");
    let _ = tokio::time::timeout(Duration::from_secs(10), client.cancel()).await;
    let names = tools.into_iter().map(|t| t.name.to_string()).collect();
    (
        names,
        std::fs::read_to_string(&stderr_path).unwrap_or_default(),
    )
}

/// A P-256 private key PEM, made by node's crypto.
fn ec_key_pem() -> String {
    let script = "const c=require('crypto');process.stdout.write(c.generateKeyPairSync('ec',{namedCurve:'P-256'}).privateKey.export({type:'pkcs8',format:'pem'}))";
    let out = node(&["-e".as_ref(), script.as_ref()]);
    String::from_utf8(out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bundle_packs_unpacks_and_serves_tools_as_the_manifest_says() {
    if prerequisites_missing() {
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let bundle = scratch.path().join("okta-mcp.mcpb");
    let unpacked = scratch.path().join("unpacked");

    // Pack (validates the manifest first) and unpack with the pinned CLI.
    node(&[
        mcpb_dir().join("pack.mjs").as_os_str(),
        "--binary".as_ref(),
        env!("CARGO_BIN_EXE_okta-mcp").as_ref(),
        "--out".as_ref(),
        bundle.as_os_str(),
    ]);
    node(&[
        mcpb_cli().as_os_str(),
        "unpack".as_ref(),
        bundle.as_os_str(),
        unpacked.as_os_str(),
    ]);

    // The manifest in the bundle: this version, this platform, and a form
    // asking for each setting, the private key file marked sensitive.
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(unpacked.join("manifest.json")).unwrap())
            .unwrap();
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["server"]["type"], "binary");
    assert_eq!(
        manifest["compatibility"]["platforms"],
        json!([host_platform()])
    );
    let form = &manifest["user_config"];
    for required in ["org_url", "client_id", "scopes"] {
        assert_eq!(form[required]["required"], true, "{required}");
    }
    assert_eq!(form["private_key_file"]["type"], "file");
    assert_eq!(form["private_key_file"]["sensitive"], true);
    assert_eq!(form["read_only"]["type"], "boolean");
    let entry = unpacked.join(manifest["server"]["entry_point"].as_str().unwrap());
    assert!(entry.is_file(), "{} is in the bundle", entry.display());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&entry).unwrap().permissions().mode();
        assert!(mode & 0o111 != 0, "the binary stays executable: {mode:o}");
    }

    // Every variable the manifest sets is a setting the binary accepts.
    let help = Command::new(env!("CARGO_BIN_EXE_okta-mcp"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    for var in manifest["server"]["mcp_config"]["env"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert!(
            help.contains(&format!("env: {var}")),
            "{var} is not a setting"
        );
    }

    let fake = support::fake_org().await;
    let org = fake.base_url().to_owned();

    // Device sign-in (no key), read-only left at its default.
    let device = launch_config(
        &unpacked,
        scratch.path(),
        &json!({
            "org_url": org,
            "client_id": "0oa-bundle-device",
            "scopes": "okta.users.read okta.groups.manage",
        }),
    );
    assert!(
        Path::new(&device.command).starts_with(&unpacked),
        "{}",
        device.command
    );
    assert_eq!(device.env["OKTA_READ_ONLY"], "true");
    assert_eq!(device.env["OKTA_PRIVATE_KEY_FILE"], "");
    let (tools, stderr) = tools_of(&device, scratch.path()).await;
    for listed in ["list_users", "get_user", "list_groups"] {
        assert!(tools.iter().any(|t| t == listed), "{listed} in {tools:?}");
    }
    for hidden in ["create_group", "update_user", "list_applications"] {
        assert!(!tools.iter().any(|t| t == hidden), "{hidden} in {tools:?}");
    }
    assert!(
        stderr.contains("device sign-in for client 0oa-bundle-device"),
        "{stderr}"
    );
    assert!(!stderr.contains("configuration:"), "{stderr}");

    // Private key JWT, read-only switched off: the writes the scopes allow
    // are listed too.
    let key = scratch.path().join("key.pem");
    std::fs::write(&key, ec_key_pem()).unwrap();
    let signed = launch_config(
        &unpacked,
        scratch.path(),
        &json!({
            "org_url": org,
            "client_id": "0oa-bundle-service",
            "scopes": "okta.users.read okta.groups.manage",
            "private_key_file": key,
            "key_id": "kid-bundle",
            "read_only": false,
        }),
    );
    assert_eq!(signed.env["OKTA_READ_ONLY"], "false");
    let (tools, stderr) = tools_of(&signed, scratch.path()).await;
    for listed in ["list_users", "list_groups", "create_group"] {
        assert!(tools.iter().any(|t| t == listed), "{listed} in {tools:?}");
    }
    assert!(!tools.iter().any(|t| t == "list_applications"), "{tools:?}");
    assert!(
        stderr.contains("private key JWT") && stderr.contains("kid kid-bundle"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("PRIVATE KEY"),
        "the key never reaches the log"
    );
}
