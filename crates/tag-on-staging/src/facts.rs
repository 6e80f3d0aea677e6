//! Gather: the facts the decision needs, from local git or from the API.
//!
//! Both sources answer the same questions, so the decision does not care
//! which one it has: a local dry run and a run in Actions reach the same
//! version. Facts are read in the order the safeguards use them, and reading
//! stops once the facts so far settle the decision (a refused trigger needs
//! no tag list).

use anyhow::{Context as _, bail};
use gate_runtime::client::encode_segment;
use gate_runtime::event::Event;
use gate_runtime::git::Git;
use gate_runtime::{GitHubClient, GitHubContext, Repo, compare, deployments};
use serde::Deserialize;

use crate::cli::Scheme;
use crate::decide::{is_ours, newest, settled};
use crate::settings::Settings;
use crate::version::tag_version;

/// The run that triggered this one, from the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trigger {
    /// A `workflow_run` event: the staging run and how it concluded.
    WorkflowRun {
        name: String,
        conclusion: Option<String>,
    },
    /// A `deployment_status` event: the deployment's state and environment.
    DeploymentStatus { state: String, environment: String },
}

impl Trigger {
    /// The trigger an event names, if it is one that can refuse.
    pub fn of(event: Option<&Event>) -> Option<Self> {
        match event? {
            Event::WorkflowRun(e) => Some(Trigger::WorkflowRun {
                name: e.workflow_run.name.clone().unwrap_or_default(),
                conclusion: e.workflow_run.conclusion.clone(),
            }),
            Event::DeploymentStatus(e) => Some(Trigger::DeploymentStatus {
                state: e.deployment_status.state.clone(),
                environment: e.deployment.environment.clone(),
            }),
            _ => None,
        }
    }
}

/// The newest deployment of the commit to the required environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deployed {
    /// There is none.
    Nowhere,
    /// It has no status yet.
    NoStatus,
    /// Its newest status.
    State(String),
}

/// The release branch and whether the commit is on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub name: String,
    pub has_commit: bool,
}

/// What the semver scheme reads: the base tag and the commits since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct History {
    /// The newest stable version tag reachable from the commit, and its
    /// commit.
    pub base: Option<(String, String)>,
    /// `(sha, message)` from the base to the commit, newest first.
    pub commits: Vec<(String, String)>,
}

/// Everything the decision is made from. The later facts are `None` when
/// the earlier ones already settled it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    /// The commit to tag, resolved.
    pub sha: String,
    /// Read from the local checkout (no API).
    pub local: bool,
    pub trigger: Option<Trigger>,
    /// With --require-deployment.
    pub deployed: Option<Deployed>,
    /// Our tags (by the scheme and prefix) as `(name, commit)`.
    pub tags: Option<Vec<(String, String)>>,
    pub branch: Option<Branch>,
    /// Whether the commit is contained in the newest tag's commit, when that
    /// is another commit.
    pub newest_contains_sha: Option<bool>,
    /// Semver only.
    pub history: Option<History>,
}

/// Reads the facts, stopping once they settle the decision.
pub async fn gather(
    s: &Settings,
    ctx: &GitHubContext,
    source: &Source<'_>,
) -> anyhow::Result<Facts> {
    let mut f = Facts {
        sha: source.resolve(&s.rev, "--sha").await?,
        local: source.is_local(),
        trigger: Trigger::of(ctx.event.as_ref()),
        deployed: None,
        tags: None,
        branch: None,
        newest_contains_sha: None,
        history: None,
    };
    if settled(&f, s).is_some() {
        return Ok(f);
    }
    if let Some(env) = &s.require_deployment {
        let Source::Api { client, repo } = source else {
            bail!(
                "--require-deployment {env}: cannot be checked in local mode (the Deployments API is needed); drop --local"
            );
        };
        f.deployed = Some(newest_deployment(client, repo, &f.sha, env).await?);
        if settled(&f, s).is_some() {
            return Ok(f);
        }
    }
    regather(s, source, &mut f).await?;
    Ok(f)
}

/// Reads the tags and everything after them again (after a lost race):
/// the commit and its trigger stay as they were.
pub async fn regather(s: &Settings, source: &Source<'_>, f: &mut Facts) -> anyhow::Result<()> {
    f.branch = None;
    f.newest_contains_sha = None;
    f.history = None;
    let tags: Vec<(String, String)> = source
        .tags()
        .await?
        .into_iter()
        .filter(|(n, _)| is_ours(n, s))
        .collect();
    f.tags = Some(tags.clone());
    if settled(f, s).is_some() {
        return Ok(());
    }
    let name = match &s.branch {
        Some(b) => b.clone(),
        None => source.default_branch().await?,
    };
    let head = source.resolve(&name, "--branch").await?;
    f.branch = Some(Branch {
        has_commit: source.is_ancestor(&f.sha, &head).await?,
        name,
    });
    if settled(f, s).is_some() {
        return Ok(());
    }
    if let Some((_, commit)) = newest(s, tags.iter()) {
        if commit != f.sha {
            f.newest_contains_sha = Some(source.is_ancestor(&f.sha, &commit).await?);
        }
    }
    if settled(f, s).is_some() || s.scheme == Scheme::Calver {
        return Ok(());
    }
    let mut by_version: Vec<&(String, String)> = tags
        .iter()
        .filter(|(n, _)| tag_version(n, &s.prefix).is_some_and(|v| v.pre.is_none()))
        .collect();
    by_version.sort_by_key(|(n, _)| std::cmp::Reverse(tag_version(n, &s.prefix)));
    let mut base = None;
    for (name, commit) in by_version {
        if source.is_ancestor(commit, &f.sha).await? {
            base = Some((name.clone(), commit.clone()));
            break;
        }
    }
    let commits = source
        .commits(base.as_ref().map(|(_, c)| c.as_str()), &f.sha)
        .await?;
    f.history = Some(History { base, commits });
    Ok(())
}

/// The newest deployment of `sha` to `env`, and its newest status.
async fn newest_deployment(
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
    env: &str,
) -> anyhow::Result<Deployed> {
    let newest =
        deployments::list(client, repo, &[("sha", sha), ("environment", env)], Some(1)).await?;
    let Some(newest) = newest.first() else {
        return Ok(Deployed::Nowhere);
    };
    let statuses = deployments::statuses(client, repo, newest.id, Some(1)).await?;
    Ok(match statuses.first() {
        Some(s) => Deployed::State(s.state.clone()),
        None => Deployed::NoStatus,
    })
}

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
