//! `pr-size-gate`: small PRs, short-lived branches, one PR per author per day.
//!
//! Facts come from local git or the API, the policy is pure
//! ([`policy::evaluate`]), and the reporters render the outcome.

pub mod api;
pub mod cli;
pub mod gitattributes;
pub mod ignore;
pub mod local;
pub mod policy;
pub mod report;

use anyhow::{Context as _, bail};
use gate_runtime::client::encode_segment;
use gate_runtime::comment::{StickyTarget, update_sticky_comment, upsert_sticky_comment};
use gate_runtime::event::Event;
use gate_runtime::git::Git;
use gate_runtime::inputs::split_lines;
use gate_runtime::report::RunNotes;
use gate_runtime::{GateIo, GitHubClient, GitHubContext, Repo, Verdict, block_on};
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::cli::{Cli, parse_age};
use crate::gitattributes::Attributes;
use crate::ignore::IgnoreRules;
use crate::policy::{Facts, PrsToday, Settings, evaluate, parse_buckets};
use crate::report::{Meta, Source};

/// The gate's name, in reports and markers.
pub const GATE: &str = "pr-size-gate";

/// The PR facts that do not depend on the counting source.
#[derive(Debug, Clone, Default)]
struct PrInfo {
    number: Option<u64>,
    author: Option<String>,
    created_at: Option<String>,
    draft: bool,
    labels: Vec<String>,
    base_sha: Option<String>,
    head_sha: Option<String>,
}

impl PrInfo {
    fn from_event(event: Option<&Event>) -> Self {
        let Some(pr) = event.and_then(Event::pull_request) else {
            return Self::default();
        };
        Self {
            number: Some(pr.number),
            author: Some(pr.user.login.clone()),
            created_at: pr.created_at.clone(),
            draft: pr.draft,
            labels: pr.labels.iter().map(|l| l.name.clone()).collect(),
            base_sha: Some(pr.base.sha.clone()),
            head_sha: Some(pr.head.sha.clone()),
        }
    }

    fn from_api(pr: &api::ApiPull) -> Self {
        Self {
            number: Some(pr.number),
            author: Some(pr.user.login.clone()),
            created_at: Some(pr.created_at.clone()),
            draft: pr.draft,
            labels: pr.labels.iter().map(|l| l.name.clone()).collect(),
            base_sha: Some(pr.base.sha.clone()),
            head_sha: Some(pr.head.sha.clone()),
        }
    }
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    Ok(Settings {
        max_lines: cli.max_lines,
        warn_lines: cli.warn_lines,
        max_files: cli.max_files,
        max_branch_age_hours: cli
            .max_branch_age
            .as_deref()
            .map(parse_age)
            .transpose()
            .map_err(anyhow::Error::msg)?,
        max_branch_age_text: cli.max_branch_age.clone(),
        max_prs_per_day: cli.max_prs_per_day,
        bypass_label: cli.bypass_label.clone(),
        skip_drafts: cli.skip_drafts,
        buckets: parse_buckets(&cli.size_buckets)
            .map_err(|e| anyhow::anyhow!("--size-buckets: {e}"))?,
    })
}

fn parse_time(s: &str, what: &str) -> anyhow::Result<Timestamp> {
    s.parse::<Timestamp>().with_context(|| {
        format!("{what} {s:?}: not an RFC 3339 timestamp such as 2026-11-20T09:30:00Z")
    })
}

/// Runs the gate.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let settings = settings(&cli)?;
    let now = match &cli.now {
        Some(s) => parse_time(s, "--now")?,
        None => Timestamp::now(),
    };
    let tz = TimeZone::get(&cli.timezone).with_context(|| {
        format!(
            "--timezone {:?}: unknown time zone; use an IANA name such as UTC or Europe/Berlin",
            cli.timezone
        )
    })?;
    let patterns = split_lines(&cli.ignore);
    if matches!(ctx.event, Some(Event::MergeGroup(_))) && cli.base.is_none() && cli.pr.is_none() {
        let meta = Meta {
            run: RunNotes::not_applicable("merge queue: the size was checked on the pull request"),
            ..Meta::default()
        };
        return report::emit(&ctx, io, &settings, &meta, None);
    }
    block_on(gather_and_report(cli, ctx, io, settings, now, tz, patterns))?
}

