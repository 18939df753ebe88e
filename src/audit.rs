//! The audit trail: one JSON line per write the server attempts or refuses,
//! appended to `OKTA_AUDIT_LOG`, so a person can later answer "what did the
//! agent change in my org, and who agreed to it?" without trusting the
//! agent's own account.
//!
//! The design rule is that the trail holds names, never values: the tool,
//! the operation, the path (ids filled in, no query string), the names shown
//! to the person and the field names of the request body. As defence in
//! depth, [`AuditLog::record`] also scrubs anything that looks like a
//! credential from every string before it is written.
//!
//! Writing is fail-closed: [`AuditLog::record`] returns an error when the
//! line cannot be written, and the caller must then not send the write.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The file name inside the state folder when `OKTA_AUDIT_LOG` is unset.
pub const DEFAULT_FILE_NAME: &str = "audit.jsonl";

/// What went wrong with the audit log; every message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error(
        "the audit log has no default location: neither XDG_STATE_HOME nor HOME is set; set OKTA_AUDIT_LOG to a file path, or OKTA_AUDIT_LOG=off"
    )]
    NoLocation,
    #[error(
        "the audit log OKTA_AUDIT_LOG={} cannot be written: {source}; fix its folder's permissions or set OKTA_AUDIT_LOG=off",
        path.display()
    )]
    Unwritable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "the audit log OKTA_AUDIT_LOG={} is open to other users (mode {mode:04o}) and could not be tightened to 0600: {source}; run `chmod 600 {}` or set OKTA_AUDIT_LOG to another file",
        path.display(), path.display()
    )]
    TooOpen {
        path: PathBuf,
        mode: u32,
        #[source]
        source: std::io::Error,
    },
    #[error("an audit entry could not be turned into JSON: {0}")]
    Serialize(#[from] serde_json::Error),
    #[error("no audit log at {} yet: nothing has been recorded there", path.display())]
    NotFound { path: PathBuf },
    #[error(
        "the audit log {} cannot be read: {source}; check its permissions or point OKTA_AUDIT_LOG at the right file",
        path.display()
    )]
    Unreadable {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("auditing is off (OKTA_AUDIT_LOG=off): nothing is recorded")]
    Disabled,
    #[error(
        "`{0}` is not a time: use a duration such as 30m, 24h, 7d (or -24h), or an RFC 3339 time such as 2024-05-01T12:00:00Z"
    )]
    BadSince(String),
}

/// What happened to one write attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The server refused it (policy, read-only mode, missing scope, ...).
    Refused,
    /// The person said no when asked.
    Declined,
    /// The person dismissed the question without answering.
    Cancelled,
    /// The call came back asking for confirmation; nothing was sent.
    ConfirmationRequired,
    /// The person confirmed; the request is about to be sent.
    Confirmed,
    /// The request was sent and Okta answered with success.
    Sent,
    /// The request was sent (or tried) and failed.
    Failed,
}

impl Outcome {
    /// The name written to the file, e.g. `confirmation_required`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Refused => "refused",
            Outcome::Declined => "declined",
            Outcome::Cancelled => "cancelled",
            Outcome::ConfirmationRequired => "confirmation_required",
            Outcome::Confirmed => "confirmed",
            Outcome::Sent => "sent",
            Outcome::Failed => "failed",
        }
    }
}

/// How the person's agreement was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfirmedBy {
    /// Asked through MCP elicitation and accepted.
    Elicitation,
    /// The agent passed the confirmation argument (after showing the person).
    Argument,
    /// Allowed for the rest of the session.
    SessionAllow,
    /// No confirmation was needed by policy.
    Policy,
}

impl ConfirmedBy {
    pub fn as_str(self) -> &'static str {
        match self {
            ConfirmedBy::Elicitation => "elicitation",
            ConfirmedBy::Argument => "argument",
            ConfirmedBy::SessionAllow => "session_allow",
            ConfirmedBy::Policy => "policy",
        }
    }
}

