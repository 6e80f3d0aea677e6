//! The workspace's test support, as cargo keeps its `cargo-test-support`:
//! at the root, a stateful fake of the GitHub REST API subset Trunkline
//! uses, with its real git store ([`GitStore`]) and local HTTP servers
//! ([`StaticServer`], [`StreamingServer`], [`HandlerServer`]); in
//! [`testing`], hermetic runs of the gate binaries and the tools tests
//! need; in [`prometheus`], a real Prometheus on loopback; in
//! [`contract`], the test side of the gates' JSON contract.
//!
//! Tests need the API's real behaviour (pagination, the 3,000-file cap,
//! "Reference already exists" races, rate limits) without a network, and
//! these machines have no route to GitHub anyway. The fake listens on
//! 127.0.0.1 on an ephemeral port, answers in the shapes octocrab's models
//! deserialise, records every request, and injects faults on demand.
//!
//! Test-only: never a dependency of a release binary.

mod http;
pub use http::{Handler, HandlerServer, StaticServer, Stream, StreamingServer};
mod git_data;
pub use git_data::{GitObjects, TreeEntry};
pub mod contract;
mod events;
pub mod prometheus;
pub use events::{Actor, Event, StateHandle};
mod git_store;
pub use git_store::{GitStore, MergeGroup, NewPull};
mod routes;
mod shapes;
pub mod state;
pub mod testing;
// The repository settings `trunkline doctor` reads.
pub mod repo_settings;

use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

pub use routes::PULL_FILES_CAP;
pub use state::{
    Comment, Commit, ContentFile, Deployment, DeploymentStatusRec, Dispatch, FileChange, Pull,
    Release, RepoState, StatusRec, TagObject,
};

/// One request the fake received, faulted or not.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    /// The path below the API base (no `/api/v3`), without the query.
    pub path: String,
    pub query: String,
    /// Header names lowercased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn is_write(&self) -> bool {
        self.method != "GET" && self.method != "HEAD"
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// What an injected fault does to the response.
#[derive(Debug, Clone, PartialEq)]
pub enum FaultKind {
    /// Answer with this status and a GitHub-style error message.
    Status(u16),
    /// 403 secondary rate limit with `Retry-After: secs`.
    SecondaryRateLimit { retry_after_secs: u64 },
    /// 403 primary rate limit: remaining 0, reset in `secs`.
    PrimaryRateLimit { reset_in_secs: u64 },
    /// Sleep this long before answering normally.
    Delay(Duration),
    /// 200 with a body that is not JSON.
    MalformedBody,
    /// Let the request through, applying its effect, but answer with this
    /// status: what a client sees when the response was lost after the write.
    ApplyThenStatus(u16),
}

/// A fault for the next `times` matching requests.
#[derive(Debug, Clone)]
pub struct Fault {
    pub kind: FaultKind,
    pub times: u32,
    pub method: Option<String>,
    pub path_contains: Option<String>,
}

impl Fault {
    pub fn new(kind: FaultKind, times: u32) -> Self {
        Self {
            kind,
            times,
            method: None,
            path_contains: None,
        }
    }

    /// Only requests with this method.
    pub fn on_method(mut self, method: &str) -> Self {
        self.method = Some(method.to_ascii_uppercase());
        self
    }

    /// Only requests whose path contains this.
    pub fn on_path(mut self, fragment: &str) -> Self {
        self.path_contains = Some(fragment.to_owned());
        self
    }

    fn matches(&self, method: &str, path: &str) -> bool {
        self.method.as_deref().is_none_or(|m| m == method)
            && self
                .path_contains
                .as_deref()
                .is_none_or(|p| path.contains(p))
    }
}

/// A change another client makes just before a matching request is served.
type Hook = (
    String,
    String,
    Box<dyn FnOnce(&mut RepoState) + Send>,
    String,
);

