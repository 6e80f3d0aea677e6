//! `checklist-gate`: a pull request merges only when its required checklist
//! is honestly filled in.
//!
//! Facts: the body (live from the API in Actions) and the template (at the
//! base commit). Policy: [`policy::evaluate`], pure. Then the reporters.

pub mod cli;
pub mod matching;
pub mod parse;
pub mod policy;
pub mod report;
pub mod source;

use anyhow::Context as _;
use gate_runtime::comment::{StickyTarget, update_sticky_comment, upsert_sticky_comment};
use gate_runtime::event::Event;
use gate_runtime::git::Git;
use gate_runtime::inputs::split_lines;
use gate_runtime::report::RunNotes;
use gate_runtime::status::{CommitStatus, StatusState, set_commit_status};
use gate_runtime::{GateIo, GitHubContext, Verdict, block_on};
use regex::Regex;

use crate::cli::Cli;
use crate::policy::{Facts, Settings, evaluate, parse_section_rule};
use crate::report::Meta;
use crate::source::{AtCommit, Body, body_from_file, live_body};

/// The gate's name, in reports and markers.
pub const GATE: &str = "checklist-gate";

fn regexes(values: &[String], flag: &str) -> anyhow::Result<Vec<Regex>> {
    split_lines(values)
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|e| {
                // The regex crate's message repeats the whole pattern; keep
                // only its reason, and a clipped pattern.
                let text = e.to_string();
                let why = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("error: "))
                    .unwrap_or("it does not compile");
                anyhow::anyhow!(
                    "{flag} {:?}: not a valid regular expression: {why}",
                    policy::clip(p)
                )
            })
        })
        .collect()
}

/// `--skip-authors`: comma- or newline-separated; `none` alone is nobody.
fn skip_authors(values: &[String]) -> Vec<String> {
    let logins: Vec<String> = split_lines(values)
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    match logins.as_slice() {
        [only] if only.eq_ignore_ascii_case("none") => Vec::new(),
        _ => logins,
    }
}

fn settings(cli: &Cli) -> anyhow::Result<Settings> {
    Ok(Settings {
        template: None,
        required: regexes(&cli.required, "--required")?,
        optional: regexes(&cli.optional, "--optional")?,
        section_rules: split_lines(&cli.section_rule)
            .iter()
            .map(|s| parse_section_rule(s).map_err(anyhow::Error::msg))
            .collect::<anyhow::Result<_>>()?,
        na_marker: cli.na_marker.clone(),
        skip_authors: skip_authors(&cli.skip_authors),
        require_checklist: cli.require_checklist,
        require_patterns: regexes(&cli.require_pattern, "--require-pattern")?,
    })
}

