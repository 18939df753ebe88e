//! Finding another release of a spec upstream, for `cargo xtask update-spec`.
//!
//! The lock's `url` is pinned to a commit, so the file never changes under
//! a build; but a newer release is not in that commit, so swapping the
//! release into the URL gives a 404. Instead each lock entry says where its
//! releases live (`upstream`: a GitHub repository, a branch, and the file's
//! path with `{release}` where the release goes). A release is resolved by
//! asking GitHub's API for the newest commit on the branch that touched
//! that file, and the new lock URL is pinned to that commit again.

use serde::Deserialize;
use serde_json::Value;

/// Where a spec's releases live.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Upstream {
    /// The GitHub repository, `owner/name`.
    pub repo: String,
    /// The branch (or tag) whose history is searched.
    pub branch: String,
    /// The file in the repository; `{release}` stands for the release. A
    /// path without it (Governance's) always holds the newest release.
    pub path: String,
}

/// The two GitHub hosts involved; tests point both at a local server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosts {
    /// The REST API, `https://api.github.com`.
    pub api: String,
    /// Raw file contents, `https://raw.githubusercontent.com`.
    pub raw: String,
}

impl Default for Hosts {
    fn default() -> Self {
        Self {
            api: "https://api.github.com".into(),
            raw: "https://raw.githubusercontent.com".into(),
        }
    }
}

/// Why a release could not be resolved.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum UpstreamError {
    #[error("asking GitHub which commit holds {path} failed ({url}): {message}")]
    Api {
        url: String,
        path: String,
        message: String,
    },
    #[error(
        "no commit on {branch} of {repo} has {path}: release {release} is not published there (check the name, or pass a path to the spec)"
    )]
    NotFound {
        repo: String,
        branch: String,
        path: String,
        release: String,
    },
    #[error("GitHub's answer from {url} is not a list of commits: {message}")]
    Answer { url: String, message: String },
}

impl Upstream {
    /// The file's path for `release`.
    pub fn path_for(&self, release: &str) -> String {
        self.path.replace("{release}", release)
    }

    /// The API request listing the newest commit that touched the file.
    pub fn commits_url(&self, release: &str, hosts: &Hosts) -> String {
        format!(
            "{}/repos/{}/commits?sha={}&path={}&per_page=1",
            hosts.api.trim_end_matches('/'),
            self.repo,
            query_escape(&self.branch),
            query_escape(&self.path_for(release))
        )
    }

    /// The file's address at `commit`.
    pub fn raw_url(&self, commit: &str, release: &str, hosts: &Hosts) -> String {
        format!(
            "{}/{}/{commit}/{}",
            hosts.raw.trim_end_matches('/'),
            self.repo,
            self.path_for(release)
        )
    }