#[derive(Default)]
pub(crate) struct Shared {
    pub(crate) hooks: Vec<Hook>,
    pub(crate) repos: std::collections::BTreeMap<String, RepoState>,
    pub(crate) requests: Vec<RecordedRequest>,
    pub(crate) faults: VecDeque<Fault>,
    pub(crate) next_id: u64,
    pub(crate) clock: u64,
    pub(crate) events: events::EventState,
}

impl Shared {
    /// A repository's state, created (default branch `main`) if needed.
    pub(crate) fn repo_mut(&mut self, full_name: &str) -> &mut RepoState {
        self.repos
            .entry(full_name.to_owned())
            .or_insert_with(|| RepoState {
                default_branch: "main".to_owned(),
                ..RepoState::default()
            })
    }
}

impl Shared {
    pub(crate) fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// A strictly increasing timestamp, so "newest" is well defined.
    pub(crate) fn tick(&mut self) -> u64 {
        self.clock += 1;
        self.clock
    }

    fn take_fault(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let idx = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = &mut self.faults[idx];
        let kind = fault.kind.clone();
        fault.times -= 1;
        if fault.times == 0 {
            self.faults.remove(idx);
        }
        Some(kind)
    }
}

/// A running fake GitHub. Stops when dropped.
pub struct FakeGitHub {
    shared: Arc<Mutex<Shared>>,
    base_url: String,
    addr: std::net::SocketAddr,
    stop: Arc<std::sync::atomic::AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl FakeGitHub {
    /// Starts a fake answering at `http://127.0.0.1:PORT`, like api.github.com.
    pub fn start() -> Self {
        Self::start_with_prefix("")
    }

    /// Starts a fake with a GHES-style path prefix such as `/api/v3`.
    pub fn start_with_prefix(prefix: &str) -> Self {
        #[allow(clippy::unwrap_used)] // A test fixture that cannot bind cannot run.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        #[allow(clippy::unwrap_used)]
        let addr = listener.local_addr().unwrap();
        let prefix = prefix.trim_end_matches('/').to_owned();
        let base_url = format!("http://{addr}{prefix}");
        let start = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(1_800_000_000);
        let shared = Arc::new(Mutex::new(Shared {
            clock: start,
            next_id: 100,
            ..Shared::default()
        }));
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let accept = {
            let shared = Arc::clone(&shared);
            let base_url = base_url.clone();
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(std::sync::atomic::Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let shared = Arc::clone(&shared);
                    let base_url = base_url.clone();
                    let prefix = prefix.clone();
                    std::thread::spawn(move || {
                        http::serve_connection(stream, |req| {
                            handle(req, &shared, &base_url, &prefix)
                        })
                    });
                }
            })
        };
        Self {
            shared,
            base_url,
            addr,
            stop,
            accept: Some(accept),
        }
    }

    /// The API base URL, to pass as `--api-url` / `GITHUB_API_URL`.
    pub fn url(&self) -> &str {
        &self.base_url
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Shared> {
        self.shared.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Reads or changes a repository's state, creating it (default branch
    /// `main`) if needed.
    pub fn with_repo<T>(&self, full_name: &str, f: impl FnOnce(&mut RepoState) -> T) -> T {
        f(self.lock().repo_mut(full_name))
    }

    /// Seeds a repository with a default branch.
    pub fn add_repo(&self, full_name: &str, default_branch: &str) {
        self.with_repo(full_name, |r| r.default_branch = default_branch.to_owned());
    }

    /// Seeds a pull request (with its files).
    pub fn add_pull(&self, full_name: &str, pull: Pull) {
        self.with_repo(full_name, |r| {
            r.pulls.insert(pull.number, pull);
        });
    }

    /// Seeds a comment on an issue or PR; returns its id.
    pub fn add_comment(&self, full_name: &str, issue: u64, user: &str, body: &str) -> u64 {
        let (id, at) = {
            let mut s = self.lock();
            (s.id(), s.tick())
        };
        self.with_repo(full_name, |r| {
            r.comments.entry(issue).or_default().push(Comment {
                id,
                body: body.to_owned(),
                user: user.to_owned(),
                created_at: at,
                updated_at: at,
            });
        });
        id
    }

    /// Seeds a commit; parents first, so history reads oldest to newest.
    pub fn add_commit(&self, full_name: &str, sha: &str, message: &str, parents: &[&str]) {
        let at = self.lock().tick();
        self.with_repo(full_name, |r| {
            r.commits.insert(
                sha.to_owned(),
                Commit {
                    sha: sha.to_owned(),
                    message: message.to_owned(),
                    parents: parents.iter().map(|p| (*p).to_owned()).collect(),
                    author: "Mona Lisa".to_owned(),
                    at,
                },
            );
        });
    }

    /// Points a ref (`heads/main`, `tags/v1.0.0`) at a commit.
    pub fn set_ref(&self, full_name: &str, name: &str, sha: &str) {
        self.with_repo(full_name, |r| {
            r.refs
                .insert(name.to_owned(), (sha.to_owned(), "commit".to_owned()));
        });
    }

    /// Seeds a deployment with its statuses (oldest first); returns its id.
    pub fn add_deployment(
        &self,
        full_name: &str,
        sha: &str,
        git_ref: &str,
        environment: &str,
        states: &[&str],
    ) -> u64 {
        let (id, at, statuses) = {
            let mut s = self.lock();
            let id = s.id();
            let at = s.tick();
            let statuses: Vec<DeploymentStatusRec> = states
                .iter()
                .map(|st| DeploymentStatusRec {
                    id: s.id(),
                    state: (*st).to_owned(),
                    description: None,
                    environment: environment.to_owned(),
                    log_url: None,
                    environment_url: None,
                    at: s.tick(),
                })
                .collect();
            (id, at, statuses)
        };
        self.with_repo(full_name, |r| {
            r.deployments.push(Deployment {
                statuses,
                ..Deployment::new(id, sha, git_ref, environment, at)
            });
        });
        id
    }

    /// Seeds a file on a branch for the contents API.
    pub fn put_file(&self, full_name: &str, branch: &str, path: &str, bytes: &[u8]) {
        self.with_repo(full_name, |r| {
            r.contents.insert(
                (branch.to_owned(), path.to_owned()),
                ContentFile {
                    bytes: bytes.to_vec(),
                    sha: routes::blob_sha(bytes),
                },
            );
        });
    }

    /// Queues a fault; one for zero requests is no fault at all.
    pub fn inject(&self, fault: Fault) {
        if fault.times > 0 {
            self.lock().faults.push_back(fault);
        }
    }

    /// The next `times` requests fail with `status`.
    pub fn fail_next(&self, times: u32, status: u16) {
        self.inject(Fault::new(FaultKind::Status(status), times));
    }

    /// The next request gets a secondary rate limit with `Retry-After`.
    pub fn secondary_rate_limit_next(&self, retry_after_secs: u64) {
        self.inject(Fault::new(
            FaultKind::SecondaryRateLimit { retry_after_secs },
            1,
        ));
    }

    /// The next request is delayed by `delay` before it is answered.
    pub fn delay_next(&self, delay: Duration) {
        self.inject(Fault::new(FaultKind::Delay(delay), 1));
    }

    /// Just before the next `method` request whose path contains `fragment`
    /// is served, applies `change` to `full_name`'s state: another client
    /// winning a race, say.
    pub fn before_next(
        &self,
        method: &str,
        fragment: &str,
        full_name: &str,
        change: impl FnOnce(&mut RepoState) + Send + 'static,
    ) {
        self.lock().hooks.push((
            method.to_ascii_uppercase(),
            fragment.to_owned(),
            Box::new(change),
            full_name.to_owned(),
        ));
    }

    /// The next request gets a 200 whose body is not JSON.
    pub fn malformed_next(&self) {
        self.inject(Fault::new(FaultKind::MalformedBody, 1));
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// Every request that was not a GET.
    pub fn writes(&self) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(RecordedRequest::is_write)
            .collect()
    }

    /// Forgets the recorded requests (state is kept).
    pub fn clear_requests(&self) {
        self.lock().requests.clear();
    }

    /// A copy of a repository's state.
    pub fn repo(&self, full_name: &str) -> RepoState {
        self.with_repo(full_name, |r| r.clone())
    }
}

impl Drop for FakeGitHub {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(handle) = self.accept.take() {
            let _ = handle.join();
        }
    }
}