/// One line of the audit trail. Only names, never values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// RFC 3339 UTC; [`AuditLog::record`] fills it when empty.
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub org: String,
    /// Who asked, in remote mode: the signed-in person's name (stdio has
    /// one person, the one at the machine, and leaves it out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(default)]
    pub tool: String,
    #[serde(default)]
    pub operation_id: String,
    #[serde(default)]
    pub method: String,
    /// The path with ids filled in, without a query string.
    #[serde(default)]
    pub path: String,
    /// read, create, change, grant or destructive.
    #[serde(default)]
    pub class: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmed_by: Option<ConfirmedBy>,
    /// The HTTP status Okta answered with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// Okta's `X-Okta-Request-Id`, to find the request in the System Log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// The names shown to the person (e.g. a user's display name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shown: Vec<String>,
    /// Field names of the request body ([`body_field_names`]), never values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub body_fields: Vec<String>,
    /// Why it was refused or failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl AuditEntry {
    /// An entry for `tool` with `outcome`; the caller sets the other fields.
    pub fn new(tool: &str, outcome: Outcome) -> Self {
        Self {
            time: String::new(),
            org: String::new(),
            person: None,
            tool: tool.to_owned(),
            operation_id: String::new(),
            method: String::new(),
            path: String::new(),
            class: String::new(),
            outcome,
            confirmed_by: None,
            status: None,
            request_id: None,
            duration_ms: None,
            shown: Vec::new(),
            body_fields: Vec::new(),
            reason: None,
        }
    }

    /// The entry as it goes to the file: time filled, query string dropped,
    /// anything that looks like a credential scrubbed.
    fn sanitized(&self, now: SystemTime) -> Self {
        let path = self.path.split(['?', '#']).next().unwrap_or_default();
        Self {
            time: if self.time.trim().is_empty() {
                crate::time_window::rfc3339(now)
            } else {
                scrub(&self.time)
            },
            org: scrub(&self.org),
            person: self.person.as_deref().map(scrub),
            tool: scrub(&self.tool),
            operation_id: scrub(&self.operation_id),
            method: scrub(&self.method),
            path: scrub(path),
            class: scrub(&self.class),
            outcome: self.outcome,
            confirmed_by: self.confirmed_by,
            status: self.status,
            // Okta's request ids are long mixed-case strings by design: only
            // the plain redaction applies to them.
            request_id: self.request_id.as_deref().map(crate::redact::redact),
            duration_ms: self.duration_ms,
            shown: self.shown.iter().map(|s| scrub(s)).collect(),
            body_fields: self.body_fields.iter().map(|s| scrub(s)).collect(),
            reason: self.reason.as_deref().map(scrub),
        }
    }
}

/// Where the audit trail goes, as decided by `OKTA_AUDIT_LOG`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    /// `OKTA_AUDIT_LOG=off`.
    Off,
    File(PathBuf),
}

impl AuditTarget {
    /// Reads the setting without touching the file system: unset or empty is
    /// the default location, `off` disables, anything else is a path (`~/`
    /// is expanded; a relative path is made absolute).
    pub fn from_setting(setting: Option<&str>) -> Result<Self, AuditError> {
        let text = setting.map(str::trim).unwrap_or_default();
        if text.eq_ignore_ascii_case("off") {
            return Ok(Self::Off);
        }
        if text.is_empty() {
            return state_dir()
                .map(|d| Self::File(d.join(DEFAULT_FILE_NAME)))
                .ok_or(AuditError::NoLocation);
        }
        let path = match text.strip_prefix("~/") {
            Some(rest) => std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .or_else(|| std::env::var_os("USERPROFILE").filter(|h| !h.is_empty()))
                .map(|h| PathBuf::from(h).join(rest))
                .unwrap_or_else(|| PathBuf::from(text)),
            None => PathBuf::from(text),
        };
        Ok(Self::File(std::path::absolute(&path).unwrap_or(path)))
    }
}

/// The okta-mcp state folder, shared with the token cache
/// ([`crate::auth::state_dir`]: `%LOCALAPPDATA%\okta-mcp` on Windows).
pub fn state_dir() -> Option<PathBuf> {
    crate::auth::state_dir()
}

/// The audit trail. Cheap to share in an `Arc`; records from many tasks
/// never interleave.
#[derive(Debug)]
pub struct AuditLog {
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    Off,
    File {
        path: PathBuf,
        lock: Mutex<()>,
    },
    /// No location could be found: every record fails (closed).
    Unavailable,
}

/// The entries read back, and how many lines could not be understood.
#[derive(Debug, Clone, Default)]
pub struct AuditRead {
    /// In file order (newest last).
    pub entries: Vec<AuditEntry>,
    /// Lines skipped because they are not audit entries (or, with a `since`,
    /// have no readable time).
    pub malformed: usize,
}

