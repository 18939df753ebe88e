//! okta-mcp's typed Okta client, generated from the pinned spec.
//!
//! `build.rs` runs the generator (`okta-mcp-codegen`) on the spec alone and
//! includes its output here: progenitor's client with one method per
//! operation, and [`dispatch`], which turns a tool call's JSON arguments
//! into a typed call of that method. The crate knows nothing of tools,
//! scopes or MCP, so an edit to the runtime or to `scope-map.toml` never
//! recompiles it.
//!
//! Every request goes out through a [`Transport`] that the runtime supplies
//! (credentials, limits, retries live there), reached through the
//! [`Hooks`] value progenitor carries as its inner type.

mod args;
mod generated;
mod hooks;

pub use args::{Args, DispatchError};
pub use generated::*;
pub use hooks::{Hooks, SendFuture, Transport};
