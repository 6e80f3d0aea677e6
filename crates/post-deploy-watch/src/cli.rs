//! The command line (and, through `INPUT_*`, the action's inputs).

use clap::{Parser, ValueEnum};
use gate_runtime::policy::{Check, KeyCheck};
use gate_runtime::{CommonArgs, GateCli};

/// What an empty result or NaN from Prometheus counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NoData {
    Ok,
    Breach,
    Error,
}

/// What an inconclusive watch does to the job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnInconclusive {
    Fail,
    Warn,
}

/// What a breach sets in motion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OnBreach {
    /// Find the last good tag and, with --rollback-workflow, dispatch it.
    Rollback,
    /// Alert only.
    Alert,
    /// No rollback (irreversible migrations): output freeze=true.
    Freeze,
}

/// Watches production after a deploy: HTTP health checks and Prometheus
/// queries every --interval for --duration. N consecutive breaches of one
/// check fail the watch at once; N consecutive measurement errors make it
/// inconclusive; an error or a cancellation never counts as success.
///
/// With a deployment (--deployment-id, or a deployment/deployment_status
/// event) the deployment's status follows the watch: in_progress, then
/// success or failure. On a breach it finds the last good tag and can
/// dispatch a rollback workflow and post to Slack.
///
/// Exit codes: 0 production stayed healthy (or inconclusive with
/// --on-inconclusive warn), 1 breach, inconclusive or cancelled, 2 bad input.
#[derive(Debug, Parser)]
#[command(name = "post-deploy-watch", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,

    /// An HTTP check: GET this URL every interval (repeatable, or one per
    /// line).
    #[arg(long, value_name = "URL")]
    pub url: Vec<String>,

    /// Status the --url checks expect: 2xx, 200, 200,204 or 200-299.
    #[arg(long, value_name = "STATUS", default_value = "2xx")]
    pub expect_status: String,

    /// A --url answer slower than this is a breach, e.g. 800ms.
    #[arg(long, value_name = "DURATION")]
    pub max_latency: Option<String>,

    /// A --url answer whose body does not match this regex is a breach.
    #[arg(long, value_name = "REGEX")]
    pub body_regex: Option<String>,

    /// A request header for the --url checks, its value read from an
    /// environment variable so secrets stay out of argv: NAME=ENV_VAR, e.g.
    /// Authorization=HEALTH_TOKEN (repeatable).
    #[arg(long, value_name = "NAME=ENV_VAR")]
    pub header: Vec<String>,

    /// Per-request timeout for every check, e.g. 10s.
    #[arg(long, value_name = "DURATION", default_value = "10s")]
    pub timeout: String,

    /// Prometheus base URL for --query checks, e.g. http://prometheus:9090.
    #[arg(long, value_name = "URL")]
    pub prometheus_url: Option<String>,

    /// A Prometheus check: "NAME: EXPR OP NUMBER" with OP one of < <= > >=
    /// == !=, e.g. "error-rate: sum(rate(errors_total[5m])) < 0.01"
    /// (repeatable, or one per line).
    #[arg(long, value_name = "CHECK")]
    pub query: Vec<String>,

    /// A request header for Prometheus, NAME=ENV_VAR (repeatable).
    #[arg(long, value_name = "NAME=ENV_VAR")]
    pub prometheus_header: Vec<String>,

    /// What an empty result or NaN from a --query counts as.
    #[arg(long, value_enum, default_value = "error")]
    pub no_data: NoData,

    /// Checks as TOML ([[check]] tables): a file, or the TOML itself when it
    /// spans several lines (the action's multi-line checks input).
    #[arg(long, value_name = "FILE|TOML")]
    pub checks: Option<String>,

    /// Check names that are reported but never decide the verdict
    /// (repeatable, or one per line).
    #[arg(long, value_name = "NAME")]
    pub observe_only: Vec<String>,

    /// Time between runs of every check.
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub interval: String,

    /// How long to watch.
    #[arg(long, value_name = "DURATION", default_value = "30m")]
    pub duration: String,

    /// Wait this long before the first run.
    #[arg(long, value_name = "DURATION", default_value = "0s")]
    pub initial_delay: String,

    /// Consecutive breaches of one check that fail the watch.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub failure_threshold: u32,

    /// Consecutive measurement errors of one check that make the watch
    /// inconclusive.
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub error_threshold: u32,

    /// What an inconclusive watch does.
    #[arg(long, value_enum, default_value = "fail")]
    pub on_inconclusive: OnInconclusive,

    /// The deployment whose status follows the watch. Default: the event's.
    #[arg(long, value_name = "ID")]
    pub deployment_id: Option<u64>,

    /// The environment whose deployment history names the last good tag.
    /// Default: the deployment's environment, else production.
    #[arg(long, value_name = "ENV")]
    pub environment: Option<String>,

    /// The tag now deployed. Default: the deployment's ref.
    #[arg(long, value_name = "TAG")]
    pub tag: Option<String>,

    /// Version tag prefix.
    #[arg(long, value_name = "PREFIX", default_value = "v")]
    pub prefix: String,

    /// What a breach sets in motion.
    #[arg(long, value_enum, default_value = "rollback")]
    pub on_breach: OnBreach,

    /// On a breach (with --on-breach rollback), dispatch this workflow file
    /// with the last good tag.
    #[arg(long, value_name = "FILE")]
    pub rollback_workflow: Option<String>,

    /// The ref the rollback workflow runs on.
    #[arg(long, value_name = "REF", default_value = "main")]
    pub rollback_ref: String,

    /// The rollback workflow's input that receives the tag.
    #[arg(long, value_name = "NAME", default_value = "tag")]
    pub rollback_input: String,

    /// The environment variable holding a Slack incoming-webhook URL; a
    /// message is posted when the watch does not pass.
    #[arg(long, value_name = "NAME")]
    pub slack_webhook_env: Option<String>,

    /// Also post to Slack when the watch passes.
    #[arg(long)]
    pub slack_on_pass: bool,
}

fn valid_duration(s: &str) -> Result<(), String> {
    gate_runtime::duration::parse(s, "duration")
        .map(drop)
        .map_err(|e| e.to_string())
}

const DURATION: Check = Check::Valid {
    check: valid_duration,
    valid: "a duration such as 800ms, 30s, 2m or 1h",
};

/// Checks on `[watch]` values (and the same flags), beyond their types.
const CHECKS: &[KeyCheck] = &[
    KeyCheck {
        key: "failure-threshold",
        check: Check::AtLeast(1),
    },
    KeyCheck {
        key: "error-threshold",
        check: Check::AtLeast(1),
    },
    KeyCheck {
        key: "interval",
        check: DURATION,
    },
    KeyCheck {
        key: "duration",
        check: DURATION,
    },
    KeyCheck {
        key: "initial-delay",
        check: DURATION,
    },
    KeyCheck {
        key: "timeout",
        check: DURATION,
    },
    KeyCheck {
        key: "max-latency",
        check: DURATION,
    },
];

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn policy_table() -> Option<&'static str> {
        Some("watch")
    }

    fn run_only_flags() -> &'static [&'static str] {
        &["deployment-id", "tag"]
    }

    fn policy_checks() -> &'static [KeyCheck] {
        CHECKS
    }
}
