//! Signing keys: the client's private key (PEM or JWK) for private key JWT,
//! and the per-process ES256 key pair for DPoP proofs.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::AuthError;

/// A private key ready to sign JWTs. Never printed.
pub struct SigningKey {
    pub key: EncodingKey,
    pub alg: Algorithm,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SigningKey({:?})", self.alg)
    }
}

fn bad(var: &str, why: &str) -> AuthError {
    AuthError::Config(format!(
        "{var} is not a usable private key ({why}); give an RSA (PKCS#1 or PKCS#8) or EC P-256 PEM key, or a private JWK"
    ))
}

/// Loads a PEM (RSA PKCS#1/PKCS#8, EC SEC1/PKCS#8) or JWK private key.
/// `var` names the variable the text came from, for errors.
pub fn load_private_key(text: &str, var: &str) -> Result<SigningKey, AuthError> {
    let text = text.replace("\\n", "\n");
    let text = text.trim();
    let key = if text.starts_with('{') {
        from_jwk(text, var)?
    } else {
        from_pem(text, var)?
    };
    // Sign once now so a broken key is reported at startup, not per call.
    jsonwebtoken::encode(&Header::new(key.alg), &json!({"probe": true}), &key.key)
        .map_err(|_| bad(var, "signing with it fails"))?;
    Ok(key)
}

/// A client assertion (RFC 7523 private key JWT) for `client_id` at the
/// token endpoint `audience`, valid five minutes, single-use (`jti`). `var`
/// names the key's setting, for the error. Never logged.
pub fn client_assertion(
    key: &SigningKey,
    key_id: &str,
    client_id: &str,
    audience: &url::Url,
    var: &str,
) -> Result<String, AuthError> {
    let mut header = Header::new(key.alg);
    header.kid = Some(key_id.to_owned());
    let now = now_secs();
    let claims = json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience.as_str(),
        "iat": now,
        "exp": now + 300,
        "jti": random_id(),
    });
    jsonwebtoken::encode(&header, &claims, &key.key)
        .map_err(|_| AuthError::Config(format!("cannot sign the client assertion: check {var}")))
}

fn pem_der(text: &str, var: &str) -> Result<(String, Vec<u8>), AuthError> {
    let mut label = None;
    let mut body = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("-----BEGIN ") {
            label = Some(rest.trim_end_matches('-').trim().to_owned());
        } else if line.starts_with("-----END ") {
            break;
        } else if label.is_some() {
            body.push_str(line);
        }
    }
    let label = label.ok_or_else(|| bad(var, "no PEM header found"))?;
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| bad(var, "the PEM body is not valid base64"))?;
    Ok((label, der))
}

fn ec_from_pair(pair: &EcdsaKeyPair, var: &str) -> Result<SigningKey, AuthError> {
    let pkcs8 = pair
        .to_pkcs8v1()
        .map_err(|_| bad(var, "cannot re-encode the EC key"))?;
    Ok(SigningKey {
        key: EncodingKey::from_ec_der(pkcs8.as_ref()),
        alg: Algorithm::ES256,
    })
}

fn from_pem(text: &str, var: &str) -> Result<SigningKey, AuthError> {
    let (label, der) = pem_der(text, var)?;
    match label.as_str() {
        "RSA PRIVATE KEY" => Ok(SigningKey {
            key: EncodingKey::from_rsa_der(&der),
            alg: Algorithm::RS256,
        }),
        "EC PRIVATE KEY" => {
            let pair = EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, &der)
                .map_err(|_| bad(var, "not an EC P-256 key"))?;
            ec_from_pair(&pair, var)
        }
        "PRIVATE KEY" => {
            if EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).is_ok() {
                return Ok(SigningKey {
                    key: EncodingKey::from_ec_der(&der),
                    alg: Algorithm::ES256,
                });
            }
            let key = EncodingKey::from_rsa_pem(text.as_bytes())
                .map_err(|_| bad(var, "PKCS#8 key that is neither RSA nor EC P-256"))?;
            Ok(SigningKey {
                key,
                alg: Algorithm::RS256,
            })
        }
        "ENCRYPTED PRIVATE KEY" => Err(bad(var, "it is encrypted; decrypt it first")),
        other => Err(bad(var, &format!("PEM type `{other}`"))),
    }
}

