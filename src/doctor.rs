//! `okta-mcp doctor`: checks each link of the chain from this configuration
//! to a working admin session, one line per check, with the fix when it
//! fails. An admin runs it before wiring the server into a client; a script
//! reads `--json` and the exit code (0 only when every check passed).
//!
//! The links, in order (a link that cannot be checked because an earlier
//! one failed is skipped, and counts as not passed):
//! configuration → org → token → scopes → one read per read scope →
//! rate-limit headroom.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};

use crate::auth::Authorizer;
use crate::call::{CallContext, Runtime};
use crate::scopes::ScopeSet;
use crate::tool_table::{TOOLS, ToolSpec};

/// A rate-limit budget under this share left fails the headroom check.
const MIN_HEADROOM: f64 = 0.10;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    /// Not checked: an earlier link failed.
    Skip,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Self::Pass => "ok",
            Self::Fail => "FAIL",
            Self::Skip => "skip",
        }
    }
}

/// One check's outcome.
#[derive(Debug, Clone)]
pub struct Check {
    pub name: String,
    pub status: Status,
    pub detail: String,
    pub fix: Option<String>,
}

impl Check {
    fn pass(name: impl Into<String>, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Status::Pass,
            detail: detail.into(),
            fix: None,
        }
    }

    fn fail(name: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Status::Fail,
            detail: detail.into(),
            fix: Some(fix.into()),
        }
    }

    fn skip(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            status: Status::Skip,
            detail: "not checked: an earlier check failed".into(),
            fix: None,
        }
    }
}

/// Every check, in order.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub checks: Vec<Check>,
}

impl Report {
    /// True only when every check ran and passed.
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| c.status == Status::Pass)
    }

    /// One line per check; a failure's fix on the next line.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            out.push_str(&format!(
                "{:<4}  {}: {}\n",
                c.status.word(),
                c.name,
                c.detail
            ));
            if let Some(fix) = &c.fix {
                out.push_str(&format!("      fix: {fix}\n"));
            }
        }
        out
    }

    pub fn json(&self) -> Value {
        json!({
            "passed": self.passed(),
            "checks": self.checks.iter().map(|c| json!({
                "name": c.name,
                "status": c.status.word().to_ascii_lowercase(),
                "detail": c.detail,
                "fix": c.fix,
            })).collect::<Vec<_>>(),
        })
    }
}

/// Runs every check against the org `rt` is configured for.
pub async fn run(rt: &Runtime, auth: Arc<dyn Authorizer>) -> Report {
    let mut report = Report::default();
    report.checks.push(configuration(rt));
    let org_ok = match rt.config.org_url.as_ref() {
        Some(org) => {
            let c = org_check(org).await;
            let ok = c.status == Status::Pass;
            report.checks.push(c);
            ok
        }
        None => {
            report.checks.push(Check::skip("org"));
            false
        }
    };
    let token_ok = if org_ok {
        let c = token_check(rt, auth.as_ref()).await;
        let ok = c.status == Status::Pass;
        report.checks.push(c);
        ok
    } else {
        report.checks.push(Check::skip("token"));
        false
    };
    if !token_ok {
        for name in ["scopes", "reads", "rate limits"] {
            report.checks.push(Check::skip(name));
        }
        return report;
    }
    report.checks.push(scopes_check(rt, auth.as_ref()));
    let reads = read_checks(rt).await;
    let read_any = !reads.is_empty();
    report.checks.extend(reads);
    report.checks.push(if read_any {
        headroom_check(rt)
    } else {
        Check::skip("rate limits")
    });
    report
}

/// Problems the configuration reported, and names nothing matches.
fn configuration(rt: &Runtime) -> Check {
    let mut problems = rt.config.problems.clone();
    let toolsets: std::collections::HashSet<&str> = TOOLS
        .iter()
        .flat_map(|t| [t.toolset, t.api])
        .filter(|s| !s.is_empty())
        .collect();
    let tools: std::collections::HashSet<&str> = TOOLS.iter().map(|t| t.name).collect();
    for (var, values, known) in [
        ("OKTA_TOOLSETS", &rt.config.raw.toolsets, &toolsets),
        ("OKTA_TOOLS", &rt.config.raw.tools, &tools),
    ] {
        for name in values
            .iter()
            .flat_map(|v| v.split([',', ' ']))
            .map(str::trim)
            .filter(|n| !n.is_empty() && *n != "all")
        {
            if !known.contains(name) {
                problems.push(format!(
                    "{var} names `{name}`, which is not a {}",
                    if var == "OKTA_TOOLS" {
                        "tool"
                    } else {
                        "toolset"
                    }
                ));
            }
        }
    }
    for name in rt.selection.unknown_exclusions() {
        problems.push(format!(
            "OKTA_EXCLUDE_TOOLS names `{name}`, which is no tool, operation, toolset or class"
        ));
    }
    if problems.is_empty() {
        Check::pass(
            "configuration",
            format!(
                "parsed; {} scopes, confirmation policy {}",
                rt.config.requested_scopes.len(),
                rt.config.confirm_policy
            ),
        )
    } else {
        Check::fail(
            "configuration",
            problems.join("; "),
            "set the variables named above (okta-mcp --help lists every setting)",
        )
    }
}

