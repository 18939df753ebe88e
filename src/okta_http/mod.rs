//! The one HTTP layer under every generated call.
//!
//! progenitor builds each request; [`CallHandle::execute`] sends it: it adds
//! credentials, holds a slot of the global in-flight limit, answers
//! authorization challenges, waits out rate limits and retries transient
//! failures (see [`retry`]). A failure that is not an HTTP error (no
//! credentials, a cancelled call) is recorded on the handle and surfaces as a
//! typed [`CallFailure`] rather than a fake HTTP response.
//!
//! The in-flight slot is held across the attempts of one request, including
//! the short backoffs after a 502/503/504 or a broken connection, so retries
//! never add load beyond `OKTA_MAX_CONCURRENCY`. It is released while the
//! call waits for a rate limit to reset (after a 429, or pacing when the
//! budget is nearly spent): those waits can last up to
//! `OKTA_MAX_RATE_LIMIT_WAIT`, and calls to other endpoints (Okta's budgets
//! are per endpoint) should not queue behind them. The slot is taken again
//! before the next attempt.

pub mod body;
pub mod multipart;
pub mod retry;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::auth::{AuthError, Authorizer};

/// Limits and timeouts of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpPolicy {
    /// Requests in flight at once, across all tool calls.
    pub max_in_flight: usize,
    pub connect_timeout: Duration,
    pub request_timeout: Duration,
    /// Largest response body read, in bytes.
    pub max_response_bytes: usize,
    /// Retries of one request: after a 429 (any method) or a transient
    /// failure (idempotent methods only).
    pub max_retries: u32,
    /// Longest wait for a rate limit to reset; a longer one ends the call.
    pub max_rate_limit_wait: Duration,
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            max_in_flight: 10,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 20 * 1024 * 1024,
            max_retries: 3,
            max_rate_limit_wait: Duration::from_secs(60),
        }
    }
}

/// What is shared by all calls: the connection pool, credentials, limits.
pub struct HttpStack {
    pub client: reqwest::Client,
    pub base_url: String,
    pub authorizer: Arc<dyn Authorizer>,
    pub policy: HttpPolicy,
    in_flight: Arc<Semaphore>,
    /// The latest rate-limit budget seen per operation.
    rates: Arc<retry::RateBook>,
    /// Offline mode: requests are recorded here instead of sent.
    capture: Option<Arc<Capture>>,
}

impl HttpStack {
    pub fn new(
        base_url: &str,
        authorizer: Arc<dyn Authorizer>,
        policy: HttpPolicy,
    ) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .user_agent(user_agent())
            .build()?;
        Ok(Self {
            client,
            base_url: base_url.trim_end_matches('/').to_owned(),
            authorizer,
            in_flight: Arc::new(Semaphore::new(policy.max_in_flight.max(1))),
            rates: Arc::default(),
            policy,
            capture: None,
        })
    }

    /// The same stack with another credential (remote mode: one per
    /// person). The connection pool, the in-flight limit and the rate-limit
    /// book stay shared: Okta's limits are the org's, whoever calls.
    pub fn with_authorizer(&self, authorizer: Arc<dyn Authorizer>) -> Self {
        Self {
            client: self.client.clone(),
            base_url: self.base_url.clone(),
            authorizer,
            policy: self.policy.clone(),
            in_flight: self.in_flight.clone(),
            rates: self.rates.clone(),
            capture: self.capture.clone(),
        }
    }

    /// Offline mode, for the fuzz harness and tests: every request is
    /// built, authorized and recorded in `capture` exactly as it would be
    /// sent, and answered with a canned `200 {}`; nothing touches the
    /// network. The server binary never sets this.
    pub fn with_capture(mut self, capture: Arc<Capture>) -> Self {
        self.capture = Some(capture);
        self
    }
}

impl HttpStack {
    /// The endpoint with the least rate-limit budget left, as last seen.
    pub fn tightest_rate_limit(&self) -> Option<(String, retry::RateInfo)> {
        self.rates.tightest()
    }
}

/// A request as it would have gone to Okta (see [`HttpStack::with_capture`]).
#[derive(Debug, Clone)]
pub struct CapturedRequest {
    pub method: reqwest::Method,
    pub url: url::Url,
    pub headers: reqwest::header::HeaderMap,
    /// The body bytes; `None` for a streamed body.
    pub body: Option<Vec<u8>>,
}

/// The requests recorded in offline mode.
#[derive(Debug, Default)]
pub struct Capture {
    requests: Mutex<Vec<CapturedRequest>>,
}

impl Capture {
    /// The requests recorded so far, oldest first; the record is emptied.
    pub fn take(&self) -> Vec<CapturedRequest> {
        self.requests
            .lock()
            .map(|mut r| std::mem::take(&mut *r))
            .unwrap_or_default()
    }

