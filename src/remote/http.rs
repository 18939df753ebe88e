//! The HTTP side of remote mode: MCP Streamable HTTP at `/mcp` (rmcp's
//! server transport, both protocol generations), `/healthz`, `/readyz`,
//! and the routes of the authorization server mounted beside them.
//!
//! Every request but the probes first passes the guard: its `Host` must be
//! one of this server's public names (403 otherwise), and a declared body
//! over the limit is refused (413; rmcp also stops reading a streamed body
//! at the limit). On `/mcp` a browser `Origin`, when sent, must be one of
//! the allowed origins (403 otherwise; the OAuth endpoints are meant to be
//! called from other origins and answer CORS themselves). Requests to
//! `/mcp` then go through the [`Gate`], which names
//! the person (401/403 with a `WWW-Authenticate` challenge otherwise,
//! [`super::oauth::refusal_response`]); a
//! 2025-11-25 session can only be used by the person who started it.
//! Nothing reaches the MCP server, or Okta, before all of that.
//!
//! On SIGTERM or SIGINT the server stops accepting connections and
//! answers new requests on open ones with 503, waits (at most
//! `OKTA_MCP_SHUTDOWN_GRACE`) for the `/mcp` requests in flight to finish
//! and their answers to be sent, then closes the remaining streams and
//! exits.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::StreamExt;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::gate::Gate;
use super::sessions::{SESSION_TTL, StoreSessions};
use super::settings::HttpConfig;
use super::store::{Namespace, Store};
use crate::server::OktaMcpServer;

/// How long `/readyz` waits for the store.
const READY_TIMEOUT: Duration = Duration::from_secs(3);
/// Longest session id looked up in the store (rmcp's are UUIDs).
const MAX_SESSION_ID_LEN: usize = 128;
/// The header that carries a 2025-11-25 session id.
const SESSION_HEADER: &str = "mcp-session-id";

/// Why the server could not run.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {reason} (OKTA_MCP_HTTP_ADDR)")]
    Listen { addr: String, reason: String },
    #[error("the HTTP server failed: {0}")]
    Server(String),
}

/// What the HTTP side serves with.
pub struct Remote {
    pub config: HttpConfig,
    pub store: Arc<dyn Store>,
    pub gate: Arc<dyn Gate>,
    /// Routes beside `/mcp` (the authorization server's), behind the same
    /// Host and size guard; empty in local single-user mode.
    pub routes: Router,
    /// Builds the MCP server for one session or stateless request.
    pub server: Arc<dyn Fn() -> OktaMcpServer + Send + Sync>,
}

/// State shared by the middlewares.
struct Shared {
    store: Arc<dyn Store>,
    gate: Arc<dyn Gate>,
    allowed_hosts: Vec<String>,
    allowed_origins: Vec<String>,
    max_request_bytes: usize,
    /// Set once a stop was asked for.
    stopping: CancellationToken,
    /// The `/mcp` requests in flight, answers included.
    in_flight: InFlight,
}

/// Counts the `/mcp` requests in flight; [`InFlight::idle`] waits for none.
#[derive(Default)]
struct InFlight {
    count: Arc<std::sync::atomic::AtomicUsize>,
    changed: Arc<tokio::sync::Notify>,
}

/// One request in flight, until dropped.
struct InFlightGuard {
    count: Arc<std::sync::atomic::AtomicUsize>,
    changed: Arc<tokio::sync::Notify>,
}

impl InFlight {
    fn enter(&self) -> InFlightGuard {
        self.count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        InFlightGuard {
            count: self.count.clone(),
            changed: self.changed.clone(),
        }
    }

    fn len(&self) -> usize {
        self.count.load(std::sync::atomic::Ordering::SeqCst)
    }

    async fn idle(&self) {
        loop {
            let changed = self.changed.notified();
            if self.len() == 0 {
                return;
            }
            changed.await;
        }
    }
}

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.count.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
        self.changed.notify_waiters();
    }
}

