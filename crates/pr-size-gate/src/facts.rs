//! Gather: the pull request, its changed files and what they count for.
//!
//! The files come from local git when the checkout has both ends of the
//! branch ([`crate::local`]), else from the API ([`crate::api`]). Also read
//! here: the branch's commit dates, the author's other PRs that day, and,
//! when the gate is to write them, the PR's current labels and this gate's
//! sticky comment, so the decision can plan exact writes.

use anyhow::{Context as _, bail};
use gate_runtime::api::comment::{ExistingComment, StickyTarget, find_sticky};
use gate_runtime::event::{Event, PullRequest};
use gate_runtime::git::{Git, short};
use gate_runtime::{GitHubClient, GitHubContext, Repo, clock};
use jiff::Timestamp;
use serde::Serialize;

use crate::GATE;
use crate::api;
use crate::gitattributes::Attributes;
use crate::ignore::IgnoreRules;
use crate::local;
use crate::policy::{self, PrsToday};
use crate::settings::Settings;

/// Where the numbers came from: `mode` is `local` (git in the checkout)
/// or `api` (the pull request's files from the REST API).
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
#[serde(tag = "mode", rename_all = "lowercase")]
pub enum Source {
    /// Counted with local git, from the merge base to the head.
    Local {
        /// The base as given (a ref or a SHA).
        base: String,
        /// The merge base's SHA.
        merge_base: String,
        /// The head's SHA.
        head: String,
    },
    /// Counted from the pull request's files in the REST API.
    Api {
        /// The pull request's number.
        pr: u64,
        /// The base commit's SHA.
        base: String,
        /// The head commit's SHA.
        head: String,
    },
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Local {
                base,
                merge_base,
                head,
            } => format!(
                "local git: {}..{} (merge base with {base})",
                short(merge_base),
                short(head)
            ),
            Source::Api { pr, base, head } => format!(
                "the API: pull request #{pr} ({}..{})",
                short(base),
                short(head)
            ),
        }
    }
}

/// Everything the decision is made from.
#[derive(Debug, Clone)]
pub struct Facts {
    /// What the policy counts.
    pub counted: policy::Facts,
    pub source: Source,
    /// The pull request: the event's, or the live one from the API.
    pub pr: Option<PullRequest>,
    /// Its number (--pr wins over the event's).
    pub number: Option<u64>,
    pub repo: Option<Repo>,
    /// The PR's labels now, with --label.
    pub labels_now: Option<Vec<String>>,
    /// This gate's sticky comments now, with --comment.
    pub sticky: Option<Vec<ExistingComment>>,
    /// Things the user should know (a fallback taken, a rule not checked).
    pub notes: Vec<String>,
}

#[derive(serde::Deserialize)]
struct LabelName {
    name: String,
}

