//! `post-deploy-watch`: watches production after a deploy, marks the
//! deployment, and rolls back and alerts on a breach.
//!
//! Checks ([`checks`]) are validated before anything starts; the watch
//! ([`watch`]) runs them every interval and decides by consecutive breaches
//! and errors; [`respond`] finds the last good tag and alerts; [`report`]
//! renders what happened.

pub mod checks;
pub mod cli;
pub mod probe;
pub mod report;
pub mod respond;
pub mod watch;

use anyhow::{Context as _, bail};
use gate_runtime::deployments;
use gate_runtime::{Env, Format, GateIo, GitHubContext, Verdict, block_on};

use crate::checks::parse_duration;
use crate::cli::{Cli, OnBreach, OnInconclusive};
use crate::report::RollbackResult;
use crate::watch::{Outcome, Timing, clock};

/// The gate's name.
pub const GATE: &str = "post-deploy-watch";

/// The deployment the watch speaks for.
struct Target {
    id: u64,
    repo: gate_runtime::Repo,
}

/// Runs the gate. `env` supplies header secrets and the Slack webhook.
pub fn run(
    cli: Cli,
    ctx: GitHubContext,
    io: &mut GateIo<'_>,
    env: &Env,
) -> anyhow::Result<Verdict> {
    let checks = checks::from_cli(&cli, env)?;
    for value in checks.iter().flat_map(checks::Check::secret_values) {
        ctx.secrets.add(value);
    }
    let timing = Timing {
        initial_delay: parse_duration(&cli.initial_delay, "--initial-delay")?,
        interval: parse_duration(&cli.interval, "--interval")?,
        duration: parse_duration(&cli.duration, "--duration")?,
    };
    if timing.interval.is_zero() {
        bail!("--interval 0: give the time between checks, e.g. 30s");
    }
    let slack_url = match &cli.slack_webhook_env {
        None => None,
        Some(var) => {
            let url = env.get(var).with_context(|| {
                format!("--slack-webhook-env {var}: the environment variable {var} is not set; set it from a secret")
            })?;
            ctx.secrets.add(url);
            if !(url.starts_with("https://") || url.starts_with("http://")) {
                bail!("--slack-webhook-env {var}: the value of {var} is not an http(s) URL");
            }
            Some(url.to_owned())
        }
    };
    let http = probe::client()?;
    // The event's deployment counts only when no other one was named.
    let event_deployment = ctx
        .event
        .as_ref()
        .and_then(|e| e.deployment())
        .filter(|d| cli.deployment_id.is_none_or(|id| id == d.id))
        .cloned();
    if cli.deployment_id.is_none() {
        if let Some(why) = not_applicable(&ctx) {
            return skip(&ctx, io, &checks, why);
        }
    }
    let deployment_id = cli
        .deployment_id
        .or(event_deployment.as_ref().map(|d| d.id));
    block_on(async {
        let client = ctx.client()?;
        let mut notes = lookback_notes(&checks, timing.initial_delay);
        let mut actions = Vec::new();
        let target = match deployment_id {
            Some(id) => {
                let repo = ctx
                    .require_repo()
                    .context("--deployment-id needs the repository")?
                    .clone();
                if ctx.token.is_none() && !ctx.dry_run {
                    bail!(
                        "--deployment-id {id}: setting its status needs a token; set GITHUB_TOKEN (deployments: write)"
                    );
                }
                Some(Target { id, repo })
            }
            None => {
                notes.push("no deployment (--deployment-id or a deployment event): no deployment status is set".to_owned());
                None
            }
        };
        // The deployed tag and the environment: the flags, else the
        // deployment's own (from the event, or read).
        let (mut tag, mut environment) = (cli.tag.clone(), cli.environment.clone());
        if let Some(d) = &event_deployment {
            tag = tag.or(Some(d.git_ref.clone()));
            environment = environment.or(Some(d.environment.clone()));
        }
        if let Some(t) = &target {
            if tag.is_none() || environment.is_none() {
                let d = deployments::get(&client, &t.repo, t.id)
                    .await
                    .context("reading the deployment")?
                    .with_context(|| {
                        format!(
                            "--deployment-id {}: no such deployment in {}",
                            t.id,
                            t.repo.full_name()
                        )
                    })?;
                tag = tag.or(Some(d.git_ref));
                environment = environment.or(Some(d.environment).filter(|e| !e.is_empty()));
            }
            deployments::set_status(
                &client,
                &t.repo,
                t.id,
                "in_progress",
                &format!("{GATE}: watching production for {}", cli.duration),
                ctx.run_url().as_deref(),
            )
            .await
            .context("marking the deployment in_progress (needs deployments: write)")?;
            actions.push(format!("deployment {}: in_progress", t.id));
        }
        let environment = environment.unwrap_or_else(|| "production".to_owned());
        let tag = tag.map(|t| t.strip_prefix("refs/tags/").map(str::to_owned).unwrap_or(t));

        let live_to_stdout = ctx.format != Format::Json;
        let watch = {
            let sink: &mut dyn std::io::Write = if live_to_stdout {
                &mut *io.stdout
            } else {
                &mut *io.stderr
            };
            let _ = writeln!(
                sink,
                "{GATE}: watching {} check(s) every {} for {}{}",
                checks.len(),
                cli.interval,
                cli.duration,
                if timing.initial_delay.is_zero() {
                    String::new()
                } else {
                    format!(", after {}", cli.initial_delay)
                }
            );
            // Tick lines quote server text and Prometheus label values.
            let fence = ctx.format == Format::Github;
            watch::run(&checks, &http, timing, watch::termination(), |line| {
                let _ = if fence {
                    gate_runtime::commands::write_inert(sink, line)
                } else {
                    writeln!(sink, "{line}")
                };
                let _ = sink.flush();
            })
            .await
        };
        let outcome = watch
            .outcome
            .clone()
            .unwrap_or(Outcome::Cancelled { after: 0.0 });
        let verdict = match (&outcome, cli.on_inconclusive) {
            (Outcome::Pass, _) => Verdict::Pass,
            (Outcome::Inconclusive { .. }, OnInconclusive::Warn) => Verdict::Warn,
            _ => Verdict::Fail,
        };
        let mut result = report::Result {
            watch,
            outcome: outcome.clone(),
            verdict,
            deployment_id,
            tag: tag.clone(),
            rollback: None,
            freeze: false,
            notes,
            actions,
            streamed: live_to_stdout,
        };
        let description = match &outcome {
            Outcome::Pass => format!("{GATE}: healthy for {}", cli.duration),
            other => format!("{GATE}: {}", other.reason()),
        };
        let state = match &outcome {
            Outcome::Pass => "success",
            Outcome::Breach(_) => "failure",
            // The watch could not tell: not success, and not a breach.
            Outcome::Inconclusive { .. } | Outcome::Cancelled { .. } | Outcome::Skipped { .. } => {
                "error"
            }
        };
        let set_final = || async {
            match &target {
                Some(t) => deployments::set_status(
                    &client,
                    &t.repo,
                    t.id,
                    state,
                    &description,
                    ctx.run_url().as_deref(),
                )
                .await
                .map(|()| Some(format!("deployment {}: {state}", t.id)))
                .map_err(|e| format!("deployment {}: could not set {state}: {e}", t.id)),
                None => Ok(None),
            }
        };
        if let Outcome::Cancelled { .. } = outcome {
            // The runner kills a cancelled step seconds later: the summary
            // and outputs come first, then a best-effort status.
            let verdict = report::emit(&ctx, io, &result)?;
            if let Err(e) = set_final().await {
                let _ = writeln!(io.stderr, "{GATE}: {e}");
            }
            return Ok(verdict);
        }
        let mut problems = Vec::new();
        match set_final().await {
            Ok(done) => result.actions.extend(done),
            Err(e) => problems.push(e),
        }
        if let Outcome::Breach(_) = outcome {
            match cli.on_breach {
                OnBreach::Freeze => result.freeze = true,
                OnBreach::Alert => {}
                OnBreach::Rollback => {
                    result.rollback = Some(
                        rollback(
                            &cli,
                            &environment,
                            &ctx,
                            &client,
                            tag.as_deref(),
                            &mut problems,
                        )
                        .await,
                    );
                }
            }
        }
        let alert = !matches!(outcome, Outcome::Pass) || cli.slack_on_pass;
        if let (Some(url), true) = (&slack_url, alert) {
            let text = slack_text(&ctx, &result, deployment_id, &environment);
            let var = cli.slack_webhook_env.as_deref().unwrap_or_default();
            if ctx.dry_run {
                result.actions.push(format!(
                    "would post to Slack (the webhook in ${var}): {}",
                    text.lines().next().unwrap_or_default()
                ));
            } else {
                match respond::post_slack(&http, url, &text).await {
                    Ok(()) => result
                        .actions
                        .push(format!("posted to Slack (the webhook in ${var})")),
                    Err(e) => problems.push(e),
                }
            }
        }
        if !problems.is_empty() {
            result.notes.extend(problems);
            if result.verdict == Verdict::Pass {
                // Production was fine; what failed was recording it.
                result.verdict = Verdict::Warn;
            }
        }
        report::emit(&ctx, io, &result)
    })?
}

