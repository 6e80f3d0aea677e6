//! The compare API: how two commits relate, and the commits between them.

use serde::Deserialize;

use crate::client::{ApiError, GitHubClient, encode_segment};
use crate::context::Repo;

#[derive(Debug, Deserialize)]
struct Author {
    #[serde(default)]
    date: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Inner {
    message: String,
    #[serde(default)]
    author: Option<Author>,
}

#[derive(Debug, Deserialize)]
struct Listed {
    sha: String,
    commit: Inner,
}

#[derive(Debug, Deserialize)]
struct Comparison {
    status: String,
    #[serde(default)]
    total_commits: Option<u64>,
    #[serde(default)]
    commits: Vec<Listed>,
}

/// A commit in `base...head`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComparedCommit {
    pub sha: String,
    pub message: String,
    /// The author date, RFC 3339.
    pub author_date: Option<String>,
}

fn path(repo: &Repo, base: &str, head: &str, query: &str) -> String {
    format!(
        "{}/compare/{}...{}?{query}",
        repo.api_path(),
        encode_segment(base),
        encode_segment(head)
    )
}

/// Whether `a` is `b` or an ancestor of it.
pub async fn is_ancestor(
    client: &GitHubClient,
    repo: &Repo,
    a: &str,
    b: &str,
) -> Result<bool, ApiError> {
    if a == b {
        return Ok(true);
    }
    let cmp: Comparison = client.get(&path(repo, a, b, "per_page=1")).await?;
    Ok(matches!(cmp.status.as_str(), "ahead" | "identical"))
}

/// The commits in `head` that are not in `base`, oldest first, every page
/// (the endpoint pages its commit list; a long branch has more than one).
pub async fn commits_between(
    client: &GitHubClient,
    repo: &Repo,
    base: &str,
    head: &str,
) -> Result<Vec<ComparedCommit>, ApiError> {
    Ok(commits_between_counted(client, repo, base, head).await?.0)
}

/// [`commits_between`], with the total GitHub says the comparison holds:
/// when the list is shorter, GitHub cut it, and the caller must not take it
/// for the whole range.
pub async fn commits_between_counted(
    client: &GitHubClient,
    repo: &Repo,
    base: &str,
    head: &str,
) -> Result<(Vec<ComparedCommit>, Option<u64>), ApiError> {
    let mut all = Vec::new();
    let mut total = None;
    for page in 1.. {
        let cmp: Comparison = client
            .get(&path(
                repo,
                base,
                head,
                &format!("per_page=100&page={page}"),
            ))
            .await?;
        let n = cmp.commits.len();
        total = cmp.total_commits.or(total);
        all.extend(cmp.commits.into_iter().map(|c| ComparedCommit {
            sha: c.sha,
            message: c.commit.message,
            author_date: c.commit.author.and_then(|a| a.date),
        }));
        if n < 100 || total.is_some_and(|t| all.len() as u64 >= t) {
            break;
        }
    }
    Ok((all, total))
}