impl AuditLog {
    /// Opens the audit trail `OKTA_AUDIT_LOG` names (see
    /// [`AuditTarget::from_setting`]), creating its folder (0700) and file
    /// (0600) and tightening an existing file that others can read.
    pub fn from_setting(setting: Option<&str>) -> Result<Self, AuditError> {
        let log = Self::unchecked(AuditTarget::from_setting(setting)?);
        if let Sink::File { path, .. } = &log.sink {
            open_append(path)?;
        }
        Ok(log)
    }

    /// The log for `target` without checking that it can be written: every
    /// [`record`](Self::record) tries again, and fails while it cannot.
    pub fn unchecked(target: AuditTarget) -> Self {
        let sink = match target {
            AuditTarget::Off => Sink::Off,
            AuditTarget::File(path) => Sink::File {
                path,
                lock: Mutex::new(()),
            },
        };
        Self { sink }
    }

    /// A log with no place to write to: every record fails, so writes are
    /// not sent (used when no default location exists).
    pub fn unavailable() -> Self {
        Self {
            sink: Sink::Unavailable,
        }
    }

    /// A log that drops every record (`OKTA_AUDIT_LOG=off`).
    pub fn disabled() -> Self {
        Self { sink: Sink::Off }
    }

    /// False for `OKTA_AUDIT_LOG=off`.
    pub fn is_enabled(&self) -> bool {
        !matches!(self.sink, Sink::Off)
    }

    /// The file written to, if any.
    pub fn path(&self) -> Option<&Path> {
        match &self.sink {
            Sink::File { path, .. } => Some(path),
            _ => None,
        }
    }

    /// Appends `entry` as exactly one line. An error means the line is not
    /// in the file: the caller must not send the write.
    pub fn record(&self, entry: &AuditEntry) -> Result<(), AuditError> {
        let (path, lock) = match &self.sink {
            Sink::Off => return Ok(()),
            Sink::Unavailable => return Err(AuditError::NoLocation),
            Sink::File { path, lock } => (path, lock),
        };
        let mut line = serde_json::to_vec(&entry.sanitized(SystemTime::now()))?;
        line.push(b'\n');
        // A poisoned lock only means another record panicked; the file is
        // still whole because each line is one write.
        let _guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let unwritable = |source| AuditError::Unwritable {
            path: path.clone(),
            source,
        };
        let mut file = open_append(path)?;
        file.write_all(&line).map_err(unwritable)?;
        file.sync_data().map_err(unwritable)?;
        Ok(())
    }

    /// The entries at or after `since` (all when `None`), newest last.
    pub fn read_since(&self, since: Option<SystemTime>) -> Result<AuditRead, AuditError> {
        match &self.sink {
            Sink::Off => Err(AuditError::Disabled),
            Sink::Unavailable => Err(AuditError::NoLocation),
            Sink::File { path, .. } => read_since(path, since),
        }
    }
}

/// Reads the audit file at `path`: entries at or after `since` (all when
/// `None`), in file order. Lines that are not entries are counted and
/// skipped.
pub fn read_since(path: &Path, since: Option<SystemTime>) -> Result<AuditRead, AuditError> {
    let file = File::open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            AuditError::NotFound {
                path: path.to_owned(),
            }
        } else {
            AuditError::Unreadable {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    let mut read = AuditRead::default();
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|source| AuditError::Unreadable {
            path: path.to_owned(),
            source,
        })?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let Ok(entry) = serde_json::from_slice::<AuditEntry>(&line) else {
            read.malformed += 1;
            continue;
        };
        if let Some(since) = since {
            match parse_rfc3339(&entry.time) {
                Some(t) if t >= since => {}
                Some(_) => continue,
                None => {
                    read.malformed += 1;
                    continue;
                }
            }
        }
        read.entries.push(entry);
    }
    Ok(read)
}

/// Opens `path` for appending, creating the folder (0700) and the file
/// (0600) when missing and tightening a file others can read. Windows has
/// no modes: the file inherits its folder's ACL, which under the default
/// `%LOCALAPPDATA%` admits only the user, SYSTEM and Administrators.
fn open_append(path: &Path) -> Result<File, AuditError> {
    let unwritable = |source| AuditError::Unwritable {
        path: path.to_owned(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder.create(dir).map_err(unwritable)?;
    }
    let mut options = OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let file = options.open(path).map_err(unwritable)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(unwritable)?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|source| AuditError::TooOpen {
                    path: path.to_owned(),
                    mode,
                    source,
                })?;
        }
    }
    Ok(file)
}

