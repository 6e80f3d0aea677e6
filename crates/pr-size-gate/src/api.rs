//! Facts from the API, for checkouts without usable history.

use std::collections::BTreeSet;

use anyhow::bail;
use gate_runtime::api::compare::commits_between;
use gate_runtime::api::contents::file_at;
use gate_runtime::event::PullRequest;
use gate_runtime::{GitHubClient, Repo};
use serde::Deserialize;

use crate::gitattributes::candidate_dirs;
use crate::policy::Change;

#[derive(Debug, Clone, Deserialize)]
struct ApiFile {
    filename: String,
    status: String,
    additions: u64,
    deletions: u64,
    #[serde(default)]
    previous_filename: Option<String>,
    #[serde(default)]
    patch: Option<String>,
}

/// The live pull request.
pub async fn pull(client: &GitHubClient, repo: &Repo, number: u64) -> anyhow::Result<PullRequest> {
    Ok(client
        .get(&format!("{}/pulls/{number}", repo.api_path()))
        .await?)
}

/// Every file of the PR, refusing to guess when the API's 3,000-file cap
/// cut the list short.
pub async fn files(
    client: &GitHubClient,
    repo: &Repo,
    pr: &PullRequest,
) -> anyhow::Result<Vec<Change>> {
    let files: Vec<ApiFile> = client
        .get_pages(
            &format!("{}/pulls/{}/files", repo.api_path(), pr.number),
            None,
        )
        .await?;
    if let Some(expected) = pr.changed_files {
        if (files.len() as u64) < expected {
            bail!(
                "the API listed {} of the PR's {expected} changed files (it stops at 3,000), so the count would be a guess; check out with enough history (actions/checkout with fetch-depth: 0) so the gate counts with local git",
                files.len()
            );
        }
    }
    Ok(files
        .into_iter()
        .map(|f| Change {
            // Binary files come with no patch and no line counts. (So does
            // an empty file; the API cannot tell them apart.)
            binary: f.patch.is_none()
                && f.additions == 0
                && f.deletions == 0
                && f.status != "renamed",
            old_path: f.previous_filename.filter(|_| f.status == "renamed"),
            path: f.filename,
            additions: f.additions,
            deletions: f.deletions,
        })
        .collect())
}

/// The `.gitattributes` files at `base_sha` that can apply to the changed
/// paths, one contents request per candidate directory.
pub async fn gitattributes(
    client: &GitHubClient,
    repo: &Repo,
    base_sha: &str,
    changes: &[Change],
) -> anyhow::Result<Vec<(String, String)>> {
    let dirs: BTreeSet<String> = changes
        .iter()
        .flat_map(|c| candidate_dirs(&c.path))
        .collect();
    let mut found = Vec::new();
    for dir in dirs {
        let path = format!("{dir}.gitattributes");
        if let Some(text) = file_at(client, repo, &path, base_sha).await? {
            found.push((dir, text));
        }
    }
    Ok(found)
}

/// Author dates of the branch's commits not on base.
pub async fn branch_commit_dates(
    client: &GitHubClient,
    repo: &Repo,
    base_sha: &str,
    head_sha: &str,
) -> anyhow::Result<Vec<String>> {
    Ok(commits_between(client, repo, base_sha, head_sha)
        .await?
        .into_iter()
        .filter_map(|c| c.author_date)
        .collect())
}

/// Recent PRs, newest first, read back until `stop_before` (RFC 3339, UTC
/// comparison by timestamp) is passed. The search API lags, so this lists.
pub async fn recent_pulls(
    client: &GitHubClient,
    repo: &Repo,
    stop_before: jiff::Timestamp,
) -> anyhow::Result<Vec<PullRequest>> {
    let path = format!(
        "{}/pulls?state=all&sort=created&direction=desc",
        repo.api_path()
    );
    Ok(client
        .get_pages_while(&path, |page: &[PullRequest]| {
            page.last().is_some_and(|p| {
                p.created_at
                    .as_deref()
                    .and_then(|c| c.parse::<jiff::Timestamp>().ok())
                    .is_some_and(|t| t >= stop_before)
            })
        })
        .await?)
}
