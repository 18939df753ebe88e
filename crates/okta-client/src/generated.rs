//! The generated client and dispatch (see `build.rs`), and the hooks that
//! hand each request to the [`crate::Transport`].

#![allow(
    clippy::all,
    clippy::pedantic,
    unused_imports,
    unused_mut,
    dead_code,
    missing_docs
)]

use crate::{Args, DispatchError, Hooks};

include!(concat!(env!("OUT_DIR"), "/client.rs"));

impl ClientHooks<Hooks> for Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> std::result::Result<(), Error<E>> {
        // Okta has no use for progenitor's `api-version` header.
        request.headers_mut().remove("api-version");
        self.inner().transport().prepare(request);
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        self.inner()
            .transport()
            .execute(self.client(), request, info.operation_id)
            .await
    }
}