    fn record(&self, request: reqwest::Request) -> reqwest::Response {
        let captured = CapturedRequest {
            method: request.method().clone(),
            url: request.url().clone(),
            headers: request.headers().clone(),
            body: request
                .body()
                .map(|b| b.as_bytes().map(<[u8]>::to_vec))
                .unwrap_or(Some(Vec::new())),
        };
        if let Ok(mut r) = self.requests.lock() {
            r.push(captured);
        }
        let mut resp = http::Response::new(reqwest::Body::from("{}"));
        resp.headers_mut()
            .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        reqwest::Response::from(resp)
    }
}

pub fn user_agent() -> String {
    format!("okta-mcp/{}", env!("CARGO_PKG_VERSION"))
}

/// Why a call ended without an HTTP response to show.
#[derive(Debug, Clone, thiserror::Error)]
pub enum CallFailure {
    #[error(transparent)]
    Auth(#[from] AuthError),
    #[error("the call was cancelled")]
    Cancelled,
}

/// Per-call state handed to the generated client as its inner value.
#[derive(Clone)]
pub struct CallHandle(Arc<CallState>);

impl std::fmt::Debug for CallHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallHandle").finish_non_exhaustive()
    }
}

pub struct CallState {
    pub stack: Arc<HttpStack>,
    pub cancel: CancellationToken,
    /// The real media type of the body, when progenitor sent it as another.
    pub body_media_type: Option<String>,
    failure: Mutex<Option<CallFailure>>,
}

impl CallHandle {
    pub fn new(
        stack: Arc<HttpStack>,
        cancel: CancellationToken,
        body_media_type: Option<String>,
    ) -> Self {
        Self(Arc::new(CallState {
            stack,
            cancel,
            body_media_type,
            failure: Mutex::new(None),
        }))
    }

    /// A generated client bound to this call.
    pub fn client(&self) -> okta_client::Client {
        okta_client::Client::new_with_client(
            &self.0.stack.base_url,
            self.0.stack.client.clone(),
            okta_client::Hooks::new(Arc::new(self.clone())),
        )
    }

    /// The failure recorded during the call, if any.
    pub fn take_failure(&self) -> Option<CallFailure> {
        self.0.failure.lock().ok().and_then(|mut f| f.take())
    }

    fn fail(&self, failure: CallFailure) -> reqwest::Response {
        if let Ok(mut slot) = self.0.failure.lock() {
            *slot = Some(failure);
        }
        // The generated code needs a response to carry on; the recorded
        // failure is what the caller reports.
        let mut resp = http::Response::new(reqwest::Body::from(Vec::<u8>::new()));
        *resp.status_mut() =
            http::StatusCode::from_u16(599).unwrap_or(http::StatusCode::BAD_GATEWAY);
        reqwest::Response::from(resp)
    }

    /// Adjusts a request before sending: the real body media type. (The
    /// `User-Agent` comes from the shared client, see [`HttpStack::new`].)
    pub fn prepare(&self, request: &mut reqwest::Request) {
        if let Some(mt) = &self.0.body_media_type
            && let Ok(v) = HeaderValue::from_str(mt)
        {
            request.headers_mut().insert(CONTENT_TYPE, v);
        }
    }

