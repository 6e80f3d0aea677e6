//! The events GitHub would fire, and who may write.
//!
//! A scenario that plays GitHub's event router needs to know what happened
//! on the fake, in order: a ref that moved is a `push`, a deployment and
//! each of its statuses are `deployment` and `deployment_status`, a
//! dispatch is a `workflow_dispatch`. Each is recorded here with its
//! webhook payload and who caused it (a person, or a workflow run's token:
//! GitHub starts no run for most events a run's own token causes). The
//! events are read from each request and its answer, after routing, so the
//! endpoints themselves know nothing of them.
//!
//! Also here: tokens the fake treats as read-only (a fork's pull request
//! gets one: every write is answered 403, as GitHub does), and a hook that
//! runs before each request is served, so a harness can bring the fake up
//! to date with what it knows happened first (a job that ended).

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

use serde_json::{Value, json};

use crate::state::{Deployment, DeploymentStatusRec, RepoState};
use crate::{FakeGitHub, RecordedRequest, Reply, Shared, shapes};

/// Who caused an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// A person, through the fake's own methods (a merge, a push).
    Person(String),
    /// A request made with this token (a workflow run's `GITHUB_TOKEN`).
    Token(String),
}

/// One event, as GitHub would deliver it to workflows.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// Order of recording, from 1, across the fake's repositories.
    pub seq: u64,
    /// `push`, `deployment`, `deployment_status` or `workflow_dispatch`.
    pub name: String,
    /// The webhook payload, `repository` and `sender` included.
    pub payload: Value,
    pub actor: Actor,
}

/// What the hook run before each request may do: read and change state.
pub(crate) type RequestHook = dyn Fn(&StateHandle<'_>) + Send + Sync;

#[derive(Default)]
pub(crate) struct EventState {
    pub(crate) hook: Option<Arc<RequestHook>>,
    pub(crate) read_only_tokens: BTreeSet<String>,
    pub(crate) seq: u64,
}

/// The fake's state between requests, for code that runs inside the fake's
/// request loop (a [`FakeGitHub::before_each_request`] hook) or beside it.
pub struct StateHandle<'a> {
    shared: &'a Mutex<Shared>,
    base_url: &'a str,
}

impl StateHandle<'_> {
    /// Reads or changes a repository's state, as [`FakeGitHub::with_repo`].
    pub fn with_repo<T>(&self, full_name: &str, f: impl FnOnce(&mut RepoState) -> T) -> T {
        let mut s = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        f(s.repo_mut(full_name))
    }

    /// Creates a deployment as GitHub does for a job with `environment:`,
    /// and records its `deployment` event; returns its id.
    pub fn create_deployment(
        &self,
        full_name: &str,
        sha: &str,
        git_ref: &str,
        environment: &str,
        actor: &Actor,
    ) -> u64 {
        let mut s = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let (id, at) = (s.id(), s.tick());
        let d = Deployment::new(id, sha, git_ref, environment, at);
        let payload = json!({"action": "created", "deployment": shapes::deployment(self.base_url, full_name, &d)});
        if let Some(repo) = s.repos.get_mut(full_name) {
            repo.deployments.push(d);
        }
        record(
            &mut s,
            self.base_url,
            full_name,
            "deployment",
            payload,
            actor,
        );
        id
    }

    /// Adds a status to a deployment and records its `deployment_status`
    /// event; `None` when there is no such deployment.
    pub fn create_deployment_status(
        &self,
        full_name: &str,
        deployment_id: u64,
        state: &str,
        description: Option<&str>,
        actor: &Actor,
    ) -> Option<u64> {
        let mut s = self.shared.lock().unwrap_or_else(PoisonError::into_inner);
        let (id, at) = (s.id(), s.tick());
        let base = self.base_url;
        let d = s
            .repos
            .get_mut(full_name)?
            .deployments
            .iter_mut()
            .find(|d| d.id == deployment_id)?;
        let st = DeploymentStatusRec {
            id,
            state: state.to_owned(),
            description: description.map(str::to_owned),
            environment: d.environment.clone(),
            log_url: None,
            environment_url: None,
            at,
        };
        let payload = json!({
            "action": "created",
            "deployment_status": shapes::deployment_status(base, full_name, deployment_id, &st),
            "deployment": shapes::deployment(base, full_name, d),
        });
        d.statuses.push(st);
        record(&mut s, base, full_name, "deployment_status", payload, actor);
        Some(id)
    }
}