fn b64_field(jwk: &Value, name: &str, var: &str) -> Result<Vec<u8>, AuthError> {
    let s = jwk
        .get(name)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(var, &format!("JWK lacks `{name}`")))?;
    URL_SAFE_NO_PAD
        .decode(s.trim_end_matches('='))
        .map_err(|_| bad(var, &format!("JWK `{name}` is not base64url")))
}

fn from_jwk(text: &str, var: &str) -> Result<SigningKey, AuthError> {
    let jwk: Value = serde_json::from_str(text).map_err(|_| bad(var, "not valid JSON"))?;
    match jwk.get("kty").and_then(Value::as_str) {
        Some("EC") => {
            if jwk.get("crv").and_then(Value::as_str) != Some("P-256") {
                return Err(bad(var, "EC JWK must use crv P-256"));
            }
            let d = b64_field(&jwk, "d", var)?;
            let mut point = vec![4u8];
            point.extend(b64_field(&jwk, "x", var)?);
            point.extend(b64_field(&jwk, "y", var)?);
            let pair = EcdsaKeyPair::from_private_key_and_public_key(
                &ECDSA_P256_SHA256_FIXED_SIGNING,
                &d,
                &point,
            )
            .map_err(|_| bad(var, "EC JWK values do not form a P-256 key pair"))?;
            ec_from_pair(&pair, var)
        }
        Some("RSA") => {
            let mut parts = vec![vec![0u8]];
            for name in ["n", "e", "d", "p", "q", "dp", "dq", "qi"] {
                parts.push(b64_field(&jwk, name, var)?);
            }
            let mut body = Vec::new();
            for p in &parts {
                der_integer(&mut body, p);
            }
            let mut der = vec![0x30];
            der_len(&mut der, body.len());
            der.extend(body);
            Ok(SigningKey {
                key: EncodingKey::from_rsa_der(&der),
                alg: Algorithm::RS256,
            })
        }
        _ => Err(bad(var, "JWK kty must be RSA or EC")),
    }
}

fn der_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
}

fn der_integer(out: &mut Vec<u8>, unsigned_be: &[u8]) {
    let mut v: Vec<u8> = unsigned_be
        .iter()
        .copied()
        .skip_while(|b| *b == 0)
        .collect();
    if v.is_empty() || v[0] & 0x80 != 0 {
        v.insert(0, 0);
    }
    out.push(0x02);
    der_len(out, v.len());
    out.extend(v);
}

/// The DPoP key pair (ES256) and its public JWK: one per process, or the
/// one a cached DPoP-bound token was issued to.
pub struct DpopKey {
    pub key: EncodingKey,
    pub jwk: jsonwebtoken::jwk::Jwk,
    /// The private key (PKCS#8), kept to cache it beside tokens bound to it.
    pkcs8: Vec<u8>,
}

impl std::fmt::Debug for DpopKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DpopKey(ES256)")
    }
}