/// The org answers, and its discovery document says it is this org.
async fn org_check(org: &url::Url) -> Check {
    let base = org.as_str().trim_end_matches('/');
    let url = format!("{base}/.well-known/openid-configuration");
    let client = match reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(20))
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            return Check::fail(
                "org",
                format!("no HTTP client: {e}"),
                "report this as a bug",
            );
        }
    };
    let fix_url =
        "set OKTA_ORG_URL to your org, e.g. https://example.okta.com (not the -admin console URL)";
    let response = match client.get(&url).send().await {
        Ok(r) => r,
        Err(e) => {
            return Check::fail(
                "org",
                format!("cannot reach {base}: {}", crate::auth::transport_detail(&e)),
                format!("check the network (or HTTPS_PROXY), then {fix_url}"),
            );
        }
    };
    let status = response.status().as_u16();
    let body: Option<Value> = response.json().await.ok();
    let issuer = body
        .as_ref()
        .and_then(|b| b.get("issuer"))
        .and_then(Value::as_str)
        .map(|i| i.trim_end_matches('/').to_owned());
    match (status, issuer) {
        (200, Some(i)) if i.eq_ignore_ascii_case(base) => {
            Check::pass("org", format!("{base} is an Okta org (issuer matches)"))
        }
        (200, Some(i)) => Check::fail(
            "org",
            format!("{base} answers, but its issuer is {i}"),
            fix_url,
        ),
        (s, _) => Check::fail(
            "org",
            format!("{base} has no OpenID discovery document (HTTP {s}): not an Okta org URL"),
            fix_url,
        ),
    }
}

/// A token is obtained (or a person has signed in), without asking anyone.
async fn token_check(rt: &Runtime, auth: &dyn Authorizer) -> Check {
    let mode = auth.describe();
    if auth.needs_person() {
        let usable = auth
            .token_status()
            .is_some_and(|t| t.expires_in_secs > 0 || t.refreshable);
        if !usable {
            return Check::fail(
                "token",
                format!("{mode}: not signed in (no cached token for this org, client and scopes)"),
                format!(
                    "sign in with the same settings as the client: OKTA_ORG_URL={} OKTA_CLIENT_ID={} OKTA_SCOPES=\"{}\" okta-mcp login",
                    rt.config
                        .org_url
                        .as_ref()
                        .map(|u| u.as_str().trim_end_matches('/'))
                        .unwrap_or("..."),
                    rt.config.raw.client_id.as_deref().unwrap_or("..."),
                    rt.config.requested_scopes.join(" ")
                ),
            );
        }
    }
    let Some(org) = rt.config.org_url.as_ref() else {
        return Check::skip("token");
    };
    let mut request = reqwest::Request::new(reqwest::Method::GET, org.clone());
    if let Err(e) = auth.authorize(&mut request).await {
        let message = e.to_string();
        let fix = if message.contains("invalid_client") {
            "the app does not accept this client: check OKTA_CLIENT_ID, OKTA_KEY_ID and that the app holds the public key of OKTA_PRIVATE_KEY"
        } else if message.contains("invalid_scope") {
            "a scope in OKTA_SCOPES is not granted to the app: grant it on the app's Okta API Scopes tab or remove it"
        } else if message.contains("invalid_dpop_proof")
            || message.contains("DPoP")
            || (rt.config.raw.dpop == "never" && message.contains("invalid_grant"))
        {
            // An app that requires DPoP refuses a proof-less request, as
            // `invalid_dpop_proof` or (some servers) a bare `invalid_grant`.
            "the app may require DPoP while OKTA_DPOP=never, or the proof was refused: set OKTA_DPOP=auto, and check the machine's clock"
        } else {
            "see the message; okta-mcp --help lists the credential settings"
        };
        return Check::fail("token", format!("{mode}: {message}"), fix);
    }
    let scheme = request
        .headers()
        .get(reqwest::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_whitespace().next())
        .unwrap_or("none")
        .to_owned();
    let lifetime = match auth.token_status() {
        Some(t) => format!(
            ", DPoP {}, expires in {} min",
            if t.dpop { "on" } else { "off" },
            t.expires_in_secs / 60
        ),
        None => String::new(),
    };
    Check::pass(
        "token",
        format!("{mode}: {scheme} credential obtained{lifetime}"),
    )
}

