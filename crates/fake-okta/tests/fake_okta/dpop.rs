use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use fake_okta::{Credential, FakeOkta};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

use crate::{client, okta_error};

const ACCESS: &str = "dpop-bound-token";

struct Key {
    alg: Algorithm,
    encoding: EncodingKey,
    jwk: Jwk,
}

fn es256() -> Key {
    let pkcs8 =
        EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .unwrap();
    let encoding = EncodingKey::from_ec_der(pkcs8.as_ref());
    let jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256).unwrap();
    Key {
        alg: Algorithm::ES256,
        encoding,
        jwk,
    }
}

fn rs256() -> Key {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    let pkcs8 = AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).unwrap();
    let encoding = EncodingKey::from_rsa_der(&pkcs1_inside(pkcs8.as_ref()));
    let jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256).unwrap();
    Key {
        alg: Algorithm::RS256,
        encoding,
        jwk,
    }
}

/// The PKCS#1 RSAPrivateKey inside a PKCS#8 PrivateKeyInfo (its third element).
fn pkcs1_inside(pkcs8: &[u8]) -> Vec<u8> {
    fn element(input: &[u8]) -> (&[u8], &[u8]) {
        let (len, header) = match input[1] {
            n if n < 0x80 => (usize::from(n), 2),
            n => {
                let count = usize::from(n & 0x7f);
                let len = input[2..2 + count]
                    .iter()
                    .fold(0, |acc, b| (acc << 8) | usize::from(*b));
                (len, 2 + count)
            }
        };
        (&input[header..header + len], &input[header + len..])
    }
    let (info, _) = element(pkcs8);
    let (_, rest) = element(info); // version
    let (_, rest) = element(rest); // algorithm
    element(rest).0.to_vec()
}

fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

struct Claims<'a> {
    htm: &'a str,
    htu: String,
    token: &'a str,
    iat: i64,
    nonce: Option<&'a str>,
    typ: &'a str,
}

fn proof(key: &Key, claims: Claims) -> String {
    let mut header = Header::new(key.alg);
    header.typ = Some(claims.typ.into());
    header.jwk = Some(key.jwk.clone());
    let ath = URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        claims.token.as_bytes(),
    ));
    let mut body = json!({
        "htm": claims.htm,
        "htu": claims.htu,
        "ath": ath,
        "iat": claims.iat,
        "jti": fake_jti(),
    });
    if let Some(nonce) = claims.nonce {
        body["nonce"] = json!(nonce);
    }
    jsonwebtoken::encode(&header, &body, &key.encoding).unwrap()
}

fn fake_jti() -> String {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    URL_SAFE_NO_PAD.encode(bytes)
}

fn good(fake: &FakeOkta) -> Claims<'static> {
    Claims {
        htm: "GET",
        htu: format!("{}/api/v1/users", fake.base_url()),
        token: ACCESS,
        iat: now(),
        nonce: None,
        typ: "dpop+jwt",
    }
}

async fn start(nonce: bool) -> FakeOkta {
    FakeOkta::builder()
        .users(3)
        .accept_token(Credential::Dpop(ACCESS.into()))
        .require_dpop_nonce(nonce)
        .start()
        .await
        .unwrap()
}

async fn call(fake: &FakeOkta, scheme: &str, proof: Option<&str>) -> reqwest::Response {
    let mut request = client()
        .get(format!("{}/api/v1/users?limit=2", fake.base_url()))
        .header("authorization", format!("{scheme} {ACCESS}"));
    if let Some(proof) = proof {
        request = request.header("dpop", proof);
    }
    request.send().await.unwrap()
}

/// A request with a fresh, correct proof.
async fn call_with_fresh_proof(fake: &FakeOkta, key: &Key) -> reqwest::Response {
    call(fake, "DPoP", Some(&proof(key, good(fake)))).await
}

#[tokio::test]
async fn es256_proof_is_accepted_once() {
    let fake = start(false).await;
    let key = es256();
    let p = proof(&key, good(&fake));
    assert_eq!(call(&fake, "DPoP", Some(&p)).await.status(), 200);
    let replay = call(&fake, "DPoP", Some(&p)).await;
    let challenge = replay.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(challenge.contains("invalid_dpop_proof"), "{challenge}");
    okta_error(replay, 401, "E0000011").await;
}

#[tokio::test]
async fn rs256_proof_is_accepted() {
    let fake = start(false).await;
    let key = rs256();
    assert_eq!(call_with_fresh_proof(&fake, &key).await.status(), 200);
}

