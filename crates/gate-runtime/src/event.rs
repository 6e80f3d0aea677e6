//! Typed access to the event payload that triggered the run.
//!
//! Only the fields the gates read are modelled; everything else in GitHub's
//! (large, growing) payloads is ignored, so a new field upstream never breaks
//! parsing. Fields GitHub documents as always present but that real payloads
//! omit or null (a PR body, a run's conclusion while in progress) are
//! `Option`s.

use serde::Deserialize;
use serde_json::Value;

/// A user or bot, as it appears in payloads.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct User {
    pub login: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

/// The repository an event belongs to.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Repository {
    pub full_name: String,
    #[serde(default)]
    pub default_branch: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// A label on a pull request.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct Label {
    pub name: String,
}

/// One side (head or base) of a pull request.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PullRequestRef {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub sha: String,
    #[serde(default)]
    pub repo: Option<RepoRef>,
}

/// The repository named by a PR side; `null` when a fork was deleted.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RepoRef {
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A pull request, in `pull_request` / `pull_request_target` payloads.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PullRequest {
    pub number: u64,
    #[serde(default)]
    pub title: String,
    /// `null` when the author left the description empty.
    #[serde(default)]
    pub body: Option<String>,
    pub user: User,
    pub head: PullRequestRef,
    pub base: PullRequestRef,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub additions: Option<u64>,
    #[serde(default)]
    pub deletions: Option<u64>,
    #[serde(default)]
    pub changed_files: Option<u64>,
    #[serde(default)]
    pub labels: Vec<Label>,
    #[serde(default)]
    pub html_url: Option<String>,
}

/// `pull_request` and `pull_request_target`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PullRequestEvent {
    pub action: String,
    pub number: u64,
    pub pull_request: PullRequest,
    pub repository: Repository,
}

/// A commit as listed in a push payload.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PushCommit {
    pub id: String,
    pub message: String,
    #[serde(default)]
    pub timestamp: Option<String>,
}

/// `push`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct PushEvent {
    #[serde(rename = "ref")]
    pub git_ref: String,
    pub before: String,
    pub after: String,
    #[serde(default)]
    pub created: bool,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub forced: bool,
    #[serde(default)]
    pub head_commit: Option<PushCommit>,
    #[serde(default)]
    pub commits: Vec<PushCommit>,
    pub repository: Repository,
}

/// A PR reference inside a `workflow_run` payload. Empty for runs from forks.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct RunPullRequest {
    pub number: u64,
    pub head: PullRequestRef,
    pub base: PullRequestRef,
}

/// The run that triggered a `workflow_run` event.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct WorkflowRun {
    pub id: u64,
    #[serde(default)]
    pub name: Option<String>,
    pub head_sha: String,
    #[serde(default)]
    pub head_branch: Option<String>,
    #[serde(default)]
    pub event: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    /// `null` until the run completes.
    #[serde(default)]
    pub conclusion: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
    #[serde(default)]
    pub run_attempt: Option<u64>,
    #[serde(default)]
    pub pull_requests: Vec<RunPullRequest>,
}

/// `workflow_run`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct WorkflowRunEvent {
    pub action: String,
    pub workflow_run: WorkflowRun,
    pub repository: Repository,
}

/// A deployment, in `deployment` and `deployment_status` payloads.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct Deployment {
    pub id: u64,
    pub sha: String,
    #[serde(rename = "ref")]
    pub git_ref: String,
    #[serde(default)]
    pub task: Option<String>,
    pub environment: String,
    #[serde(default)]
    pub payload: Value,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// The status that a `deployment_status` event reports.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct DeploymentStatus {
    pub id: u64,
    pub state: String,
    #[serde(default)]
    pub environment: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub target_url: Option<String>,
    #[serde(default)]
    pub log_url: Option<String>,
    #[serde(default)]
    pub environment_url: Option<String>,
}

