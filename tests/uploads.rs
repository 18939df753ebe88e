//! Uploads through the real binary against the fake Okta: `body.file_path`
//! is read only inside `OKTA_UPLOAD_DIR` (after `..` and symlinks are
//! resolved) and never from okta-mcp's state folder; a refused path sends
//! nothing to Okta. Without `OKTA_UPLOAD_DIR`, only `content_base64` works.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::*;

const TOOL: &str = "upload_application_logo";

/// The env that lists the upload tool, plus `extra`. A logo upload is a
/// `change`; `OKTA_CONFIRM=destructive` lets it through unasked, so these
/// tests see only the upload folder's rules (tests/trust.rs covers asking).
fn env<'a>(extra: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut env = vec![("OKTA_TOOLS", TOOL), ("OKTA_CONFIRM", "destructive")];
    env.extend_from_slice(extra);
    env
}

fn some_app(fake: &FakeOkta) -> String {
    fake.apps()[0]["id"]
        .as_str()
        .expect("a seeded app")
        .to_owned()
}

/// The logo uploads the fake received.
fn uploads_received(fake: &FakeOkta) -> Vec<fake_okta::RecordedRequest> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/logo"))
        .collect()
}

async fn upload(server: &Server, app: &str, body: Value) -> rmcp::model::CallToolResult {
    server.call(TOOL, json!({"appId": app, "body": body})).await
}

fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

#[tokio::test]
async fn file_path_is_read_only_inside_the_upload_dir() {
    let root = tempfile::tempdir().unwrap();
    let uploads = root.path().join("uploads");
    write(&uploads.join("logo.png"), b"LOGO-BYTES-1234");
    let secret = root.path().join("secret.png");
    write(&secret, b"OUTSIDE-SECRET-5678");
    // okta-mcp's state folder (token cache) inside the upload folder.
    let xdg_state = uploads.join("xdg");
    let cache = xdg_state.join("okta-mcp").join("tokens-abc.json");
    write(&cache, b"{\"access_token\":\"CACHED-TOKEN-9abc\"}");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&secret, uploads.join("link.png")).unwrap();
        std::os::unix::fs::symlink(&cache, uploads.join("cache-link.png")).unwrap();
    }

    let fake = fake_org().await;
    let app = some_app(&fake);
    let server = start(
        fake.base_url(),
        "okta.apps.manage",
        &env(&[
            ("OKTA_UPLOAD_DIR", uploads.to_str().unwrap()),
            ("XDG_STATE_HOME", xdg_state.to_str().unwrap()),
        ]),
    )
    .await;

    // Inside: sent, by relative or absolute path.
    let absolute = uploads.join("logo.png");
    for path in ["logo.png", absolute.to_str().unwrap()] {
        fake.clear_requests();
        let r = upload(&server, &app, json!({ "file_path": path })).await;
        assert!(!is_error(&r), "{path}: {}", text(&r));
        let sent = uploads_received(&fake);
        assert_eq!(sent.len(), 1, "{path}: one upload reaches Okta");
        assert!(
            sent[0]
                .header("content-type")
                .is_some_and(|c| c.starts_with("multipart/form-data; boundary=")),
            "{:?}",
            sent[0].headers
        );
        let body = sent[0].body_text();
        assert!(body.contains("filename=\"logo.png\""), "{body}");
        assert!(body.contains("LOGO-BYTES-1234"), "{body}");
    }

    // Outside, escaping with `..`, through a symlink, or okta-mcp's own
    // state: refused, and nothing reaches Okta.
    let dotdot = format!("{}/../secret.png", uploads.display());
    let mut refused: Vec<(&str, &str)> = vec![
        (secret.to_str().unwrap(), "outside OKTA_UPLOAD_DIR"),
        ("../secret.png", "outside OKTA_UPLOAD_DIR"),
        (dotdot.as_str(), "outside OKTA_UPLOAD_DIR"),
        (cache.to_str().unwrap(), "never uploaded"),
        ("xdg/okta-mcp/tokens-abc.json", "never uploaded"),
    ];
    if cfg!(unix) {
        refused.push(("link.png", "outside OKTA_UPLOAD_DIR"));
        refused.push(("cache-link.png", "never uploaded"));
    }
    for (path, why) in refused {
        fake.clear_requests();
        let r = upload(&server, &app, json!({ "file_path": path })).await;
        assert!(is_error(&r), "{path} must be refused: {}", text(&r));
        let msg = text(&r);
        assert!(msg.contains(why), "{path}: {msg}");
        for secret in ["OUTSIDE-SECRET", "CACHED-TOKEN"] {
            assert!(!msg.contains(secret), "{path}: {msg}");
        }
        assert_eq!(
            fake.requests().len(),
            0,
            "{path}: no request may reach Okta"
        );
    }
    let stderr = server.stop().await;
    for secret in ["OUTSIDE-SECRET", "CACHED-TOKEN"] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

#[tokio::test]
async fn without_an_upload_dir_only_content_base64_works() {
    let root = tempfile::tempdir().unwrap();
    let file = root.path().join("logo.png");
    write(&file, b"NOT-SENT-BYTES");

    let fake = fake_org().await;
    let app = some_app(&fake);
    let server = start(fake.base_url(), "okta.apps.manage", &env(&[])).await;

    fake.clear_requests();
    let r = upload(&server, &app, json!({"file_path": file.to_str().unwrap()})).await;
    assert!(is_error(&r), "{}", text(&r));
    let msg = text(&r);
    assert!(
        msg.contains("OKTA_UPLOAD_DIR") && msg.contains("content_base64"),
        "{msg}"
    );
    assert_eq!(fake.requests().len(), 0, "nothing reaches Okta");

    // "BASE64-LOGO" in base64.
    let r = upload(
        &server,
        &app,
        json!({"content_base64": "QkFTRTY0LUxPR08=", "filename": "logo.png"}),
    )
    .await;
    assert!(!is_error(&r), "{}", text(&r));
    let sent = uploads_received(&fake);
    assert_eq!(sent.len(), 1);
    let body = sent[0].body_text();
    assert!(body.contains("BASE64-LOGO"), "{body}");
    assert!(body.contains("Content-Type: image/png"), "{body}");
    server.stop().await;
}
