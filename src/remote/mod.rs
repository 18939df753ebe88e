//! Remote mode (`okta-mcp serve --http`): one governed endpoint for a team.
//!
//! stdio serves one person with the server's own Okta credential. Remote
//! mode serves many, each signed in at Okta as themselves, so it adds three
//! things the stdio path does not need, each behind a small interface so the
//! parts can be read and tested apart:
//!
//! - [`store`]: the shared state (authorization codes, client registrations,
//!   token records, confirmations, session allowances) lives in a store, never
//!   only in one replica's memory, so any replica can answer any request.
//! - [`gate`]: who is calling. It checks the bearer token an MCP client sends
//!   and names the person, and it hands out the Okta credential to use for
//!   that person's calls.
//! - [`oauth`]: MCP authorization with Okta as the identity provider: the
//!   authorization server MCP clients sign in at, and the [`gate::Gate`]
//!   that admits their tokens.
//! - the HTTP transport that puts the two in front of the MCP server.

pub mod gate;
pub mod http;
pub mod local_gate;
pub mod oauth;
pub mod people;
pub mod relay;
pub mod sessions;
pub mod settings;
pub mod start;
pub mod store;
