//! File uploads (brand logos, favicons, ...): the one place a tool takes a
//! local file. The body is encoded here and sent through the generated
//! client like any other.
//!
//! `body.file_path` is read only from the folder the admin chose
//! (`OKTA_UPLOAD_DIR`, handed in as an [`UploadPolicy`]), after resolving
//! symlinks and `..`, and never from okta-mcp's own state folder (token
//! cache, DPoP keys) or the private key file, wherever they are.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The result of encoding: the bytes and the `Content-Type` with boundary.
#[derive(Debug)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

/// Where `body.file_path` may be read from. Built from the configuration
/// ([`crate::config::Config::upload`]); the encoder reads no environment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UploadPolicy {
    /// `OKTA_UPLOAD_DIR`: files must resolve inside it. `None`: `file_path`
    /// is refused (`content_base64` still works).
    pub dir: Option<PathBuf>,
    /// Folders and files never read, even inside `dir`: okta-mcp's state
    /// folder (token cache) and the private key file.
    pub never: Vec<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("give body.file_path (a file in OKTA_UPLOAD_DIR) or body.content_base64")]
    NoFile,
    #[error(
        "body.file_path needs OKTA_UPLOAD_DIR: set it to the folder uploads may come from, or send the file as body.content_base64"
    )]
    NoUploadDir,
    #[error(
        "OKTA_UPLOAD_DIR `{dir}` cannot be used ({message}): set it to an existing folder, or send the file as body.content_base64"
    )]
    BadUploadDir { dir: String, message: String },
    #[error(
        "body.file_path `{path}` is outside OKTA_UPLOAD_DIR `{dir}` (after resolving `..` and symlinks): copy the file into that folder, or send it as body.content_base64"
    )]
    OutsideUploadDir { path: String, dir: String },
    #[error(
        "body.file_path `{path}` is okta-mcp's own state (token cache) or private key, which is never uploaded"
    )]
    Forbidden { path: String },
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("body.content_base64 is not valid base64")]
    BadBase64,
    #[error("the file is larger than {0} bytes")]
    TooLarge(usize),
}

/// Largest file accepted for upload.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

impl UploadPolicy {
    /// Resolves `path` (relative paths are taken inside the upload folder)
    /// to the real file it names, and checks it lies inside the upload
    /// folder and outside every `never` path. Returns the resolved path.
    pub fn resolve(&self, path: &str) -> Result<PathBuf, UploadError> {
        let dir = self.dir.as_ref().ok_or(UploadError::NoUploadDir)?;
        let shown_dir = dir.display().to_string();
        let real_dir = dir.canonicalize().map_err(|e| UploadError::BadUploadDir {
            dir: shown_dir.clone(),
            message: e.to_string(),
        })?;
        if !real_dir.is_dir() {
            return Err(UploadError::BadUploadDir {
                dir: shown_dir,
                message: "not a folder".into(),
            });
        }
        let asked = Path::new(path);
        let joined = if asked.is_absolute() {
            asked.to_path_buf()
        } else {
            real_dir.join(asked)
        };
        let real = joined.canonicalize().map_err(|e| UploadError::Read {
            path: path.into(),
            message: e.to_string(),
        })?;
        if !real.starts_with(&real_dir) {
            return Err(UploadError::OutsideUploadDir {
                path: path.into(),
                dir: shown_dir,
            });
        }
        for never in &self.never {
            // Compared as configured and resolved: a folder that does not
            // exist yet cannot be resolved, but then holds nothing either.
            let resolved = never.canonicalize().ok();
            if real.starts_with(never) || resolved.is_some_and(|n| real.starts_with(n)) {
                return Err(UploadError::Forbidden { path: path.into() });
            }
        }
        Ok(real)
    }
}