/// Runs the gate.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let mut settings = settings(&cli)?;
    if matches!(ctx.event, Some(Event::MergeGroup(_))) && cli.body_file.is_none() {
        let meta = Meta {
            run: RunNotes::not_applicable(
                "merge queue: the checklist was checked on the pull request",
            ),
            ..Meta::default()
        };
        return report::emit(&ctx, io, &meta, None);
    }
    block_on(async {
        let mut notes = Vec::new();
        let pr = ctx.event.as_ref().and_then(Event::pull_request);
        let repo = ctx.repo.as_ref();
        // The API client (and its root certificates) only when something
        // will call the API: a local run on a file makes no request.
        let client = if pr.is_some() || cli.status_context.is_some() || cli.comment {
            Some(ctx.client()?)
        } else {
            None
        };

        let body: Body = match (&cli.body_file, pr, repo) {
            (Some(path), ..) => body_from_file(path)?,
            (None, Some(pr), Some(repo)) => match &client {
                Some(client) => {
                    live_body(client, repo, pr.number, pr.body.clone(), &mut notes).await
                }
                None => anyhow::bail!("no API client for the live description"),
            },
            (None, Some(pr), None) => Body {
                text: pr.body.clone(),
                source: format!("pull request #{}, event payload", pr.number),
            },
            (None, None, _) => anyhow::bail!(
                "no pull request description to check: pass --body-file FILE (or - for stdin), or run on a pull_request event"
            ),
        };

        // The template is policy: at the base commit inside a PR.
        let template = match pr {
            Some(pr) => {
                let git = Git::new(".");
                let local = git.is_repo() && git.resolve_commit(&pr.base.sha).is_some();
                let at = AtCommit {
                    sha: pr.base.sha.clone(),
                    git: local.then_some(git),
                    api: client.as_ref().zip(repo),
                };
                at.template(cli.template.as_deref()).await?
            }
            // A front end's base (trunkline check): the template there, as
            // in a pull request.
            None if ctx.base.is_some() => {
                let git = Git::new(".");
                let at = AtCommit {
                    sha: ctx.base.clone().unwrap_or_default(),
                    git: git.is_repo().then_some(git),
                    api: None,
                };
                at.template(cli.template.as_deref()).await?
            }
            None => match &cli.template {
                Some(path) => Some((path.clone(), source::template_from_file(path)?)),
                None => None,
            },
        };
        if template.is_none() && (pr.is_some() || ctx.base.is_some()) {
            notes.push("no pull request template found at the base commit: every checkbox in the description is required".to_owned());
        }
        settings.template = template.as_ref().map(|(_, t)| t.clone());
        let facts = Facts {
            body: body.text.as_deref(),
            author: pr.map(|p| p.user.login.as_str()),
        };
        let outcome = evaluate(&facts, &settings).with_context(|| match &template {
            Some((path, _)) => format!("template {path}"),
            None => "settings".to_owned(),
        })?;

        let mut actions = Vec::new();
        let read_only = ctx.read_only_reason().filter(|_| !ctx.dry_run);
        if let Some(why) = read_only {
            if cli.status_context.is_some() {
                notes.push(format!("--status-context: skipped, {why}"));
            }
            if cli.comment {
                notes.push(format!("--comment: skipped, {why}"));
            }
        } else if let (Some(context), Some(repo), Some(client)) =
            (&cli.status_context, repo, client.as_ref())
        {
            let sha = pr.map(|p| p.head.sha.clone()).or_else(|| ctx.sha.clone());
            match sha {
                Some(sha) => {
                    let description = match (outcome.verdict, &outcome.skipped_author) {
                        (Verdict::Fail, _) => {
                            format!("{} checklist items still to answer", outcome.open_count())
                        }
                        (_, Some(_)) => "skipped: the author is in --skip-authors".to_owned(),
                        _ => "checklist answered".to_owned(),
                    };
                    set_commit_status(
                        client,
                        repo,
                        &CommitStatus {
                            sha: &sha,
                            state: StatusState::from(outcome.verdict),
                            context,
                            description: &description,
                            target_url: ctx.run_url().as_deref(),
                        },
                    )
                    .await?;
                    actions.push(format!(
                        "status {context}: {}",
                        StatusState::from(outcome.verdict).as_str()
                    ));
                }
                None => {
                    notes.push("--status-context: no head commit to set a status on".to_owned())
                }
            }
        } else if cli.status_context.is_some() {
            notes.push("--status-context: no repository to set a status in".to_owned());
        }
        if cli.comment && read_only.is_none() {
            match (pr, repo, client.as_ref()) {
                (Some(pr), Some(repo), Some(client)) => {
                    let target = StickyTarget {
                        repo,
                        issue_number: pr.number,
                        key: GATE,
                        untrusted_author: Some(&pr.user.login),
                    };
                    let action = if outcome.verdict == Verdict::Fail {
                        upsert_sticky_comment(client, &target, &report::comment_body(&outcome))
                            .await?
                    } else {
                        update_sticky_comment(client, &target, &report::done_comment_body()).await?
                    };
                    actions.push(format!("comment: {action:?}"));
                }
                _ => notes
                    .push("--comment: skipped, there is no pull request to comment on".to_owned()),
            }
        }
        let meta = Meta {
            body_source: Some(body.source),
            template: template.map(|(p, _)| p),
            run: RunNotes {
                notes,
                actions,
                not_applicable: None,
            },
        };
        report::emit(&ctx, io, &meta, Some(&outcome))
    })?
}
