//! The world around the reports, and how [`crate::facts::gather`] asks it:
//! which event this is, the baseline record to compare with, and the lines
//! the change adds. Local git when the checkout has the history (or locally
//! with `--base`), the API in Actions when it does not.

use anyhow::{Context as _, bail};
use gate_runtime::api::compare::{first_parents, merge_base};
use gate_runtime::data_branch::{GitDataBranch, LocalBranch};
use gate_runtime::event::{Event, PullRequest};
use gate_runtime::git::Git;
use gate_runtime::plan;
use gate_runtime::{GitHubClient, GitHubContext, Repo};
use serde::Deserialize;

use crate::diff::{ChangedLines, DiffParser};
use crate::ratchet::Baseline;
use crate::report::BaselineUsed;
use crate::store;

/// A pull request the run is about: what the gate takes from the one
/// pull-request model (`gate_runtime::event::PullRequest`), whether the
/// event carried it or the API answered with it.
#[derive(Debug, Clone)]
pub(crate) struct Pr {
    pub number: u64,
    pub base_sha: String,
    pub head_sha: String,
    pub author: Option<String>,
    /// From a fork: the job's token is read-only.
    pub fork: bool,
    pub changed_files: Option<u64>,
}

impl Pr {
    /// `fork`: the job's token is read-only for this pull request.
    fn of(pr: &PullRequest, fork: bool) -> Self {
        Pr {
            number: pr.number,
            base_sha: pr.base.sha.clone(),
            head_sha: pr.head.sha.clone(),
            author: Some(pr.user.login.clone()),
            fork,
            changed_files: pr.changed_files,
        }
    }
}

/// What triggered the run, as far as the gate cares.
#[derive(Debug, Clone)]
pub(crate) enum Situation {
    Pr(Pr),
    MergeGroup {
        base_sha: String,
        base_ref: String,
    },
    Push {
        before: Option<String>,
        git_ref: String,
        default_branch: Option<String>,
    },
    /// No event (a local run), or one without a pull request.
    Other(Option<String>),
}

/// Where the run can look things up.
pub(crate) struct World<'a> {
    pub ctx: &'a GitHubContext,
    pub git: Git,
    pub in_repo: bool,
    /// The API, in Actions with a repository.
    pub api: Option<(GitHubClient, Repo)>,
}

#[derive(Debug, Deserialize)]
struct ApiFile {
    filename: String,
    #[serde(default)]
    additions: u64,
    #[serde(default)]
    patch: Option<String>,
}

fn all_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

/// `git diff merge-base(base, HEAD)..HEAD`'s added lines, as they stream.
/// Returns them and the commit whose lines they are. A free function, so
/// it can run on its own thread while the reports are read.
pub(crate) fn local_diff(
    git: &Git,
    base: &str,
    flag: &str,
) -> anyhow::Result<(ChangedLines, String)> {
    let base = git.resolve_commit(base).with_context(|| {
        format!(
            "{flag} {base}: no such commit in {}; fetch it (actions/checkout with fetch-depth: 0) or name another revision",
            git.dir().display()
        )
    })?;
    let head = git
        .resolve_commit("HEAD")
        .context("the checkout has no HEAD commit")?;
    let mb = git.merge_base(&base, &head).with_context(|| {
        format!("{flag} {base}: no merge base with HEAD; the history is too shallow (use fetch-depth: 0) or unrelated")
    })?;
    let mut parser = DiffParser::default();
    git.run_lines(
        &[
            "-c",
            "diff.noprefix=false",
            "-c",
            "diff.mnemonicPrefix=false",
            "diff",
            "-U0",
            "--no-color",
            "--no-ext-diff",
            "-M",
            "--relative",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            &mb,
            &head,
            "--",
        ],
        |line| parser.line(line),
    )
    .context("reading the diff")?;
    Ok((parser.finish(), head))
}

/// How the changed lines are to be read.
#[derive(Debug, Clone)]
pub(crate) enum DiffPlan {
    /// Local git, from this base; `what` says so in the report.
    Local {
        base: String,
        flag: &'static str,
        what: String,
    },
    /// The pull request's file patches, through the API.
    Api(Pr),
    /// No base to diff against, and why.
    Unavailable(String),
}

