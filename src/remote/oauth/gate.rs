//! The [`Gate`] of remote mode with Okta sign-in: a request to `/mcp` is
//! admitted when its bearer token is an access token of this server (see
//! [`super::access_token`]) whose sign-in still exists in the store; the
//! person is named from that sign-in.

use std::sync::Arc;

use futures::future::BoxFuture;

use super::Shared;
use super::grant;
use super::person::PersonAuthorizer;
use crate::auth::Authorizer;
use crate::remote::gate::{Gate, Person, Refusal};

pub struct OktaGate {
    shared: Arc<Shared>,
}

impl OktaGate {
    pub(super) fn new(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}

/// The token of an `Authorization: Bearer ...` header value.
fn bearer(authorization: Option<&str>) -> Result<&str, Refusal> {
    let value = authorization.map(str::trim).filter(|v| !v.is_empty());
    let Some(value) = value else {
        return Err(Refusal::MissingToken);
    };
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(Refusal::InvalidToken(
            "the Authorization header must be `Bearer <access token>`".into(),
        )),
    }
}

impl Gate for OktaGate {
    fn authenticate<'a>(
        &'a self,
        authorization: Option<&'a str>,
    ) -> BoxFuture<'a, Result<Person, Refusal>> {
        Box::pin(async move {
            let token = bearer(authorization)?;
            let claims = self.shared.tokens.verify(token)?;
            let g = match grant::load(&self.shared.vault, &claims.gid).await {
                Ok(Some(g)) => g,
                Ok(None) => return Err(Refusal::SignInEnded),
                Err(e) => {
                    tracing::warn!("cannot check a sign-in: {e}");
                    return Err(Refusal::Unavailable("the store cannot be reached".into()));
                }
            };
            if g.subject != claims.sub || g.client_id != claims.client_id {
                return Err(Refusal::InvalidToken(
                    "it does not match its sign-in".into(),
                ));
            }
            Ok(Person {
                subject: g.subject,
                name: g.name,
                client_id: g.client_id,
                granted_scopes: g.granted,
                grant_id: claims.gid,
            })
        })
    }

    fn authorizer_for(&self, person: &Person) -> Arc<dyn Authorizer> {
        Arc::new(PersonAuthorizer::new(
            self.shared.clone(),
            &person.grant_id,
            person.granted_scopes.clone(),
        ))
    }

    fn resource_metadata_url(&self) -> String {
        self.shared.config.resource_metadata_url()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bearer_headers_carry_a_token() {
        assert_eq!(bearer(None), Err(Refusal::MissingToken));
        assert_eq!(bearer(Some("  ")), Err(Refusal::MissingToken));
        assert_eq!(bearer(Some("Bearer abc")), Ok("abc"));
        assert_eq!(bearer(Some("bearer  abc ")), Ok("abc"));
        assert!(matches!(
            bearer(Some("Basic abc")),
            Err(Refusal::InvalidToken(_))
        ));
        assert!(matches!(
            bearer(Some("Bearer ")),
            Err(Refusal::MissingToken) | Err(Refusal::InvalidToken(_))
        ));
        assert!(matches!(bearer(Some("abc")), Err(Refusal::InvalidToken(_))));
    }
}