/// Serves until `shutdown` resolves, then drains as the module says.
pub async fn serve(
    remote: Remote,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let addr = remote.config.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| ServeError::Listen {
            addr: addr.to_string(),
            reason: e.to_string(),
        })?;
    let grace = remote.config.shutdown_grace;
    let (app, shared, mcp_cancel) = router(remote);
    tracing::info!(%addr, "serving MCP over HTTP at /mcp");
    let stopping = shared.stopping.clone();
    // Answers go out in several small writes (SSE events); with Nagle's
    // algorithm on, each later write waited for the client's delayed ACK,
    // about 40 ms a call in a 2025-11-25 session (benches/http.sh).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot turn off Nagle's algorithm on a connection: {e}");
        }
    });
    let server = axum::serve(listener, app)
        .with_graceful_shutdown(stopping.clone().cancelled_owned())
        .into_future();
    let server = tokio::spawn(server);
    shutdown.await;
    tracing::info!("stopping: no new connections; waiting for calls in flight");
    stopping.cancel();
    if tokio::time::timeout(grace, shared.in_flight.idle())
        .await
        .is_err()
    {
        tracing::warn!(
            in_flight = shared.in_flight.len(),
            "calls still in flight after OKTA_MCP_SHUTDOWN_GRACE; stopping anyway"
        );
    }
    // Ends the sessions' open streams (GET), so the connections close.
    mcp_cancel.cancel();
    match tokio::time::timeout(Duration::from_secs(3), server).await {
        Ok(Ok(Ok(()))) | Err(_) => Ok(()),
        Ok(Ok(Err(e))) => Err(ServeError::Server(e.to_string())),
        Ok(Err(e)) => Err(ServeError::Server(e.to_string())),
    }
}

/// Resolves on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The whole application, the state its middlewares share, and the token
/// that ends rmcp's sessions.
fn router(remote: Remote) -> (Router, Arc<Shared>, CancellationToken) {
    let Remote {
        config,
        store,
        gate,
        routes,
        server,
    } = remote;
    let mcp_cancel = CancellationToken::new();
    let shared = Arc::new(Shared {
        store: store.clone(),
        gate,
        allowed_hosts: config.allowed_hosts.clone(),
        allowed_origins: config.allowed_origins.clone(),
        max_request_bytes: config.max_request_bytes,
        stopping: CancellationToken::new(),
        in_flight: InFlight::default(),
    });
    let mut mcp_config = StreamableHttpServerConfig::default()
        .with_allowed_hosts(config.allowed_hosts.clone())
        .with_allowed_origins(config.allowed_origins.iter().map(|o| with_port(o)))
        .with_json_response(true)
        .with_legacy_session_mode(true)
        .with_max_request_body_bytes(config.max_request_bytes)
        .with_cancellation_token(mcp_cancel.clone());
    mcp_config.session_store = Some(Arc::new(StoreSessions {
        store: store.clone(),
    }));
    let mcp = StreamableHttpService::new(
        move || Ok(server()),
        Arc::new(LocalSessionManager::default()),
        mcp_config,
    );
    let guarded = Router::new()
        .route_service("/mcp", mcp)
        .route_layer(middleware::from_fn_with_state(shared.clone(), admit))
        .merge(routes)
        .layer(middleware::from_fn_with_state(shared.clone(), guard))
        .layer(DefaultBodyLimit::max(config.max_request_bytes));
    let probes = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(shared.clone());
    (probes.merge(guarded), shared, mcp_cancel)
}

/// `scheme://host` as `scheme://host:port` (rmcp's exact-port form).
fn with_port(origin: &str) -> String {
    match url::Url::parse(origin) {
        Ok(u) if u.port().is_none() => match u.port_or_known_default() {
            Some(p) => format!("{}:{p}", origin.trim_end_matches('/')),
            None => origin.to_owned(),
        },
        _ => origin.to_owned(),
    }
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(shared): State<Arc<Shared>>) -> Response {
    if shared.stopping.is_cancelled() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(json!({"ready": false, "reason": "stopping"})),
        )
            .into_response();
    }
    // The probe is open to anyone who reaches the port: it names the kind
    // of store, and the log has the details.
    let description = shared.store.describe();
    let store = description.split(' ').next().unwrap_or_default();
    let problem = match tokio::time::timeout(READY_TIMEOUT, shared.store.ping()).await {
        Ok(Ok(())) => return axum::Json(json!({"ready": true, "store": store})).into_response(),
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("the store {description} did not answer in time"),
    };
    tracing::warn!("not ready: {problem}");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(
            json!({"ready": false, "store": store, "reason": "the store cannot be reached"}),
        ),
    )
        .into_response()
}

