//! A fake Okta Management API on 127.0.0.1, for okta-mcp's tests and benchmarks.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use fake_okta::{Credential, Fault, FaultKind, FakeOkta, Method};
//! let fake = FakeOkta::builder()
//!     .users(25)
//!     .accept_token(Credential::Ssws("t0k".into()))
//!     .start()
//!     .await?;
//! fake.add_fault(
//!     Fault::new(Method::GET, "/api/v1/users")
//!         .times(1)
//!         .kind(FaultKind::TooManyRequests { reset_in_secs: 1 }),
//! );
//! println!("{}", fake.base_url());
//! let seen = fake.requests();
//! # Ok(()) }
//! ```

mod api;
mod auth;
mod body;
mod dpop;
mod error;
mod fault;
mod filter;
mod governance;
mod ids;
mod model;
mod observe;
mod paging;
mod ratelimit;
mod reply;
mod scopes;
mod seed;
mod server;
mod store;
mod time;
mod token;

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

pub use auth::Credential;
pub use fault::{Fault, FaultKind};
pub use hyper::Method;
pub use observe::RecordedRequest;
pub use seed::{seeded_login, seeded_status};

use server::App;

/// Settings of a fake server; make one with [`FakeOkta::builder`].
#[derive(Debug, Clone)]
pub struct Builder {
    users: usize,
    port: u16,
    credentials: Vec<(Credential, scopes::Granted)>,
    rate_limit: u32,
    require_dpop_nonce: bool,
    require_dpop: bool,
    faults: Vec<Fault>,
    record_limit: usize,
    log_requests: bool,
}

impl Default for Builder {
    fn default() -> Self {
        Self {
            users: 25,
            port: 0,
            credentials: Vec::new(),
            rate_limit: 6000,
            require_dpop_nonce: false,
            require_dpop: false,
            faults: Vec::new(),
            record_limit: 10_000,
            log_requests: false,
        }
    }
}

impl Builder {
    /// How many users to seed (default 25).
    pub fn users(mut self, n: usize) -> Self {
        self.users = n;
        self
    }

    /// The port on 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Accept this credential. Without any, every request is accepted.
    pub fn accept_token(mut self, credential: Credential) -> Self {
        self.credentials.push((credential, None));
        self
    }

    /// Accept this credential holding only these OAuth scopes (space-separated), as a
    /// token the token endpoint issued would. The Identity Governance API checks them.
    pub fn accept_scoped_token(mut self, credential: Credential, scopes: &str) -> Self {
        self.credentials
            .push((credential, Some(scopes::parse(scopes))));
        self
    }

    /// Requests allowed per minute before 429 (default 6000).
    pub fn rate_limit(mut self, per_minute: u32) -> Self {
        self.rate_limit = per_minute;
        self
    }

    /// Make DPoP proofs carry the server nonce (announced in a first 401 `use_dpop_nonce`).
    pub fn require_dpop_nonce(mut self, yes: bool) -> Self {
        self.require_dpop_nonce = yes;
        self
    }

    /// Make the API demand DPoP, as an Okta app with "Require DPoP" on does:
    /// the token endpoint refuses a request without a `DPoP` proof (400
    /// `invalid_dpop_proof`) and issues only DPoP-bound tokens; API calls
    /// need `Authorization: DPoP` and a valid proof. With
    /// [`Builder::require_dpop_nonce`], the first API call is answered
    /// `401 use_dpop_nonce` with a `DPoP-Nonce` header.
    pub fn require_dpop(mut self, yes: bool) -> Self {
        self.require_dpop = yes;
        self
    }

    /// Install a fault from the start.
    pub fn fault(mut self, fault: Fault) -> Self {
        self.faults.push(fault);
        self
    }

    /// Keep at most this many requests in the log (default 10,000; oldest dropped first).
    pub fn record_limit(mut self, n: usize) -> Self {
        self.record_limit = n;
        self
    }

    /// Print one line per request to stderr.
    pub fn log_requests(mut self, yes: bool) -> Self {
        self.log_requests = yes;
        self
    }