#[allow(clippy::too_many_arguments)]
async fn gather_and_report(
    cli: Cli,
    ctx: GitHubContext,
    io: &mut GateIo<'_>,
    settings: Settings,
    now: Timestamp,
    tz: TimeZone,
    patterns: Vec<String>,
) -> anyhow::Result<Verdict> {
    let git = Git::new(".");
    let mut info = PrInfo::from_event(ctx.event.as_ref());
    if cli.pr.is_some() {
        info.number = cli.pr;
    }
    let mut notes = Vec::new();
    let client = ctx.client()?;

    // Local when asked, or when the checkout has the PR's base commit.
    let local_plan = match (&cli.base, &info.base_sha) {
        (Some(base), _) => Some((base.clone(), cli.head.clone(), "--base")),
        (None, Some(base_sha)) if cli.pr.is_none() && git.is_repo() => {
            // Both ends must be here: under pull_request_target the checkout
            // is the base, and counting HEAD would measure nothing.
            let head = info
                .head_sha
                .clone()
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
            let diff = local::read(&git, &base, &head, flag)?;
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
            let number = info.number.context(
                "nothing to measure: pass --base REV to count a local branch, --pr N (with --repo and a token) to count through the API, or run on a pull_request event",
            )?;
            let repo = ctx.require_repo()?.clone();
            let pr = api::pull(&client, &repo, number).await?;
            let live = PrInfo::from_api(&pr);
            info = live;
            let changes = api::files(&client, &repo, &pr).await?;
            let attrs = api::gitattributes(&client, &repo, &pr.base.sha, &changes).await?;
            // One more request, only when the age is a rule here.
            let dates = match settings.max_branch_age_hours {
                Some(_) => {
                    api::branch_commit_dates(&client, &repo, &pr.base.sha, &pr.head.sha).await?
                }
                None => Vec::new(),
            };
            let times = dates
                .iter()
                .map(|d| parse_time(d, "a commit date from the API"))
                .collect::<anyhow::Result<Vec<_>>>()?;
            let source = Source::Api {
                pr: number,
                base: pr.base.sha.clone(),
                head: pr.head.sha.clone(),
            };
            (source, changes, attrs, times)
        }
    };

    if info.number.is_none() {
        if settings.bypass_label.is_some() {
            notes.push(
                "--bypass-label: not checked, there is no pull request whose labels to read"
                    .to_owned(),
            );
        }
        if settings.skip_drafts {
            notes.push(
                "--skip-drafts: not checked, there is no pull request to tell draft from ready"
                    .to_owned(),
            );
        }
    }
    let attributes = Attributes::from_files(gitattributes);
    notes.extend(attributes.skipped.iter().cloned());
    let rules = IgnoreRules::new(!cli.no_default_ignores, &patterns, attributes)?;
    let ignored = changes.iter().map(|c| rules.reason(&c.path)).collect();
    let branch_age_hours = author_times
        .iter()
        .min()
        .map(|oldest| (now.duration_since(*oldest).as_secs_f64() / 3600.0).max(0.0));

    let repo = ctx.repo.clone();
    let prs_today = match (
        settings.max_prs_per_day,
        &repo,
        &info.author,
        &info.created_at,
    ) {
        (None, ..) => None,
        (Some(_), Some(repo), Some(author), Some(created)) => {
            Some(prs_today(&client, repo, author, created, &tz, &cli.timezone).await?)
        }
        (Some(_), ..) => {
            notes.push("--max-prs-per-day: not checked, there is no pull request (with its repository) to look up".to_owned());
            None
        }
    };

    let facts = Facts {
        changes,
        ignored,
        branch_age_hours,
        prs_today,
        draft: info.draft,
        labels: info.labels.clone(),
    };
    let outcome = evaluate(&facts, &settings);

    // Writes, through the one client door (so --dry-run prints them).
    let mut actions = Vec::new();
    if cli.label || cli.comment {
        match (&repo, info.number) {
            (Some(repo), Some(number)) => {
                if cli.label {
                    actions.extend(
                        sync_size_label(
                            &client,
                            repo,
                            number,
                            &cli.label_prefix,
                            &settings,
                            &outcome.size_label,
                        )
                        .await?,
                    );
                }
                if cli.comment {
                    let target = StickyTarget {
                        repo,
                        issue_number: number,
                        key: GATE,
                        untrusted_author: info.author.as_deref(),
                    };
                    let action = if outcome.verdict == Verdict::Fail {
                        upsert_sticky_comment(
                            &client,
                            &target,
                            &report::comment_body(&outcome, &settings),
                        )
                        .await?
                    } else {
                        update_sticky_comment(
                            &client,
                            &target,
                            &report::resolved_comment_body(&outcome, &settings),
                        )
                        .await?
                    };
                    actions.push(format!("comment: {action:?}"));
                }
            }
            _ => notes.push(
                "--label/--comment: skipped, there is no pull request to write to".to_owned(),
            ),
        }
    }

    let meta = Meta {
        source: Some(source),
        branch_age_hours,
        prs_today: facts.prs_today.clone(),
        run: RunNotes {
            notes,
            actions,
            not_applicable: None,
        },
    };
    report::emit(&ctx, io, &settings, &meta, Some(&outcome))
}

