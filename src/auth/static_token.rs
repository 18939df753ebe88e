//! Tokens handed to the server ready-made: an Okta API token (`SSWS`) or an
//! OAuth access token (`Bearer`), and the authorizer for "nothing configured".

use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderValue};

use super::{AuthError, Authorizer};

/// A fixed `Authorization` header value.
pub struct StaticToken {
    header: HeaderValue,
    kind: &'static str,
}

impl StaticToken {
    /// `OKTA_API_TOKEN`: sent as `SSWS <token>`.
    pub fn api_token(token: &str) -> Result<Self, AuthError> {
        Self::new("SSWS", token, "OKTA_API_TOKEN")
    }

    /// `OKTA_ACCESS_TOKEN`: sent as `Bearer <token>`.
    pub fn access_token(token: &str) -> Result<Self, AuthError> {
        Self::new("Bearer", token, "OKTA_ACCESS_TOKEN")
    }

    fn new(kind: &'static str, token: &str, var: &str) -> Result<Self, AuthError> {
        let token = token.trim();
        let mut header = HeaderValue::from_str(&format!("{kind} {token}")).map_err(|_| {
            AuthError::Config(format!("{var} contains characters a header cannot carry"))
        })?;
        if token.is_empty() {
            return Err(AuthError::Config(format!("{var} is empty")));
        }
        header.set_sensitive(true);
        Ok(Self { header, kind })
    }
}

impl Authorizer for StaticToken {
    fn authorize<'a>(
        &'a self,
        request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        request
            .headers_mut()
            .insert(AUTHORIZATION, self.header.clone());
        Box::pin(async { Ok(()) })
    }

    fn describe(&self) -> String {
        format!("static {} token", self.kind)
    }
}

/// Stands in when credentials are missing or broken: every call gets the
/// same clear error, and the server keeps serving.
pub struct Unavailable(pub AuthError);

impl Authorizer for Unavailable {
    fn authorize<'a>(
        &'a self,
        _request: &'a mut reqwest::Request,
    ) -> BoxFuture<'a, Result<(), AuthError>> {
        let err = self.0.clone();
        Box::pin(async move { Err(err) })
    }

    fn describe(&self) -> String {
        "no usable credentials".into()
    }
}
