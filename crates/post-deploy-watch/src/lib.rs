//! `post-deploy-watch`: watches production after a deploy, marks the
//! deployment, and rolls back and alerts on a breach.
//!
//! The run reads the same way as every gate's: [`settings`] checks the
//! flags and the [`checks`] once; [`facts`] finds the deployment, and the
//! [`watch`] runs every check each interval ([`probe`]) and decides by
//! consecutive breaches and errors; [`respond::plan`] is pure and decides
//! the end-of-watch writes (deployment state, rollback, freeze, alert);
//! the runtime's plan door is the only code that writes; [`report`]
//! renders it all.

pub mod checks;
pub mod cli;
pub mod facts;
pub mod probe;
pub mod report;
pub mod respond;
pub mod settings;
pub mod watch;

use anyhow::Context as _;
use gate_runtime::plan::{self, OnFailure, Plan, World, Write};
use gate_runtime::{Env, Format, GateIo, GitHubContext, Verdict, block_on};

use crate::cli::Cli;
use crate::facts::Watched;
use crate::report::WatchReport;
use crate::respond::{Ended, Links, SlackPoster};
use crate::settings::Settings;
use crate::watch::Outcome;

/// The gate's name.
pub const GATE: &str = "post-deploy-watch";

/// Runs the gate. `env` supplies header secrets and the Slack webhook.
pub fn run(
    cli: Cli,
    ctx: GitHubContext,
    io: &mut GateIo<'_>,
    env: &Env,
) -> anyhow::Result<Verdict> {
    let s = Settings::new(&cli, env)?;
    for value in s.checks.iter().flat_map(checks::Check::secret_values) {
        ctx.secrets.add(value);
    }
    if let Some(webhook) = &s.slack {
        ctx.secrets.add(webhook.url());
    }
    let http = probe::client()?;
    if s.deployment_id.is_none() {
        if let Some(why) = not_applicable(&ctx) {
            return skip(&ctx, io, &s, why);
        }
    }
    block_on(async {
        let client = ctx.client()?;
        let poster = SlackPoster(&http);
        let world = World {
            client: Some(&client),
            repo: ctx.repo.as_ref(),
            git: None,
            webhooks: Some(&poster),
        };
        let mut notes = checks::lookback_notes(&s.checks, s.timing.initial_delay);
        let deployment = facts::deployment(&s, &ctx, &client, &mut notes).await?;
        let started = plan::carry_out(&start(&s, deployment.id, ctx.run_url()), &world, &ctx, io)
            .await
            .context("marking the deployment in_progress (needs deployments: write)")?;

        let streamed = ctx.format != Format::Json;
        let watch = watch_streaming(&s, &http, &ctx, io).await;
        let outcome = watch
            .outcome
            .clone()
            .unwrap_or(Outcome::Cancelled { after: 0.0 });
        let lookup = match respond::wants_rollback(&outcome, &s) {
            true => Some(
                respond::look_up_rollback(
                    &client,
                    ctx.repo.as_ref(),
                    &s,
                    deployment.tag.as_deref(),
                    &deployment.environment,
                )
                .await,
            ),
            false => None,
        };
        let run_url = ctx.run_url();
        let response = respond::plan(
            &Ended {
                outcome: &outcome,
                deployment_id: deployment.id,
                run_url: run_url.as_deref(),
                rollback: lookup.as_ref(),
            },
            &s,
        );
        let environment = deployment.environment.clone();
        let facts = Watched {
            deployment,
            watch,
            outcome,
            notes,
            streamed,
        };
        if let Outcome::Cancelled { .. } = facts.outcome {
            // The runner kills a cancelled step seconds later: the summary
            // and outputs come first, then a best-effort status.
            let r = report::report(facts, &response, &[&started]);
            let verdict = gate_runtime::report::emit(&ctx, io, &r)?;
            let applied = plan::carry_out(&response.plan, &world, &ctx, io).await?;
            for failure in applied.failures() {
                let _ = writeln!(io.stderr, "{GATE}: {failure}");
            }
            return Ok(verdict);
        }
        let applied = plan::carry_out(&response.plan, &world, &ctx, io).await?;
        let mut r = report::report(facts, &response, &[&started, &applied]);
        if let Some(webhook) = &response.alert {
            let links = Links {
                repo: ctx.repo.as_ref(),
                run_url: run_url.as_deref(),
                server_url: &ctx.server_url,
                environment: &environment,
            };
            // The alert says what the plan did, so it is worded from the
            // report and sent after it, as a plan of its own.
            let sent = plan::carry_out(&alert(webhook, &r, links), &world, &ctx, io).await?;
            r.absorb(&sent);
        }
        gate_runtime::report::emit(&ctx, io, &r)
    })?
}

/// Runs the watch, printing its start line and every tick line as it goes:
/// to stdout, or to stderr under `--format json` (whose stdout holds one
/// object); fenced in `github` format, since tick lines quote server text
/// and Prometheus label values.
async fn watch_streaming(
    s: &Settings,
    http: &reqwest::Client,
    ctx: &GitHubContext,
    io: &mut GateIo<'_>,
) -> watch::Watch {
    let sink: &mut dyn std::io::Write = if ctx.format == Format::Json {
        &mut *io.stderr
    } else {
        &mut *io.stdout
    };
    let _ = writeln!(
        sink,
        "{GATE}: watching {} check(s) every {} for {}{}",
        s.checks.len(),
        s.interval_text,
        s.duration_text,
        if s.timing.initial_delay.is_zero() {
            String::new()
        } else {
            format!(", after {}", s.initial_delay_text)
        }
    );
    let fence = ctx.format == Format::Github;
    let clock = watch::SystemClock::start();
    let cancel = watch::termination();
    watch::run(&s.checks, http, &clock, s.timing, cancel, |line| {
        let _ = if fence {
            gate_runtime::runner::commands::write_inert(sink, line)
        } else {
            writeln!(sink, "{line}")
        };
        let _ = sink.flush();
    })
    .await
}

/// The Slack alert, worded from the report of what the response did.
fn alert(webhook: &gate_runtime::plan::Webhook, r: &WatchReport, links: Links<'_>) -> Plan {
    let mut alert = Plan::new(OnFailure::Continue);
    alert.push(Write::Slack {
        webhook: webhook.clone(),
        text: respond::slack_text(r, links),
    });
    alert
}

/// The write at the start: the deployment goes in_progress.
fn start(s: &Settings, deployment_id: Option<u64>, run_url: Option<String>) -> Plan {
    let mut plan = Plan::new(OnFailure::Stop);
    if let Some(id) = deployment_id {
        plan.push(Write::DeploymentStatus {
            id,
            state: "in_progress".to_owned(),
            description: format!("{GATE}: watching production for {}", s.duration_text),
            log_url: run_url,
        });
    }
    plan
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
    s: &Settings,
    why: String,
) -> anyhow::Result<Verdict> {
    let report = WatchReport {
        watch: watch::Watch::new(&s.checks, jiff::Timestamp::now()),
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
    gate_runtime::report::emit(ctx, io, &report)
}
