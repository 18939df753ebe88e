//! okta-mcp: an MCP server for administering an Okta org.
//!
//! The layout follows the data, and dependencies point one way:
//!
//! 1. Okta's spec and `scope-map.toml` go through the generator
//!    (`crates/okta-mcp-codegen`).
//! 2. It produces the typed client (`crates/okta-client`, from the spec
//!    alone) and the tool table ([`tool_table`], by `build.rs`).
//! 3. The hand-written runtime adds configuration ([`config`]), credentials
//!    ([`auth`]), the HTTP layer under every call ([`okta_http`]), scope
//!    gating ([`scopes`], [`selection`]), the tool-call pipeline ([`call`])
//!    and the tools that are more than one call ([`composite`], which the
//!    pipeline reaches through [`call::ToolHandlers`]).
//! 4. The MCP transport ([`server`]) runs over a line transport that answers
//!    bad input ([`jsonrpc_stdio`]), or in remote mode over HTTP with a
//!    person behind each request ([`remote`]).

pub mod argument_confirms;
pub mod attempt;
pub mod audit;
pub mod auth;
pub mod call;
pub mod composite;
pub mod config;
pub mod docs;
pub mod doctor;
pub mod jsonrpc_stdio;
pub mod listing;
pub mod okta_error;
pub mod okta_http;
pub mod org_data;
pub mod output;
pub mod paging;
pub mod preview;
pub mod redact;
pub mod remote;
pub mod risk;
pub mod scopes;
pub mod selection;
pub mod server;
pub mod time_window;
pub mod tool_table;
