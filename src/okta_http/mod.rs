//! The one HTTP layer under every generated call.
//!
//! progenitor builds each request; [`CallHandle::execute`] sends it: it adds
//! credentials, holds a slot of the global in-flight limit, and answers
//! authorization challenges. A failure that is not an HTTP error (no
//! credentials, a cancelled call) is recorded on the handle and surfaces as a
//! typed [`CallFailure`] rather than a fake HTTP response.

pub mod body;
pub mod multipart;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue, USER_AGENT};
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
}

impl Default for HttpPolicy {
    fn default() -> Self {
        Self {
            max_in_flight: 10,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_response_bytes: 20 * 1024 * 1024,
        }
    }
}

/// What is shared by all calls: the connection pool, credentials, limits.
pub struct HttpStack {
    pub client: reqwest::Client,
    pub base_url: String,
    pub authorizer: Arc<dyn Authorizer>,
    pub policy: HttpPolicy,
    in_flight: Semaphore,
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
            in_flight: Semaphore::new(policy.max_in_flight.max(1)),
            policy,
        })
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
    pub fn client(&self) -> crate::okta_client::Client {
        crate::okta_client::Client::new_with_client(
            &self.0.stack.base_url,
            self.0.stack.client.clone(),
            self.clone(),
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

    /// Adjusts a request before sending: the real body media type.
    pub fn prepare(&self, request: &mut reqwest::Request) {
        if let Some(mt) = &self.0.body_media_type
            && let Ok(v) = HeaderValue::from_str(mt)
        {
            request.headers_mut().insert(CONTENT_TYPE, v);
        }
        request.headers_mut().entry(USER_AGENT).or_insert_with(|| {
            HeaderValue::from_str(&user_agent()).unwrap_or(HeaderValue::from_static("okta-mcp"))
        });
    }

    /// Sends `request`: credentials, the in-flight limit, one retry after an
    /// authorization challenge.
    pub async fn execute(
        &self,
        client: &reqwest::Client,
        request: reqwest::Request,
        _operation_id: &str,
    ) -> reqwest::Result<reqwest::Response> {
        let stack = &self.0.stack;
        let cancel = &self.0.cancel;
        let _permit = tokio::select! {
            p = stack.in_flight.acquire() => p.ok(),
            _ = cancel.cancelled() => return Ok(self.fail(CallFailure::Cancelled)),
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Some(mut req) = request.try_clone() else {
                return self.send(client, request).await;
            };
            if let Err(e) = stack.authorizer.authorize(&mut req).await {
                return Ok(self.fail(CallFailure::Auth(e)));
            }
            let resp = self.send(client, req).await?;
            if resp.status() == reqwest::StatusCode::UNAUTHORIZED
                && attempt == 1
                && stack.authorizer.retry_after_unauthorized(&resp)
            {
                continue;
            }
            return Ok(resp);
        }
    }

    async fn send(
        &self,
        client: &reqwest::Client,
        req: reqwest::Request,
    ) -> reqwest::Result<reqwest::Response> {
        tokio::select! {
            r = client.execute(req) => r,
            _ = self.0.cancel.cancelled() => Ok(self.fail(CallFailure::Cancelled)),
        }
    }
}
