//! Gather: the facts the decision needs, from local git or from the API.
//!
//! Both sources answer the same questions, so the decision does not care
//! which one it has: a local dry run and a run in Actions reach the same
//! version. Facts are read in the order the safeguards use them, and reading
//! stops once the facts so far settle the decision (a refused trigger needs
//! no tag list).

use anyhow::{Context as _, bail};
use gate_runtime::api::client::encode_segment;
use gate_runtime::api::{compare, deployments};
use gate_runtime::event::Event;
use gate_runtime::git::{Git, short};
use gate_runtime::{GitHubClient, GitHubContext, Repo};
use serde::Deserialize;

use crate::cli::Scheme;
use crate::decide::{is_ours, newest, settled};
use crate::settings::Settings;
use crate::version::{base_tag, tag_version};

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

/// Where the release branch's name came from (its name in JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub enum BranchSource {
    /// `--branch`.
    #[serde(rename = "--branch")]
    Flag,
    /// The checkout's `origin/HEAD`.
    #[serde(rename = "origin/HEAD")]
    OriginHead,
    /// The event's `repository.default_branch`.
    #[serde(rename = "event")]
    Event,
    /// The repository's default branch, read through the API.
    #[serde(rename = "api")]
    Api,
    /// `main` or `master`, whichever exists here.
    #[serde(rename = "fallback")]
    Fallback,
}

impl BranchSource {
    /// The source in words, for reports and errors.
    pub fn describe(self) -> &'static str {
        match self {
            BranchSource::Flag => "--branch",
            BranchSource::OriginHead => "origin/HEAD",
            BranchSource::Event => "the event's repository.default_branch",
            BranchSource::Api => "the repository's default branch (API)",
            BranchSource::Fallback => "no origin/HEAD: the one of main and master that exists",
        }
    }
}