impl FakeGitHub {
    /// The fake's state as a [`StateHandle`].
    pub fn state(&self) -> StateHandle<'_> {
        StateHandle {
            shared: &self.shared,
            base_url: &self.base_url,
        }
    }

    /// Runs `hook` before each request is served (and before it is
    /// faulted), outside the fake's lock.
    pub fn before_each_request(&self, hook: impl Fn(&StateHandle<'_>) + Send + Sync + 'static) {
        self.lock().events.hook = Some(Arc::new(hook));
    }

    /// From now on every write made with `token` is answered 403
    /// "Resource not accessible by integration", as GitHub answers a fork's
    /// read-only `GITHUB_TOKEN`; reads are served.
    pub fn read_only_token(&self, token: &str) {
        self.lock().events.read_only_tokens.insert(token.to_owned());
    }

    /// Every event recorded for a repository, oldest first.
    pub fn events(&self, full_name: &str) -> Vec<Event> {
        self.with_repo(full_name, |r| r.events.clone())
    }
}

/// Records one event, adding `repository` and `sender` to its payload.
pub(crate) fn record(
    s: &mut Shared,
    base: &str,
    full_name: &str,
    name: &str,
    mut payload: Value,
    actor: &Actor,
) {
    s.events.seq += 1;
    let seq = s.events.seq;
    let Some(repo) = s.repos.get_mut(full_name) else {
        return;
    };
    let sender = match actor {
        Actor::Person(login) => login.as_str(),
        Actor::Token(_) => "github-actions[bot]",
    };
    if let Some(obj) = payload.as_object_mut() {
        obj.insert(
            "repository".into(),
            shapes::repo(base, full_name, &repo.default_branch),
        );
        obj.insert("sender".into(), shapes::user(base, sender));
    }
    repo.events.push(Event {
        seq,
        name: name.to_owned(),
        payload,
        actor: actor.clone(),
    });
}

/// The token a request carries, if any.
fn token(req: &RecordedRequest) -> Option<String> {
    let auth = req.header("authorization")?;
    let (_, t) = auth.split_once(' ')?;
    Some(t.trim().to_owned())
}

/// Runs the hook, if one is set, without holding the lock.
pub(crate) fn run_hook(shared: &Mutex<Shared>, base_url: &str) {
    let hook = shared
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .events
        .hook
        .clone();
    if let Some(hook) = hook {
        hook(&StateHandle { shared, base_url });
    }
}

/// A write with a read-only token: 403, and nothing happens.
pub(crate) fn refuse(s: &Shared, req: &RecordedRequest) -> Option<Reply> {
    let t = token(req)?;
    (req.is_write() && s.events.read_only_tokens.contains(&t))
        .then(|| Reply::error(403, "Resource not accessible by integration"))
}

/// What a request will change, read before it is served: the ref a
/// `PATCH` or `DELETE` of `git/refs` names, and where it points now.
pub(crate) struct Before {
    git_ref: Option<(String, Option<String>)>,
}

fn repo_and_rest(req: &RecordedRequest) -> Option<(String, Vec<&str>)> {
    let segs: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    match segs.as_slice() {
        ["repos", owner, name, rest @ ..] => Some((format!("{owner}/{name}"), rest.to_vec())),
        _ => None,
    }
}

pub(crate) fn before(s: &Shared, req: &RecordedRequest) -> Before {
    let mut out = Before { git_ref: None };
    if let Some((full, rest)) = repo_and_rest(req) {
        if let (true, ["git", "refs", name @ ..]) = (req.is_write(), rest.as_slice()) {
            let name = name.join("/");
            let old = s
                .repos
                .get(&full)
                .and_then(|r| r.refs.get(&name))
                .map(|(sha, _)| sha.clone());
            out.git_ref = Some((name, old));
        }
    }
    out
}

const ZERO: &str = "0000000000000000000000000000000000000000";