/// Dotted field names of a request body, never its values:
/// `{"profile": {"login": "a@b"}}` gives `["profile.login"]`; the objects in
/// an array are named `items[].name`. Names repeat once only, in document
/// order.
pub fn body_field_names(body: &Value) -> Vec<String> {
    let mut names = Vec::new();
    collect_names(body, "", 0, &mut names);
    names
}

const MAX_DEPTH: usize = 8;
const MAX_NAMES: usize = 200;

fn collect_names(value: &Value, prefix: &str, depth: usize, names: &mut Vec<String>) {
    if names.len() >= MAX_NAMES {
        return;
    }
    let push = |names: &mut Vec<String>, name: String| {
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    };
    match value {
        Value::Object(map) if depth < MAX_DEPTH && !map.is_empty() => {
            for (key, inner) in map {
                let key: String = key.chars().take(64).collect();
                let name = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                collect_names(inner, &name, depth + 1, names);
            }
        }
        Value::Array(items)
            if depth < MAX_DEPTH && items.iter().any(|i| i.is_object() || i.is_array()) =>
        {
            let name = format!("{prefix}[]");
            for item in items {
                collect_names(item, &name, depth + 1, names);
            }
        }
        _ => push(names, prefix.to_owned()),
    }
}

/// Removes anything that looks like a credential: what [`crate::redact`]
/// catches, the word after an authorization scheme (`Bearer`, `SSWS`, ...),
/// `secret=`-style pairs, JWTs, long random-looking strings, and everything
/// from a PEM header on.
fn scrub(text: &str) -> String {
    let text = crate::redact::redact(text);
    let text = match text.find("-----BEGIN") {
        Some(i) => format!("{}[redacted]", &text[..i]),
        None => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut after_scheme = false;
    for word in text.split_inclusive(char::is_whitespace) {
        let bare = word.trim_end();
        if bare.is_empty() {
            out.push_str(word);
            continue;
        }
        let lower = bare.to_ascii_lowercase();
        let scheme = matches!(
            lower.trim_matches(|c: char| !c.is_ascii_alphanumeric()),
            "bearer" | "ssws" | "dpop" | "basic"
        );
        if after_scheme || looks_like_credential(bare) {
            out.push_str("[redacted]");
            out.push_str(&word[bare.len()..]);
        } else {
            out.push_str(word);
        }
        after_scheme = scheme;
    }
    out
}

fn looks_like_credential(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    let secret_pair = [
        "token",
        "secret",
        "password",
        "assertion",
        "apikey",
        "api_key",
    ]
    .iter()
    .any(|k| {
        lower.find(k).is_some_and(|i| {
            lower[i + k.len()..]
                .trim_start_matches('"')
                .starts_with(['=', ':'])
        })
    });
    if secret_pair || (word.contains("eyJ") && word.len() >= 20) {
        return true;
    }
    // A run of 24+ letters and digits mixing upper case, lower case and
    // digits: random, so a key or token rather than a name.
    word.split(|c: char| !c.is_ascii_alphanumeric()).any(|run| {
        run.len() >= 24
            && run.bytes().any(|b| b.is_ascii_uppercase())
            && run.bytes().any(|b| b.is_ascii_lowercase())
            && run.bytes().any(|b| b.is_ascii_digit())
    })
}

/// Parses `30m`, `24h`, `7d`, `90s` (a leading `-` is accepted: `-24h`)
/// into `now` minus that long, or an RFC 3339 time as written.
pub fn parse_since(text: &str, now: SystemTime) -> Result<SystemTime, AuditError> {
    let bad = || AuditError::BadSince(text.to_owned());
    let t = text.trim();
    if let Some(at) = parse_rfc3339(t) {
        return Ok(at);
    }
    let rel = t.strip_prefix('-').unwrap_or(t);
    let split = rel
        .find(|c: char| !c.is_ascii_digit())
        .filter(|&i| i > 0)
        .ok_or_else(bad)?;
    let (num, unit) = rel.split_at(split);
    let n: u64 = num.parse().map_err(|_| bad())?;
    let unit_secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(bad()),
    };
    let secs = n.checked_mul(unit_secs).ok_or_else(bad)?;
    Ok(now
        .checked_sub(Duration::from_secs(secs))
        .unwrap_or(UNIX_EPOCH))
}