impl DpopKey {
    pub fn generate() -> Result<Self, AuthError> {
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING)
            .map_err(|_| AuthError::Config("cannot generate a DPoP key".into()))?;
        let pkcs8 = pair
            .to_pkcs8v1()
            .map_err(|_| AuthError::Config("cannot encode the DPoP key".into()))?;
        Self::from_pkcs8(pkcs8.as_ref())
    }

    /// Loads a key saved with [`DpopKey::to_pkcs8_b64`].
    pub fn from_pkcs8_b64(text: &str) -> Option<Self> {
        Self::from_pkcs8(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()
    }

    /// The private key, PKCS#8 base64url: for the 0600 token cache only.
    pub fn to_pkcs8_b64(&self) -> String {
        URL_SAFE_NO_PAD.encode(&self.pkcs8)
    }

    fn from_pkcs8(pkcs8: &[u8]) -> Result<Self, AuthError> {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
            .map_err(|_| AuthError::Config("cannot load the DPoP key".into()))?;
        let point = pair.public_key().as_ref();
        if point.len() != 65 {
            return Err(AuthError::Config("unexpected DPoP public key".into()));
        }
        let (x, y) = point[1..].split_at(32);
        let jwk = serde_json::from_value(json!({
            "kty": "EC",
            "crv": "P-256",
            "x": URL_SAFE_NO_PAD.encode(x),
            "y": URL_SAFE_NO_PAD.encode(y),
        }))
        .map_err(|_| AuthError::Config("cannot build the DPoP JWK".into()))?;
        Ok(Self {
            key: EncodingKey::from_ec_der(pkcs8),
            jwk,
            pkcs8: pkcs8.to_vec(),
        })
    }

    /// A proof for `method url`, with the server nonce and the access token
    /// hash when given.
    pub fn proof(
        &self,
        method: &str,
        url: &url::Url,
        nonce: Option<&str>,
        access_token: Option<&str>,
    ) -> Result<String, AuthError> {
        let mut htu = url.clone();
        htu.set_query(None);
        htu.set_fragment(None);
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some("dpop+jwt".into());
        header.jwk = Some(self.jwk.clone());
        let mut claims = json!({
            "jti": random_id(),
            "htm": method,
            "htu": htu.as_str(),
            "iat": now_secs(),
        });
        if let Some(n) = nonce {
            claims["nonce"] = json!(n);
        }
        if let Some(t) = access_token {
            let hash = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, t.as_bytes());
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(hash.as_ref()));
        }
        jsonwebtoken::encode(&header, &claims, &self.key)
            .map_err(|_| AuthError::Config("cannot sign a DPoP proof".into()))
    }
}

/// 128 random bits, base64url.
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    let _ = aws_lc_rs::rand::fill(&mut b);
    URL_SAFE_NO_PAD.encode(b)
}

pub fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A fresh EC P-256 private key as PKCS#8 PEM, for unit tests.
#[cfg(test)]
pub fn test_ec_pem() -> String {
    let der = URL_SAFE_NO_PAD
        .decode(DpopKey::generate().unwrap().to_pkcs8_b64())
        .unwrap();
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        STANDARD.encode(der)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_naming_the_variable() {
        let e = load_private_key("not a key", "OKTA_PRIVATE_KEY").unwrap_err();
        assert!(e.to_string().contains("OKTA_PRIVATE_KEY"));
        let e = load_private_key(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            "OKTA_PRIVATE_KEY_FILE",
        )
        .unwrap_err();
        assert!(e.to_string().contains("OKTA_PRIVATE_KEY_FILE"));
    }

    #[test]
    fn dpop_key_survives_the_cache() {
        let k = DpopKey::generate().unwrap();
        let again = DpopKey::from_pkcs8_b64(&k.to_pkcs8_b64()).unwrap();
        assert_eq!(
            serde_json::to_value(&k.jwk).unwrap(),
            serde_json::to_value(&again.jwk).unwrap()
        );
        assert!(DpopKey::from_pkcs8_b64("not a key").is_none());
        assert_eq!(format!("{k:?}"), "DpopKey(ES256)", "Debug shows no key");
    }

    #[test]
    fn dpop_proof_has_jwk_and_ath() {
        let k = DpopKey::generate().unwrap();
        let url = url::Url::parse("https://x.example/api/v1/users?limit=1#f").unwrap();
        let p = k.proof("GET", &url, Some("n1"), Some("tok")).unwrap();
        let payload = p.split('.').nth(1).unwrap();
        let claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap();
        assert_eq!(claims["htu"], "https://x.example/api/v1/users");
        assert_eq!(claims["nonce"], "n1");
        assert!(claims["ath"].is_string());
    }
}