    /// Binds 127.0.0.1, seeds the org and starts serving on the current tokio runtime.
    pub async fn start(self) -> io::Result<FakeOkta> {
        let listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], self.port))).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let app = Arc::new(App {
            store: Mutex::new(seed::seed(&base_url, self.users)),
            auth: auth::Auth::new(self.credentials, self.require_dpop_nonce)
                .with_required_dpop(self.require_dpop),
            rate: ratelimit::RateLimiter::new(self.rate_limit),
            faults: fault::Faults::default(),
            observer: observe::Observer::new(self.record_limit),
            log_requests: self.log_requests,
            base_url: base_url.clone(),
        });
        for fault in self.faults {
            app.faults.add(fault);
        }
        let task = tokio::spawn(server::serve(listener, app.clone()));
        Ok(FakeOkta {
            base_url,
            app,
            task,
        })
    }
}

/// A running fake Okta org. Stops serving when dropped.
pub struct FakeOkta {
    base_url: String,
    app: Arc<App>,
    task: JoinHandle<()>,
}

impl FakeOkta {
    pub fn builder() -> Builder {
        Builder::default()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Accept one more credential from now on.
    pub fn accept_token(&self, credential: Credential) {
        self.app.auth.accept(credential);
    }

    pub fn add_fault(&self, fault: Fault) {
        self.app.faults.add(fault);
    }

    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    /// How many times faults have fired.
    pub fn faults_fired(&self) -> u64 {
        self.app.faults.fired()
    }

    /// The requests received so far, oldest first (up to the record limit).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.observer.requests()
    }

    pub fn clear_requests(&self) {
        self.app.observer.clear();
    }

    /// The most requests ever being handled at the same moment.
    pub fn max_in_flight(&self) -> usize {
        self.app.observer.max_in_flight()
    }

    /// How many requests arrived in total.
    pub fn total_requests(&self) -> u64 {
        self.app.observer.total()
    }

    /// Zeroes [`total_requests`](Self::total_requests) and [`max_in_flight`](Self::max_in_flight).
    pub fn reset_counters(&self) {
        self.app.observer.reset_counts();
    }

    /// The users now in the org, in id order.
    pub fn users(&self) -> Vec<Value> {
        self.with_store(|s| s.users.values().cloned().collect())
    }

    /// The groups now in the org, in id order.
    pub fn groups(&self) -> Vec<Value> {
        self.with_store(|s| s.groups.values().cloned().collect())
    }

    /// The apps now in the org, in id order.
    pub fn apps(&self) -> Vec<Value> {
        self.with_store(|s| s.apps.values().cloned().collect())
    }

    /// Appends a System Log event (newest last).
    pub fn push_log(&self, event: Value) {
        self.with_store_mut(|s| s.logs.push(event));
    }

    /// Sets one field of a user's profile; false when there is no such user.
    pub fn set_profile_field(&self, user_id: &str, field: &str, value: Value) -> bool {
        self.with_store_mut(|s| match s.users.get_mut(user_id) {
            Some(u) => {
                u["profile"][field] = value;
                true
            }
            None => false,
        })
    }

    /// The access certification campaigns now in the org, in id (listing) order.
    pub fn campaigns(&self) -> Vec<Value> {
        self.with_store(|s| s.gov.campaigns.values().cloned().collect())
    }

    /// Adds `n` SCHEDULED access certification campaigns (named `Campaign 1`, ...)
    /// and returns their ids, which list after every campaign made before.
    pub fn add_campaigns(&self, n: usize) -> Vec<String> {
        self.with_store_mut(|s| {
            let apps: Vec<String> = s.apps.keys().cloned().collect();
            (0..n)
                .map(|i| {
                    let id = s.gov.new_id("ici");
                    let body = governance::scheduled_campaign_body(
                        &format!("Campaign {}", i + 1),
                        apps.get(i % apps.len().max(1)).map_or("", String::as_str),
                    );
                    let campaign = governance::campaign(&s.base_url, &id, &body, &time::now());
                    s.gov.campaigns.insert(id.clone(), campaign);
                    id
                })
                .collect()
        })
    }

    /// The messages added to an access request (v1 or v2), oldest first.
    pub fn request_messages(&self, request_id: &str) -> Vec<Value> {
        self.with_store(|s| s.gov.messages.get(request_id).cloned().unwrap_or_default())
    }

    fn with_store_mut<T>(&self, f: impl FnOnce(&mut store::Store) -> T) -> T {
        f(&mut self.app.store.lock().unwrap_or_else(|e| e.into_inner()))
    }

    fn with_store<T>(&self, f: impl FnOnce(&store::Store) -> T) -> T {
        f(&self.app.store.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for FakeOkta {
    fn drop(&mut self) {
        self.task.abort();
    }
}