/// A response before it is sent.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Option<Vec<u8>>,
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// A plain-text answer.
    pub fn text(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            body: Some(body.into().into_bytes()),
            headers: vec![("Content-Type".into(), "text/plain; charset=utf-8".into())],
        }
    }

    pub fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body.to_string().into_bytes()),
            headers: Vec::new(),
        }
    }

    pub fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    pub fn error(status: u16, message: &str) -> Self {
        Self::json(
            status,
            serde_json::json!({
                "message": message,
                "documentation_url": "https://docs.github.com/rest",
                "status": status.to_string()
            }),
        )
    }
}

fn handle(
    recorded: RecordedRequest,
    shared: &Mutex<Shared>,
    base_url: &str,
    prefix: &str,
) -> Reply {
    let raw_path = recorded.path.clone();
    let in_api = raw_path.starts_with(prefix);
    let recorded = RecordedRequest {
        path: raw_path
            .strip_prefix(prefix)
            .unwrap_or(&raw_path)
            .to_owned(),
        ..recorded
    };
    events::run_hook(shared, base_url);
    let (fault, refused, before) =
        {
            let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
            s.requests.push(recorded.clone());
            if let Some(i) = s.hooks.iter().position(|(m, f, _, _)| {
                *m == recorded.method && recorded.path.contains(f.as_str())
            }) {
                let (_, _, change, repo) = s.hooks.remove(i);
                if let Some(state) = s.repos.get_mut(&repo) {
                    change(state);
                }
            }
            let fault = if in_api {
                s.take_fault(&recorded.method, &recorded.path)
            } else {
                None
            };
            (
                fault,
                events::refuse(&s, &recorded),
                events::before(&s, &recorded),
            )
        };
    let mut reply = if !in_api {
        Reply::error(404, "Not Found (outside the API prefix)")
    } else if let Some(refused) = refused {
        refused
    } else {
        match fault {
            Some(FaultKind::Status(status)) => {
                Reply::error(status, &format!("injected fault: HTTP {status}"))
            }
            Some(FaultKind::SecondaryRateLimit { retry_after_secs }) => {
                let mut r = Reply::error(
                    403,
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                );
                r.headers
                    .push(("Retry-After".into(), retry_after_secs.to_string()));
                r
            }
            Some(FaultKind::PrimaryRateLimit { reset_in_secs }) => {
                let now = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                let mut r = Reply::error(403, "API rate limit exceeded for installation.");
                r.headers.push(("x-ratelimit-remaining".into(), "0".into()));
                r.headers.push((
                    "x-ratelimit-reset".into(),
                    (now + reset_in_secs).to_string(),
                ));
                r
            }
            Some(FaultKind::MalformedBody) => Reply {
                status: 200,
                body: Some(b"{\"this is\": not json".to_vec()),
                headers: Vec::new(),
            },
            Some(FaultKind::Delay(d)) => {
                std::thread::sleep(d);
                routes::route(shared, base_url, &recorded)
            }
            Some(FaultKind::ApplyThenStatus(status)) => {
                let _ = routes::route(shared, base_url, &recorded);
                Reply::error(
                    status,
                    &format!("injected fault after applying: HTTP {status}"),
                )
            }
            None => routes::route(shared, base_url, &recorded),
        }
    };
    if in_api {
        reply = events::after(shared, base_url, &recorded, before, reply);
    }
    reply.headers.push((
        "Content-Type".into(),
        "application/json; charset=utf-8".into(),
    ));
    reply
        .headers
        .push(("x-ratelimit-limit".into(), "5000".into()));
    reply
}
