//! The compare API: how two commits relate, and the commits between them.

use serde::Deserialize;

use crate::api::client::{ApiError, GitHubClient, encode_segment};
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

#[derive(Debug, Deserialize)]
struct ShaOnly {
    sha: String,
}

#[derive(Debug, Deserialize)]
struct MergeBase {
    merge_base_commit: ShaOnly,
}

/// The merge base of `base` and `head`: where a branch left its base.
pub async fn merge_base(
    client: &GitHubClient,
    repo: &Repo,
    base: &str,
    head: &str,
) -> Result<String, ApiError> {
    let cmp: MergeBase = client.get(&path(repo, base, head, "per_page=1")).await?;
    Ok(cmp.merge_base_commit.sha)
}

#[derive(Debug, Deserialize)]
struct ListedParents {
    sha: String,
    #[serde(default)]
    parents: Vec<ShaOnly>,
}

/// The first-parent ancestors of `sha`, itself first: at most `count`,
/// fewer when history ends. Read from the commit list (100 a page, newest
/// first), which holds every ancestor; side branches only cost pages.
pub async fn first_parents(
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
    count: usize,
) -> Result<Vec<String>, ApiError> {
    let mut first_parent: std::collections::HashMap<String, Option<String>> =
        std::collections::HashMap::new();
    let chain = |known: &std::collections::HashMap<String, Option<String>>| {
        let mut out = vec![sha.to_owned()];
        while out.len() < count {
            match out.last().and_then(|s| known.get(s)) {
                Some(Some(parent)) => out.push(parent.clone()),
                // A root commit: history ends here.
                Some(None) => return (out, true),
                None => return (out, false),
            }
        }
        (out, true)
    };
    let list = format!(
        "{}/commits?sha={}&per_page=100",
        repo.api_path(),
        encode_segment(sha)
    );
    client
        .get_pages_while(&list, |page: &[ListedParents]| {
            for c in page {
                first_parent.insert(c.sha.clone(), c.parents.first().map(|p| p.sha.clone()));
            }
            !chain(&first_parent).1
        })
        .await?;
    let (mut out, _) = chain(&first_parent);
    // The start itself must exist: an unknown SHA lists nothing.
    if !first_parent.contains_key(sha) {
        out.clear();
    }
    Ok(out)
}