/// Reads the facts.
pub async fn gather(
    s: &Settings,
    ctx: &GitHubContext,
    client: &GitHubClient,
    git: &Git,
) -> anyhow::Result<Facts> {
    let mut pr = ctx.event.as_ref().and_then(Event::pull_request).cloned();
    let mut number = s.pr.or(pr.as_ref().map(|p| p.number));
    let mut notes = Vec::new();

    // Local when asked, or when the checkout has the PR's base commit.
    let event_base = pr.as_ref().map(|p| p.base.sha.clone());
    let local_plan = match (&s.base, &event_base) {
        (Some(base), _) => Some((base.clone(), s.head.clone(), "--base")),
        (None, Some(base_sha)) if s.pr.is_none() && git.is_repo() => {
            // Both ends must be here: under pull_request_target the checkout
            // is the base, and counting HEAD would measure nothing.
            let head = pr
                .as_ref()
                .map(|p| p.head.sha.clone())
                .filter(|h| git.resolve_commit(h).is_some());
            let usable = head.as_ref().is_some_and(|h| {
                git.resolve_commit(base_sha).is_some() && git.merge_base(base_sha, h).is_some()
            });
            if !usable {
                notes.push("the checkout lacks the pull request's base or head history, so the API counted the files; use fetch-depth: 0 to count locally".to_owned());
            }
            head.filter(|_| usable)
                .map(|h| (base_sha.clone(), h, "the pull request's base"))
        }
        _ => None,
    };

    let (source, changes, gitattributes, author_times) = match local_plan {
        Some((base, head, flag)) => {
            if !git.is_repo() {
                bail!("{flag} {base}: not inside a git repository; run from the checkout");
            }
            let diff = local::read(git, &base, &head, flag)?;
            let times: Vec<Timestamp> = diff
                .author_times
                .iter()
                .filter_map(|t| Timestamp::from_second(*t).ok())
                .collect();
            let source = Source::Local {
                base: base.clone(),
                merge_base: diff.merge_base.clone(),
                head: diff.head.clone(),
            };
            (source, diff.changes, diff.gitattributes, times)
        }
        None => {
            let n = number.context(
                "nothing to measure: pass --base REV to count a local branch, --pr N (with --repo and a token) to count through the API, or run on a pull_request event",
            )?;
            let repo = ctx.require_repo()?;
            let live = api::pull(client, repo, n).await?;
            let changes = api::files(client, repo, &live).await?;
            let attrs = api::gitattributes(client, repo, &live.base.sha, &changes).await?;
            // One more request, only when the age is a rule here.
            let dates = match s.limits.max_branch_age_hours {
                Some(_) => {
                    api::branch_commit_dates(client, repo, &live.base.sha, &live.head.sha).await?
                }
                None => Vec::new(),
            };
            let times = dates
                .iter()
                .map(|d| clock::parse_timestamp(d, "a commit date from the API"))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let source = Source::Api {
                pr: n,
                base: live.base.sha.clone(),
                head: live.head.sha.clone(),
            };
            number = Some(live.number);
            pr = Some(live);
            (source, changes, attrs, times)
        }
    };

    if number.is_none() {
        if s.limits.bypass_label.is_some() {
            notes.push(
                "--bypass-label: not checked, there is no pull request whose labels to read"
                    .to_owned(),
            );
        }
        if s.limits.skip_drafts {
            notes.push(
                "--skip-drafts: not checked, there is no pull request to tell draft from ready"
                    .to_owned(),
            );
        }
    }
    let attributes = Attributes::from_files(gitattributes);
    notes.extend(attributes.skipped.iter().cloned());
    let rules = IgnoreRules::new(s.default_ignores, &s.ignore, attributes)?;
    let ignored = changes.iter().map(|c| rules.reason(&c.path)).collect();
    let branch_age_hours = author_times
        .iter()
        .min()
        .map(|oldest| (s.now.duration_since(*oldest).as_secs_f64() / 3600.0).max(0.0));

    let repo = ctx.repo.clone();
    let author = pr.as_ref().map(|p| p.user.login.clone());
    let prs_today = match (
        s.limits.max_prs_per_day,
        &repo,
        &author,
        pr.as_ref().and_then(|p| p.created_at.as_deref()),
    ) {
        (None, ..) => None,
        (Some(_), Some(repo), Some(author), Some(created)) => {
            Some(prs_today(client, repo, author, created, s).await?)
        }
        (Some(_), ..) => {
            notes.push("--max-prs-per-day: not checked, there is no pull request (with its repository) to look up".to_owned());
            None
        }
    };

    // What the writes will change, read now so the plan is exact.
    let (mut labels_now, mut sticky) = (None, None);
    if let (Some(repo), Some(n)) = (&repo, number) {
        if s.label_prefix.is_some() {
            let current: Vec<LabelName> = client
                .get_pages(&format!("{}/issues/{n}/labels", repo.api_path()), None)
                .await?;
            labels_now = Some(current.into_iter().map(|l| l.name).collect());
        }
        if s.comment {
            let target = StickyTarget {
                repo,
                issue_number: n,
                key: GATE,
                untrusted_author: author.as_deref(),
            };
            sticky = Some(find_sticky(client, &target).await?);
        }
    }

    Ok(Facts {
        counted: policy::Facts {
            changes,
            ignored,
            branch_age_hours,
            prs_today,
            draft: pr.as_ref().is_some_and(|p| p.draft),
            labels: pr
                .as_ref()
                .map(|p| p.labels.iter().map(|l| l.name.clone()).collect())
                .unwrap_or_default(),
        },
        source,
        pr,
        number,
        repo,
        labels_now,
        sticky,
        notes,
    })
}

/// The author's pull requests opened on the PR's calendar day.
async fn prs_today(
    client: &GitHubClient,
    repo: &Repo,
    author: &str,
    created_at: &str,
    s: &Settings,
) -> anyhow::Result<PrsToday> {
    let tz = &s.timezone;
    let created = clock::parse_timestamp(created_at, "the pull request's created_at")?;
    let day = created.to_zoned_datetime(tz.clone()).date();
    let day_start = day
        .to_zoned_datetime(tz.clone())
        .with_context(|| format!("the start of {day} in {}", s.timezone_name))?
        .timestamp();
    let listed = api::recent_pulls(client, repo, day_start).await?;
    let mut numbers: Vec<u64> = listed
        .iter()
        .filter(|p| p.user.login == author)
        .filter(|p| {
            p.created_at
                .as_deref()
                .and_then(|c| c.parse::<Timestamp>().ok())
                .is_some_and(|t| t.to_zoned_datetime(tz.clone()).date() == day)
        })
        .map(|p| p.number)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    Ok(PrsToday {
        author: author.to_owned(),
        day: day.to_string(),
        timezone: s.timezone_name.clone(),
        count: numbers.len() as u64,
        numbers,
    })
}