/// The release branch and whether the commit is on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    pub name: String,
    pub source: BranchSource,
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
    /// The event's `repository.default_branch`, one of the places the
    /// default branch is looked up.
    pub event_default_branch: Option<String>,
    /// With --require-deployment.
    pub deployed: Option<Deployed>,
    /// Our tags (by the scheme and prefix) as `(name, commit)`.
    pub tags: Option<Vec<(String, String)>>,
    /// The newest of them by the scheme's order.
    pub newest_tag: Option<(String, String)>,
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
        // Only the event of this repository names its default branch (a
        // replayed payload may be another's).
        event_default_branch: ctx
            .event
            .as_ref()
            .and_then(Event::repository)
            .filter(|r| {
                ctx.repo
                    .as_ref()
                    .is_none_or(|repo| repo.full_name().eq_ignore_ascii_case(&r.full_name))
            })
            .and_then(|r| r.default_branch.clone()),
        deployed: None,
        tags: None,
        newest_tag: None,
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
    let shallow = match source {
        Source::Local(git) => git.shallow_boundary()?,
        Source::Api { .. } => None,
    };
    if let (Source::Local(git), Some(_)) = (source, &shallow) {
        let missing = git.missing_objects(tags.iter().map(|(_, c)| c.as_str()))?;
        if let Some((name, _)) = tags.iter().find(|(_, c)| missing.contains(c)) {
            bail!(
                "this shallow clone has the tag {name} but not its commit: the history is cut, so the version would be a guess; check out with fetch-depth: 0 (actions/checkout), or fetch the tags with their history"
            );
        }
    }
    f.newest_tag = newest(s, tags.iter());
    f.tags = Some(tags.clone());
    if settled(f, s).is_some() {
        return Ok(());
    }
    let event_default = f.event_default_branch.clone();
    let (name, branch_source) = match &s.branch {
        Some(b) => (b.clone(), BranchSource::Flag),
        None => source.default_branch(event_default.as_deref()).await?,
    };
    let what = match branch_source {
        BranchSource::Flag => "--branch".to_owned(),
        other => format!("the default branch (from {})", other.describe()),
    };
    let head = source.resolve(&name, &what).await?;
    f.branch = Some(Branch {
        has_commit: source.is_ancestor(&f.sha, &head).await?,
        name,
        source: branch_source,
    });
    if settled(f, s).is_some() {
        return Ok(());
    }
    if let Some((_, commit)) = &f.newest_tag {
        if *commit != f.sha {
            f.newest_contains_sha = Some(source.is_ancestor(&f.sha, commit).await?);
        }
    }
    if settled(f, s).is_some() {
        return Ok(());
    }
    if s.scheme == Scheme::Calver {
        // The date decides; only a shallow clone's blind spot matters.
        if let (Source::Local(git), Some(_)) = (source, &shallow) {
            if reachable_tags(git, &f.sha, &tags)?.is_empty() {
                bail!("{}", shallow_blind(s, &f.sha));
            }
        }
        return Ok(());
    }
    // The base: the newest release tag the commit contains. Candidates are
    // checked newest first, so usually one check decides.
    let mut candidates: Vec<&(String, String)> = tags
        .iter()
        .filter(|(n, _)| tag_version(n, &s.prefix).is_some_and(|v| v.pre.is_none()))
        .collect();
    candidates.sort_by_cached_key(|(n, _)| std::cmp::Reverse(tag_version(n, &s.prefix)));
    let base = match source {
        Source::Local(git) => {
            // One walk answers for every tag, and a shallow clone's history
            // is short; elsewhere it is the fallback after a few checks.
            let mut base = None;
            if shallow.is_none() {
                for (name, commit) in candidates.iter().take(LOCAL_CHECKS) {
                    if source.is_ancestor(commit, &f.sha).await? {
                        base = Some((name.clone(), commit.clone()));
                        break;
                    }
                }
            }
            if base.is_none() && (shallow.is_some() || candidates.len() > LOCAL_CHECKS) {
                let reachable = reachable_tags(git, &f.sha, &tags)?;
                if shallow.is_some() && reachable.is_empty() {
                    bail!("{}", shallow_blind(s, &f.sha));
                }
                base = base_tag(&reachable, &s.prefix)
                    .and_then(|(name, _)| tags.iter().find(|(n, _)| n == name).cloned());
            }
            base
        }
        Source::Api { .. } => {
            let mut base = None;
            for (name, commit) in candidates {
                if source.is_ancestor(commit, &f.sha).await? {
                    base = Some((name.clone(), commit.clone()));
                    break;
                }
            }
            base
        }
    };
    let commits = source.commits(base.as_ref(), &f.sha).await?;
    if let (Source::Local(git), Some(boundary)) = (source, &shallow) {
        if let Some(cut) = cut_in(git, boundary, &commits)? {
            bail!(
                "this shallow clone's history is cut at {} (between {} and {}), so the commits before it would not count; check out with fetch-depth: 0 (actions/checkout)",
                short(&cut),
                base.as_ref()
                    .map_or("the first commit", |(n, _)| n.as_str()),
                short(&f.sha)
            );
        }
    }
    f.history = Some(History { base, commits });
    Ok(())
}

/// Why a shallow clone that reaches no tag cannot decide.
fn shallow_blind(s: &Settings, sha: &str) -> String {
    let which = if s.prefix.is_empty() {
        "version".to_owned()
    } else {
        format!("{:?} version", s.prefix)
    };
    let start = match s.scheme {
        Scheme::Semver => format!("it would start again at {}", s.semver.initial),
        Scheme::Calver => "it could not tell an existing tag from a new one".to_owned(),
    };
    format!(
        "this is a shallow clone and no {which} tag is reachable from {}, so the version would be a guess ({start}); check out with fetch-depth: 0 (actions/checkout), or fetch the tags with their history",
        short(sha)
    )
}