impl World<'_> {
    /// Where the plan's writes go: the API (in Actions, with a
    /// repository) and the checkout.
    pub(crate) fn writes(&self) -> plan::World<'_> {
        plan::World {
            client: self.api.as_ref().map(|(c, _)| c),
            repo: self.api.as_ref().map(|(_, r)| r),
            git: Some(&self.git),
            webhooks: None,
        }
    }

    /// The commit the checkout holds, when it is a repository.
    pub(crate) fn head(&self) -> Option<String> {
        self.in_repo
            .then(|| self.git.resolve_commit("HEAD"))
            .flatten()
    }

    /// What the event says, with the pull request of a `workflow_run` found
    /// through the API (a fork's run lists none).
    pub(crate) async fn situation(&self) -> anyhow::Result<Situation> {
        Ok(match &self.ctx.event {
            Some(Event::PullRequest { event, .. }) => Situation::Pr(Pr::of(
                &event.pull_request,
                self.ctx.read_only_reason().is_some(),
            )),
            Some(Event::WorkflowRun(run)) => {
                let run = &run.workflow_run;
                match self
                    .run_pull(&run.head_sha, run.pull_requests.first().map(|p| p.number))
                    .await?
                {
                    Some(pr) => Situation::Pr(pr),
                    None => Situation::Other(Some("workflow_run".into())),
                }
            }
            Some(Event::MergeGroup(mg)) => Situation::MergeGroup {
                base_sha: mg.merge_group.base_sha.clone(),
                base_ref: mg.merge_group.base_ref.clone(),
            },
            Some(Event::Push(p)) => Situation::Push {
                before: Some(p.before.clone()).filter(|b| !all_zero(b)),
                git_ref: p.git_ref.clone(),
                default_branch: p.repository.default_branch.clone(),
            },
            Some(e) => Situation::Other(Some(e.name().to_owned())),
            None => Situation::Other(None),
        })
    }

    /// The open pull request whose head is `head_sha`. The run in the base
    /// repository is trusted; what its artifact says is not, so the number
    /// comes from GitHub, never from the artifact.
    async fn run_pull(&self, head_sha: &str, listed: Option<u64>) -> anyhow::Result<Option<Pr>> {
        let Some((client, repo)) = &self.api else {
            return Ok(None);
        };
        let number = match listed {
            Some(n) => n,
            None => {
                let pulls: Vec<PullRequest> = client
                    .get_pages(&format!("{}/pulls?state=open", repo.api_path()), Some(1000))
                    .await?;
                match pulls.into_iter().find(|p| p.head.sha == head_sha) {
                    Some(p) => p.number,
                    None => return Ok(None),
                }
            }
        };
        let p: PullRequest = client
            .get(&format!("{}/pulls/{number}", repo.api_path()))
            .await?;
        // The commenter runs in the base repository with its token.
        Ok(Some(Pr::of(&p, false)))
    }

    fn local_commit(&self, rev: &str, flag: &str) -> anyhow::Result<String> {
        self.git.resolve_commit(rev).with_context(|| {
            format!(
                "{flag} {rev}: no such commit in {}; fetch it (actions/checkout with fetch-depth: 0) or name another revision",
                self.git.dir().display()
            )
        })
    }

    fn require_repo(&self, flag: &str) -> anyhow::Result<()> {
        if !self.in_repo {
            bail!(
                "{flag}: {} is not inside a git repository; run from the checkout (--root), or pass --baseline FILE",
                self.git.dir().display()
            );
        }
        Ok(())
    }

    /// Finds the record to compare with (`--baseline auto`): the merge
    /// base's, or its nearest first-parent ancestor's within `depth`.
    /// `Ok(None)` with the reason when there is none.
    pub(crate) async fn auto_baseline(
        &self,
        situation: &Situation,
        base_flag: Option<&str>,
        branch: &str,
        depth: usize,
    ) -> anyhow::Result<Result<(Baseline, BaselineUsed), String>> {
        // Where main was when this change left it.
        let (from, api_walk) = match (base_flag, situation) {
            (Some(rev), _) => {
                self.require_repo("--baseline auto")?;
                let base = self.local_commit(rev, "--base")?;
                let head = self
                    .head()
                    .context("--baseline auto: the checkout has no HEAD commit")?;
                let mb = self.git.merge_base(&base, &head).with_context(|| {
                    format!("--base {rev}: no merge base with HEAD; the history is too shallow (use fetch-depth: 0) or unrelated")
                })?;
                (mb, false)
            }
            (None, Situation::MergeGroup { base_sha, .. }) => {
                (base_sha.clone(), self.api.is_some())
            }
            (None, Situation::Pr(pr)) => match &self.api {
                Some((client, repo)) => {
                    let tested = self.head().unwrap_or_else(|| pr.head_sha.clone());
                    let mb = match merge_base(client, repo, &pr.base_sha, &tested).await {
                        Err(e) if e.is_not_found() && tested != pr.head_sha => {
                            merge_base(client, repo, &pr.base_sha, &pr.head_sha).await?
                        }
                        other => other?,
                    };
                    (mb, true)
                }
                None => {
                    self.require_repo("--baseline auto")?;
                    let base = self.local_commit(&pr.base_sha, "the pull request's base")?;
                    let head = self
                        .head()
                        .context("--baseline auto: the checkout has no HEAD commit")?;
                    let mb = self.git.merge_base(&base, &head).context(
                        "--baseline auto: no merge base of the pull request's base and HEAD here; use fetch-depth: 0",
                    )?;
                    (mb, false)
                }
            },
            (
                None,
                Situation::Push {
                    before: Some(b), ..
                },
            ) => (b.clone(), self.api.is_some()),
            (None, Situation::Push { before: None, .. }) => {
                return Ok(Err(
                    "a push that created the branch has no earlier commit to compare with".into(),
                ));
            }
            (None, Situation::Other(_)) => {
                if self.api.is_none() {
                    self.require_repo("--baseline auto")?;
                }
                bail!(
                    "--baseline auto: no base to compare with; pass --base REV (where this work started, e.g. origin/main), or run on a pull_request, merge_group or push event"
                );
            }
        };
        let walk = match (&self.api, api_walk) {
            (Some((client, repo)), true) => first_parents(client, repo, &from, depth + 1).await?,
            _ => self.git.first_parents(&from, depth + 1)?,
        };
        let found = match (&self.api, api_walk) {
            (Some((client, repo)), true) => {
                let b = GitDataBranch {
                    client,
                    repo,
                    branch,
                };
                let snap = b.snapshot(&[]).await?;
                match store::nearest(&walk, &store::recorded(&snap.files)) {
                    Some((sha, d)) => {
                        let path = store::record_path(sha);
                        let bytes = b.read_blob(&snap.files[&path]).await?;
                        Some((sha.to_owned(), d, format!("{branch}:{path}"), bytes))
                    }
                    None => None,
                }
            }
            _ => {
                let mut found = None;
                for refname in [
                    format!("refs/heads/{branch}"),
                    format!("refs/remotes/origin/{branch}"),
                ] {
                    let b = LocalBranch {
                        git: &self.git,
                        refname: refname.clone(),
                        dry_run: true,
                    };
                    let snap = b.snapshot(&[]).await?;
                    if let Some((sha, d)) = store::nearest(&walk, &store::recorded(&snap.files)) {
                        if found.as_ref().is_none_or(|(_, fd, _, _)| d < *fd) {
                            let path = store::record_path(sha);
                            let bytes = b.read_blob(&snap.files[&path]).await?;
                            let short = refname
                                .trim_start_matches("refs/heads/")
                                .trim_start_matches("refs/remotes/");
                            found = Some((sha.to_owned(), d, format!("{short}:{path}"), bytes));
                        }
                    }
                }
                found
            }
        };
        let Some((sha, distance, label, bytes)) = found else {
            return Ok(Err(format!(
                "no coverage record on {branch} for the merge base {} or its {} first-parent ancestors, so the packages were not compared. Start recording: run coverage-gate with --record on every push to the default branch (see the README's \"Recording the baseline\")",
                &from[..from.len().min(12)],
                walk.len().saturating_sub(1)
            )));
        };
        let record = store::decode(&label, &sha, &bytes)?;
        Ok(Ok((
            record,
            BaselineUsed {
                commit: Some(sha),
                distance: Some(distance),
                source: label,
                from: Some(from),
            },
        )))
    }

    /// Whether local git can diff from `base` to HEAD.
    fn can_diff_locally(&self, base: &str) -> bool {
        self.in_repo
            && self.git.resolve_commit(base).is_some()
            && self
                .head()
                .is_some_and(|h| self.git.merge_base(base, &h).is_some())
    }

    /// Decides where the changed lines come from, before any is read.
    pub(crate) fn diff_plan(
        &self,
        situation: &Situation,
        base_flag: Option<&str>,
    ) -> anyhow::Result<DiffPlan> {
        if let Some(rev) = base_flag {
            if !self.in_repo {
                bail!(
                    "--base {rev}: {} is not inside a git repository; run from the checkout (--root)",
                    self.git.dir().display()
                );
            }
            return Ok(DiffPlan::Local {
                base: rev.to_owned(),
                flag: "--base",
                what: format!("git diff against the merge base with {rev}"),
            });
        }
        Ok(match situation {
            Situation::Pr(pr) if self.can_diff_locally(&pr.base_sha) => DiffPlan::Local {
                base: pr.base_sha.clone(),
                flag: "the pull request's base",
                what: "git diff against the pull request's base".into(),
            },
            Situation::Pr(pr) if self.api.is_some() => DiffPlan::Api(pr.clone()),
            Situation::Pr(_) => DiffPlan::Unavailable(
                "the checkout lacks the pull request's base commit; use fetch-depth: 0".into(),
            ),
            Situation::MergeGroup { base_sha, .. } if self.can_diff_locally(base_sha) => {
                DiffPlan::Local {
                    base: base_sha.clone(),
                    flag: "the merge group's base",
                    what: "git diff against the merge group's base".into(),
                }
            }
            Situation::MergeGroup { .. } => DiffPlan::Unavailable(
                "the checkout lacks the merge group's base commit; use fetch-depth: 0".into(),
            ),
            Situation::Push { .. } | Situation::Other(_) => DiffPlan::Unavailable(
                "there is no base to diff against (pass --base REV, or run on a pull request)"
                    .into(),
            ),
        })
    }

    /// The PR's added lines from its file patches. A file whose patch
    /// GitHub left out (too large) cannot be skipped silently: the run
    /// stops and asks for local history instead.
    pub(crate) async fn api_changed_lines(&self, pr: &Pr) -> anyhow::Result<ChangedLines> {
        let Some((client, repo)) = &self.api else {
            bail!("internal: the API diff was planned without the API");
        };
        let files: Vec<ApiFile> = client
            .get_pages(
                &format!("{}/pulls/{}/files", repo.api_path(), pr.number),
                None,
            )
            .await?;
        if let Some(n) = pr.changed_files {
            if (files.len() as u64) < n {
                bail!(
                    "the API listed {} of the pull request's {n} changed files (it stops at 3,000); check out with fetch-depth: 0 so the gate diffs with local git",
                    files.len()
                );
            }
        }
        let missing: Vec<&str> = files
            .iter()
            .filter(|f| f.patch.is_none() && f.additions > 0)
            .map(|f| f.filename.as_str())
            .collect();
        if let Some(first) = missing.first() {
            bail!(
                "GitHub left out the patch of {first:?}{} (too large to show), so its changed lines are unknown; check out with fetch-depth: 0 so the gate diffs with local git",
                if missing.len() > 1 {
                    format!(" and {} more", missing.len() - 1)
                } else {
                    String::new()
                }
            );
        }
        // The API names files from the repository's top; the reports from
        // the checkout directory.
        let prefix = self.prefix();
        let mut all = ChangedLines::new();
        for f in files {
            let (Some(patch), Some(path)) = (f.patch, f.filename.strip_prefix(prefix.as_str()))
            else {
                continue;
            };
            let mut p = DiffParser::for_file(path);
            for line in patch.lines() {
                p.line(line.as_bytes())
                    .with_context(|| format!("the API's patch of {:?}", f.filename))?;
            }
            all.extend(p.finish());
        }
        Ok(all)
    }

    /// `--root` relative to the repository's top, `dir/` (empty at the top
    /// or outside a repository).
    pub(crate) fn prefix(&self) -> String {
        if !self.in_repo {
            return String::new();
        }
        self.git
            .run(&["rev-parse", "--show-prefix"])
            .unwrap_or_default()
    }
}
