//! The three kinds of answer the OAuth endpoints give: a JSON OAuth error
//! (token and registration endpoints), a plain page for the person in the
//! browser when there is no trustworthy place to send them back to, and a
//! redirect back to the MCP client with the result in the query.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// `{"error": ..., "error_description": ...}` with `Cache-Control: no-store`.
pub fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        (
            status,
            axum::Json(json!({ "error": error, "error_description": description })),
        )
            .into_response(),
    )
}

/// A JSON answer that must not be cached (tokens, registrations).
pub fn no_store(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    r
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A short HTML page telling the person what went wrong and what to do.
pub fn page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{t}</title></head><body><h1>{t}</h1><p>{m}</p></body></html>",
        t = escape(title),
        m = escape(message)
    );
    let mut r = (status, axum::response::Html(html)).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// `redirect_uri` with `params` added to its query, as a 302.
pub fn redirect_with(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let Ok(mut url) = url::Url::parse(redirect_uri) else {
        return page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "The MCP client's redirect URI is not a valid URL.",
        );
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
    }
    found(url.as_str())
}

/// A plain 302 to `location`, never cached.
pub fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(v) => {
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            r
        }
        Err(_) => page(
            StatusCode::BAD_REQUEST,
            "Sign-in failed",
            "The address to continue at is not valid.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_escape_and_redirects_keep_the_query() {
        let r = redirect_with(
            "http://127.0.0.1:9/cb?x=1",
            &[("code", "a b"), ("state", "s")],
        );
        assert_eq!(r.status(), 302);
        assert_eq!(
            r.headers()[header::LOCATION],
            "http://127.0.0.1:9/cb?x=1&code=a+b&state=s"
        );
        assert_eq!(escape("<b>\"&"), "&lt;b&gt;&quot;&amp;");
        let r = oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", "no");
        assert_eq!(r.headers()[header::CACHE_CONTROL], "no-store");
    }
}
