//! The HTTP side: accepts connections on 127.0.0.1 and runs every request through the
//! same steps — count and record it, fire a fault, authenticate, rate-limit, answer.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::http::request::Parts;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::api::{self, Call};
use crate::auth::Auth;
use crate::body::OutBody;
use crate::error;
use crate::fault::{self, FaultKind, Faults};
use crate::observe::Observer;
use crate::ratelimit::{RateLimiter, RateStatus};
use crate::reply::{Reply, ReplyBody};
use crate::store::Store;

/// Request bodies larger than this are refused.
const MAX_REQUEST_BODY: usize = 16 * 1024 * 1024;

/// Everything one running fake shares between its connections.
pub(crate) struct App {
    pub base_url: String,
    pub store: Mutex<Store>,
    pub auth: Auth,
    pub rate: RateLimiter,
    pub faults: Faults,
    pub observer: Observer,
    pub log_requests: bool,
}

/// The error a request returns to make hyper drop its connection unanswered.
#[derive(Debug)]
struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ConnectionReset {}

/// Accepts connections until the task is aborted; aborting also ends every connection.
pub(crate) async fn serve(listener: TcpListener, app: Arc<App>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, app.clone()));
                }
                // Out of file descriptors or similar: wait a little rather than spin.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, app: Arc<App>) {
    let _ = stream.set_nodelay(true);
    let reset = Arc::new(AtomicBool::new(false));
    let io = TokioIo::new(ResettableStream {
        inner: stream,
        reset: reset.clone(),
    });
    let service = service_fn(move |request| {
        let (app, reset) = (app.clone(), reset.clone());
        async move { app.handle(request, &reset).await }
    });
    let _ = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service)
        .await;
}

impl App {
    async fn handle(
        self: Arc<Self>,
        request: Request<Incoming>,
        reset: &AtomicBool,
    ) -> Result<Response<OutBody>, ConnectionReset> {
        let _in_flight = self.observer.enter();
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_REQUEST_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(_) => {
                let too_big = error::okta_error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "E0000003",
                    "The request body was not well-formed.",
                    &["The request body is too large or was cut off".to_string()],
                );
                return Ok(self.finish(&parts, too_big, self.rate.take()));
            }
        };
        self.observer.record(&parts, &body);
        let rate = self.rate.take();
        let reply = match self.faults.take(&parts.method, parts.uri.path()) {
            None => self.answer(&parts, &body, &rate),
            Some(FaultKind::ResetConnection) => {
                reset.store(true, Ordering::SeqCst);
                if self.log_requests {
                    eprintln!("{} {} -> connection reset", parts.method, parts.uri);
                }
                return Err(ConnectionReset);
            }
            Some(FaultKind::Delay { ms }) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                self.answer(&parts, &body, &rate)
            }
            Some(FaultKind::ExtraFields) => {
                let mut reply = self.answer(&parts, &body, &rate);
                fault::add_unknown_fields(&mut reply);
                reply
            }
            Some(kind) => {
                fault::canned_reply(&kind).unwrap_or_else(|| self.answer(&parts, &body, &rate))
            }
        };
        Ok(self.finish(&parts, reply, rate))
    }

    /// The normal answer: token endpoint, or authentication, rate limit and the API.
    fn answer(&self, parts: &Parts, body: &Bytes, rate: &RateStatus) -> Reply {
        let path = parts.uri.path();
        let mut call = Call::new(&parts.method, path, parts.uri.query(), body);
        if path == "/.well-known/openid-configuration" && parts.method == hyper::Method::GET {
            return crate::token::discovery(&self.base_url);
        }
        if path == "/oauth2/v1/token" && parts.method == hyper::Method::POST {
            return crate::token::issue(&call, &self.auth, parts.headers.contains_key("dpop"));
        }
        let host = parts.headers.get("host").and_then(|h| h.to_str().ok());
        let htu = match host {
            Some(host) => format!("http://{host}{path}"),
            None => format!("{}{path}", self.base_url),
        };
        match self.auth.check(parts.method.as_str(), &htu, &parts.headers) {
            Ok(granted) => call.granted = granted,
            Err(refusal) => return refusal,
        }
        if rate.exceeded {
            return error::too_many_requests();
        }
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        api::route(&mut store, &call)
    }

    /// Turns a reply into the HTTP response, adding the rate-limit headers.
    fn finish(&self, parts: &Parts, reply: Reply, rate: RateStatus) -> Response<OutBody> {
        if self.log_requests {
            eprintln!(
                "{} {} -> {}",
                parts.method,
                parts.uri,
                reply.status.as_u16()
            );
        }
        let mut headers: Vec<(&str, String)> = rate
            .headers()
            .into_iter()
            .filter(|(name, _)| !reply.has_header(name))
            .collect();
        headers.extend(reply.headers);
        // Every answer carries a request id, as Okta's do.
        headers.push((
            "x-okta-request-id",
            format!("fake-{}", self.observer.total()),
        ));
        let body = match reply.body {
            ReplyBody::Json(value) => {
                headers.push(("content-type", "application/json".into()));
                OutBody::full(serde_json::to_vec(&value).unwrap_or_default())
            }
            ReplyBody::Empty => OutBody::empty(),
            ReplyBody::Raw {
                content_type,
                bytes,
            } => {
                headers.push(("content-type", content_type.into()));
                OutBody::full(bytes)
            }
            ReplyBody::Oversized { bytes } => {
                headers.push(("content-type", "application/json".into()));
                OutBody::padding(bytes)
            }
        };
        let mut response = Response::new(body);
        *response.status_mut() = reply.status;
        for (name, value) in headers {
            if let (Ok(name), Ok(value)) =
                (HeaderName::try_from(name), HeaderValue::try_from(value))
            {
                response.headers_mut().append(name, value);
            }
        }
        response
    }
}

/// A TCP stream that, when a fault asked for it, closes with a RST instead of a FIN.
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
}

impl Drop for ResettableStream {
    fn drop(&mut self) {
        if self.reset.load(Ordering::SeqCst) {
            // Linger 0 makes close() send RST and drop unsent data.
            let _ = self.inner.set_zero_linger();
        }
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if this.reset.load(Ordering::SeqCst) {
            // No FIN: the RST on drop must be the first thing the client sees.
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
}
