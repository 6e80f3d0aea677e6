//! The one GitHub API client every gate uses, built on octocrab.
//!
//! octocrab supplies the HTTPS stack, auth header and base URL handling
//! (including a GHES `/api/v3` path). On top of it this module owns what the
//! gates must get right and octocrab does not: a bounded retry with backoff
//! that honours rate-limit headers, errors that name the endpoint, Link-header
//! pagination, and one method for writes, which a dry-run client prints
//! instead of sending. Every gate hands its writes to [`crate::plan`] as a
//! plan, which calls it (and prints the plan itself in a dry run); the
//! dry-run printing here serves a write made outside a plan (the API
//! tests' direct calls), and its lines come out through the gate's injected
//! writer ([`crate::runner::stdio`]).

use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, Method, Uri};
use octocrab::Octocrab;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api::retry::{Decision, ResponseFacts, RetryPolicy, classify};
use crate::api::token::Token;
use crate::redact::{self, Secrets};
use crate::runner::commands::write_inert;

/// Why an API call failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Transient failures (5xx, connection errors, timeouts) outlasted the
    /// retry budget.
    #[error("{endpoint}: gave up after {attempts} attempts: {last}")]
    GaveUp {
        endpoint: String,
        attempts: u32,
        last: String,
    },
    /// GitHub asked us to wait longer than the policy allows.
    #[error(
        "{endpoint}: rate limited for {wait_secs}s, longer than the {max_secs}s this tool waits; re-run the job later"
    )]
    RateLimited {
        endpoint: String,
        wait_secs: u64,
        max_secs: u64,
    },
    /// A final non-success status (4xx), with GitHub's message.
    #[error("{endpoint}: HTTP {status}: {message}{hint}", hint = status_hint(*.status))]
    Status {
        endpoint: String,
        status: u16,
        message: String,
    },
    /// The body is not what the endpoint documents.
    #[error("{endpoint}: unexpected response body: {source}")]
    Decode {
        endpoint: String,
        source: serde_json::Error,
    },
    /// The request could not be built (a bad base URL or path).
    #[error("{endpoint}: {message}")]
    Request { endpoint: String, message: String },
}

fn status_hint(status: u16) -> &'static str {
    match status {
        401 => " (the token is missing or invalid: set GITHUB_TOKEN)",
        403 => " (the token lacks a permission this gate needs: see the README's permissions)",
        404 => " (not found, or the token cannot see it)",
        _ => "",
    }
}

/// Percent-encodes one path segment (or a query value): everything but
/// unreserved characters.
pub fn encode_segment(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Percent-encodes a repository path segment by segment, keeping the `/`s.
pub fn encode_path(path: &str) -> String {
    path.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

impl ApiError {
    /// Whether retrying later might succeed (5xx, timeouts, refused
    /// connections that outlasted the retries).
    pub fn is_transient(&self) -> bool {
        matches!(self, ApiError::GaveUp { .. })
    }

    /// The final HTTP status, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// GitHub's 422 for a create that lost a race ("Reference already
    /// exists"). A retried POST can produce it for our own first attempt, so
    /// callers must check what exists rather than trust either outcome.
    pub fn is_already_exists(&self) -> bool {
        matches!(self, ApiError::Status { status: 422, message, .. }
            if message.to_ascii_lowercase().contains("already exists"))
    }
}

/// A raw response, after retries.
#[derive(Debug, Clone)]
pub struct ApiResponse {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: String,
}

/// A write that `--dry-run` printed instead of sending.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedWrite {
    pub method: String,
    pub path: String,
    pub body: Value,
}

impl std::fmt::Display for PlannedWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "would {} {}", self.method, self.path)?;
        if !self.body.is_null() {
            write!(f, " {}", self.body)?;
        }
        Ok(())
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq)]
pub enum WriteOutcome<T> {
    /// Sent; GitHub's answer.
    Done(T),
    /// `--dry-run`: printed, not sent.
    DryRun,
}

impl<T> WriteOutcome<T> {
    pub fn into_done(self) -> Option<T> {
        match self {
            WriteOutcome::Done(t) => Some(t),
            WriteOutcome::DryRun => None,
        }
    }
}

