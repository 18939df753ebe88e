//! The seam between the generated client and the runtime's HTTP layer.
//!
//! progenitor builds each request; a [`Transport`] adjusts and sends it. The
//! trait is object-safe, so the generated code is compiled once, not once per
//! transport type.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// The future of one sent request.
pub type SendFuture<'a> =
    Pin<Box<dyn Future<Output = reqwest::Result<reqwest::Response>> + Send + 'a>>;

/// Sends the requests the generated client builds.
pub trait Transport: Send + Sync {
    /// Adjusts a built request before it is sent (headers the spec cannot
    /// express, such as a body's real media type).
    fn prepare(&self, request: &mut reqwest::Request);

    /// Sends `request` for the operation progenitor names `operation_id`.
    fn execute<'a>(
        &'a self,
        client: &'a reqwest::Client,
        request: reqwest::Request,
        operation_id: &'static str,
    ) -> SendFuture<'a>;
}

/// The value progenitor's `Client` carries: the transport of one call.
#[derive(Clone)]
pub struct Hooks(Arc<dyn Transport>);

impl Hooks {
    pub fn new(transport: Arc<dyn Transport>) -> Self {
        Self(transport)
    }

    pub fn transport(&self) -> &dyn Transport {
        self.0.as_ref()
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks").finish_non_exhaustive()
    }
}