#[tokio::test]
async fn proofs_bound_to_something_else_are_refused() {
    let fake = start(false).await;
    let key = es256();
    let bad = [
        Claims {
            htm: "POST",
            ..good(&fake)
        },
        Claims {
            htu: format!("{}/api/v1/users?limit=2", fake.base_url()),
            ..good(&fake)
        },
        Claims {
            htu: format!("{}/api/v1/groups", fake.base_url()),
            ..good(&fake)
        },
        Claims {
            token: "another-token",
            ..good(&fake)
        },
        Claims {
            iat: now() - 3600,
            ..good(&fake)
        },
        Claims {
            typ: "JWT",
            ..good(&fake)
        },
    ];
    for claims in bad {
        okta_error(
            call(&fake, "DPoP", Some(&proof(&key, claims))).await,
            401,
            "E0000011",
        )
        .await;
    }
    okta_error(call(&fake, "DPoP", None).await, 401, "E0000011").await;
    okta_error(
        call(&fake, "Bearer", Some(&proof(&key, good(&fake)))).await,
        401,
        "E0000011",
    )
    .await;
    let honest = proof(&key, good(&fake));
    let middle = honest.rfind('.').unwrap() + 20;
    let flipped = if &honest[middle..=middle] == "A" {
        "B"
    } else {
        "A"
    };
    let tampered = format!("{}{flipped}{}", &honest[..middle], &honest[middle + 1..]);
    okta_error(call(&fake, "DPoP", Some(&tampered)).await, 401, "E0000011").await;
    assert_eq!(call_with_fresh_proof(&fake, &key).await.status(), 200);
}

#[tokio::test]
async fn symmetric_keys_are_refused() {
    let fake = start(false).await;
    let encoding = EncodingKey::from_secret(b"shared secret");
    let jwk = Jwk::from_encoding_key(&encoding, Algorithm::HS256).unwrap();
    let key = Key {
        alg: Algorithm::HS256,
        encoding,
        jwk,
    };
    okta_error(call_with_fresh_proof(&fake, &key).await, 401, "E0000011").await;
}

#[tokio::test]
async fn server_nonce_is_demanded_then_accepted() {
    let fake = start(true).await;
    let key = es256();
    let first = call_with_fresh_proof(&fake, &key).await;
    assert_eq!(first.status(), 401);
    let challenge = first.headers()["www-authenticate"].to_str().unwrap();
    assert!(
        challenge.starts_with("DPoP error=\"use_dpop_nonce\""),
        "{challenge}"
    );
    let nonce = first.headers()["dpop-nonce"].to_str().unwrap().to_string();
    assert!(!nonce.is_empty());
    let wrong = call(
        &fake,
        "DPoP",
        Some(&proof(
            &key,
            Claims {
                nonce: Some("stale"),
                ..good(&fake)
            },
        )),
    )
    .await;
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().contains_key("dpop-nonce"));
    let retry = call(
        &fake,
        "DPoP",
        Some(&proof(
            &key,
            Claims {
                nonce: Some(&nonce),
                ..good(&fake)
            },
        )),
    )
    .await;
    assert_eq!(retry.status(), 200);
}

#[tokio::test]
async fn required_dpop_refuses_plain_token_requests_and_bearer_calls() {
    let fake = FakeOkta::builder()
        .require_dpop(true)
        .start()
        .await
        .expect("fake starts");
    let token_url = format!("{}/oauth2/v1/token", fake.base_url());
    let form = "grant_type=client_credentials&scope=okta.users.read";
    let plain = client()
        .post(&token_url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 400);
    let body: serde_json::Value = plain.json().await.unwrap();
    assert_eq!(body["error"], "invalid_dpop_proof");
    let key = es256();
    let htu_proof = proof(
        &key,
        Claims {
            htm: "POST",
            htu: token_url.clone(),
            token: "",
            iat: now(),
            nonce: None,
            typ: "dpop+jwt",
        },
    );
    let bound = client()
        .post(&token_url)
        .header("dpop", htu_proof)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap();
    assert_eq!(bound.status(), 200);
    let body: serde_json::Value = bound.json().await.unwrap();
    assert_eq!(body["token_type"], "DPoP");
    let access = body["access_token"].as_str().unwrap();
    let bearer = client()
        .get(format!("{}/api/v1/users", fake.base_url()))
        .header("authorization", format!("Bearer {access}"))
        .send()
        .await
        .unwrap();
    assert_eq!(bearer.status(), 401);
    let open = client()
        .get(format!("{}/api/v1/users", fake.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(open.status(), 401, "no longer open to everyone");
}
