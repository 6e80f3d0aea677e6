//! `tag-on-staging`: tag exactly the commit that staging accepted, once.
//!
//! Facts (tags, history, deployments) come from local git or the API through
//! [`facts::Source`]; the version is decided by the pure [`version`] module;
//! writes go through the runtime's single write door, so `--dry-run` prints
//! them.

pub mod cli;
pub mod conventional;
pub mod facts;
pub mod report;
pub mod version;

use anyhow::{Context as _, bail};
use gate_runtime::client::{ApiError, WriteOutcome, encode_segment};
use gate_runtime::deployments;
use gate_runtime::event::Event;
use gate_runtime::git::Git;
use gate_runtime::{GateIo, GitHubClient, GitHubContext, Repo, Verdict, block_on};
use http::Method;
use serde::Deserialize;
use serde_json::json;

use crate::cli::{Cli, DefaultBump, Scheme};
use crate::conventional::Bump;
use crate::facts::Source;
use crate::report::Outcome;
use crate::version::{
    Semver, SemverSettings, next_calver, next_semver, render_calver, tag_version,
};

/// The gate's name.
pub const GATE: &str = "tag-on-staging";

/// How often a lost race is retried with a freshly computed version.
const RACE_ATTEMPTS: u32 = 3;

fn refuse(outcome: &mut Outcome, reason: String) {
    outcome.verdict = Verdict::Fail;
    outcome.reasons.push(reason);
}

/// Runs the gate.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let initial = Semver::parse(&cli.initial_version)
        .filter(|v| v.pre.is_none())
        .with_context(|| format!("--initial-version {:?}: give X.Y.Z", cli.initial_version))?;
    if let Some(id) = &cli.prerelease {
        if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
            bail!("--prerelease {id:?}: use letters and digits, e.g. rc");
        }
    }
    let now = match &cli.now {
        Some(s) => s
            .parse::<jiff::Timestamp>()
            .with_context(|| format!("--now {s:?}: not an RFC 3339 timestamp"))?,
        None => jiff::Timestamp::now(),
    };
    let today = now.to_zoned_datetime(jiff::tz::TimeZone::UTC).date();
    let calver_date = render_calver(
        &cli.calver_format,
        i32::from(today.year()),
        today.month() as u8,
        today.day() as u8,
    )
    .map_err(anyhow::Error::msg)?;
    block_on(async {
        let client = ctx.client()?;
        let git = Git::new(".");
        // A local dry run needs no token: with no repository named, read git.
        let local = cli.local || (ctx.dry_run && ctx.repo.is_none() && git.is_repo());
        let source = if local {
            if !git.is_repo() {
                bail!("--local: not inside a git checkout");
            }
            if ctx.in_actions && !ctx.dry_run {
                bail!(
                    "--local in Actions would make a tag that never reaches GitHub; drop --local (tags go through the API) or add --dry-run"
                );
            }
            Source::Local(git)
        } else {
            Source::Api {
                client: &client,
                repo: ctx.require_repo()?.clone(),
            }
        };
        let mut outcome = Outcome::default();
        decide_and_tag(
            &cli,
            &ctx,
            &client,
            &source,
            &initial,
            &calver_date,
            &mut outcome,
        )
        .await?;
        report::emit(&ctx, io, &outcome)
    })?
}

/// The commit to tag: --sha, else the event's commit, else GITHUB_SHA.
fn target_sha(cli: &Cli, ctx: &GitHubContext) -> Option<String> {
    cli.common
        .sha
        .clone()
        .or_else(|| match &ctx.event {
            Some(Event::WorkflowRun(e)) => Some(e.workflow_run.head_sha.clone()),
            Some(Event::DeploymentStatus(e)) => Some(e.deployment.sha.clone()),
            _ => None,
        })
        .or_else(|| ctx.sha.clone())
}

