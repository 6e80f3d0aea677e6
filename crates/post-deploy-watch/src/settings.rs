//! The command line, checked and converted once into what the stages use.
//!
//! Checks, durations and the Slack webhook are validated here, before
//! anything starts, so a typo fails in the first second rather than after
//! thirty minutes; the later stages take [`Settings`] and never see `Cli`.

use anyhow::{Context as _, bail};
use gate_runtime::Env;
use gate_runtime::duration;
use gate_runtime::plan::Webhook;

use crate::checks::{self, Check};
use crate::cli::{Cli, OnBreach, OnInconclusive};
use crate::watch::Timing;

/// The rollback workflow a breach dispatches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackWorkflow {
    pub workflow: String,
    pub git_ref: String,
    pub input: String,
}

/// Everything the stages need from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    pub checks: Vec<Check>,
    pub timing: Timing,
    /// The window and the delay as the user wrote them, for messages.
    pub interval_text: String,
    pub duration_text: String,
    pub initial_delay_text: String,
    pub on_inconclusive: OnInconclusive,
    pub deployment_id: Option<u64>,
    pub environment: Option<String>,
    pub tag: Option<String>,
    pub prefix: String,
    pub on_breach: OnBreach,
    pub rollback_workflow: Option<RollbackWorkflow>,
    pub slack: Option<Webhook>,
    pub slack_on_pass: bool,
}

impl Settings {
    /// Checks the flags; `env` supplies header secrets and the webhook.
    pub fn new(cli: &Cli, env: &Env) -> anyhow::Result<Self> {
        let checks = checks::from_cli(cli, env)?;
        let timing = Timing {
            initial_delay: duration::parse(&cli.initial_delay, "--initial-delay")?,
            interval: duration::parse(&cli.interval, "--interval")?,
            duration: duration::parse(&cli.duration, "--duration")?,
        };
        if timing.interval.is_zero() {
            bail!("--interval 0: give the time between checks, e.g. 30s");
        }
        let slack = match &cli.slack_webhook_env {
            None => None,
            Some(var) => {
                let url = env.get(var).with_context(|| {
                    format!("--slack-webhook-env {var}: the environment variable {var} is not set; set it from a secret")
                })?;
                if !(url.starts_with("https://") || url.starts_with("http://")) {
                    bail!("--slack-webhook-env {var}: the value of {var} is not an http(s) URL");
                }
                Some(Webhook::new(var.clone(), url))
            }
        };
        Ok(Self {
            checks,
            timing,
            interval_text: cli.interval.clone(),
            duration_text: cli.duration.clone(),
            initial_delay_text: cli.initial_delay.clone(),
            on_inconclusive: cli.on_inconclusive,
            deployment_id: cli.deployment_id,
            environment: cli.environment.clone(),
            tag: cli.tag.clone(),
            prefix: cli.prefix.clone(),
            on_breach: cli.on_breach,
            rollback_workflow: cli.rollback_workflow.as_ref().map(|w| RollbackWorkflow {
                workflow: w.clone(),
                git_ref: cli.rollback_ref.clone(),
                input: cli.rollback_input.clone(),
            }),
            slack,
            slack_on_pass: cli.slack_on_pass,
        })
    }
}