    /// The commit-pinned address of `release`, read from GitHub's answer
    /// by `fetch` (curl in `cargo xtask`; anything in tests).
    pub fn resolve(
        &self,
        release: &str,
        hosts: &Hosts,
        fetch: impl Fn(&str) -> Result<Vec<u8>, String>,
    ) -> Result<String, UpstreamError> {
        let url = self.commits_url(release, hosts);
        let body = fetch(&url).map_err(|message| UpstreamError::Api {
            url: url.clone(),
            path: self.path_for(release),
            message,
        })?;
        let answer: Value = serde_json::from_slice(&body).map_err(|e| UpstreamError::Answer {
            url: url.clone(),
            message: e.to_string(),
        })?;
        let commits = answer.as_array().ok_or_else(|| UpstreamError::Answer {
            url: url.clone(),
            message: "expected a JSON array".into(),
        })?;
        let Some(first) = commits.first() else {
            return Err(UpstreamError::NotFound {
                repo: self.repo.clone(),
                branch: self.branch.clone(),
                path: self.path_for(release),
                release: release.to_owned(),
            });
        };
        let sha = first
            .get("sha")
            .and_then(Value::as_str)
            .filter(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or_else(|| UpstreamError::Answer {
                url: url.clone(),
                message: "the first commit has no 40-digit `sha`".into(),
            })?;
        Ok(self.raw_url(sha, release, hosts))
    }
}

/// Escapes what a query value cannot carry as is.
fn query_escape(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec_download::{get, tests::serve};

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    fn management() -> Upstream {
        Upstream {
            repo: "okta/okta-management-openapi-spec".into(),
            branch: "master".into(),
            path: "dist/{release}/management-minimal.yaml".into(),
        }
    }

    fn hosts(base: &str) -> Hosts {
        Hosts {
            api: base.into(),
            raw: base.into(),
        }
    }

    #[test]
    fn a_release_resolves_to_the_commit_that_last_touched_its_file() {
        let spec = b"openapi: 3.0.3\ninfo: {version: 2099.01.0}\n".to_vec();
        let base = serve(
            vec![
                (
                    "/repos/okta/okta-management-openapi-spec/commits?sha=master&path=dist/2099.01.0/management-minimal.yaml&per_page=1",
                    200,
                    format!(r#"[{{"sha": "{SHA}", "commit": {{}}}}]"#).into_bytes(),
                ),
                (
                    "/okta/okta-management-openapi-spec/0123456789abcdef0123456789abcdef01234567/dist/2099.01.0/management-minimal.yaml",
                    200,
                    spec.clone(),
                ),
            ],
            2,
        );
        let url = management()
            .resolve("2099.01.0", &hosts(&base), get)
            .expect("resolves");
        assert_eq!(
            url,
            format!(
                "{base}/okta/okta-management-openapi-spec/{SHA}/dist/2099.01.0/management-minimal.yaml"
            )
        );
        // The resolved address serves the file.
        assert_eq!(get(&url).unwrap(), spec);
    }

    #[test]
    fn an_unpublished_release_and_a_bad_answer_are_told_apart() {
        let base = serve(
            vec![
                (
                    "/repos/okta/okta-management-openapi-spec/commits?sha=master&path=dist/2099.99.9/management-minimal.yaml&per_page=1",
                    200,
                    b"[]".to_vec(),
                ),
                (
                    "/repos/okta/okta-management-openapi-spec/commits?sha=master&path=dist/2099.02.0/management-minimal.yaml&per_page=1",
                    200,
                    br#"{"message": "API rate limit exceeded"}"#.to_vec(),
                ),
            ],
            3,
        );
        let h = hosts(&base);
        let err = management().resolve("2099.99.9", &h, get).unwrap_err();
        assert!(matches!(err, UpstreamError::NotFound { .. }), "{err}");
        assert!(err.to_string().contains("2099.99.9"), "{err}");
        let err = management().resolve("2099.02.0", &h, get).unwrap_err();
        assert!(matches!(err, UpstreamError::Answer { .. }), "{err}");
        // The server knows no such repository: a 404 from the API.
        let other = Upstream {
            repo: "nobody/nothing".into(),
            ..management()
        };
        let err = other.resolve("2099.01.0", &h, get).unwrap_err();
        assert!(
            matches!(err, UpstreamError::Api { .. }) && err.to_string().contains("404"),
            "{err}"
        );
    }

    #[test]
    fn a_path_without_a_release_pins_the_newest_file() {
        let governance = Upstream {
            repo: "okta/okta-governance-sdk-golang".into(),
            branch: "main".into(),
            path: ".generator/governance-production-combined-reference-minimal.yaml".into(),
        };
        let h = Hosts::default();
        assert_eq!(
            governance.commits_url("3.3.0", &h),
            "https://api.github.com/repos/okta/okta-governance-sdk-golang/commits?sha=main&path=.generator/governance-production-combined-reference-minimal.yaml&per_page=1"
        );
        assert_eq!(
            governance.raw_url(SHA, "3.3.0", &h),
            format!(
                "https://raw.githubusercontent.com/okta/okta-governance-sdk-golang/{SHA}/.generator/governance-production-combined-reference-minimal.yaml"
            )
        );
        assert_eq!(query_escape("release/v1 2"), "release/v1%202");
    }
}
