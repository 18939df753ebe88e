//! File uploads (brand logos, favicons, ...): the one place a tool takes a
//! local file. The body is encoded here and sent through the generated
//! client like any other.

use serde_json::Value;

/// The result of encoding: the bytes and the `Content-Type` with boundary.
#[derive(Debug)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub content_type: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    #[error("give body.file_path (a local file) or body.content_base64")]
    NoFile,
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("body.content_base64 is not valid base64")]
    BadBase64,
    #[error("the file is larger than {0} bytes")]
    TooLarge(usize),
}

/// Largest file accepted for upload.
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Reads a regular file of at most [`MAX_UPLOAD_BYTES`]. Devices, pipes and
/// directories are refused before they are opened (`/dev/zero` would never
/// end, a FIFO would block), and the read is bounded whatever the size the
/// file system reports (`/proc` files report 0).
fn read_file(path: &str) -> Result<Vec<u8>, UploadError> {
    use std::io::Read;
    let read_error = |message: String| UploadError::Read {
        path: path.into(),
        message,
    };
    let meta = std::fs::metadata(path).map_err(|e| read_error(e.to_string()))?;
    if !meta.is_file() {
        return Err(read_error("not a regular file".into()));
    }
    if meta.len() > MAX_UPLOAD_BYTES as u64 {
        return Err(UploadError::TooLarge(MAX_UPLOAD_BYTES));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_UPLOAD_BYTES as u64 + 1).read_to_end(&mut bytes))
        .map_err(|e| read_error(e.to_string()))?;
    if bytes.len() > MAX_UPLOAD_BYTES {
        return Err(UploadError::TooLarge(MAX_UPLOAD_BYTES));
    }
    Ok(bytes)
}

/// Encodes the multipart form Okta expects (one part named `file`).
pub fn encode(body: &Value) -> Result<Encoded, UploadError> {
    let (bytes, default_name) = if let Some(path) = body.get("file_path").and_then(Value::as_str) {
        let bytes = read_file(path)?;
        let name = std::path::Path::new(path)
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

    #[test]
    fn encodes_base64_content_as_one_file_part() {
        let e = encode(&json!({"content_base64": "aGVsbG8=", "filename": "logo.png"})).unwrap();
        let text = String::from_utf8_lossy(&e.bytes);
        assert!(
            e.content_type
                .starts_with("multipart/form-data; boundary=okta-mcp-")
        );
        assert!(text.contains("name=\"file\"; filename=\"logo.png\""));
        assert!(text.contains("Content-Type: image/png\r\n\r\nhello\r\n--"));
    }

    #[test]
    fn missing_or_unreadable_files_are_clear_errors() {
        assert!(matches!(encode(&json!({})), Err(UploadError::NoFile)));
        let e = encode(&json!({"file_path": "/nonexistent/x.png"})).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.png"));
    }

    #[test]
    fn devices_directories_and_proc_files_are_refused_or_bounded() {
        for path in ["/dev/zero", "/dev/null", "/tmp"] {
            let e = encode(&json!({ "file_path": path })).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{path}: {e}");
        }
        // A /proc file reports size 0 and is read with a bound.
        if let Ok(e) = encode(&json!({"file_path": "/proc/self/status"})) {
            assert!(e.bytes.len() <= MAX_UPLOAD_BYTES + 1024);
        }
    }

    #[test]
    fn part_headers_cannot_be_broken() {
        let e = encode(
            &json!({"content_base64": "aGk=", "filename": "a\"\r\nX-Evil: 1.png",
            "content_type": "image/png\r\nX-Evil: 2"}),
        )
        .unwrap();
        let text = String::from_utf8_lossy(&e.bytes);
        assert!(!text.contains("\r\nX-Evil"), "{text}");
    }
}