/// Queries whose range reaches back before the deploy at the first tick:
/// for a while they still average in the old version's traffic.
fn lookback_notes(checks: &[checks::Check], initial_delay: std::time::Duration) -> Vec<String> {
    checks
        .iter()
        .filter_map(|c| match &c.probe {
            checks::Probe::Prometheus(p) => {
                let range = checks::longest_range(&p.condition.expr)?;
                (range > initial_delay).then(|| {
                    format!(
                        "{}: its {}s range reaches back before the deploy for the first {}s of the watch, so traffic from before the deploy still counts then; set --initial-delay to the range to start clean",
                        c.name,
                        range.as_secs(),
                        range.saturating_sub(initial_delay).as_secs()
                    )
                })
            }
            checks::Probe::Http(_) => None,
        })
        .collect()
}

/// Why a `deployment_status` event is not one to watch: the deployment did
/// not succeed, or the status is this gate's own (a token that triggers
/// workflows would otherwise start a watch for every status it writes).
fn not_applicable(ctx: &GitHubContext) -> Option<String> {
    let Some(gate_runtime::event::Event::DeploymentStatus(e)) = &ctx.event else {
        return None;
    };
    let st = &e.deployment_status;
    if st.state != "success" {
        return Some(format!(
            "the deployment_status event says {}, not success: nothing was deployed to watch",
            st.state
        ));
    }
    if st
        .description
        .as_deref()
        .is_some_and(|d| d.starts_with(GATE))
    {
        return Some("the deployment_status event is this gate's own status".to_owned());
    }
    None
}