/// Reads a regular file of at most [`MAX_UPLOAD_BYTES`]. Devices, pipes and
/// directories are refused before they are opened (`/dev/zero` would never
/// end, a FIFO would block), and the read is bounded whatever the size the
/// file system reports (`/proc` files report 0). `path` is already resolved;
/// a symlink put in its place since is not followed.
fn read_file(path: &Path, shown: &str) -> Result<Vec<u8>, UploadError> {
    use std::io::Read;
    let read_error = |message: String| UploadError::Read {
        path: shown.into(),
        message,
    };
    let meta = std::fs::symlink_metadata(path).map_err(|e| read_error(e.to_string()))?;
    if !meta.is_file() {
        return Err(read_error("not a regular file".into()));
    }
    if meta.len() > MAX_UPLOAD_BYTES as u64 {
        return Err(UploadError::TooLarge(MAX_UPLOAD_BYTES));
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Not through a symlink swapped in, and never blocking on a FIFO.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        // FILE_FLAG_OPEN_REPARSE_POINT: a symlink or junction swapped in is
        // opened as itself, which is not a regular file, so it is refused
        // below. (Windows has no FIFOs in the file system to block on.)
        const FILE_FLAG_OPEN_REPARSE_POINT: u32 = 0x0020_0000;
        opts.custom_flags(FILE_FLAG_OPEN_REPARSE_POINT);
    }
    let file = opts.open(path).map_err(|e| read_error(e.to_string()))?;
    let opened = file.metadata().map_err(|e| read_error(e.to_string()))?;
    if !opened.is_file() {
        return Err(read_error("not a regular file".into()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_UPLOAD_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| read_error(e.to_string()))?;
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge(MAX_UPLOAD_BYTES));
    }
    Ok(bytes)
}

/// Encodes the multipart form Okta expects (one part named `file`);
/// `body.file_path` is read only where `policy` allows.
pub fn encode(body: &Value, policy: &UploadPolicy) -> Result<Encoded, UploadError> {
    let (bytes, default_name) = if let Some(path) = body.get("file_path").and_then(Value::as_str) {
        let real = policy.resolve(path)?;
        let bytes = read_file(&real, path)?;
        let name = Path::new(path)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "upload".into());
        (bytes, name)
    } else if let Some(b64) = body.get("content_base64").and_then(Value::as_str) {
        use base64::Engine;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| UploadError::BadBase64)?;
        if bytes.len() > MAX_UPLOAD_BYTES {
            return Err(UploadError::TooLarge(MAX_UPLOAD_BYTES));
        }
        (bytes, "upload".to_owned())
    } else {
        return Err(UploadError::NoFile);
    };
    let filename = body
        .get("filename")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .unwrap_or(default_name);
    // Both go into the part's headers: no quote or line break may end them.
    let media: String = body
        .get("content_type")
        .and_then(Value::as_str)
        .unwrap_or_else(|| guess_media_type(&filename))
        .chars()
        .filter(|c| !c.is_control())
        .collect();
    let boundary = format!("okta-mcp-{}", crate::auth::keys::random_id());
    let safe_name: String = filename
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    let mut out = Vec::with_capacity(bytes.len() + 256);
    out.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{safe_name}\"\r\nContent-Type: {media}\r\n\r\n").as_bytes());
    out.extend_from_slice(&bytes);
    out.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    Ok(Encoded {
        bytes: out,
        content_type: format!("multipart/form-data; boundary={boundary}"),
    })
}