async fn prs_today(
    client: &GitHubClient,
    repo: &Repo,
    author: &str,
    created_at: &str,
    tz: &TimeZone,
    tz_name: &str,
) -> anyhow::Result<PrsToday> {
    let created = parse_time(created_at, "the pull request's created_at")?;
    let day = created.to_zoned_datetime(tz.clone()).date();
    let day_start = day
        .to_zoned_datetime(tz.clone())
        .with_context(|| format!("the start of {day} in {tz_name}"))?
        .timestamp();
    let listed = api::recent_pulls(client, repo, day_start).await?;
    let mut numbers: Vec<u64> = listed
        .iter()
        .filter(|p| p.user.login == author)
        .filter(|p| {
            p.created_at
                .parse::<Timestamp>()
                .is_ok_and(|t| t.to_zoned_datetime(tz.clone()).date() == day)
        })
        .map(|p| p.number)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    Ok(PrsToday {
        author: author.to_owned(),
        day: day.to_string(),
        timezone: tz_name.to_owned(),
        count: numbers.len() as u64,
        numbers,
    })
}

#[derive(serde::Deserialize)]
struct LabelName {
    name: String,
}

/// Applies `PREFIX+label` and removes the other size labels this gate owns.
async fn sync_size_label(
    client: &GitHubClient,
    repo: &Repo,
    number: u64,
    prefix: &str,
    settings: &Settings,
    label: &str,
) -> anyhow::Result<Vec<String>> {
    let wanted = format!("{prefix}{label}");
    let ours: Vec<String> = settings
        .buckets
        .iter()
        .map(|b| format!("{prefix}{}", b.name))
        .collect();
    let current: Vec<LabelName> = client
        .get_pages(&format!("{}/issues/{number}/labels", repo.api_path()), None)
        .await?;
    let mut done = Vec::new();
    for stale in current
        .iter()
        .filter(|l| ours.contains(&l.name) && l.name != wanted)
    {
        let path = format!(
            "{}/issues/{number}/labels/{}",
            repo.api_path(),
            encode_segment(&stale.name)
        );
        client
            .write::<serde_json::Value>(http::Method::DELETE, &path, None)
            .await?;
        done.push(format!("removed label {}", stale.name));
    }
    if !current.iter().any(|l| l.name == wanted) {
        client
            .write::<serde_json::Value>(
                http::Method::POST,
                &format!("{}/issues/{number}/labels", repo.api_path()),
                Some(serde_json::json!({ "labels": [wanted] })),
            )
            .await?;
        done.push(format!("added label {wanted}"));
    }
    Ok(done)
}
