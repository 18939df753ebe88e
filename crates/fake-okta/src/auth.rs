//! Who may call the API: configured SSWS, Bearer and DPoP-bound tokens, plus tokens the
//! token endpoint issued. With nothing configured, everyone may.

use std::collections::HashMap;
use std::sync::Mutex;

use hyper::HeaderMap;

use crate::dpop::{DpopChecker, DpopError};
use crate::error;
use crate::reply::Reply;
use crate::scopes::Granted;

/// A credential the fake accepts, by `Authorization` scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Credential {
    /// `Authorization: SSWS <token>` (an Okta API token).
    Ssws(String),
    /// `Authorization: Bearer <token>` (an OAuth access token).
    Bearer(String),
    /// `Authorization: DPoP <token>` plus a valid `DPoP` proof header.
    Dpop(String),
}

/// The accepted credentials and the DPoP checker of one server.
pub(crate) struct Auth {
    open: bool,
    /// Only DPoP-bound tokens, from token requests with a proof.
    require_dpop: bool,
    /// Each credential and the scopes it holds.
    accepted: Mutex<HashMap<Credential, Granted>>,
    dpop: DpopChecker,
}

impl Auth {
    /// With no `credentials`, every request is let in.
    pub fn new(credentials: Vec<(Credential, Granted)>, require_dpop_nonce: bool) -> Self {
        Self {
            open: credentials.is_empty(),
            require_dpop: false,
            accepted: Mutex::new(credentials.into_iter().collect()),
            dpop: DpopChecker::new(require_dpop_nonce),
        }
    }

    /// See `Builder::require_dpop`.
    pub fn with_required_dpop(mut self, yes: bool) -> Self {
        if yes {
            self.require_dpop = true;
            self.open = false;
        }
        self
    }

    pub fn requires_dpop(&self) -> bool {
        self.require_dpop
    }

    /// Accepts `credential` with every scope.
    pub fn accept(&self, credential: Credential) {
        self.accept_granted(credential, None);
    }

    /// Accepts `credential` holding `granted` (a token endpoint's token).
    pub fn accept_granted(&self, credential: Credential, granted: Granted) {
        self.accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(credential, granted);
    }

    /// Lets the request in with the scopes its credential holds, or says why
    /// not (401 E0000011).
    pub fn check(&self, method: &str, htu: &str, headers: &HeaderMap) -> Result<Granted, Reply> {
        if self.open {
            return Ok(None);
        }
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let Some((scheme, token)) = header("authorization").and_then(|a| a.trim().split_once(' '))
        else {
            return Err(error::invalid_token("missing Authorization header"));
        };
        let token = token.trim().to_string();
        if self.require_dpop && !scheme.eq_ignore_ascii_case("dpop") {
            return Err(dpop_refusal("this app requires DPoP-bound tokens"));
        }
        let credential = match scheme.to_ascii_lowercase().as_str() {
            "ssws" => Credential::Ssws(token),
            "bearer" => Credential::Bearer(token),
            "dpop" => Credential::Dpop(token),
            _ => return Err(error::invalid_token("unknown Authorization scheme")),
        };
        let Some(granted) = self
            .accepted
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&credential)
            .cloned()
        else {
            return Err(error::invalid_token("token not recognised for this scheme"));
        };
        let Credential::Dpop(token) = credential else {
            return Ok(granted);
        };
        let Some(proof) = header("dpop") else {
            return Err(dpop_refusal("DPoP proof header missing"));
        };
        match self.dpop.verify(proof, method, htu, &token) {
            Ok(()) => Ok(granted),
            Err(DpopError::UseNonce) => Err(error::invalid_token("DPoP nonce required")
                .header(
                    "www-authenticate",
                    "DPoP error=\"use_dpop_nonce\", error_description=\"Resource server requires nonce in DPoP proof\"",
                )
                .header("dpop-nonce", self.dpop.nonce())),
            Err(DpopError::Invalid(why)) => Err(dpop_refusal(&why)),
        }
    }
}

fn dpop_refusal(why: &str) -> Reply {
    let why = why.replace('"', "'");
    error::invalid_token(&why).header(
        "www-authenticate",
        format!("DPoP error=\"invalid_dpop_proof\", error_description=\"{why}\""),
    )
}