fn guess_media_type(name: &str) -> &'static str {
    match name
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("svg") => "image/svg+xml",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn open() -> UploadPolicy {
        UploadPolicy::default()
    }

    /// A policy allowing `dir`, refusing each of `never`.
    fn within(dir: &Path, never: &[&Path]) -> UploadPolicy {
        UploadPolicy {
            dir: Some(dir.to_path_buf()),
            never: never.iter().map(|p| p.to_path_buf()).collect(),
        }
    }

    fn file_part(e: &Encoded) -> String {
        String::from_utf8_lossy(&e.bytes).into_owned()
    }

    #[test]
    fn encodes_base64_content_as_one_file_part() {
        let e = encode(
            &json!({"content_base64": "aGVsbG8=", "filename": "logo.png"}),
            &open(),
        )
        .unwrap();
        let text = file_part(&e);
        assert!(
            e.content_type
                .starts_with("multipart/form-data; boundary=okta-mcp-")
        );
        assert!(text.contains("name=\"file\"; filename=\"logo.png\""));
        assert!(text.contains("Content-Type: image/png\r\n\r\nhello\r\n--"));
    }

    #[test]
    fn file_path_without_an_upload_dir_is_refused_naming_the_variable() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("logo.png");
        std::fs::write(&file, b"png").unwrap();
        let e = encode(&json!({"file_path": file.to_str().unwrap()}), &open()).unwrap_err();
        assert!(matches!(e, UploadError::NoUploadDir), "{e}");
        let msg = e.to_string();
        assert!(
            msg.contains("OKTA_UPLOAD_DIR") && msg.contains("content_base64"),
            "{msg}"
        );
    }

    #[test]
    fn a_file_inside_the_upload_dir_is_read_by_absolute_or_relative_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("brand")).unwrap();
        let file = dir.path().join("brand").join("logo.png");
        std::fs::write(&file, b"PNGDATA").unwrap();
        let policy = within(dir.path(), &[]);
        for path in [
            file.to_str().unwrap(),
            "brand/logo.png",
            "brand/../brand/logo.png",
        ] {
            let e = encode(&json!({ "file_path": path }), &policy).unwrap();
            let text = file_part(&e);
            assert!(text.contains("filename=\"logo.png\""), "{path}: {text}");
            assert!(text.contains("\r\n\r\nPNGDATA\r\n--"), "{path}: {text}");
        }
    }

    #[test]
    fn paths_escaping_the_upload_dir_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let uploads = root.path().join("uploads");
        std::fs::create_dir(&uploads).unwrap();
        let secret = root.path().join("secret.txt");
        std::fs::write(&secret, b"s3cret").unwrap();
        std::fs::write(uploads.join("ok.png"), b"ok").unwrap();
        let policy = within(&uploads, &[]);
        let dotdot = format!("{}/../secret.txt", uploads.display());
        for path in [secret.to_str().unwrap(), "../secret.txt", dotdot.as_str()] {
            let e = encode(&json!({ "file_path": path }), &policy).unwrap_err();
            assert!(
                matches!(e, UploadError::OutsideUploadDir { .. }),
                "{path}: {e}"
            );
            assert!(e.to_string().contains("OKTA_UPLOAD_DIR"), "{e}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_count_where_they_point() {
        use std::os::unix::fs::symlink;
        let root = tempfile::tempdir().unwrap();
        let uploads = root.path().join("uploads");
        std::fs::create_dir(&uploads).unwrap();
        let secret = root.path().join("secret.txt");
        std::fs::write(&secret, b"s3cret").unwrap();
        std::fs::write(uploads.join("real.png"), b"REAL").unwrap();
        symlink(&secret, uploads.join("out.png")).unwrap();
        symlink(root.path(), uploads.join("up")).unwrap();
        symlink(uploads.join("real.png"), uploads.join("alias.png")).unwrap();
        let policy = within(&uploads, &[]);
        for path in ["out.png", "up/secret.txt"] {
            let e = encode(&json!({ "file_path": path }), &policy).unwrap_err();
            assert!(
                matches!(e, UploadError::OutsideUploadDir { .. }),
                "{path}: {e}"
            );
            if path == "out.png" {
                assert!(
                    !e.to_string().contains("secret"),
                    "the target is not shown: {e}"
                );
            }
        }
        // A link staying inside is fine; the upload dir itself may be a link.
        let e = encode(&json!({"file_path": "alias.png"}), &policy).unwrap();
        assert!(file_part(&e).contains("REAL"));
        symlink(&uploads, root.path().join("link-to-uploads")).unwrap();
        let via_link = within(&root.path().join("link-to-uploads"), &[]);
        let e = encode(&json!({"file_path": "real.png"}), &via_link).unwrap();
        assert!(file_part(&e).contains("REAL"));
    }

    #[test]
    fn state_and_key_files_are_refused_even_inside_the_upload_dir() {
        let home = tempfile::tempdir().unwrap();
        let state = home.path().join(".local/state/okta-mcp");
        std::fs::create_dir_all(&state).unwrap();
        let cache = state.join("tokens-abc.json");
        std::fs::write(&cache, b"{\"access_token\":\"t\"}").unwrap();
        let key = home.path().join("okta.pem");
        std::fs::write(&key, b"-----BEGIN PRIVATE KEY-----").unwrap();
        // The whole home folder is allowed, but not these.
        let policy = within(home.path(), &[&state, &key]);
        let dotted = format!("{}/x/../tokens-abc.json", state.display());
        std::fs::create_dir(state.join("x")).unwrap();
        for path in [
            cache.to_str().unwrap(),
            ".local/state/okta-mcp/tokens-abc.json",
            dotted.as_str(),
            "okta.pem",
        ] {
            let e = encode(&json!({ "file_path": path }), &policy).unwrap_err();
            assert!(matches!(e, UploadError::Forbidden { .. }), "{path}: {e}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&cache, home.path().join("innocent.png")).unwrap();
            let e = encode(&json!({"file_path": "innocent.png"}), &policy).unwrap_err();
            assert!(matches!(e, UploadError::Forbidden { .. }), "{e}");
        }
    }

    #[test]
    fn an_unusable_upload_dir_is_a_clear_error() {
        let root = tempfile::tempdir().unwrap();
        let missing = root.path().join("nope");
        let e = encode(&json!({"file_path": "a.png"}), &within(&missing, &[])).unwrap_err();
        assert!(matches!(e, UploadError::BadUploadDir { .. }), "{e}");
        let file = root.path().join("file");
        std::fs::write(&file, b"x").unwrap();
        let e = encode(&json!({"file_path": "a.png"}), &within(&file, &[])).unwrap_err();
        assert!(e.to_string().contains("not a folder"), "{e}");
    }

    #[test]
    fn missing_or_unreadable_files_are_clear_errors() {
        assert!(matches!(
            encode(&json!({}), &open()),
            Err(UploadError::NoFile)
        ));
        let e = encode(
            &json!({"file_path": "/nonexistent/x.png"}),
            &within(Path::new("/"), &[]),
        )
        .unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.png"));
    }

    #[cfg(unix)]
    #[test]
    fn devices_directories_and_proc_files_are_refused_or_bounded() {
        let everything = within(Path::new("/"), &[]);
        for path in ["/dev/zero", "/dev/null", "/tmp"] {
            let e = encode(&json!({ "file_path": path }), &everything).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{path}: {e}");
        }
        // A /proc file reports size 0 and is read with a bound.
        if let Ok(e) = encode(&json!({"file_path": "/proc/self/status"}), &everything) {
            assert!(e.bytes.len() <= MAX_UPLOAD_BYTES + 1024);
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_in_the_upload_dir_is_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let made = std::process::Command::new("mkfifo")
            .arg(dir.path().join("pipe.png"))
            .status();
        if !made.is_ok_and(|s| s.success()) {
            return; // no mkfifo here
        }
        let e = encode(&json!({"file_path": "pipe.png"}), &within(dir.path(), &[])).unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }

    #[test]
    fn files_over_the_bound_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let big = std::fs::File::create(dir.path().join("big.png")).unwrap();
        big.set_len(MAX_UPLOAD_BYTES as u64 + 1).unwrap();
        let e = encode(&json!({"file_path": "big.png"}), &within(dir.path(), &[])).unwrap_err();
        assert!(matches!(e, UploadError::TooLarge(_)), "{e}");
    }

    #[test]
    fn part_headers_cannot_be_broken() {
        let e = encode(
            &json!({"content_base64": "aGk=", "filename": "a\"\r\nX-Evil: 1.png",
            "content_type": "image/png\r\nX-Evil: 2"}),
            &open(),
        )
        .unwrap();
        let text = file_part(&e);
        assert!(!text.contains("\r\nX-Evil"), "{text}");
    }
}
