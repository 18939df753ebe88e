//! The access tokens this server gives MCP clients, and their check.
//!
//! A token is a short-lived JWT (RFC 9068 shape, `typ` `at+jwt`) signed
//! with HS256 under OKTA_MCP_SIGNING_KEY: the server is both the
//! authorization server and the only resource server, so a shared secret
//! that every replica holds is all that is needed. The check pins the
//! algorithm and requires the issuer, the audience (this server's `/mcp`),
//! `exp` and `nbf`. It names the sign-in (`gid`), which the gate looks up
//! in the store, so ending a sign-in ends its tokens at once.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::auth::keys::{now_secs, random_id};
use crate::remote::gate::Refusal;

/// Seconds of clock difference tolerated between replicas.
const LEEWAY_SECS: u64 = 30;

const TYP: &str = "at+jwt";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    pub iss: String,
    pub aud: String,
    pub sub: String,
    pub client_id: String,
    /// The Okta scopes of the sign-in, space-separated.
    pub scope: String,
    /// The sign-in (grant) id.
    pub gid: String,
    pub iat: u64,
    pub nbf: u64,
    pub exp: u64,
    pub jti: String,
}

pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    issuer: String,
    audience: String,
    ttl_secs: u64,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessTokens")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish_non_exhaustive()
    }
}

impl AccessTokens {
    pub fn new(key: &[u8], issuer: &str, audience: &str, ttl_secs: u64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(key),
            decoding: DecodingKey::from_secret(key),
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            ttl_secs,
        }
    }

    pub fn ttl_secs(&self) -> u64 {
        self.ttl_secs
    }

    /// A new token for this sign-in.
    pub fn issue(
        &self,
        subject: &str,
        client_id: &str,
        scope: &str,
        grant_id: &str,
    ) -> Option<String> {
        let now = now_secs();
        let claims = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: subject.to_owned(),
            client_id: client_id.to_owned(),
            scope: scope.to_owned(),
            gid: grant_id.to_owned(),
            iat: now,
            nbf: now,
            exp: now + self.ttl_secs,
            jti: random_id(),
        };
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(TYP.into());
        jsonwebtoken::encode(&header, &claims, &self.encoding).ok()
    }

    /// Checks a token; the refusal says why without quoting it.
    pub fn verify(&self, token: &str) -> Result<Claims, Refusal> {
        let invalid = |why: &str| Refusal::InvalidToken(why.to_owned());
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| invalid("it is not a token this server issued"))?;
        if header.alg != Algorithm::HS256 {
            return Err(invalid(
                "its signing algorithm is not the one this server uses",
            ));
        }
        if header.typ.as_deref() != Some(TYP) {
            return Err(invalid("it is not an access token of this server"));
        }
        let mut v = Validation::new(Algorithm::HS256);
        v.set_issuer(&[&self.issuer]);
        v.set_audience(&[&self.audience]);
        v.set_required_spec_claims(&["exp", "nbf", "iss", "aud", "sub"]);
        v.validate_nbf = true;
        v.leeway = LEEWAY_SECS;
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &v) {
            Ok(data) => Ok(data.claims),
            Err(e) => Err(invalid(match e.kind() {
                ErrorKind::ExpiredSignature => "it has expired: refresh it or sign in again",
                ErrorKind::ImmatureSignature => "it is not valid yet",
                ErrorKind::InvalidAudience => "it was issued for another server (audience)",
                ErrorKind::InvalidIssuer => "it was issued by another server (issuer)",
                ErrorKind::InvalidSignature => "its signature does not match",
                ErrorKind::InvalidAlgorithm => {
                    "its signing algorithm is not the one this server uses"
                }
                ErrorKind::MissingRequiredClaim(_) => "it lacks a required claim",
                _ => "it is not a token this server issued",
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn tokens() -> AccessTokens {
        AccessTokens::new(
            KEY,
            "https://mcp.example.com",
            "https://mcp.example.com/mcp",
            300,
        )
    }

    fn forged(claims: serde_json::Value, alg: Algorithm, typ: &str) -> String {
        let mut h = Header::new(alg);
        h.typ = Some(typ.into());
        jsonwebtoken::encode(&h, &claims, &EncodingKey::from_secret(KEY)).unwrap()
    }

    fn claims(aud: &str, exp_offset: i64) -> serde_json::Value {
        let now = now_secs() as i64;
        serde_json::json!({
            "iss": "https://mcp.example.com", "aud": aud, "sub": "alice",
            "client_id": "c", "scope": "okta.users.read", "gid": "g",
            "iat": now, "nbf": now, "exp": now + exp_offset, "jti": "j",
        })
    }

    fn why(r: Result<Claims, Refusal>) -> String {
        match r {
            Err(Refusal::InvalidToken(w)) => w,
            other => panic!("expected InvalidToken, got {other:?}"),
        }
    }

    #[test]
    fn issued_tokens_verify_and_carry_the_sign_in() {
        let t = tokens();
        let jwt = t.issue("alice", "client", "okta.users.read", "g1").unwrap();
        let c = t.verify(&jwt).unwrap();
        assert_eq!(
            (c.sub.as_str(), c.client_id.as_str(), c.gid.as_str()),
            ("alice", "client", "g1")
        );
        assert_eq!(c.exp - c.iat, 300);
    }

    #[test]
    fn refusals_name_the_reason() {
        let t = tokens();
        let mcp = "https://mcp.example.com/mcp";
        assert!(
            why(t.verify(&forged(
                claims("https://other.example.com/mcp", 60),
                Algorithm::HS256,
                TYP
            )))
            .contains("audience")
        );
        assert!(
            why(t.verify(&forged(claims(mcp, -120), Algorithm::HS256, TYP))).contains("expired")
        );
        assert!(
            why(t.verify(&forged(claims(mcp, 60), Algorithm::HS384, TYP))).contains("algorithm")
        );
        assert!(
            why(t.verify(&forged(claims(mcp, 60), Algorithm::HS256, "JWT")))
                .contains("not an access token")
        );
        let other = AccessTokens::new(
            b"another key another key another k",
            "https://mcp.example.com",
            mcp,
            300,
        );
        let jwt = other.issue("alice", "c", "", "g").unwrap();
        assert!(why(t.verify(&jwt)).contains("signature"));
        assert!(why(t.verify("garbage")).contains("not a token"));
        let mut later = claims(mcp, 600);
        later["nbf"] = serde_json::json!(now_secs() + 300);
        assert!(why(t.verify(&forged(later, Algorithm::HS256, TYP))).contains("not valid yet"));
        // alg none: header {"alg":"none","typ":"at+jwt"}
        let body = forged(claims(mcp, 60), Algorithm::HS256, TYP);
        let parts: Vec<&str> = body.split('.').collect();
        let none = format!("eyJhbGciOiJub25lIiwidHlwIjoiYXQrand0In0.{}.", parts[1]);
        assert!(t.verify(&none).is_err());
    }
}
