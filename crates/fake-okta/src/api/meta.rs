//! The read-only reference endpoints: the default user schema and the app catalog.

use serde_json::Value;

use super::{Answer, Call, page_of_seq};
use crate::error;
use crate::reply::Reply;
use crate::store::Store;

/// `GET /api/v1/meta/schemas/user/default`.
pub fn user_schema(store: &Store) -> Answer {
    Ok(Reply::ok(store.user_schema.clone()))
}

/// `GET /api/v1/catalog/apps`, paged by name.
pub fn catalog(store: &Store, call: &Call) -> Answer {
    page_of_seq(store, call, store.catalog.iter(), (20, 200), "name")
}

/// `GET /api/v1/catalog/apps/{name}`.
pub fn catalog_app(store: &Store, name: &str) -> Answer {
    store
        .catalog
        .iter()
        .find(|e| e["name"] == name)
        .map(|e: &Value| Reply::ok(e.clone()))
        .ok_or_else(|| error::not_found(name, "CatalogApp"))
}