/// Builds a [`GitHubClient`]; the only way to make one.
pub struct ClientBuilder {
    api_url: String,
    token: Option<Token>,
    policy: RetryPolicy,
    dry_run: bool,
    dry_run_sink: Box<dyn Write + Send>,
    fence_dry_run: bool,
    secrets: Secrets,
}

impl ClientBuilder {
    pub fn token(mut self, token: Option<Token>) -> Self {
        self.token = token;
        self
    }

    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// With `dry_run`, writes go to `sink` as `would METHOD PATH BODY` lines.
    pub fn dry_run(mut self, dry_run: bool, sink: Box<dyn Write + Send>) -> Self {
        self.dry_run = dry_run;
        self.dry_run_sink = sink;
        self
    }

    /// Fence each dry-run line against workflow commands (`github` format):
    /// the bodies carry pull-request text.
    pub fn fence_dry_run(mut self, fence: bool) -> Self {
        self.fence_dry_run = fence;
        self
    }

    /// Values scrubbed from what servers say in errors and from the bodies
    /// the client sends.
    pub fn secrets(mut self, secrets: Secrets) -> Self {
        self.secrets = secrets;
        self
    }

    /// Builds the client. Must run inside a Tokio runtime (octocrab spawns its
    /// connection pool there), e.g. within [`crate::block_on`].
    pub fn build(self) -> anyhow::Result<GitHubClient> {
        if tokio::runtime::Handle::try_current().is_err() {
            anyhow::bail!("internal: the GitHub client must be built inside the async runtime");
        }
        let api_url = self.api_url.trim_end_matches('/').to_owned();
        let shown = redact::url(&api_url);
        let base: Uri = api_url.parse().map_err(|e| {
            anyhow::anyhow!("API URL {shown:?}: {e}; give it as https://HOST/api/v3")
        })?;
        let (Some(scheme), Some(authority)) = (base.scheme_str(), base.authority()) else {
            anyhow::bail!("API URL {shown:?}: needs a scheme and host, as https://HOST/api/v3");
        };
        let origin = format!("{scheme}://{authority}");
        let base_path = base.path().trim_end_matches('/').to_owned();
        let mut builder = Octocrab::builder()
            .base_uri(api_url.as_str())
            .map_err(|e| anyhow::anyhow!("API URL {shown:?}: {}", redact::urls_in(&e.to_string())))?
            .set_connect_timeout(Some(self.policy.request_timeout))
            .set_read_timeout(Some(self.policy.request_timeout))
            .set_write_timeout(Some(self.policy.request_timeout))
            .add_header(
                http::header::ACCEPT,
                "application/vnd.github+json".to_owned(),
            );
        if let Some(token) = &self.token {
            builder = builder.personal_token(token.expose().to_owned());
        }
        let octo = builder.build().map_err(|e| {
            anyhow::anyhow!(
                "building the GitHub client for {shown}: {}",
                redact::urls_in(&e.to_string())
            )
        })?;
        Ok(GitHubClient {
            octo,
            origin,
            base_path,
            has_token: self.token.is_some(),
            policy: self.policy,
            dry_run: self.dry_run,
            dry_run_sink: Mutex::new(self.dry_run_sink),
            fence_dry_run: self.fence_dry_run,
            secrets: self.secrets,
            planned: Mutex::new(Vec::new()),
        })
    }
}

/// A GitHub REST client with our retry policy and a dry-run door for writes.
pub struct GitHubClient {
    octo: Octocrab,
    origin: String,
    base_path: String,
    has_token: bool,
    policy: RetryPolicy,
    dry_run: bool,
    dry_run_sink: Mutex<Box<dyn Write + Send>>,
    fence_dry_run: bool,
    secrets: Secrets,
    planned: Mutex<Vec<PlannedWrite>>,
}

impl std::fmt::Debug for GitHubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubClient")
            .field("api", &format!("{}{}", self.origin, self.base_path))
            .field("token", &if self.has_token { "***" } else { "none" })
            .field("dry_run", &self.dry_run)
            .finish()
    }
}

fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// GitHub's `{"message": ...}`, or the start of the body, with secrets the
/// server echoed scrubbed.
fn error_message(secrets: &Secrets, body: &str) -> String {
    secrets.scrub(&server_message(body))
}