/// A plain-text refusal.
fn refuse(status: StatusCode, message: &str) -> Response {
    (status, format!("{message}\n")).into_response()
}

/// Host and declared size, before anything else.
async fn guard(State(shared): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()));
    if !host
        .as_deref()
        .is_some_and(|h| host_allowed(h, &shared.allowed_hosts))
    {
        tracing::warn!("refused a request whose Host is not this server's");
        return refuse(
            StatusCode::FORBIDDEN,
            "Forbidden: the Host is not this server's public name (OKTA_MCP_PUBLIC_URL, OKTA_MCP_ALLOWED_HOSTS)",
        );
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > shared.max_request_bytes as u64) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!(
                "Payload Too Large: at most {} bytes (OKTA_MCP_MAX_REQUEST_BYTES)",
                shared.max_request_bytes
            ),
        );
    }
    next.run(req).await
}

/// Whether `host` (a `Host` header) is one of `allowed` (`host` matches any
/// port, `host:port` only that port).
pub fn host_allowed(host: &str, allowed: &[String]) -> bool {
    let Ok(authority) = host.parse::<http::uri::Authority>() else {
        return false;
    };
    let name = authority
        .host()
        .trim_matches(['[', ']'])
        .to_ascii_lowercase();
    allowed.iter().any(|a| {
        // A bare IPv6 address (`::1`) is not an authority: a name alone.
        let (entry_host, entry_port) = match a.parse::<http::uri::Authority>() {
            Ok(e) => (e.host().to_owned(), e.port_u16()),
            Err(_) => (a.clone(), None),
        };
        entry_host
            .trim_matches(['[', ']'])
            .eq_ignore_ascii_case(&name)
            && entry_port.is_none_or(|p| authority.port_u16() == Some(p))
    })
}

/// Whether `origin` (an `Origin` header) is one of `allowed`, comparing
/// scheme, host and port (the scheme's default when absent).
pub fn origin_allowed(origin: &str, allowed: &[String]) -> bool {
    let Ok(o) = url::Url::parse(origin) else {
        return false;
    };
    if !o.has_host() {
        return false;
    }
    let key = |u: &url::Url| {
        (
            u.scheme().to_owned(),
            u.host_str().map(str::to_ascii_lowercase),
            u.port_or_known_default(),
        )
    };
    let want = key(&o);
    allowed
        .iter()
        .filter_map(|a| url::Url::parse(a).ok())
        .any(|a| key(&a) == want)
}