/// Reports a run that did not apply: pass, and nothing watched or written.
fn skip(
    ctx: &GitHubContext,
    io: &mut GateIo<'_>,
    checks: &[checks::Check],
    why: String,
) -> anyhow::Result<Verdict> {
    let result = report::Result {
        watch: watch::Watch::new(checks, jiff::Timestamp::now()),
        outcome: Outcome::Skipped { why },
        verdict: Verdict::Pass,
        deployment_id: None,
        tag: None,
        rollback: None,
        freeze: false,
        notes: Vec::new(),
        actions: Vec::new(),
        streamed: false,
    };
    report::emit(ctx, io, &result)
}

async fn rollback(
    cli: &Cli,
    environment: &str,
    ctx: &GitHubContext,
    client: &gate_runtime::GitHubClient,
    tag: Option<&str>,
    problems: &mut Vec<String>,
) -> RollbackResult {
    let mut r = RollbackResult::default();
    let Some(repo) = ctx.repo.as_ref() else {
        r.how = "no repository (--repo or GITHUB_REPOSITORY), so no deployment history to pick a tag from".to_owned();
        return r;
    };
    let Some(tag) = tag else {
        r.how = "the deployed tag is unknown; pass --tag or --deployment-id".to_owned();
        return r;
    };
    match respond::last_good_tag(client, repo, &cli.prefix, tag, environment).await {
        Ok(pick) => {
            r.tag = pick.tag;
            r.how = pick.how;
        }
        Err(e) => {
            r.how = format!("finding the last good tag failed: {e:#}");
            problems.push(r.how.clone());
            return r;
        }
    }
    let (Some(workflow), Some(good)) = (&cli.rollback_workflow, &r.tag) else {
        return r;
    };
    let inputs = serde_json::json!({ cli.rollback_input.clone(): good });
    match deployments::dispatch(client, repo, workflow, &cli.rollback_ref, inputs).await {
        Ok(run_id) => {
            r.dispatched = !client.is_dry_run();
            r.run_id = run_id;
            r.how.push_str(&match (client.is_dry_run(), run_id) {
                (true, _) => format!("; would dispatch {workflow} on {}", cli.rollback_ref),
                (false, Some(id)) => {
                    format!("; dispatched {workflow} on {} (run {id})", cli.rollback_ref)
                }
                (false, None) => format!("; dispatched {workflow} on {}", cli.rollback_ref),
            });
        }
        Err(e) => {
            let why = format!("dispatching {workflow} failed: {e}");
            r.how.push_str(&format!("; {why}"));
            problems.push(why);
        }
    }
    r
}

