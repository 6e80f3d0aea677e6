//! The command line (and, through `INPUT_*`, the action's inputs).

use clap::Parser;
use gate_runtime::policy::{Check, KeyCheck};
use gate_runtime::{CommonArgs, GateCli};

/// A pull request passes only when its required checklist is honestly
/// filled in: every required checkbox ticked (or marked not applicable), and
/// none of the template's items deleted.
///
/// Exit codes: 0 pass, 1 fail, 2 could not decide.
#[derive(Debug, Parser)]
#[command(name = "checklist-gate", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Read the PR body from this file ('-' for stdin) instead of the pull request.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<String>,

    /// The PR template whose checkboxes are the required items. In Actions it
    /// is read at the base commit; default there: .github/pull_request_template.md,
    /// or the only file in .github/PULL_REQUEST_TEMPLATE/.
    #[arg(long, value_name = "FILE")]
    pub template: Option<String>,

    /// Only items whose text matches this regex are required; repeatable.
    #[arg(long, value_name = "REGEX")]
    pub required: Vec<String>,

    /// Items whose text matches this regex are never required; repeatable.
    #[arg(long, value_name = "REGEX")]
    pub optional: Vec<String>,

    /// HEADING=all, HEADING=at-least-one or HEADING=exactly-one for the
    /// items under a heading and its sub-headings; repeatable. With a
    /// template, the heading must be one of the template's.
    #[arg(long, value_name = "HEADING=RULE")]
    pub section_rule: Vec<String>,

    /// An item ending with this marker counts as answered, not applicable.
    #[arg(long, value_name = "TEXT", default_value = "N/A")]
    pub na_marker: String,

    /// Pull requests by these logins pass with a note (comma- or
    /// newline-separated, case-insensitive); `none` skips nobody.
    #[arg(
        long,
        value_name = "LOGINS",
        default_values = crate::policy::DEFAULT_SKIP_AUTHORS
    )]
    pub skip_authors: Vec<String>,

    /// A description with no checkbox at all fails.
    #[arg(long)]
    pub require_checklist: bool,

    /// The description must contain a match for this regex (outside HTML
    /// comments), e.g. a link to the task; repeatable.
    #[arg(long, value_name = "REGEX")]
    pub require_pattern: Vec<String>,

    /// Set a commit status with this context on the PR's head commit.
    #[arg(long, value_name = "NAME")]
    pub status_context: Option<String>,

    /// Post a sticky comment listing what is missing; mark it done once answered.
    #[arg(long)]
    pub comment: bool,
}

fn valid_regex(s: &str) -> Result<(), String> {
    gate_runtime::runner::inputs::split_lines(&[s.to_owned()])
        .iter()
        .try_for_each(|p| regex::Regex::new(p).map(drop).map_err(|e| e.to_string()))
}

/// Checks on `[checklist]` values (and the same flags), beyond their types.
const CHECKS: &[KeyCheck] = &[
    KeyCheck {
        key: "section-rule",
        check: Check::Valid {
            check: |s| {
                gate_runtime::runner::inputs::split_lines(&[s.to_owned()])
                    .iter()
                    .try_for_each(|r| crate::policy::parse_section_rule(r).map(drop))
            },
            valid: "HEADING=all or HEADING=at-least-one",
        },
    },
    KeyCheck {
        key: "required",
        check: Check::Valid {
            check: valid_regex,
            valid: "a regular expression",
        },
    },
    KeyCheck {
        key: "optional",
        check: Check::Valid {
            check: valid_regex,
            valid: "a regular expression",
        },
    },
];

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn policy_table() -> Option<&'static str> {
        Some("checklist")
    }

    fn run_only_flags() -> &'static [&'static str] {
        &["body-file"]
    }

    fn policy_checks() -> &'static [KeyCheck] {
        CHECKS
    }
}