/// `deployment`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DeploymentEvent {
    pub action: String,
    pub deployment: Deployment,
    pub repository: Repository,
}

/// `deployment_status`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct DeploymentStatusEvent {
    pub action: String,
    pub deployment_status: DeploymentStatus,
    pub deployment: Deployment,
    pub repository: Repository,
}

/// `workflow_dispatch`. Input values are strings, booleans or numbers,
/// depending on the input's declared type.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct WorkflowDispatchEvent {
    #[serde(default)]
    pub inputs: serde_json::Map<String, Value>,
    #[serde(rename = "ref")]
    pub git_ref: String,
    #[serde(default)]
    pub workflow: Option<String>,
    pub repository: Repository,
}

impl WorkflowDispatchEvent {
    /// An input as a string, whatever its JSON type; empty counts as unset.
    pub fn input(&self, name: &str) -> Option<String> {
        match self.inputs.get(name)? {
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

/// The head commit a merge queue is testing.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MergeGroupCommit {
    pub id: String,
    pub message: String,
}

/// The group a merge queue is testing.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MergeGroup {
    pub head_sha: String,
    pub head_ref: String,
    pub base_sha: String,
    pub base_ref: String,
    #[serde(default)]
    pub head_commit: Option<MergeGroupCommit>,
}

/// `merge_group`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub struct MergeGroupEvent {
    pub action: String,
    pub merge_group: MergeGroup,
    pub repository: Repository,
}

/// The payloads the gates understand, by event name.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// `pull_request` or `pull_request_target`; `target` tells which.
    PullRequest {
        target: bool,
        event: Box<PullRequestEvent>,
    },
    Push(Box<PushEvent>),
    WorkflowRun(Box<WorkflowRunEvent>),
    Deployment(Box<DeploymentEvent>),
    DeploymentStatus(Box<DeploymentStatusEvent>),
    WorkflowDispatch(Box<WorkflowDispatchEvent>),
    MergeGroup(Box<MergeGroupEvent>),
    /// Any other event: the name, and the payload untouched.
    Other {
        name: String,
        payload: Value,
    },
}

/// Why a payload could not be read.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    /// The payload is not JSON, or lacks a field the event type requires.
    #[error("the {name} payload does not have the expected shape: {source}")]
    Shape {
        name: String,
        source: serde_json::Error,
    },
    /// No event name was given and none could be inferred.
    #[error(
        "cannot tell which event this payload is; pass --event-name (pull_request, push, workflow_run, deployment, deployment_status, workflow_dispatch, merge_group)"
    )]
    UnknownName,
}

impl Event {
    /// Parses a payload for the named event.
    pub fn parse(name: &str, payload: Value) -> Result<Self, EventError> {
        fn typed<T: serde::de::DeserializeOwned>(
            name: &str,
            payload: Value,
        ) -> Result<Box<T>, EventError> {
            serde_json::from_value(payload)
                .map(Box::new)
                .map_err(|source| EventError::Shape {
                    name: name.to_owned(),
                    source,
                })
        }
        Ok(match name {
            "pull_request" | "pull_request_target" => Event::PullRequest {
                target: name == "pull_request_target",
                event: typed(name, payload)?,
            },
            "push" => Event::Push(typed(name, payload)?),
            "workflow_run" => Event::WorkflowRun(typed(name, payload)?),
            "deployment" => Event::Deployment(typed(name, payload)?),
            "deployment_status" => Event::DeploymentStatus(typed(name, payload)?),
            "workflow_dispatch" => Event::WorkflowDispatch(typed(name, payload)?),
            "merge_group" => Event::MergeGroup(typed(name, payload)?),
            other => Event::Other {
                name: other.to_owned(),
                payload,
            },
        })
    }