/// Origin, the gate, the session's owner, and the in-flight count, for
/// `/mcp`.
async fn admit(State(shared): State<Arc<Shared>>, mut req: Request, next: Next) -> Response {
    if shared.stopping.is_cancelled() {
        let mut r = refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service Unavailable: this replica is stopping; retry",
        );
        r.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        return r;
    }
    // A GET is a session's open stream, which lasts until the stop ends
    // it: only the calls (POST, DELETE) are waited for.
    if let Some(origin) = req.headers().get(header::ORIGIN)
        && !origin
            .to_str()
            .is_ok_and(|o| origin_allowed(o, &shared.allowed_origins))
    {
        tracing::warn!("refused a request from a foreign Origin");
        return refuse(
            StatusCode::FORBIDDEN,
            "Forbidden: requests from this Origin are not allowed (OKTA_MCP_ALLOWED_ORIGINS)",
        );
    }
    let token = (req.method() != axum::http::Method::GET).then(|| shared.in_flight.enter());
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let person = match shared.gate.authenticate(authorization).await {
        Ok(p) => p,
        Err(refusal) => {
            return super::oauth::refusal_response(&refusal, &shared.gate.resource_metadata_url());
        }
    };
    let session = req
        .headers()
        .get(SESSION_HEADER)
        .map(|v| v.to_str().map(str::to_owned));
    let session = match session {
        None => None,
        Some(Ok(s)) if !s.is_empty() && s.len() <= MAX_SESSION_ID_LEN => Some(s),
        Some(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "Bad Request: invalid Mcp-Session-Id",
            );
        }
    };
    if let Some(id) = &session {
        match shared.store.get(&Namespace::SessionOwner.key(id)).await {
            Ok(Some(owner)) if owner != person.subject.as_bytes() => {
                tracing::warn!(person = %person.name, "refused a session started by someone else");
                return refuse(StatusCode::NOT_FOUND, "Not Found: Session not found");
            }
            Ok(_) => {}
            Err(e) => return store_unavailable(&e),
        }
    }
    // An answer to a question (a JSON-RPC response) goes to the store, for
    // whichever replica asked.
    if let Some(id) = &session
        && req.method() == axum::http::Method::POST
    {
        let (parts, body) = req.into_parts();
        let bytes = match axum::body::to_bytes(body, shared.max_request_bytes).await {
            Ok(b) => b,
            Err(_) => {
                return refuse(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Payload Too Large (OKTA_MCP_MAX_REQUEST_BYTES)",
                );
            }
        };
        if super::relay::response_id(&bytes).is_some() {
            return match super::relay::keep_answer(shared.store.as_ref(), id, &bytes).await {
                Ok(()) => StatusCode::ACCEPTED.into_response(),
                Err(e) => store_unavailable(&e),
            };
        }
        req = Request::from_parts(parts, Body::from(bytes));
    }
    let subject = person.subject.clone();
    req.extensions_mut().insert(person);
    let mut response = next.run(req).await;
    if session.is_none()
        && let Some(new_id) = response
            .headers()
            .get(SESSION_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
        && let Err(e) = shared
            .store
            .put(
                &Namespace::SessionOwner.key(&new_id),
                subject.as_bytes(),
                Some(SESSION_TTL),
            )
            .await
    {
        // A session nobody owns on record is not handed out.
        return store_unavailable(&e);
    }
    if session.is_none()
        && let Some(id) = response.headers().get(SESSION_HEADER)
    {
        // A prefix only: the id is the session's handle.
        let shown: String = id.to_str().unwrap_or_default().chars().take(8).collect();
        tracing::debug!(session = %shown, "MCP session started");
    }
    // The answer counts as in flight until its last byte is sent.
    let body = std::mem::take(response.body_mut());
    *response.body_mut() = Body::from_stream(body.into_data_stream().map(move |chunk| {
        let _held = &token;
        chunk
    }));
    response
}

fn store_unavailable(e: &super::store::StoreError) -> Response {
    tracing::error!("store: {e}");
    refuse(
        StatusCode::SERVICE_UNAVAILABLE,
        &format!("Service Unavailable: {e}; retry shortly"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn hosts_match_by_name_and_port_when_given() {
        let allowed = list(&["mcp.example.com", "127.0.0.1:8080", "::1"]);
        assert!(host_allowed("mcp.example.com", &allowed));
        assert!(host_allowed("MCP.example.com:443", &allowed));
        assert!(host_allowed("127.0.0.1:8080", &allowed));
        assert!(!host_allowed("127.0.0.1:8081", &allowed));
        assert!(host_allowed("[::1]:9", &allowed));
        assert!(!host_allowed("evil.example.com", &allowed));
        assert!(!host_allowed("mcp.example.com.evil.net", &allowed));
        assert!(!host_allowed("", &allowed));
        assert!(!host_allowed("a b", &allowed));
    }

    #[test]
    fn origins_match_scheme_host_and_port() {
        let allowed = list(&["https://mcp.example.com", "http://127.0.0.1:8080"]);
        assert!(origin_allowed("https://mcp.example.com", &allowed));
        assert!(origin_allowed("https://mcp.example.com:443", &allowed));
        assert!(!origin_allowed("http://mcp.example.com", &allowed));
        assert!(!origin_allowed("https://mcp.example.com:8443", &allowed));
        assert!(origin_allowed("http://127.0.0.1:8080", &allowed));
        assert!(!origin_allowed("http://127.0.0.1:8081", &allowed));
        assert!(!origin_allowed("https://evil.example.com", &allowed));
        assert!(!origin_allowed("null", &allowed));
    }

    #[test]
    fn origins_get_their_default_port_for_rmcp() {
        assert_eq!(with_port("https://a.example"), "https://a.example:443");
        assert_eq!(with_port("http://127.0.0.1:8080"), "http://127.0.0.1:8080");
    }
}
