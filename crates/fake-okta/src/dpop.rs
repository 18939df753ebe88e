//! Checks DPoP proofs (RFC 9449) sent with `Authorization: DPoP <token>`.
//!
//! A proof is a JWT signed by the client's key, whose public half travels in the JWT
//! header. It binds one request (method and URL), one access token (`ath`) and one
//! moment (`iat`, single-use `jti`), and optionally a nonce the server handed out.

use std::collections::HashSet;
use std::sync::Mutex;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::jwk::AlgorithmParameters;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde_json::Value;

use crate::ids::random_string;
use crate::time::now_epoch;

/// How far `iat` may be from the server's clock, in seconds.
const MAX_SKEW_SECS: i64 = 300;

/// Why a proof was refused.
#[derive(Debug, PartialEq)]
pub enum DpopError {
    /// The proof is fine but lacks the current server nonce: retry with it.
    UseNonce,
    /// The proof is wrong; the text says how.
    Invalid(String),
}

/// The proof checker of one server, with its nonce and the `jti`s already used.
pub struct DpopChecker {
    require_nonce: bool,
    nonce: String,
    seen_jti: Mutex<HashSet<String>>,
}

impl DpopChecker {
    pub fn new(require_nonce: bool) -> Self {
        Self {
            require_nonce,
            nonce: random_string(32),
            seen_jti: Mutex::new(HashSet::new()),
        }
    }

    /// The nonce clients must put in proofs (when nonces are required).
    pub fn nonce(&self) -> &str {
        &self.nonce
    }

    /// Checks `proof` for a request of `method` to `htu` (URL without query) carrying
    /// `access_token`.
    pub fn verify(
        &self,
        proof: &str,
        method: &str,
        htu: &str,
        access_token: &str,
    ) -> Result<(), DpopError> {
        let claims = verified_claims(proof)?;
        let claim = |name: &str| claims.get(name).and_then(Value::as_str);
        if claim("htm") != Some(method) {
            return Err(invalid("htm does not match the request method"));
        }
        if claim("htu") != Some(htu) {
            return Err(invalid(&format!(
                "htu does not match the request URL {htu}"
            )));
        }
        let expected_ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            access_token.as_bytes(),
        ));
        if claim("ath") != Some(expected_ath.as_str()) {
            return Err(invalid("ath does not match the access token"));
        }
        let iat = claims
            .get("iat")
            .and_then(Value::as_i64)
            .ok_or_else(|| invalid("iat missing"))?;
        if (now_epoch() - iat).abs() > MAX_SKEW_SECS {
            return Err(invalid("iat is not recent"));
        }
        if self.require_nonce && claim("nonce") != Some(self.nonce.as_str()) {
            return Err(DpopError::UseNonce);
        }
        let jti = claim("jti")
            .filter(|j| !j.is_empty())
            .ok_or_else(|| invalid("jti missing"))?;
        let mut seen = self.seen_jti.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.insert(jti.to_string()) {
            return Err(invalid("jti was already used"));
        }
        Ok(())
    }
}

fn invalid(why: &str) -> DpopError {
    DpopError::Invalid(why.to_string())
}

/// The claims of a proof whose header and signature are right.
fn verified_claims(proof: &str) -> Result<serde_json::Map<String, Value>, DpopError> {
    let header =
        jsonwebtoken::decode_header(proof).map_err(|e| invalid(&format!("bad JWT header: {e}")))?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err(invalid("typ must be dpop+jwt"));
    }
    if raw_jwk_has_private_part(proof) {
        return Err(invalid("jwk must not contain a private key"));
    }
    let jwk = header
        .jwk
        .as_ref()
        .ok_or_else(|| invalid("jwk missing from header"))?;
    let key_fits = matches!(
        (header.alg, &jwk.algorithm),
        (Algorithm::ES256, AlgorithmParameters::EllipticCurve(_))
            | (Algorithm::RS256, AlgorithmParameters::RSA(_))
    );
    if !key_fits {
        return Err(invalid(
            "alg must be ES256 or RS256 with a matching public jwk",
        ));
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|e| invalid(&format!("bad jwk: {e}")))?;
    let mut validation = Validation::new(header.alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let data = jsonwebtoken::decode::<serde_json::Map<String, Value>>(proof, &key, &validation)
        .map_err(|e| invalid(&format!("signature or claims rejected: {e}")))?;
    Ok(data.claims)
}

/// Whether the header's `jwk` carries a private key (`d`, or RSA's CRT parts).
fn raw_jwk_has_private_part(proof: &str) -> bool {
    let header: Option<Value> = proof
        .split('.')
        .next()
        .and_then(|h| URL_SAFE_NO_PAD.decode(h).ok())
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    header
        .as_ref()
        .and_then(|h| h.get("jwk"))
        .and_then(Value::as_object)
        .is_some_and(|jwk| {
            ["d", "p", "q", "dp", "dq", "qi"]
                .iter()
                .any(|k| jwk.contains_key(*k))
        })
}