/// Granted scopes against the configured ones.
fn scopes_check(rt: &Runtime, auth: &dyn Authorizer) -> Check {
    let Some(granted) = auth.granted_scopes() else {
        return Check::pass(
            "scopes",
            "this credential does not report scopes (an API token acts with its admin's role)",
        );
    };
    rt.set_granted(ScopeSet::from_iter(granted.iter().map(String::as_str)));
    let missing: Vec<&String> = rt
        .config
        .requested_scopes
        .iter()
        .filter(|s| !granted.contains(*s))
        .collect();
    if missing.is_empty() {
        Check::pass(
            "scopes",
            format!("all {} configured scopes granted", granted.len()),
        )
    } else {
        Check::fail(
            "scopes",
            format!(
                "not granted: {}",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "grant them on the app's Okta API Scopes tab, or remove them from OKTA_SCOPES",
        )
    }
}

/// A list operation readable with `scope` alone and no path parameter.
fn probe_for(scope: &str) -> Option<&'static ToolSpec> {
    let fits = |t: &&ToolSpec| {
        t.method == "GET"
            && t.handler.is_none()
            && !t.path.contains('{')
            && t.scopes == [scope]
            && t.schema()
                .get("required")
                .and_then(Value::as_array)
                .is_none_or(|r| r.is_empty())
    };
    TOOLS
        .iter()
        .filter(fits)
        .find(|t| t.curated)
        .or_else(|| TOOLS.iter().find(fits))
}

/// One small read per read scope the session holds.
async fn read_checks(rt: &Runtime) -> Vec<Check> {
    let mut checks = Vec::new();
    let scopes = rt.effective_scopes();
    let mut reads: Vec<&str> = crate::scopes::known_scopes()
        .into_iter()
        .filter(|s| s.ends_with(".read") && scopes.contains(s))
        .collect();
    reads.sort_unstable();
    for scope in reads {
        let Some(tool) = probe_for(scope) else {
            continue;
        };
        let mut args = Map::new();
        if tool
            .schema()
            .get("properties")
            .and_then(|p| p.get("limit"))
            .is_some()
        {
            args.insert("limit".into(), json!(1));
        }
        let name = format!("read {scope}");
        let r = rt.call_tool(tool, args, &CallContext::default()).await;
        if !r.is_error {
            checks.push(Check::pass(name, format!("`{}` answered", tool.name)));
            continue;
        }
        let code = r
            .structured
            .get("errorCode")
            .and_then(Value::as_str)
            .unwrap_or("");
        let status = r
            .structured
            .get("status")
            .and_then(Value::as_u64)
            .unwrap_or(0);
        checks.push(match (status, code) {
            (403, "E0000006") => Check::fail(
                name,
                format!("`{}`: 403 E0000006: the token holds {scope}, but no admin role covers it", tool.name),
                "assign an admin role that covers it (e.g. Read-only Administrator) to the app (Admin roles tab) or to the admin who signs in",
            ),
            (403, _) => Check::fail(
                name,
                format!("`{}`: 403: {}", tool.name, first_line(&r.text)),
                format!("grant {scope} to the app (Okta API Scopes tab) and keep it in OKTA_SCOPES"),
            ),
            (401, _) => Check::fail(
                name,
                format!("`{}`: 401: Okta rejected the credential", tool.name),
                "the token or API token is invalid or expired: replace it, or sign in again",
            ),
            _ => Check::fail(
                name,
                format!("`{}`: {}", tool.name, first_line(&r.text)),
                "see the message",
            ),
        });
    }
    checks
}

/// The least budget left on any endpoint read above.
fn headroom_check(rt: &Runtime) -> Check {
    let Some((operation, info)) = rt.stack.as_ref().and_then(|s| s.tightest_rate_limit()) else {
        return Check::pass("rate limits", "Okta sent no X-Rate-Limit headers");
    };
    let share = info.remaining as f64 / info.limit as f64;
    let detail = format!(
        "tightest: {operation}, {} of {} requests left this window",
        info.remaining, info.limit
    );
    if share >= MIN_HEADROOM {
        Check::pass("rate limits", detail)
    } else {
        Check::fail(
            "rate limits",
            detail,
            "other integrations are spending this org's budget: lower OKTA_MAX_CONCURRENCY, or run when the window resets",
        )
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(200)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_passes_only_when_every_check_passed() {
        let mut r = Report::default();
        assert!(!r.passed(), "no check is no pass");
        r.checks.push(Check::pass("a", "fine"));
        assert!(r.passed());
        r.checks.push(Check::skip("b"));
        assert!(!r.passed(), "a skipped link is not a pass");
        r.checks.push(Check::fail("c", "broken", "do this"));
        let text = r.text();
        assert!(
            text.contains("FAIL  c: broken\n      fix: do this"),
            "{text}"
        );
        assert_eq!(r.json()["checks"][2]["status"], "fail");
        assert_eq!(r.json()["passed"], false);
    }

    #[test]
    fn every_read_scope_of_the_curated_set_has_a_probe() {
        for scope in [
            "okta.users.read",
            "okta.groups.read",
            "okta.apps.read",
            "okta.logs.read",
        ] {
            let t = probe_for(scope).unwrap_or_else(|| panic!("{scope}"));
            assert_eq!(t.method, "GET");
            assert!(!t.path.contains('{'), "{}", t.path);
        }
    }
}