/// Text for Slack's mrkdwn: `&`, `<` and `>` escaped, so server text (a
/// series label, say) cannot make a link or an `<!channel>` mention.
fn slack_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// The Slack message: the verdict, the reason, the tag, and links.
fn slack_text(
    ctx: &GitHubContext,
    r: &report::Result,
    deployment_id: Option<u64>,
    environment: &str,
) -> String {
    let icon = match r.outcome {
        Outcome::Pass => ":white_check_mark:",
        Outcome::Breach(_) => ":rotating_light:",
        _ => ":grey_question:",
    };
    let repo = ctx
        .repo
        .as_ref()
        .map(|r| r.full_name())
        .unwrap_or_else(|| "production".to_owned());
    let mut t = format!(
        "{icon} post-deploy-watch: *{}* on {}{}",
        r.outcome.word(),
        slack_escape(&repo),
        r.tag
            .as_ref()
            .map(|t| format!(" ({})", slack_escape(t)))
            .unwrap_or_default()
    );
    t.push_str(&format!("\nReason: {}", slack_escape(&r.outcome.reason())));
    if let Some(rb) = &r.rollback {
        let text = rb
            .tag
            .as_deref()
            .map_or_else(|| rb.how.clone(), |tag| format!("{tag} ({})", rb.how));
        t.push_str(&format!("\nRollback: {}", slack_escape(&text)));
    }
    if r.freeze {
        t.push_str("\nFrozen: no automatic rollback");
    }
    if let Some(url) = ctx.run_url() {
        t.push_str(&format!("\n<{url}|Workflow run>"));
    }
    if let (Some(repo), Some(id)) = (&ctx.repo, deployment_id) {
        t.push_str(&format!(
            " · <{}/{}/deployments/{}|Deployment {id}>",
            ctx.server_url.trim_end_matches('/'),
            repo.full_name(),
            gate_runtime::client::encode_segment(environment)
        ));
    }
    t.push_str(&format!(
        "\nWatched for {}",
        clock(
            r.watch
                .checks
                .iter()
                .map(|c| c.history.last().map_or(0.0, |h| h.0))
                .fold(0.0, f64::max)
        )
    ));
    t
}