    /// Sends `request`: credentials, the in-flight limit, one retry after an
    /// authorization challenge, waits for rate limits and bounded retries of
    /// transient failures. Each attempt is authorized afresh (DPoP proofs
    /// need a new `jti` each time).
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        operation_id: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let stack = &self.0.stack;
        let policy = &stack.policy;
        let idempotent = retry::is_idempotent(request.method());
        // Slow down while the endpoint's budget is nearly spent, without
        // holding a slot.
        if let Some(delay) = stack.rates.pacing_delay(operation_id, retry::now_epoch()) {
            let delay = delay.min(policy.max_rate_limit_wait);
            if delay >= Duration::from_secs(1) {
                tracing::info!(
                    operation = operation_id,
                    wait_ms = delay.as_millis() as u64,
                    "Okta rate limit nearly spent; slowing down before sending"
                );
            }
            if !self.sleep(delay).await {
                return Ok(self.fail(CallFailure::Cancelled));
            }
        }
        let Some(mut permit) = self.acquire().await else {
            return Ok(self.fail(CallFailure::Cancelled));
        };
        let mut retries = 0u32;
        let mut challenged = false;
        loop {
            let Some(mut req) = request.try_clone() else {
                // A streamed body cannot be sent twice: one authorized attempt.
                let mut req = request;
                if let Err(e) = stack.authorizer.authorize(&mut req).await {
                    return Ok(self.fail(CallFailure::Auth(e)));
                }
                let result = self.send(client, req).await;
                if let Ok(resp) = &result {
                    self.record_rate(operation_id, resp);
                }
                return result;
            };
            if let Err(e) = stack.authorizer.authorize(&mut req).await {
                return Ok(self.fail(CallFailure::Auth(e)));
            }
            let resp = match self.send(client, req).await {
                Ok(resp) => resp,
                Err(e) => {
                    // A timeout is not retried (the call already took the
                    // whole OKTA_REQUEST_TIMEOUT). A failed connect never
                    // reached Okta, so any method may retry it; a connection
                    // broken later may have, so only idempotent ones do.
                    let retryable = !e.is_timeout() && (idempotent || e.is_connect());
                    if retryable && retries < policy.max_retries {
                        retries += 1;
                        let wait = retry::backoff(retries);
                        tracing::debug!(
                            operation = operation_id,
                            retry = retries,
                            wait_ms = wait.as_millis() as u64,
                            "connection to Okta failed; retrying: {}",
                            crate::redact::redact(&e.to_string())
                        );
                        if !self.sleep(wait).await {
                            return Ok(self.fail(CallFailure::Cancelled));
                        }
                        continue;
                    }
                    return Err(e);
                }
            };
            if self.is_failed() {
                return Ok(resp);
            }
            self.record_rate(operation_id, &resp);
            let status = resp.status();
            if status == reqwest::StatusCode::UNAUTHORIZED
                && !challenged
                && stack.authorizer.retry_after_unauthorized(&resp)
            {
                challenged = true;
                continue;
            }
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS && retries < policy.max_retries {
                let wait = retry::rate_limit_wait(resp.headers(), retry::now_epoch(), retries + 1);
                if wait > policy.max_rate_limit_wait {
                    tracing::info!(
                        operation = operation_id,
                        wait_secs = wait.as_secs(),
                        max_wait_secs = policy.max_rate_limit_wait.as_secs(),
                        "Okta rate limit resets later than OKTA_MAX_RATE_LIMIT_WAIT; not waiting"
                    );
                    return Ok(resp);
                }
                retries += 1;
                if wait >= Duration::from_secs(1) {
                    tracing::info!(
                        operation = operation_id,
                        retry = retries,
                        wait_ms = wait.as_millis() as u64,
                        "Okta rate limit reached (429); waiting for the reset"
                    );
                }
                drop(resp);
                // Do not hold a slot while waiting (see the module docs).
                drop(permit);
                if !self.sleep(wait).await {
                    return Ok(self.fail(CallFailure::Cancelled));
                }
                permit = match self.acquire().await {
                    Some(p) => p,
                    None => return Ok(self.fail(CallFailure::Cancelled)),
                };
                continue;
            }
            if idempotent && retry::is_transient(status) && retries < policy.max_retries {
                retries += 1;
                let wait = retry::backoff(retries);
                tracing::debug!(
                    operation = operation_id,
                    status = status.as_u16(),
                    retry = retries,
                    wait_ms = wait.as_millis() as u64,
                    "Okta answered with a transient error; retrying"
                );
                drop(resp);
                if !self.sleep(wait).await {
                    return Ok(self.fail(CallFailure::Cancelled));
                }
                continue;
            }
            drop(permit);
            return Ok(resp);
        }
    }

    /// A slot of the in-flight limit; `None` when the call is cancelled first.
    async fn acquire(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        tokio::select! {
            p = self.0.stack.in_flight.acquire() => p.ok(),
            _ = self.0.cancel.cancelled() => None,
        }
    }

    /// Sleeps `wait`; false when the call is cancelled first.
    async fn sleep(&self, wait: Duration) -> bool {
        tokio::select! {
            _ = tokio::time::sleep(wait) => true,
            _ = self.0.cancel.cancelled() => false,
        }
    }

    fn is_failed(&self) -> bool {
        self.0.failure.lock().map(|f| f.is_some()).unwrap_or(false)
    }

    fn record_rate(&self, operation_id: &str, resp: &reqwest::Response) {
        if let Some(info) = retry::RateInfo::from_headers(resp.headers()) {
            self.0.stack.rates.record(operation_id, info);
        }
    }

    async fn send(
        &self,
        client: &reqwest::Client,
        req: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        if let Some(capture) = &self.0.stack.capture {
            return Ok(capture.record(req));
        }
        tokio::select! {
            r = client.execute(req) => r,
            _ = self.0.cancel.cancelled() => Ok(self.fail(CallFailure::Cancelled)),
        }
    }
}

impl okta_client::Transport for CallHandle {
    fn prepare(&self, request: &mut reqwest::Request) {
        CallHandle::prepare(self, request);
    }

    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> okta_client::SendFuture<'a> {
        Box::pin(CallHandle::execute(self, client, request, operation_id))
    }
}
