//! The command line, checked and converted once into what the stages use.
//!
//! Limits, the clock and the time zone are checked here, before any read;
//! the later stages take [`Settings`] and never see `Cli`.

use anyhow::Context as _;
use gate_runtime::duration;
use gate_runtime::runner::inputs::split_lines;
use jiff::Timestamp;
use jiff::tz::TimeZone;

use crate::cli::Cli;
use crate::policy::{self, parse_buckets};

/// Everything the stages need from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The limits the policy checks.
    pub limits: policy::Settings,
    /// Count locally from `merge-base(base, head)`.
    pub base: Option<String>,
    pub head: String,
    /// Count this pull request through the API.
    pub pr: Option<u64>,
    pub now: Timestamp,
    /// Calendar days for the daily PR quota.
    pub timezone: TimeZone,
    pub timezone_name: String,
    /// --ignore patterns, one per entry.
    pub ignore: Vec<String>,
    pub default_ignores: bool,
    /// With --label: the prefix of the size labels.
    pub label_prefix: Option<String>,
    pub comment: bool,
}

impl Settings {
    pub fn new(cli: &Cli) -> anyhow::Result<Self> {
        let limits = policy::Settings {
            max_lines: cli.max_lines,
            warn_lines: cli.warn_lines,
            max_files: cli.max_files,
            max_branch_age_hours: cli
                .max_branch_age
                .as_deref()
                .map(|s| duration::parse(s, "--max-branch-age"))
                .transpose()?
                .map(|d| d.as_secs_f64() / 3600.0),
            max_branch_age_text: cli.max_branch_age.clone(),
            max_prs_per_day: cli.max_prs_per_day,
            bypass_label: cli.bypass_label.clone(),
            skip_drafts: cli.skip_drafts,
            buckets: parse_buckets(&cli.size_buckets)
                .map_err(|e| anyhow::anyhow!("--size-buckets: {e}"))?,
        };
        let now = cli.now.resolve()?;
        let timezone = TimeZone::get(&cli.timezone).with_context(|| {
            format!(
                "--timezone {:?}: unknown time zone; use an IANA name such as UTC or Europe/Berlin",
                cli.timezone
            )
        })?;
        Ok(Self {
            limits,
            base: cli.base.clone(),
            head: cli.head.clone(),
            pr: cli.pr,
            now,
            timezone,
            timezone_name: cli.timezone.clone(),
            ignore: split_lines(&cli.ignore),
            default_ignores: !cli.no_default_ignores,
            label_prefix: cli.label.then(|| cli.label_prefix.clone()),
            comment: cli.comment,
        })
    }
}