fn server_message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| {
            let trimmed = body.trim();
            if trimmed.is_empty() {
                "(empty body)".to_owned()
            } else {
                trimmed.chars().take(200).collect()
            }
        })
}

/// `value` with every string in it scrubbed of secrets: a body we send (a
/// comment quoting a report) must not carry the token either.
fn scrub_value(secrets: &Secrets, value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(secrets.scrub(&s)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| scrub_value(secrets, v)).collect())
        }
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, scrub_value(secrets, v)))
                .collect(),
        ),
        other => other,
    }
}

/// The URL of the `rel="next"` page in a Link header.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(http::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, params) = part.split_once(';')?;
        let is_next = params
            .split(';')
            .any(|p| p.trim().replace(' ', "") == "rel=\"next\"");
        is_next.then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

impl GitHubClient {
    /// Starts a client for an API base URL such as `https://api.github.com`
    /// or `https://ghe.example.com/api/v3`.
    pub fn builder(api_url: &str) -> ClientBuilder {
        ClientBuilder {
            api_url: api_url.to_owned(),
            token: None,
            policy: RetryPolicy::default(),
            dry_run: false,
            dry_run_sink: Box::new(std::io::sink()),
            fence_dry_run: false,
            secrets: Secrets::default(),
        }
    }

    pub fn is_dry_run(&self) -> bool {
        self.dry_run
    }

    /// The writes a dry run printed, in order.
    pub fn planned_writes(&self) -> Vec<PlannedWrite> {
        self.planned
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Sends one request with retries, returning the final response whatever
    /// its status. `path` is relative to the API base, e.g. `/repos/o/r`.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<ApiResponse, ApiError> {
        self.request_with(method, path, body, self.policy.max_attempts)
            .await
    }