#[allow(clippy::too_many_arguments)]
async fn decide_and_tag(
    cli: &Cli,
    ctx: &GitHubContext,
    client: &GitHubClient,
    source: &Source<'_>,
    initial: &Semver,
    calver_date: &str,
    o: &mut Outcome,
) -> anyhow::Result<()> {
    let rev = target_sha(cli, ctx).unwrap_or_else(|| "HEAD".to_owned());
    let sha = source.resolve(&rev, "--sha").await?;
    o.sha = sha.clone();

    // Staging really succeeded.
    if let Some(Event::WorkflowRun(e)) = &ctx.event {
        let conclusion = e.workflow_run.conclusion.as_deref().unwrap_or("none");
        if conclusion != "success" {
            refuse(
                o,
                format!(
                    "the triggering run {} concluded {conclusion}, not success",
                    e.workflow_run.name.as_deref().unwrap_or("")
                ),
            );
            return Ok(());
        }
    }
    if let Some(Event::DeploymentStatus(e)) = &ctx.event {
        let state = e.deployment_status.state.as_str();
        if state != "success" {
            refuse(
                o,
                format!(
                    "the deployment of {} to {} is {state}, not success",
                    short(&sha),
                    e.deployment.environment
                ),
            );
            return Ok(());
        }
        if let Some(env) = &cli.require_deployment {
            if &e.deployment.environment != env {
                refuse(
                    o,
                    format!(
                        "the event is a deployment to {}, not {env}",
                        e.deployment.environment
                    ),
                );
                return Ok(());
            }
        }
    }
    if let Some(env) = &cli.require_deployment {
        match source {
            Source::Api { repo, .. } => {
                if let Some(reason) = deployment_failure(client, repo, &sha, env).await? {
                    refuse(o, reason);
                    return Ok(());
                }
                o.notes.push(format!(
                    "the newest deployment of {} to {env} succeeded",
                    short(&sha)
                ));
            }
            Source::Local(_) => bail!(
                "--require-deployment {env}: cannot be checked in local mode (the Deployments API is needed); drop --local"
            ),
        }
    }

    // Our tags, and whether this commit already carries one.
    let prefix = cli.prefix.as_str();
    let calver = calver_pattern(&cli.calver_format, prefix)?;
    let is_ours = |name: &str| match cli.scheme {
        Scheme::Semver => tag_version(name, prefix).is_some(),
        Scheme::Calver => calver.is_match(name),
    };
    // A release and a prerelease of the same commit are different things:
    // an rc tag does not make the commit "already tagged" for the release.
    let same_kind = |name: &str| match (cli.scheme, tag_version(name, prefix)) {
        (Scheme::Semver, Some(v)) => v.pre.map(|(id, _)| id) == cli.prerelease,
        _ => true,
    };
    for attempt in 1..=RACE_ATTEMPTS {
        let tags: Vec<(String, String)> = source
            .tags()
            .await?
            .into_iter()
            .filter(|(n, _)| is_ours(n))
            .collect();
        if let Some((name, _)) = newest(cli, tags.iter().filter(|(n, c)| *c == sha && same_kind(n)))
        {
            o.tag = name.clone();
            o.version = name.strip_prefix(prefix).unwrap_or(&name).to_owned();
            o.already_tagged = true;
            o.reasons.push(format!(
                "{} already carries {name}: nothing to do",
                short(&sha)
            ));
            return Ok(());
        }

        // The commit is on the release branch.
        let branch = match &cli.branch {
            Some(b) => b.clone(),
            None => source.default_branch().await?,
        };
        let branch_head = source.resolve(&branch, "--branch").await?;
        if !source.is_ancestor(&sha, &branch_head).await? {
            refuse(
                o,
                format!(
                    "{} is not on {branch}; only commits on the release branch are tagged",
                    short(&sha)
                ),
            );
            return Ok(());
        }

        // Never tag backwards.
        if let Some((name, commit)) = newest(cli, tags.iter()) {
            // Equal counts as backwards unless the tag there is of the other
            // kind (the release of a commit that has its release candidate).
            let backwards = if commit == sha {
                same_kind(&name)
            } else {
                source.is_ancestor(&sha, &commit).await?
            };
            if backwards {
                refuse(
                    o,
                    format!(
                        "{} is already contained in {name}; tagging it would go backwards",
                        short(&sha)
                    ),
                );
                return Ok(());
            }
        }

        // The next version.
        let all_names: Vec<String> = tags.iter().map(|(n, _)| n.clone()).collect();
        let (version, previous, bump, commits, explanation) = match cli.scheme {
            Scheme::Semver => {
                let mut by_version: Vec<&(String, String)> = tags
                    .iter()
                    .filter(|(n, _)| tag_version(n, prefix).is_some_and(|v| v.pre.is_none()))
                    .collect();
                by_version.sort_by_key(|(n, _)| std::cmp::Reverse(tag_version(n, prefix)));
                let mut base = None;
                for (name, commit) in by_version {
                    if source.is_ancestor(commit, &sha).await? {
                        base = Some((name.clone(), commit.clone()));
                        break;
                    }
                }
                let base_version = base.as_ref().and_then(|(n, _)| tag_version(n, prefix));
                let history = source
                    .commits(base.as_ref().map(|(_, c)| c.as_str()), &sha)
                    .await?;
                let settings = SemverSettings {
                    prefix: prefix.to_owned(),
                    default_bump: match cli.default_bump {
                        DefaultBump::Patch => Bump::Patch,
                        DefaultBump::Minor => Bump::Minor,
                        DefaultBump::None => Bump::None,
                    },
                    prerelease: cli.prerelease.clone(),
                    initial: initial.clone(),
                };
                let d = next_semver(base_version.as_ref(), &history, &all_names, &settings);
                (
                    d.version,
                    base.map(|(n, _)| n),
                    d.bump,
                    d.commits,
                    d.explanation,
                )
            }
            Scheme::Calver => {
                let v = next_calver(calver_date, prefix, &all_names);
                let previous = newest(cli, tags.iter()).map(|(n, _)| n);
                (
                    Some(v.clone()),
                    previous,
                    Bump::None,
                    Vec::new(),
                    vec![format!("calendar version {v}")],
                )
            }
        };
        o.previous_tag = previous.unwrap_or_default();
        o.bump = bump;
        o.commits = commits;
        o.explanation = explanation;
        let Some(version) = version else {
            o.reasons
                .push("no commit asks for a release and --default-bump is none: no tag".to_owned());
            return Ok(());
        };
        let tag = format!("{prefix}{version}");
        o.version = version.clone();
        o.tag = tag.clone();
        o.changelog = report::changelog(&tag, &o.previous_tag, &o.commits);

        match create_tag(cli, ctx, client, source, &tag, &sha, &o.changelog).await? {
            Created::Yes => {
                o.created = !ctx.dry_run;
                o.reasons.push(if ctx.dry_run {
                    format!("would tag {} as {tag}", short(&sha))
                } else {
                    format!("tagged {} as {tag}", short(&sha))
                });
            }
            Created::RaceWonByOther => {
                // The run that created the tag also releases and dispatches:
                // doing it here too would deploy production twice.
                o.reasons.push(format!(
                    "{tag} was created on {} by a concurrent run; its release and dispatch are that run's",
                    short(&sha)
                ));
                return Ok(());
            }
            Created::TakenElsewhere if attempt < RACE_ATTEMPTS => {
                o.notes.push(format!(
                    "{tag} was taken by another commit meanwhile; computing the version again"
                ));
                continue;
            }
            Created::TakenElsewhere => bail!(
                "{tag} keeps being taken by other commits; gave up after {RACE_ATTEMPTS} attempts"
            ),
        }
        follow_up(cli, client, source, o).await?;
        return Ok(());
    }
    Ok(())
}

