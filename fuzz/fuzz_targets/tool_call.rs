//! Argument validation and request building for every generated tool.
//!
//! The input picks a tool from the whole table (scoped and unscoped) and
//! arguments for it: mostly shaped by the tool's input schema, with wrong
//! types, missing and unknown fields and nasty strings mixed in, sometimes
//! raw JSON. The call runs the real pipeline (gate, validate, confirm,
//! dispatch through the generated client) against an offline HTTP layer
//! that records each request and answers `200 {}`. Every recorded request
//! must go to the org, over the tool's own path template, with the
//! credential only in its header; no result may contain the credential.

#![no_main]

use std::sync::Arc;

use arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use okta_mcp::call::{CallContext, Confirmation, Confirmer};
use okta_mcp::tool_table::TOOLS;
use okta_mcp_fuzz::{arguments_for, check_request, check_result, offline, tokio_rt};

struct Yes;

impl Confirmer for Yes {
    fn confirm<'a>(&'a self, _question: &'a okta_mcp::call::Question) -> futures::future::BoxFuture<'a, Confirmation> {
        Box::pin(std::future::ready(Confirmation::Accepted))
    }
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(index) = u.choose_index(TOOLS.len()) else {
        return;
    };
    let tool = &TOOLS[index];
    let Ok(mut args) = arguments_for(tool, &mut u) else {
        return;
    };
    let confirmer: Option<Arc<dyn Confirmer>> = match u.int_in_range(0..=3u8).unwrap_or(0) {
        0 => None,
        1 => {
            args.insert("confirm".into(), true.into());
            None
        }
        _ => Some(Arc::new(Yes)),
    };
    let off = offline();
    off.capture.take();
    let ctx = CallContext {
        confirmer,
        ..CallContext::default()
    };
    let result = tokio_rt().block_on(off.runtime.call_tool(tool, args, &ctx));
    check_result(tool, &result.text, &result.structured);
    for req in off.capture.take() {
        check_request(tool, &req);
    }
});
