//! The repository's tags and history, from local git or from the API.
//!
//! Both sources answer the same questions, so the decision code does not
//! care which one it has: a local dry run and a run in Actions reach the
//! same version.

use anyhow::Context as _;
use gate_runtime::client::encode_segment;
use gate_runtime::compare;
use gate_runtime::git::Git;
use gate_runtime::{GitHubClient, Repo};
use serde::Deserialize;

/// Where the facts come from.
pub enum Source<'a> {
    Local(Git),
    Api {
        client: &'a GitHubClient,
        repo: Repo,
    },
}

#[derive(Deserialize)]
struct TagListing {
    name: String,
    commit: ShaOnly,
}

#[derive(Deserialize)]
struct ShaOnly {
    sha: String,
}

#[derive(Deserialize)]
struct ListedCommit {
    sha: String,
    commit: CommitInner,
}

#[derive(Deserialize)]
struct CommitInner {
    message: String,
}

#[derive(Deserialize)]
struct RepoInfo {
    default_branch: String,
}

impl Source<'_> {
    pub fn is_local(&self) -> bool {
        matches!(self, Source::Local(_))
    }

    /// Every tag as `(name, commit)`, annotated tags peeled, all pages.
    pub async fn tags(&self) -> anyhow::Result<Vec<(String, String)>> {
        match self {
            Source::Local(git) => Ok(git
                .run(&[
                    "for-each-ref",
                    "--format=%(refname:strip=2) %(objectname) %(*objectname)",
                    "refs/tags",
                ])?
                .lines()
                .filter_map(|l| {
                    let mut p = l.split(' ');
                    let name = p.next()?.to_owned();
                    let obj = p.next()?;
                    let peeled = p.next().filter(|s| !s.is_empty()).unwrap_or(obj);
                    Some((name, peeled.to_owned()))
                })
                .collect()),
            Source::Api { client, repo } => {
                let tags: Vec<TagListing> = client
                    .get_pages(&format!("{}/tags", repo.api_path()), None)
                    .await?;
                Ok(tags.into_iter().map(|t| (t.name, t.commit.sha)).collect())
            }
        }
    }

    /// Whether `a` is `b` or an ancestor of it.
    pub async fn is_ancestor(&self, a: &str, b: &str) -> anyhow::Result<bool> {
        if a == b {
            return Ok(true);
        }
        match self {
            Source::Local(git) => git.is_ancestor(a, b),
            Source::Api { client, repo } => Ok(compare::is_ancestor(client, repo, a, b).await?),
        }
    }

    /// `(sha, message)` of the commits in `base..sha`, newest first; with no
    /// base, the whole history of `sha`.
    pub async fn commits(
        &self,
        base: Option<&str>,
        sha: &str,
    ) -> anyhow::Result<Vec<(String, String)>> {
        match self {
            Source::Local(git) => {
                let range = match base {
                    Some(b) => format!("{b}..{sha}"),
                    None => sha.to_owned(),
                };
                let out = git.run_bytes(&["log", "--format=%H%x00%B%x1e", &range, "--"])?;
                Ok(String::from_utf8_lossy(&out)
                    .split('\u{1e}')
                    .filter_map(|rec| {
                        let (h, m) = rec.trim_start_matches('\n').split_once('\0')?;
                        Some((h.to_owned(), m.trim_end().to_owned()))
                    })
                    .collect())
            }
            Source::Api { client, repo } => match base {
                Some(b) => {
                    let mut all: Vec<(String, String)> =
                        compare::commits_between(client, repo, b, sha)
                            .await?
                            .into_iter()
                            .map(|c| (c.sha, c.message))
                            .collect();
                    all.reverse();
                    Ok(all)
                }
                None => {
                    let commits: Vec<ListedCommit> = client
                        .get_pages(
                            &format!("{}/commits?sha={}", repo.api_path(), encode_segment(sha)),
                            None,
                        )
                        .await?;
                    Ok(commits
                        .into_iter()
                        .map(|c| (c.sha, c.commit.message))
                        .collect())
                }
            },
        }
    }

    /// A revision's full commit SHA.
    pub async fn resolve(&self, rev: &str, what: &str) -> anyhow::Result<String> {
        match self {
            Source::Local(git) => git
                .resolve_commit(rev)
                .or_else(|| git.resolve_commit(&format!("origin/{rev}")))
                .with_context(|| format!("{what} {rev}: no such commit in this checkout")),
            Source::Api { client, repo } => {
                let c: ShaOnly = client
                    .get(&format!(
                        "{}/commits/{}",
                        repo.api_path(),
                        encode_segment(rev)
                    ))
                    .await
                    .with_context(|| format!("{what} {rev}"))?;
                Ok(c.sha)
            }
        }
    }

    /// The repository's default branch.
    pub async fn default_branch(&self) -> anyhow::Result<String> {
        match self {
            Source::Local(git) => Ok(git
                .run(&["symbolic-ref", "--short", "refs/remotes/origin/HEAD"])
                .ok()
                .and_then(|s| s.strip_prefix("origin/").map(str::to_owned))
                .unwrap_or_else(|| "main".to_owned())),
            Source::Api { client, repo } => {
                let info: RepoInfo = client.get(&repo.api_path()).await?;
                Ok(info.default_branch)
            }
        }
    }
}
