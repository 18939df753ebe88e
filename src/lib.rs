//! okta-mcp: an MCP server for administering an Okta org.
//!
//! The layout follows the data: Okta's spec and `scope-map.toml` go through
//! the generator (`crates/okta-mcp-codegen`, run by `build.rs`) into the
//! progenitor client ([`okta_client`]) and the tool table ([`tool_table`]).
//! The hand-written runtime adds configuration ([`config`]), credentials
//! ([`auth`]), the HTTP layer under every call ([`okta_http`]), scope gating
//! ([`scopes`]), the tool-call pipeline ([`call`]) and the MCP transport
//! ([`server`]) over a line transport that answers bad input
//! ([`jsonrpc_stdio`]).

pub mod auth;
pub mod call;
pub mod composite;
pub mod config;
pub mod dispatch;
pub mod docs;
pub mod jsonrpc_stdio;
pub mod okta_client;
pub mod okta_error;
pub mod okta_http;
pub mod output;
pub mod paging;
pub mod scopes;
pub mod selection;
pub mod server;
pub mod tool_table;
