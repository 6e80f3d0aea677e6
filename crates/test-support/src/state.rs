//! The fake's state: what tests seed, and what the API reads and writes.

use std::collections::BTreeMap;

use serde_json::Value;

/// A changed file in a pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub filename: String,
    /// `added`, `removed`, `modified`, `renamed`, ...
    pub status: String,
    pub additions: u64,
    pub deletions: u64,
    pub previous_filename: Option<String>,
    pub patch: Option<String>,
}

impl FileChange {
    pub fn modified(filename: &str, additions: u64, deletions: u64) -> Self {
        Self {
            filename: filename.to_owned(),
            status: "modified".to_owned(),
            additions,
            deletions,
            previous_filename: None,
            patch: None,
        }
    }
}

/// A pull request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pull {
    pub number: u64,
    pub title: String,
    pub body: Option<String>,
    pub user: String,
    pub state: String,
    pub draft: bool,
    pub head_ref: String,
    pub head_sha: String,
    pub base_ref: String,
    pub base_sha: String,
    pub created_at: String,
    pub merged_at: Option<String>,
    pub labels: Vec<String>,
    pub files: Vec<FileChange>,
}

impl Pull {
    /// A PR with sensible defaults; adjust the fields you care about.
    pub fn new(number: u64, user: &str) -> Self {
        Self {
            number,
            title: format!("PR {number}"),
            body: None,
            user: user.to_owned(),
            state: "open".to_owned(),
            draft: false,
            head_ref: format!("feature-{number}"),
            head_sha: format!("{:040x}", 0xaaaa_0000 + number),
            base_ref: "main".to_owned(),
            base_sha: format!("{:040x}", 0xbbbb_0000 + number),
            created_at: "2026-11-20T09:00:00Z".to_owned(),
            merged_at: None,
            labels: Vec::new(),
            files: Vec::new(),
        }
    }

    pub(crate) fn additions(&self) -> u64 {
        self.files.iter().map(|f| f.additions).sum()
    }

    pub(crate) fn deletions(&self) -> u64 {
        self.files.iter().map(|f| f.deletions).sum()
    }
}

/// An issue or PR comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub id: u64,
    pub body: String,
    pub user: String,
    pub created_at: u64,
    pub updated_at: u64,
}

/// A commit in the fake's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub sha: String,
    pub message: String,
    pub parents: Vec<String>,
    pub author: String,
    pub at: u64,
}

/// A commit status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRec {
    pub sha: String,
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub at: u64,
}

/// An annotated tag object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagObject {
    pub sha: String,
    pub tag: String,
    pub message: String,
    pub object: String,
    pub at: u64,
}

/// A release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    pub target_commitish: String,
    pub name: Option<String>,
    pub body: Option<String>,
    pub draft: bool,
    pub prerelease: bool,
    pub at: u64,
}

/// A deployment.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployment {
    pub id: u64,
    pub sha: String,
    pub git_ref: String,
    pub task: String,
    pub environment: String,
    pub description: Option<String>,
    pub payload: Value,
    pub at: u64,
    pub statuses: Vec<DeploymentStatusRec>,
}

impl Deployment {
    /// A `deploy` task with no description and an empty payload, as the
    /// workflows and the tests create them.
    pub fn new(id: u64, sha: &str, git_ref: &str, environment: &str, at: u64) -> Self {
        Deployment {
            id,
            sha: sha.to_owned(),
            git_ref: git_ref.to_owned(),
            task: "deploy".to_owned(),
            environment: environment.to_owned(),
            description: None,
            payload: Value::Object(Default::default()),
            at,
            statuses: Vec::new(),
        }
    }
}

/// A deployment status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentStatusRec {
    pub id: u64,
    pub state: String,
    pub description: Option<String>,
    pub environment: String,
    pub log_url: Option<String>,
    pub environment_url: Option<String>,
    pub at: u64,
}

/// A file on a branch, for the contents API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentFile {
    pub bytes: Vec<u8>,
    pub sha: String,
}

/// A `workflow_dispatch` the fake received.
#[derive(Debug, Clone, PartialEq)]
pub struct Dispatch {
    pub workflow: String,
    pub git_ref: String,
    pub inputs: Value,
    pub run_id: u64,
}

/// One repository's state.
#[derive(Debug, Clone, Default)]
pub struct RepoState {
    pub default_branch: String,
    /// Merge settings, rulesets, branch protection and environments.
    pub settings: crate::repo_settings::RepoSettings,
    pub pulls: BTreeMap<u64, Pull>,
    /// Issue number → comments.
    pub comments: BTreeMap<u64, Vec<Comment>>,
    /// Issue number → labels.
    pub issue_labels: BTreeMap<u64, Vec<String>>,
    /// Repository labels.
    pub labels: Vec<String>,
    pub statuses: Vec<StatusRec>,
    /// `tags/v1.0.0`, `heads/main` → (sha, object type).
    pub refs: BTreeMap<String, (String, String)>,
    pub tag_objects: BTreeMap<String, TagObject>,
    pub commits: BTreeMap<String, Commit>,
    /// (branch, path) → file.
    pub contents: BTreeMap<(String, String), ContentFile>,
    pub releases: Vec<Release>,
    pub deployments: Vec<Deployment>,
    pub dispatches: Vec<Dispatch>,
    /// Answer `return_run_details` with 422, as older GHES does.
    pub rejects_run_details: bool,
    /// List at most this many commits of a comparison on all its pages, as
    /// GitHub caps long comparisons; `total_commits` stays the true count.
    pub compare_commit_limit: Option<usize>,
    /// Blobs, trees and commits made through the Git Data API.
    pub git: crate::git_data::GitObjects,
    /// The bare git repository behind this one, and its merge queue.
    pub store: crate::git_store::GitStore,
    /// The events GitHub would have fired, oldest first.
    pub events: Vec<crate::events::Event>,
}
