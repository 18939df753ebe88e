//! Fetching a pinned spec the build could not find on disk.
//!
//! A new user clones the repository and runs `cargo run --release`; the spec
//! is vendored data that is never committed, so the build downloads the
//! file `openapi/spec.lock` pins, checks its sha256 before anything reads
//! it, and keeps it under `openapi/` (git-ignored) for the next build.
//! `OKTA_OPENAPI_OFFLINE=1` forbids the download. A failed, blocked or
//! mismatching download leaves nothing behind and says what to do.

use std::path::Path;
use std::process::Command;

use crate::CodegenError;
use crate::spec_source::{SpecLock, sha256_hex};

/// Largest spec accepted, in bytes (the Management spec is about 3 MiB).
const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// Downloads `url` to `dest` if its sha256 is the one `lock` pins. The
/// file appears at `dest` only once verified (written aside, then renamed).
///
/// The transfer is `curl`'s (on every Linux and macOS, and Windows since
/// 10): an HTTP client linked into the generator would be compiled into
/// every build of the workspace and change the features cargo resolves for
/// the runtime's own TLS stack.
pub fn download(url: &str, dest: &Path, lock: &SpecLock) -> Result<(), CodegenError> {
    let expected_sha256 = lock.sha256.as_str();
    let fail = |message: String| CodegenError::Download {
        name: lock.name.as_str().into(),
        env: lock.env_var().into(),
        url: url.to_owned(),
        dest: dest.to_owned(),
        message,
    };
    let folder = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(folder)
        .map_err(|e| fail(format!("cannot create {}: {e}", folder.display())))?;
    let aside = folder.join(format!(
        ".{}.download-{}",
        dest.file_name().and_then(|n| n.to_str()).unwrap_or("spec"),
        std::process::id()
    ));
    let result = fetch(url, &aside).map_err(fail).and_then(|bytes| {
        let actual = sha256_hex(&bytes);
        if actual != expected_sha256 {
            return Err(CodegenError::DownloadDigest {
                name: lock.name.as_str().into(),
                env: lock.env_var().into(),
                url: url.to_owned(),
                expected: expected_sha256.to_owned(),
                actual,
            });
        }
        std::fs::rename(&aside, dest)
            .map_err(|e| fail(format!("cannot write {}: {e}", dest.display())))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&aside);
    }
    result
}

/// The body of a GET of `url` (a small answer, such as GitHub's API),
/// through curl, with the same limits as a download.
pub fn get(url: &str) -> Result<Vec<u8>, String> {
    let output = curl()
        .args(["--header", "Accept: application/vnd.github+json"])
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run curl ({e}); install curl"))?;
    if !output.status.success() {
        return Err(curl_failure(&output));
    }
    Ok(output.stdout)
}

/// curl with the options every transfer uses; the URL goes last.
fn curl() -> Command {
    let mut command = Command::new("curl");
    command
        .args(["--fail", "--silent", "--show-error", "--location"])
        .args([
            "--proto",
            "=https,http",
            "--connect-timeout",
            "15",
            "--max-time",
            "180",
        ])
        .args(["--max-filesize", &MAX_BYTES.to_string()]);
    command
}

/// What curl said when it failed.
fn curl_failure(output: &std::process::Output) -> String {
    let said = String::from_utf8_lossy(&output.stderr);
    let said = said.trim().trim_start_matches("curl: ");
    if said.is_empty() {
        format!("curl failed ({})", output.status)
    } else {
        said.to_owned()
    }
}

/// Runs curl into `into` and returns the bytes it wrote.
fn fetch(url: &str, into: &Path) -> Result<Vec<u8>, String> {
    let output = curl()
        .arg("--output")
        .arg(into)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run curl ({e}); install curl, or fetch the file yourself"))?;
    if !output.status.success() {
        return Err(curl_failure(&output));
    }
    std::fs::read(into).map_err(|e| format!("cannot read what curl wrote: {e}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::time::Duration;

    /// A one-thread HTTP server on 127.0.0.1 answering `routes` (path →
    /// status, body) for `n` requests; returns its base URL.
    pub(crate) fn serve(routes: Vec<(&'static str, u16, Vec<u8>)>, n: usize) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        std::thread::spawn(move || {
            for stream in listener.incoming().take(n) {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head);
                let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                let (status, body) = routes
                    .iter()
                    .find(|(p, _, _)| *p == path)
                    .map(|(_, s, b)| (*s, b.clone()))
                    .unwrap_or((404, b"not found".to_vec()));
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            }
        });
        base
    }

    fn lock(sha256: &str) -> SpecLock {
        SpecLock {
            name: "management".into(),
            release: "2099.01.0".into(),
            sha256: sha256.into(),
            url: String::new(),
            env: Some("OKTA_OPENAPI_SPEC".into()),
            overlay: None,
            upstream: None,
        }
    }

    fn tempdir(tag: &str) -> std::path::PathBuf {
        let p =
            std::env::temp_dir().join(format!("okta-mcp-download-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        p
    }

    #[test]
    fn a_good_file_is_kept_a_wrong_one_is_not() {
        let good = b"openapi: 3.0.3\n".to_vec();
        let base = serve(
            vec![
                ("/good.yaml", 200, good.clone()),
                ("/evil.yaml", 200, b"other".to_vec()),
            ],
            2,
        );
        let dir = tempdir("digest");
        let dest = dir.join("openapi/management.yaml");
        download(
            &format!("{base}/good.yaml"),
            &dest,
            &lock(&sha256_hex(&good)),
        )
        .expect("downloads");
        assert_eq!(std::fs::read(&dest).unwrap(), good);
        std::fs::remove_file(&dest).unwrap();
        let err = download(
            &format!("{base}/evil.yaml"),
            &dest,
            &lock(&sha256_hex(&good)),
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains(&sha256_hex(&good)) && msg.contains(&sha256_hex(b"other")),
            "{msg}"
        );
        assert!(!dest.exists(), "a mismatching file is never kept");
        assert_eq!(
            std::fs::read_dir(dir.join("openapi")).unwrap().count(),
            0,
            "nothing aside"
        );
    }

    #[test]
    fn a_404_and_a_closed_port_say_what_to_do() {
        let base = serve(vec![], 1);
        let dir = tempdir("404");
        let dest = dir.join("management.yaml");
        let msg = download(&format!("{base}/gone.yaml"), &dest, &lock("00"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("404"), "{msg}");
        assert!(msg.contains("OKTA_OPENAPI_SPEC"), "the fix is named: {msg}");
        assert!(!dest.exists());
        // Nothing listens there any more once the one request was served.
        let closed = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/spec.yaml", l.local_addr().unwrap())
        };
        let msg = download(&closed, &dest, &lock("00"))
            .unwrap_err()
            .to_string();
        assert!(msg.contains("OKTA_OPENAPI_SPEC"), "{msg}");
    }
}