/// A commit of the range whose parents the shallow clone does not have:
/// the range goes on past the cut, unseen.
fn cut_in(
    git: &Git,
    boundary: &std::collections::HashSet<String>,
    commits: &[(String, String)],
) -> anyhow::Result<Option<String>> {
    for (c, _) in commits.iter().filter(|(c, _)| boundary.contains(c)) {
        // The object still names its parents; the clone hides them.
        let raw = git.run(&["cat-file", "commit", c])?;
        let parents: Vec<&str> = raw
            .lines()
            .take_while(|l| !l.is_empty())
            .filter_map(|l| l.strip_prefix("parent "))
            .collect();
        if !git.missing_objects(parents.into_iter())?.is_empty() {
            return Ok(Some(c.clone()));
        }
    }
    Ok(None)
}

/// How many candidates local mode checks one by one before it asks git
/// for every reachable tag at once (one walk, slower than a check on a
/// long history).
const LOCAL_CHECKS: usize = 8;

/// The names of our tags that `sha` contains, in one git call.
fn reachable_tags(git: &Git, sha: &str, ours: &[(String, String)]) -> anyhow::Result<Vec<String>> {
    let merged = format!("--merged={sha}");
    let names: std::collections::HashSet<String> = git
        .run(&[
            "for-each-ref",
            &merged,
            "--format=%(refname:strip=2)",
            "refs/tags",
        ])?
        .lines()
        .map(str::to_owned)
        .collect();
    Ok(ours
        .iter()
        .filter(|(n, _)| names.contains(n))
        .map(|(n, _)| n.clone())
        .collect())
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
            Source::Local(git) => git.tags(),
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
    /// base, the whole history of `sha`. `base` is the tag and its commit.
    /// A list GitHub cut short is an error, never a smaller range.
    pub async fn commits(
        &self,
        base: Option<&(String, String)>,
        sha: &str,
    ) -> anyhow::Result<Vec<(String, String)>> {
        match self {
            Source::Local(git) => {
                let range = match base {
                    Some((_, b)) => format!("{b}..{sha}"),
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
                Some((tag, b)) => {
                    let (listed, total) =
                        compare::commits_between_counted(client, repo, b, sha).await?;
                    if let Some(total) = total.filter(|t| (listed.len() as u64) < *t) {
                        bail!(
                            "the compare API listed {} of the {total} commits between {tag} and {}: the history is cut, so the version would be a guess; run in the checkout with fetch-depth: 0 and --local --dry-run to see the version, or tag by hand",
                            listed.len(),
                            short(sha)
                        );
                    }
                    let mut all: Vec<(String, String)> =
                        listed.into_iter().map(|c| (c.sha, c.message)).collect();
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

    /// The repository's default branch, and where its name came from:
    /// origin/HEAD, else the event's, else (through the API) the
    /// repository's, else main or master, whichever exists. Local mode makes
    /// no API call.
    pub async fn default_branch(
        &self,
        event_default: Option<&str>,
    ) -> anyhow::Result<(String, BranchSource)> {
        match self {
            Source::Local(git) => {
                let origin_head = git
                    .run(&["symbolic-ref", "--short", "refs/remotes/origin/HEAD"])
                    .ok()
                    .and_then(|s| s.strip_prefix("origin/").map(str::to_owned));
                if let Some(b) = origin_head {
                    return Ok((b, BranchSource::OriginHead));
                }
                if let Some(b) = event_default {
                    return Ok((b.to_owned(), BranchSource::Event));
                }
                ["main", "master"]
                    .into_iter()
                    .find(|b| {
                        git.resolve_commit(b).is_some()
                            || git.resolve_commit(&format!("origin/{b}")).is_some()
                    })
                    .map(|b| (b.to_owned(), BranchSource::Fallback))
                    .context(
                        "no release branch: origin/HEAD is not set, the event names no default branch, and neither main nor master exists here; pass --branch",
                    )
            }
            Source::Api { client, repo } => {
                if let Some(b) = event_default {
                    return Ok((b.to_owned(), BranchSource::Event));
                }
                let info: RepoInfo = client.get(&repo.api_path()).await?;
                Ok((info.default_branch, BranchSource::Api))
            }
        }
    }
}