    /// Guesses the event name from a payload's shape, for replaying a saved
    /// payload locally with `--event FILE` and no `GITHUB_EVENT_NAME`.
    pub fn infer_name(payload: &Value) -> Option<&'static str> {
        let has = |k: &str| payload.get(k).is_some_and(|v| !v.is_null());
        if has("pull_request") && has("number") {
            Some("pull_request")
        } else if has("merge_group") {
            Some("merge_group")
        } else if has("workflow_run") {
            Some("workflow_run")
        } else if has("deployment_status") && has("deployment") {
            Some("deployment_status")
        } else if has("deployment") {
            Some("deployment")
        } else if has("inputs") && has("workflow") {
            Some("workflow_dispatch")
        } else if has("before") && has("after") && has("ref") {
            Some("push")
        } else {
            None
        }
    }

    /// The event name as GitHub spells it.
    pub fn name(&self) -> &str {
        match self {
            Event::PullRequest { target: true, .. } => "pull_request_target",
            Event::PullRequest { target: false, .. } => "pull_request",
            Event::Push(_) => "push",
            Event::WorkflowRun(_) => "workflow_run",
            Event::Deployment(_) => "deployment",
            Event::DeploymentStatus(_) => "deployment_status",
            Event::WorkflowDispatch(_) => "workflow_dispatch",
            Event::MergeGroup(_) => "merge_group",
            Event::Other { name, .. } => name,
        }
    }

    /// The deployment, for `deployment` and `deployment_status` events.
    pub fn deployment(&self) -> Option<&Deployment> {
        match self {
            Event::Deployment(e) => Some(&e.deployment),
            Event::DeploymentStatus(e) => Some(&e.deployment),
            _ => None,
        }
    }

    /// The pull request, for PR events.
    pub fn pull_request(&self) -> Option<&PullRequest> {
        match self {
            Event::PullRequest { event, .. } => Some(&event.pull_request),
            _ => None,
        }
    }

    /// The repository's `owner/name`, where the payload carries it.
    pub fn repository(&self) -> Option<&Repository> {
        match self {
            Event::PullRequest { event, .. } => Some(&event.repository),
            Event::Push(e) => Some(&e.repository),
            Event::WorkflowRun(e) => Some(&e.repository),
            Event::Deployment(e) => Some(&e.repository),
            Event::DeploymentStatus(e) => Some(&e.repository),
            Event::WorkflowDispatch(e) => Some(&e.repository),
            Event::MergeGroup(e) => Some(&e.repository),
            Event::Other { .. } => None,
        }
    }

    /// The commit the event is about: the PR head, the pushed commit, the
    /// run's head, the deployed commit, or the merge group's head.
    pub fn subject_sha(&self) -> Option<&str> {
        match self {
            Event::PullRequest { event, .. } => Some(&event.pull_request.head.sha),
            Event::Push(e) => Some(&e.after),
            Event::WorkflowRun(e) => Some(&e.workflow_run.head_sha),
            Event::Deployment(e) => Some(&e.deployment.sha),
            Event::DeploymentStatus(e) => Some(&e.deployment.sha),
            Event::MergeGroup(e) => Some(&e.merge_group.head_sha),
            Event::WorkflowDispatch(_) | Event::Other { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> Value {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/github-events")
            .join(name);
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
    }

    fn parse_fixture(name: &str) -> Event {
        let payload = fixture(name);
        let event_name = Event::infer_name(&payload).unwrap();
        Event::parse(event_name, payload).unwrap()
    }

    #[test]
    fn every_pull_request_fixture_parses() {
        for name in [
            "pull_request.opened.payload.json",
            "pull_request.closed.payload.json",
            "pull_request.labeled.payload.json",
            "pull_request.ready_for_review.payload.json",
            "pull_request.reopened.payload.json",
            "pull_request.synchronize.payload.json",
        ] {
            let event = parse_fixture(name);
            let pr = event.pull_request().unwrap();
            assert_eq!(pr.number, 2, "{name}");
            assert_eq!(pr.base.git_ref, "master", "{name}");
            assert_eq!(
                event.repository().unwrap().full_name,
                "Codertocat/Hello-World"
            );
        }
    }

    #[test]
    fn null_pr_body_is_none() {
        let event = parse_fixture("pull_request.opened.with-null-body.json");
        assert_eq!(event.pull_request().unwrap().body, None);
        let event = parse_fixture("pull_request.opened.payload.json");
        assert!(event.pull_request().unwrap().body.is_some());
    }

    #[test]
    fn pull_request_target_is_a_pull_request() {
        let event = Event::parse(
            "pull_request_target",
            fixture("pull_request.opened.payload.json"),
        )
        .unwrap();
        assert_eq!(event.name(), "pull_request_target");
        assert!(event.pull_request().is_some());
    }

    #[test]
    fn push_fixtures_parse() {
        for name in ["push.payload.json", "push.with-new-branch.payload.json"] {
            let Event::Push(push) = parse_fixture(name) else {
                panic!("{name} is not a push")
            };
            assert!(push.git_ref.starts_with("refs/"), "{name}");
            assert_eq!(push.after.len(), 40);
        }
    }

    #[test]
    fn workflow_run_fixtures_parse() {
        let Event::WorkflowRun(run) = parse_fixture("workflow_run.completed.payload.json") else {
            panic!("not a workflow_run")
        };
        assert_eq!(run.workflow_run.head_sha.len(), 40);
        assert!(run.workflow_run.conclusion.is_some());
        let Event::WorkflowRun(run) =
            parse_fixture("workflow_run.completed.with-pull-requests.payload.json")
        else {
            panic!("not a workflow_run")
        };
        assert_eq!(run.workflow_run.pull_requests[0].number, 2);
        assert_eq!(run.workflow_run.pull_requests[0].head.git_ref, "changes");
    }

    #[test]
    fn deployment_fixture_parses() {
        let event = parse_fixture("deployment.payload.json");
        let Event::Deployment(d) = &event else {
            panic!("not a deployment")
        };
        assert_eq!(d.deployment.environment, "production");
        assert_eq!(event.deployment().map(|d| d.id), Some(d.deployment.id));
        assert_eq!(event.subject_sha(), Some(d.deployment.sha.as_str()));
    }

    #[test]
    fn deployment_status_fixture_parses() {
        let event = parse_fixture("deployment_status.payload.json");
        let Event::DeploymentStatus(ds) = &event else {
            panic!("not a deployment_status")
        };
        assert_eq!(ds.deployment.sha.len(), 40);
        assert_eq!(event.subject_sha(), Some(ds.deployment.sha.as_str()));
        assert!(!ds.deployment_status.state.is_empty());
    }

    #[test]
    fn workflow_dispatch_fixture_parses() {
        let Event::WorkflowDispatch(wd) = parse_fixture("workflow_dispatch.payload.json") else {
            panic!("not a workflow_dispatch")
        };
        assert_eq!(wd.input("name").as_deref(), Some("Mona the Octocat"));
        assert_eq!(wd.input("absent"), None);
        assert_eq!(wd.git_ref, "refs/heads/master");
    }

    #[test]
    fn merge_group_fixture_parses() {
        let event = parse_fixture("merge_group.checks_requested.trunkline.json");
        let Event::MergeGroup(mg) = &event else {
            panic!("not a merge_group")
        };
        assert_eq!(mg.merge_group.base_ref, "refs/heads/main");
        assert_eq!(event.subject_sha(), Some(mg.merge_group.head_sha.as_str()));
    }

    #[test]
    fn other_events_keep_their_payload() {
        let event = Event::parse("release", fixture("release.published.payload.json")).unwrap();
        assert_eq!(event.name(), "release");
        assert!(event.repository().is_none());
    }

    #[test]
    fn wrong_shape_names_the_event() {
        let err = Event::parse("workflow_run", serde_json::json!({"action": "x"})).unwrap_err();
        assert!(err.to_string().contains("workflow_run payload"), "{err}");
    }
}