/// Matches the tags of the calendar scheme: the format with its date tokens
/// as digits, and an optional `.N` same-day counter.
fn calver_pattern(format: &str, prefix: &str) -> anyhow::Result<regex::Regex> {
    let mut re = format!("^{}", regex::escape(prefix));
    let mut rest = format;
    while !rest.is_empty() {
        let tokens = [
            ("YYYY", r"\d{4}"),
            ("YY", r"\d{2}"),
            ("0M", r"\d{2}"),
            ("MM", r"\d{2}"),
            ("0D", r"\d{2}"),
            ("DD", r"\d{2}"),
            ("M", r"\d{1,2}"),
            ("D", r"\d{1,2}"),
        ];
        if let Some((tok, pat)) = tokens.iter().find(|(t, _)| rest.starts_with(t)) {
            re.push_str(pat);
            rest = &rest[tok.len()..];
        } else {
            let c = rest.chars().next().unwrap_or('.');
            re.push_str(&regex::escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    re.push_str(r"(\.\d+)?$");
    regex::Regex::new(&re).with_context(|| format!("--calver-format {format:?}"))
}

/// The newest tag by this scheme's order.
fn newest<'a>(
    cli: &Cli,
    tags: impl Iterator<Item = &'a (String, String)>,
) -> Option<(String, String)> {
    let key = |name: &str| -> (Option<Semver>, Vec<u64>) {
        let rest = name.strip_prefix(&cli.prefix).unwrap_or(name);
        (
            tag_version(name, &cli.prefix),
            rest.split(|c: char| !c.is_ascii_digit())
                .filter(|p| !p.is_empty())
                .map(|p| p.parse().unwrap_or(0))
                .collect(),
        )
    };
    tags.max_by(|a, b| match cli.scheme {
        Scheme::Semver => key(&a.0).0.cmp(&key(&b.0).0),
        Scheme::Calver => key(&a.0).1.cmp(&key(&b.0).1),
    })
    .cloned()
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

/// Why the newest deployment of `sha` to `env` does not count as success.
async fn deployment_failure(
    client: &GitHubClient,
    repo: &Repo,
    sha: &str,
    env: &str,
) -> anyhow::Result<Option<String>> {
    let newest =
        deployments::list(client, repo, &[("sha", sha), ("environment", env)], Some(1)).await?;
    let Some(newest) = newest.first() else {
        return Ok(Some(format!(
            "{} has no deployment to {env}; staging has not accepted it",
            short(sha)
        )));
    };
    let statuses = deployments::statuses(client, repo, newest.id, Some(1)).await?;
    Ok(match statuses.first().map(|s| s.state.as_str()) {
        Some("success") => None,
        Some(state) => Some(format!(
            "the newest deployment of {} to {env} is {state}, not success",
            short(sha)
        )),
        None => Some(format!(
            "the newest deployment of {} to {env} has no status yet",
            short(sha)
        )),
    })
}

enum Created {
    Yes,
    RaceWonByOther,
    TakenElsewhere,
}

#[derive(Deserialize)]
struct RefObject {
    #[serde(rename = "type")]
    kind: String,
    sha: String,
}

#[derive(Deserialize)]
struct GitRef {
    object: RefObject,
}

#[derive(Deserialize)]
struct TagObject {
    sha: String,
    object: RefObject,
}

async fn create_tag(
    cli: &Cli,
    ctx: &GitHubContext,
    client: &GitHubClient,
    source: &Source<'_>,
    tag: &str,
    sha: &str,
    changelog: &str,
) -> anyhow::Result<Created> {
    let message = format!("{tag}\n\n{changelog}");
    match source {
        Source::Local(git) => {
            if ctx.dry_run {
                return Ok(Created::Yes);
            }
            let existing = git.resolve_commit(&format!("refs/tags/{tag}"));
            if let Some(existing) = existing {
                return Ok(if existing == sha {
                    Created::RaceWonByOther
                } else {
                    Created::TakenElsewhere
                });
            }
            if cli.lightweight {
                git.run(&["tag", "--end-of-options", tag, sha])?;
            } else {
                git.run(&["tag", "-a", "-m", &message, "--end-of-options", tag, sha])?;
            }
            Ok(Created::Yes)
        }
        Source::Api { repo, .. } => {
            let target = if cli.lightweight {
                Some(sha.to_owned())
            } else {
                let obj: WriteOutcome<TagObject> = client
                    .write(
                        Method::POST,
                        &format!("{}/git/tags", repo.api_path()),
                        Some(json!({"tag": tag, "message": message, "object": sha, "type": "commit"})),
                    )
                    .await?;
                obj.into_done().map(|t| t.sha)
            };
            let body = json!({"ref": format!("refs/tags/{tag}"), "sha": target.as_deref().unwrap_or("<the new tag object>")});
            match client
                .write::<serde_json::Value>(
                    Method::POST,
                    &format!("{}/git/refs", repo.api_path()),
                    Some(body),
                )
                .await
            {
                Ok(_) => Ok(Created::Yes),
                Err(e) if e.is_already_exists() => {
                    // Check rather than trust: who holds the tag now?
                    let existing: GitRef = client
                        .get(&format!(
                            "{}/git/ref/tags/{}",
                            repo.api_path(),
                            encode_segment(tag)
                        ))
                        .await?;
                    // Our own retried write: the ref holds the tag object we made.
                    if !cli.lightweight && target.as_deref() == Some(existing.object.sha.as_str()) {
                        return Ok(Created::Yes);
                    }
                    let commit = if existing.object.kind == "tag" {
                        let t: TagObject = client
                            .get(&format!(
                                "{}/git/tags/{}",
                                repo.api_path(),
                                existing.object.sha
                            ))
                            .await?;
                        t.object.sha
                    } else {
                        existing.object.sha
                    };
                    Ok(if commit == sha {
                        Created::RaceWonByOther
                    } else {
                        Created::TakenElsewhere
                    })
                }
                Err(e) => Err(anyhow::Error::new(e)),
            }
        }
    }
}

/// The release and the production dispatch, after the tag exists.
async fn follow_up(
    cli: &Cli,
    client: &GitHubClient,
    source: &Source<'_>,
    o: &mut Outcome,
) -> anyhow::Result<()> {
    let Source::Api { repo, .. } = source else {
        if cli.release || cli.dispatch_workflow.is_some() {
            o.notes
                .push("--release/--dispatch-workflow: skipped in local mode".to_owned());
        }
        return Ok(());
    };
    if cli.release {
        client
            .write::<serde_json::Value>(
                Method::POST,
                &format!("{}/releases", repo.api_path()),
                Some(json!({
                    "tag_name": o.tag, "name": o.tag, "body": o.changelog,
                    "draft": cli.release_draft, "prerelease": cli.release_prerelease || cli.prerelease.is_some(),
                })),
            )
            .await
            .map_err(|e: ApiError| anyhow::Error::new(e).context("creating the release"))?;
        o.actions.push(format!("release {}", o.tag));
    }
    if let Some(workflow) = &cli.dispatch_workflow {
        let run_id = deployments::dispatch(
            client,
            repo,
            workflow,
            &cli.dispatch_ref,
            json!({cli.dispatch_input.clone(): o.tag}),
        )
        .await
        .map_err(|e| anyhow::Error::new(e).context(format!("dispatching {workflow}")))?;
        o.actions.push(match run_id {
            Some(id) => format!("dispatched {workflow} on {} (run {id})", cli.dispatch_ref),
            None => format!("dispatched {workflow} on {}", cli.dispatch_ref),
        });
    }
    Ok(())
}