/// Records the events a served request caused, writes moved refs through
/// to the repository's git store, and answers a contents read the seeded
/// files lack from that store.
pub(crate) fn after(
    shared: &Mutex<Shared>,
    base: &str,
    req: &RecordedRequest,
    before: Before,
    reply: Reply,
) -> Reply {
    let Some((full, rest)) = repo_and_rest(req) else {
        return reply;
    };
    let ok = (200..300).contains(&reply.status);
    let answer: Value = reply
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice(b).ok())
        .unwrap_or(Value::Null);
    let actor = Actor::Token(token(req).unwrap_or_default());
    let mut s = shared.lock().unwrap_or_else(PoisonError::into_inner);
    match (req.method.as_str(), rest.as_slice()) {
        ("GET", ["contents", path @ ..]) if reply.status == 404 => {
            let git_ref = crate::git_store::query_value(&req.query, "ref");
            if let Some(found) = s.repos.get(&full).and_then(|r| {
                crate::git_store::contents(r, base, &full, &path.join("/"), git_ref.as_deref())
            }) {
                return found;
            }
        }
        ("POST", ["git", "refs"]) if ok => {
            let name = answer["ref"].as_str().unwrap_or_default().to_owned();
            let sha = answer["object"]["sha"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            pushed(&mut s, base, &full, &name, ZERO, &sha, &actor);
        }
        ("PATCH", ["git", "refs", ..]) if ok => {
            if let Some((name, old)) = before.git_ref {
                let sha = answer["object"]["sha"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                let old = old.unwrap_or_else(|| ZERO.to_owned());
                pushed(
                    &mut s,
                    base,
                    &full,
                    &format!("refs/{name}"),
                    &old,
                    &sha,
                    &actor,
                );
            }
        }
        ("DELETE", ["git", "refs", ..]) if ok => {
            if let Some((name, Some(old))) = before.git_ref {
                pushed(
                    &mut s,
                    base,
                    &full,
                    &format!("refs/{name}"),
                    &old,
                    ZERO,
                    &actor,
                );
            }
        }
        ("POST", ["deployments"]) if ok => {
            let payload = json!({"action": "created", "deployment": answer});
            record(&mut s, base, &full, "deployment", payload, &actor);
        }
        ("POST", ["deployments", id, "statuses"]) if ok => {
            let id: u64 = id.parse().unwrap_or(0);
            let deployment = s
                .repos
                .get(&full)
                .and_then(|r| r.deployments.iter().find(|d| d.id == id))
                .map(|d| shapes::deployment(base, &full, d))
                .unwrap_or(Value::Null);
            let payload =
                json!({"action": "created", "deployment_status": answer, "deployment": deployment});
            record(&mut s, base, &full, "deployment_status", payload, &actor);
        }
        ("POST", ["actions", "workflows", workflow, "dispatches"]) if ok => {
            let body = req.json();
            let git_ref = body["ref"].as_str().unwrap_or_default();
            let git_ref = if git_ref.starts_with("refs/") {
                git_ref.to_owned()
            } else {
                format!("refs/heads/{git_ref}")
            };
            let payload = json!({
                "inputs": body.get("inputs").cloned().unwrap_or(json!({})),
                "ref": git_ref,
                "workflow": format!(".github/workflows/{workflow}"),
            });
            record(&mut s, base, &full, "workflow_dispatch", payload, &actor);
        }
        _ => {}
    }
    reply
}

/// A ref that moved through the API: written through to the git store when
/// it names one of the store's commits, and recorded as a `push`.
fn pushed(
    s: &mut Shared,
    base: &str,
    full: &str,
    name: &str,
    before: &str,
    after: &str,
    actor: &Actor,
) {
    if let Some(repo) = s.repos.get(full) {
        crate::git_store::write_ref(repo, name, after);
    }
    let payload = crate::git_store::push_payload(s, base, full, name, before, after);
    record(s, base, full, "push", payload, actor);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, path: &str, auth: Option<&str>) -> RecordedRequest {
        RecordedRequest {
            method: method.into(),
            path: path.into(),
            query: String::new(),
            headers: auth
                .map(|a| vec![("authorization".into(), a.into())])
                .unwrap_or_default(),
            body: String::new(),
        }
    }

    #[test]
    fn tokens_are_read_from_either_scheme() {
        assert_eq!(
            token(&req("GET", "/", Some("Bearer abc"))).as_deref(),
            Some("abc")
        );
        assert_eq!(
            token(&req("GET", "/", Some("token abc"))).as_deref(),
            Some("abc")
        );
        assert_eq!(token(&req("GET", "/", None)), None);
    }

    #[test]
    fn read_only_tokens_may_read_but_not_write() {
        let mut s = Shared::default();
        s.events.read_only_tokens.insert("ro".into());
        let write = req("POST", "/repos/o/r/issues/1/comments", Some("Bearer ro"));
        assert_eq!(refuse(&s, &write).map(|r| r.status), Some(403));
        assert!(refuse(&s, &req("GET", "/repos/o/r", Some("Bearer ro"))).is_none());
        let other = req("POST", "/repos/o/r/issues/1/comments", Some("Bearer rw"));
        assert!(refuse(&s, &other).is_none());
    }
}
