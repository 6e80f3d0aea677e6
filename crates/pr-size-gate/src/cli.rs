//! The command line (and, through `INPUT_*`, the action's inputs).

use clap::Parser;
use gate_runtime::clock::NowArg;
use gate_runtime::policy::{Check, KeyCheck};
use gate_runtime::{CommonArgs, GateCli};

/// Fails a pull request that changes too many lines, lives too long, or
/// exceeds its author's daily PR quota.
///
/// Counts additions plus deletions over the files that count, with local git
/// when the checkout has the history (`--base`, or in Actions when the base
/// commit was fetched) and with the API otherwise.
///
/// Exit codes: 0 pass (or warn), 1 fail, 2 could not decide.
#[derive(Debug, Parser)]
#[command(name = "pr-size-gate", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Count locally: the diff of merge-base(BASE, HEAD)..HEAD. No API, no token.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// The head revision for local counting.
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub head: String,

    /// The pull request to measure through the API (default: the event's).
    #[arg(long, value_name = "N")]
    pub pr: Option<u64>,

    /// More than this many changed lines fails.
    #[arg(long, value_name = "N", default_value_t = 400)]
    pub max_lines: u64,

    /// More than this many changed lines warns.
    #[arg(long, value_name = "N")]
    pub warn_lines: Option<u64>,

    /// More than this many counted files fails.
    #[arg(long, value_name = "N")]
    pub max_files: Option<usize>,

    /// Oldest branch commit older than this fails, e.g. 2d, 36h, 1d12h.
    #[arg(long, value_name = "AGE")]
    pub max_branch_age: Option<String>,

    /// More PRs than this opened by the author on the PR's calendar day fails.
    #[arg(long, value_name = "N")]
    pub max_prs_per_day: Option<u64>,

    /// Time zone for calendar days (IANA name such as Europe/Berlin).
    #[arg(long, value_name = "TZ", default_value = "UTC")]
    pub timezone: String,

    /// Glob of files that do not count; repeatable or one per line. A pattern
    /// without '/' matches at any depth; '!PATTERN' counts a file again; '#'
    /// starts a comment line.
    #[arg(long, value_name = "GLOB")]
    pub ignore: Vec<String>,

    /// Count lockfiles, minified assets, source maps and vendored trees too.
    #[arg(long)]
    pub no_default_ignores: bool,

    /// A PR carrying this label passes, with a warning; numbers still reported.
    #[arg(long, value_name = "NAME")]
    pub bypass_label: Option<String>,

    /// A draft PR passes without being checked.
    #[arg(long)]
    pub skip_drafts: bool,

    /// Size labels and their upper limits; the last has none.
    #[arg(
        long,
        value_name = "SPEC",
        default_value = "XS=10,S=100,M=400,L=800,XL"
    )]
    pub size_buckets: String,

    /// Apply the size label to the PR and remove stale size labels.
    #[arg(long)]
    pub label: bool,

    /// Prefix of the size labels applied with --label.
    #[arg(long, value_name = "PREFIX", default_value = "size/")]
    pub label_prefix: String,

    /// Post a sticky comment on failure; mark it resolved once the PR passes.
    #[arg(long)]
    pub comment: bool,

    /// The current time (tests and replays).
    #[command(flatten)]
    pub now: NowArg,
}

/// Checks on `[pr-size]` values (and the same flags), beyond their types.
const CHECKS: &[KeyCheck] = &[
    KeyCheck {
        key: "max-lines",
        check: Check::AtLeast(1),
    },
    KeyCheck {
        key: "warn-lines",
        check: Check::AtLeast(1),
    },
    KeyCheck {
        key: "max-prs-per-day",
        check: Check::AtLeast(1),
    },
    KeyCheck {
        key: "max-branch-age",
        check: Check::Valid {
            check: |s| {
                gate_runtime::duration::parse(s, "max-branch-age")
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
            valid: "an age such as 2d, 36h, 90m or 1d12h",
        },
    },
    KeyCheck {
        key: "timezone",
        check: Check::Valid {
            check: |s| {
                jiff::tz::TimeZone::get(s)
                    .map(drop)
                    .map_err(|e| e.to_string())
            },
            valid: "an IANA time zone such as UTC or Europe/Berlin",
        },
    },
    KeyCheck {
        key: "size-buckets",
        check: Check::Valid {
            check: |s| crate::policy::parse_buckets(s).map(drop),
            valid: "size labels and their upper limits such as XS=10,S=100,M=400,L=800,XL",
        },
    },
];

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn policy_table() -> Option<&'static str> {
        Some("pr-size")
    }

    fn run_only_flags() -> &'static [&'static str] {
        &["base", "head", "pr"]
    }

    fn policy_checks() -> &'static [KeyCheck] {
        CHECKS
    }

    fn local_base(&self) -> Option<&str> {
        self.base.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_valid() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
