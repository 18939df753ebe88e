//! `fake-okta`: the fake Okta API as a process, for benchmark scripts.
//!
//! Prints exactly one line, the base URL, on stdout once it serves; logs go to stderr.
//! Runs until killed, or until its stdin (when a pipe, socket or terminal) closes.

use std::io::{IsTerminal, Write};
#[cfg(unix)]
use std::os::unix::fs::FileTypeExt;

use clap::Parser;
use fake_okta::{Credential, FakeOkta, Fault};
use tokio::io::AsyncReadExt;

#[derive(Parser, Debug)]
#[command(version, about = "A fake Okta Management API on 127.0.0.1")]
struct Args {
    /// Users to seed.
    #[arg(long, default_value_t = 25)]
    users: usize,
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Accept this token as `SSWS <token>` and `Bearer <token>` (repeatable). Without any
    /// --token or --dpop-token, every request is accepted.
    #[arg(long)]
    token: Vec<String>,
    /// Accept this token as a DPoP-bound `DPoP <token>` (repeatable).
    #[arg(long)]
    dpop_token: Vec<String>,
    /// Require DPoP proofs to carry the server nonce.
    #[arg(long)]
    dpop_nonce: bool,
    /// Demand DPoP: token requests need a proof, API calls a DPoP-bound token.
    #[arg(long)]
    require_dpop: bool,
    /// Requests allowed per minute before 429.
    #[arg(long, default_value_t = 6000)]
    rate_limit: u32,
    /// A fault rule: "METHOD PATH_PREFIX KIND [TIMES]", e.g. "GET /api/v1/users 429=2 3".
    /// KIND: 429[=SECS] 503 403 delay=MS reset malformed oversized=MB extra empty html[=STATUS];
    /// TIMES: a count (default 1) or "always"; METHOD may be "*". Repeatable.
    #[arg(long)]
    fault: Vec<Fault>,
    /// Log one line per request to stderr.
    #[arg(long)]
    log_requests: bool,
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    let mut builder = FakeOkta::builder()
        .users(args.users)
        .port(args.port)
        .rate_limit(args.rate_limit)
        .require_dpop_nonce(args.dpop_nonce)
        .require_dpop(args.require_dpop)
        .record_limit(0)
        .log_requests(args.log_requests);
    for token in args.token {
        builder = builder
            .accept_token(Credential::Ssws(token.clone()))
            .accept_token(Credential::Bearer(token));
    }
    for token in args.dpop_token {
        builder = builder.accept_token(Credential::Dpop(token));
    }
    for fault in args.fault {
        builder = builder.fault(fault);
    }
    let fake = match builder.start().await {
        Ok(fake) => fake,
        Err(e) => {
            eprintln!("fake-okta: cannot start: {e}");
            std::process::exit(1);
        }
    };
    eprintln!(
        "fake-okta: serving {} users at {}",
        args.users,
        fake.base_url()
    );
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "{}", fake.base_url());
    let _ = stdout.flush();

    if stdin_is_watchable() {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 1024];
        while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
        eprintln!("fake-okta: stdin closed, exiting");
    } else {
        // stdin is /dev/null or a file (e.g. started with `&` from a script): run until killed.
        std::future::pending::<()>().await;
    }
}

/// Whether stdin can tell us the parent went away: a pipe, a socket or a terminal.
fn stdin_is_watchable() -> bool {
    if std::io::stdin().is_terminal() {
        return true;
    }
    #[cfg(unix)]
    {
        std::fs::metadata("/dev/stdin")
            .map(|m| m.file_type().is_fifo() || m.file_type().is_socket())
            .unwrap_or(false)
    }
    // Elsewhere (Windows) stdin's kind cannot be asked this way; a test
    // harness always gives a pipe, so watch it.
    #[cfg(not(unix))]
    {
        true
    }
}