    async fn request_with(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        max_attempts: u32,
    ) -> Result<ApiResponse, ApiError> {
        let endpoint = format!("{method} {path}");
        let uri_text = format!("{}{}", self.base_path, path);
        let uri: Uri = uri_text.parse().map_err(|e| ApiError::Request {
            endpoint: endpoint.clone(),
            message: format!("invalid path: {e}"),
        })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let sent = tokio::time::timeout(
                self.policy.request_timeout,
                self.send_once(method.clone(), uri.clone(), body),
            )
            .await;
            let last = match sent {
                Err(_) => format!(
                    "no response within {}s",
                    self.policy.request_timeout.as_secs_f64()
                ),
                Ok(Err(e)) => format!(
                    "connection failed: {}",
                    self.secrets.scrub(&redact::urls_in(&e.to_string()))
                ),
                Ok(Ok(resp)) => {
                    let headers = &resp.headers;
                    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
                    let facts = ResponseFacts {
                        status: resp.status,
                        retry_after: header("retry-after"),
                        ratelimit_remaining: header("x-ratelimit-remaining"),
                        ratelimit_reset: header("x-ratelimit-reset"),
                        body: &resp.body,
                    };
                    let wait = match classify(&facts, now_unix()) {
                        Decision::Done => return Ok(resp),
                        Decision::Backoff => None,
                        Decision::Wait(d) => Some(d),
                        Decision::SecondaryLimit => Some(self.policy.secondary_limit_wait),
                    };
                    if let Some(wait) = wait {
                        if wait > self.policy.max_rate_limit_wait {
                            return Err(ApiError::RateLimited {
                                endpoint,
                                wait_secs: wait.as_secs(),
                                max_secs: self.policy.max_rate_limit_wait.as_secs(),
                            });
                        }
                        if attempt >= max_attempts {
                            return Err(ApiError::GaveUp {
                                endpoint,
                                attempts: attempt,
                                last: format!(
                                    "still rate limited: HTTP {}: {}",
                                    resp.status,
                                    error_message(&self.secrets, &resp.body)
                                ),
                            });
                        }
                        tokio::time::sleep(wait).await;
                        continue;
                    }
                    format!(
                        "HTTP {}: {}",
                        resp.status,
                        error_message(&self.secrets, &resp.body)
                    )
                }
            };
            if attempt >= max_attempts {
                return Err(ApiError::GaveUp {
                    endpoint,
                    attempts: attempt,
                    last,
                });
            }
            tokio::time::sleep(self.policy.backoff(attempt)).await;
        }
    }

    async fn send_once(
        &self,
        method: Method,
        uri: Uri,
        body: Option<&Value>,
    ) -> Result<ApiResponse, octocrab::Error> {
        let builder = http::Request::builder().method(method).uri(uri);
        let request = self.octo.build_request(builder, body)?;
        let response = self.octo.execute(request).await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = self.octo.body_to_string(response).await?;
        Ok(ApiResponse {
            status,
            headers,
            body,
        })
    }

    fn decode<T: DeserializeOwned>(endpoint: &str, body: &str) -> Result<T, ApiError> {
        let text = if body.trim().is_empty() { "null" } else { body };
        serde_json::from_str(text).map_err(|source| ApiError::Decode {
            endpoint: endpoint.to_owned(),
            source,
        })
    }

    fn check(&self, endpoint: &str, resp: &ApiResponse) -> Result<(), ApiError> {
        if (200..300).contains(&resp.status) {
            Ok(())
        } else {
            Err(ApiError::Status {
                endpoint: endpoint.to_owned(),
                status: resp.status,
                message: error_message(&self.secrets, &resp.body),
            })
        }
    }

    /// GETs and decodes a JSON resource.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        let endpoint = format!("GET {path}");
        let resp = self.request(Method::GET, path, None).await?;
        self.check(&endpoint, &resp)?;
        Self::decode(&endpoint, &resp.body)
    }

    /// Like [`get`](Self::get), with 404 as `None`.
    pub async fn get_optional<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, ApiError> {
        match self.get(path).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// GETs every page of a list, 100 at a time, following `Link: rel="next"`.
    /// `max_items` stops early once that many items are in hand.
    pub async fn get_pages<T: DeserializeOwned>(
        &self,
        path: &str,
        max_items: Option<usize>,
    ) -> Result<Vec<T>, ApiError> {
        let mut seen = 0usize;
        self.get_pages_while(path, |page: &[T]| {
            seen += page.len();
            max_items.is_none_or(|m| seen < m)
        })
        .await
    }

    /// GETs pages, 100 at a time, while `keep_going` (called with each new
    /// page's items) says so: for newest-first lists read back to a date.
    pub async fn get_pages_while<T: DeserializeOwned>(
        &self,
        path: &str,
        mut keep_going: impl FnMut(&[T]) -> bool,
    ) -> Result<Vec<T>, ApiError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(if path.contains("per_page=") {
            path.to_owned()
        } else {
            format!("{path}{sep}per_page=100")
        });
        let mut items = Vec::new();
        while let Some(page) = next.take() {
            let endpoint = format!("GET {page}");
            let resp = self.request(Method::GET, &page, None).await?;
            self.check(&endpoint, &resp)?;
            let batch: Vec<T> = Self::decode(&endpoint, &resp.body)?;
            let go_on = keep_going(&batch);
            items.extend(batch);
            if !go_on {
                break;
            }
            if let Some(url) = next_link(&resp.headers) {
                next = Some(self.relative_path(&url).ok_or_else(|| ApiError::Request {
                    endpoint: endpoint.clone(),
                    message: format!(
                        "the next-page link points outside the API ({}); refusing to follow it",
                        url.split('?').next().unwrap_or_default()
                    ),
                })?);
            }
        }
        Ok(items)
    }

    /// Turns an absolute API URL back into a path under our base, refusing
    /// links to any other host (the token must go nowhere else).
    fn relative_path(&self, url: &str) -> Option<String> {
        let rest = url.strip_prefix(&self.origin)?;
        let rest = rest.strip_prefix(&self.base_path)?;
        rest.starts_with('/').then(|| rest.to_owned())
    }

    /// The single door for every write. With `--dry-run` it prints
    /// `would METHOD PATH BODY` and sends nothing. Transient failures are
    /// retried, so a create may land twice: callers of non-idempotent creates
    /// use [`write_once`](Self::write_once) and check what exists instead.
    pub async fn write<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<WriteOutcome<T>, ApiError> {
        self.write_with(method, path, body, self.policy.max_attempts)
            .await
    }

    /// Like [`write`](Self::write), with a single attempt.
    pub async fn write_once<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<WriteOutcome<T>, ApiError> {
        self.write_with(method, path, body, 1).await
    }

    /// The backoff before attempt `attempt + 1`, for callers that retry
    /// themselves.
    pub fn backoff(&self, attempt: u32) -> Duration {
        self.policy.backoff(attempt)
    }

    async fn write_with<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        max_attempts: u32,
    ) -> Result<WriteOutcome<T>, ApiError> {
        let body = body.map(|b| scrub_value(&self.secrets, b));
        if self.dry_run {
            let planned = PlannedWrite {
                method: method.to_string(),
                path: path.to_owned(),
                body: body.unwrap_or(Value::Null),
            };
            {
                let mut sink = self
                    .dry_run_sink
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                // The dry-run line is informational; a closed pipe must not
                // turn a dry run into a failure.
                let line = planned.to_string();
                let _ = if self.fence_dry_run {
                    write_inert(&mut **sink, &line)
                } else {
                    writeln!(sink, "{line}")
                };
            }
            self.planned
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(planned);
            return Ok(WriteOutcome::DryRun);
        }
        let endpoint = format!("{method} {path}");
        let resp = self
            .request_with(method, path, body.as_ref(), max_attempts)
            .await?;
        self.check(&endpoint, &resp)?;
        Self::decode(&endpoint, &resp.body).map(WriteOutcome::Done)
    }

    /// How long a test may expect one request to take at most.
    pub fn request_timeout(&self) -> Duration {
        self.policy.request_timeout
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_link_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            r#"<https://api.github.com/repositories/1/pulls/2/files?page=3&per_page=100>; rel="next", <https://api.github.com/repositories/1/pulls/2/files?page=30>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/repositories/1/pulls/2/files?page=3&per_page=100")
        );
        let mut h = HeaderMap::new();
        h.insert(
            http::header::LINK,
            r#"<https://x/y?page=1>; rel="prev""#.parse().unwrap(),
        );
        assert_eq!(next_link(&h), None);
    }

    #[tokio::test]
    async fn relative_paths_stay_on_the_api_host() {
        let c = GitHubClient::builder("https://ghe.example.com/api/v3/")
            .build()
            .unwrap();
        assert_eq!(
            c.relative_path("https://ghe.example.com/api/v3/repos/o/r/pulls?page=2")
                .as_deref(),
            Some("/repos/o/r/pulls?page=2")
        );
        assert_eq!(
            c.relative_path("https://evil.example.com/api/v3/repos"),
            None
        );
        assert_eq!(c.relative_path("https://ghe.example.com/other/repos"), None);
    }

    // Regression (review c39e92f): contents API paths and refs were not percent-encoded.
    #[test]
    fn path_encoding() {
        assert_eq!(
            encode_path("a b/c#d/.gitattributes"),
            "a%20b/c%23d/.gitattributes"
        );
        assert_eq!(encode_segment("size/XL"), "size%2FXL");
        assert_eq!(encode_segment("ok-_.~"), "ok-_.~");
    }

    #[test]
    fn planned_write_line() {
        let w = PlannedWrite {
            method: "POST".into(),
            path: "/repos/o/r/git/refs".into(),
            body: serde_json::json!({"ref": "refs/tags/v1.0.0", "sha": "abc"}),
        };
        assert_eq!(
            w.to_string(),
            r#"would POST /repos/o/r/git/refs {"ref":"refs/tags/v1.0.0","sha":"abc"}"#
        );
    }

    #[test]
    fn already_exists_is_recognised() {
        let e = ApiError::Status {
            endpoint: "POST /repos/o/r/git/refs".into(),
            status: 422,
            message: "Reference already exists".into(),
        };
        assert!(e.is_already_exists());
        assert!(
            e.to_string()
                .starts_with("POST /repos/o/r/git/refs: HTTP 422")
        );
        let e = ApiError::Status {
            endpoint: "x".into(),
            status: 422,
            message: "Validation Failed".into(),
        };
        assert!(!e.is_already_exists());
    }

    #[test]
    fn building_outside_a_runtime_is_an_error_not_a_panic() {
        let err = GitHubClient::builder("https://api.github.com")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("async runtime"), "{err}");
    }

    #[tokio::test]
    async fn bad_api_url_is_refused() {
        let err = GitHubClient::builder("not a url").build().unwrap_err();
        assert!(err.to_string().contains("API URL"), "{err}");
    }
}