/// Parses RFC 3339 (`2024-05-01T12:00:00Z`, with optional fraction and
/// `+hh:mm` offset) into a time; `None` when it is not one.
pub fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let s = text.get(r)?;
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    if second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset_secs = match rest {
        "Z" | "z" => 0,
        _ => {
            let ob = rest.as_bytes();
            if ob.len() != 6 || ob[3] != b':' {
                return None;
            }
            let sign = match ob[0] {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let h: i64 = rest[1..3].parse().ok()?;
            let m: i64 = rest[4..6].parse().ok()?;
            sign * (h * 3600 + m * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
    u64::try_from(secs)
        .ok()
        .map(|s| UNIX_EPOCH + Duration::from_secs(s))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (the inverse of the
/// conversion in [`crate::time_window::rfc3339`]): years are counted from
/// March so the leap day falls at the end of the year.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// One entry as a line for people: time, outcome, class, tool, method and
/// path, status, how it was confirmed, the names shown and any reason.
/// Control characters (newlines, terminal escapes) become spaces.
pub fn human_line(entry: &AuditEntry) -> String {
    let mut line = format!(
        "{}  {:<21}  {:<11}  {}  {} {}",
        entry.time,
        entry.outcome.as_str(),
        if entry.class.is_empty() {
            "-"
        } else {
            &entry.class
        },
        entry.tool,
        entry.method,
        entry.path
    );
    if let Some(status) = entry.status {
        line.push_str(&format!("  -> {status}"));
    }
    if let Some(by) = entry.confirmed_by {
        line.push_str(&format!("  confirmed by {}", by.as_str()));
    }
    if let Some(person) = &entry.person {
        line.push_str(&format!("  by {person}"));
    }
    if !entry.shown.is_empty() {
        line.push_str(&format!("  shown: {}", entry.shown.join(", ")));
    }
    if let Some(reason) = &entry.reason {
        line.push_str(&format!("  reason: {reason}"));
    }
    // One entry, one line; and names from Okta cannot steer the terminal.
    line.replace(char::is_control, " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(tool: &str) -> AuditEntry {
        let mut e = AuditEntry::new(tool, Outcome::Sent);
        e.org = "https://example.okta.com".into();
        e.operation_id = "createUser".into();
        e.method = "POST".into();
        e.path = "/api/v1/users".into();
        e.class = "create".into();
        e.status = Some(200);
        e.shown = vec!["Alice Example (alice@example.com)".into()];
        e.body_fields = vec!["profile.login".into()];
        e
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path)
            .expect("audit file")
            .lines()
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn one_line_per_record_with_time_filled() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::from_setting(Some(path.to_str().unwrap())).unwrap();
        assert!(log.is_enabled());
        log.record(&entry("okta_create_user")).unwrap();
        let mut second = entry("okta_delete_user");
        second.outcome = Outcome::Refused;
        second.reason = Some("read-only mode\nis on".into());
        log.record(&second).unwrap();
        let lines = lines(&path);
        assert_eq!(lines.len(), 2, "{lines:?}");
        let first: AuditEntry = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(first.tool, "okta_create_user");
        assert!(parse_rfc3339(&first.time).is_some(), "{}", first.time);
        let back: AuditEntry = serde_json::from_str(&lines[1]).unwrap();
        assert_eq!(back.outcome, Outcome::Refused);
        assert_eq!(back.reason.as_deref(), Some("read-only mode\nis on"));
        let read = log.read_since(None).unwrap();
        assert_eq!(read.entries.len(), 2);
        assert_eq!(read.malformed, 0);
    }

    #[test]
    fn concurrent_records_never_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log =
            std::sync::Arc::new(AuditLog::from_setting(Some(path.to_str().unwrap())).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for i in 0..25 {
                        let mut e = entry(&format!("tool_{t}_{i}"));
                        // Long enough that a torn write would show.
                        e.shown = (0..40).map(|n| format!("name {t} {i} {n}")).collect();
                        log.record(&e).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let lines = lines(&path);
        assert_eq!(lines.len(), 200);
        let mut tools: Vec<String> = lines
            .iter()
            .map(|l| {
                serde_json::from_str::<AuditEntry>(l)
                    .unwrap_or_else(|e| panic!("line does not parse ({e}): {l}"))
                    .tool
            })
            .collect();
        tools.sort();
        tools.dedup();
        assert_eq!(tools.len(), 200);
    }

    #[cfg(unix)]
    #[test]
    fn private_modes_and_tightening() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("state").join("okta-mcp");
        let path = folder.join("audit.jsonl");
        let log = AuditLog::from_setting(Some(path.to_str().unwrap())).unwrap();
        log.record(&entry("t")).unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&folder), 0o700);
        assert_eq!(mode(&path), 0o600);

        let open = dir.path().join("open.jsonl");
        std::fs::write(&open, "").unwrap();
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
        AuditLog::from_setting(Some(open.to_str().unwrap())).unwrap();
        assert_eq!(mode(&open), 0o600);
    }

    #[test]
    fn off_writes_nothing() {
        for setting in ["off", " OFF "] {
            let log = AuditLog::from_setting(Some(setting)).unwrap();
            assert!(!log.is_enabled());
            assert!(log.path().is_none());
            log.record(&entry("t")).unwrap();
            assert!(matches!(log.read_since(None), Err(AuditError::Disabled)));
        }
        assert!(!Path::new("off").exists(), "`off` is not a file name");
    }

    #[test]
    fn unwritable_path_gives_the_actionable_error() {
        let dir = tempfile::tempdir().unwrap();
        // A file where the folder should be: fails even for root.
        let blocker = dir.path().join("not-a-folder");
        std::fs::write(&blocker, "x").unwrap();
        let path = blocker.join("audit.jsonl");
        let setting = path.to_str().unwrap();
        let err = AuditLog::from_setting(Some(setting)).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "the audit log OKTA_AUDIT_LOG={setting} cannot be written: "
            )),
            "{message}"
        );
        assert!(
            message.ends_with("fix its folder's permissions or set OKTA_AUDIT_LOG=off"),
            "{message}"
        );
        // Unchecked, it still refuses at each record: fail closed.
        let log = AuditLog::unchecked(AuditTarget::File(path));
        assert!(matches!(
            log.record(&entry("t")),
            Err(AuditError::Unwritable { .. })
        ));
        assert!(AuditLog::unavailable().record(&entry("t")).is_err());
    }

    #[test]
    fn body_field_names_are_names_not_values() {
        let body = json!({
            "profile": {"login": "alice@example.com", "firstName": "Alice", "empty": {}},
            "credentials": {"password": {"value": "hunter2-Secret"}},
            "groupIds": ["00g1", "00g2"],
            "members": [{"id": "00u1", "role": "x"}, {"id": "00u2", "extra": true}],
            "active": true
        });
        let names = body_field_names(&body);
        assert_eq!(
            names,
            vec![
                "profile.login",
                "profile.firstName",
                "profile.empty",
                "credentials.password.value",
                "groupIds",
                "members[].id",
                "members[].role",
                "members[].extra",
                "active"
            ]
        );
        let joined = names.join(" ");
        for value in ["alice@example.com", "Alice", "hunter2", "00g1", "00u1"] {
            assert!(!joined.contains(value), "{value} leaked: {joined}");
        }
        assert!(body_field_names(&json!("just a string")).is_empty());
        assert_eq!(body_field_names(&json!([{"op": "add"}])), vec!["[].op"]);
    }

    #[test]
    fn token_looking_strings_never_reach_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::from_setting(Some(path.to_str().unwrap())).unwrap();
        let api_token = "00sswsLEAK-9fQ2zX7kT4mW8pR1vB6nY3cH5jD0gL";
        let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl";
        let mut e = entry("okta_create_user");
        e.reason = Some(format!(
            "Okta said 401 for Authorization: SSWS {api_token} and Bearer {jwt}"
        ));
        e.path = format!("/api/v1/users?access_token={jwt}");
        e.shown = vec![
            format!("client_assertion={jwt}"),
            "password=pA55word".into(),
        ];
        e.org = "https://example.okta.com -----BEGIN PRIVATE KEY-----\nMIIEv".into();
        log.record(&e).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        for secret in [
            "9fQ2zX7kT4mW8pR1vB6nY3cH5jD0gL",
            "eyJhbGci",
            "pA55word",
            "MIIEv",
        ] {
            assert!(!text.contains(secret), "{secret} reached the file: {text}");
        }
        let back: AuditEntry = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(back.path, "/api/v1/users");
        assert!(back.reason.unwrap().starts_with("Okta said 401 for"));
        // Names and ids stay readable.
        let mut plain = entry("okta_list_group_users");
        plain.path = "/api/v1/groups/00g1abcdEFGH2345ijkl/users".into();
        plain.shown = vec!["Engineering Team 2024".into()];
        plain.request_id = Some("XkTPQvH5lLEi7bYoMZpXLwAAB2o".into());
        let clean = plain.sanitized(SystemTime::now());
        assert_eq!(clean.path, plain.path);
        assert_eq!(clean.shown, plain.shown);
        assert_eq!(clean.request_id, plain.request_id);
    }

    #[test]
    fn since_filters_and_malformed_lines_are_counted() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let now = SystemTime::now();
        let mut old = entry("old_tool");
        old.time = crate::time_window::rfc3339(now - Duration::from_secs(3 * 3600));
        let mut new = entry("new_tool");
        new.time = crate::time_window::rfc3339(now - Duration::from_secs(600));
        let text = format!(
            "{}\nnot json\n{{\"outcome\":\"sent\",\"time\":\"yesterday\"}}\n{}\n",
            serde_json::to_string(&old).unwrap(),
            serde_json::to_string(&new).unwrap()
        );
        std::fs::write(&path, text).unwrap();
        let since = parse_since("1h", now).unwrap();
        let read = read_since(&path, Some(since)).unwrap();
        let tools: Vec<_> = read.entries.iter().map(|e| e.tool.as_str()).collect();
        assert_eq!(tools, ["new_tool"]);
        assert_eq!(read.malformed, 2);
        assert_eq!(read_since(&path, None).unwrap().entries.len(), 3);
        assert!(matches!(
            read_since(&dir.path().join("missing"), None),
            Err(AuditError::NotFound { .. })
        ));
    }

    #[test]
    fn since_and_time_parsing() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_since("-24h", now).unwrap(),
            now - Duration::from_secs(86_400)
        );
        assert_eq!(
            parse_since("30m", now).unwrap(),
            now - Duration::from_secs(1800)
        );
        assert_eq!(
            parse_since("7d", now).unwrap(),
            now - Duration::from_secs(7 * 86_400)
        );
        for bad in ["", "h", "24", "24x", "yesterday", "-"] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
        assert_eq!(
            parse_since("2023-11-14T22:13:20Z", now).unwrap(),
            now,
            "absolute times are accepted"
        );
        // Round trip with the formatter across many dates, leap years too.
        for secs in (0..4_000_000_000u64).step_by(86_400 * 97 + 3_607) {
            let t = UNIX_EPOCH + Duration::from_secs(secs);
            assert_eq!(
                parse_rfc3339(&crate::time_window::rfc3339(t)),
                Some(t),
                "{secs}"
            );
        }
        assert_eq!(
            parse_rfc3339("2023-11-14T23:13:20.123+01:00"),
            Some(UNIX_EPOCH + Duration::from_secs(1_700_000_000))
        );
        assert_eq!(parse_rfc3339("2023-13-14T23:13:20Z"), None);
    }

    #[test]
    fn human_line_is_one_line_without_escapes() {
        let mut e = entry("okta_delete_group");
        e.shown = vec!["Evil\n2099-01-01T00:00:00Z  sent\u{1b}[2J".into()];
        e.reason = Some("two\nlines".into());
        let line = human_line(&e);
        assert!(!line.contains(['\n', '\u{1b}']), "{line:?}");
        assert!(
            line.contains("okta_delete_group  POST /api/v1/users  -> 200"),
            "{line}"
        );
        assert!(line.contains("reason: two lines"), "{line}");
    }

    #[test]
    fn default_target_is_in_the_state_folder() {
        match AuditTarget::from_setting(None) {
            Ok(AuditTarget::File(p)) => {
                assert_eq!(p, state_dir().unwrap().join(DEFAULT_FILE_NAME));
                assert!(p.ends_with("okta-mcp/audit.jsonl"), "{}", p.display());
            }
            Ok(AuditTarget::Off) => panic!("unset must not mean off"),
            Err(e) => assert!(state_dir().is_none(), "{e}"),
        }
        assert_eq!(
            AuditTarget::from_setting(Some("  ")).ok(),
            AuditTarget::from_setting(None).ok()
        );
        // Absolute already on Unix; Windows would prefix the current drive.
        #[cfg(unix)]
        assert_eq!(
            AuditTarget::from_setting(Some("/var/log/x.jsonl")).unwrap(),
            AuditTarget::File("/var/log/x.jsonl".into())
        );
    }
}
