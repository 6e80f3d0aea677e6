//! The command line (and, through `INPUT_*`, the action's inputs).

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use gate_runtime::policy::{Check, KeyCheck};
use gate_runtime::{CommonArgs, GateCli};

/// What a changed source file without any coverage data does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Unmeasured {
    Ignore,
    Warn,
    Fail,
}

/// Reads lcov, Cobertura, JaCoCo, Go, Clover, OpenCover and SimpleCov
/// coverage reports exactly, merges
/// them, and holds each package to its baseline: a package fails when its
/// coverage drops and its uncovered lines grow.
///
/// Exit codes: 0 pass, 1 fail, 2 could not decide.
#[derive(Debug, Parser)]
#[command(name = "coverage-gate", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,

    /// Coverage reports; several are merged line by line.
    #[arg(value_name = "REPORT")]
    pub reports: Vec<PathBuf>,

    /// More reports, one per line (how the action's `reports` input arrives).
    #[arg(long = "reports", value_name = "PATHS")]
    pub reports_list: Vec<String>,

    /// The format of every report, instead of detecting it.
    #[arg(long, value_enum)]
    pub report_format: Option<crate::format::Format>,

    /// A path prefix to remove from report paths; repeatable.
    #[arg(long, value_name = "PREFIX")]
    pub strip_prefix: Vec<String>,

    /// JaCoCo source roots, tried in order (in each module's directory
    /// first); repeatable. Default: src/main/java, src/main/kotlin.
    #[arg(long, value_name = "DIR")]
    pub source_root: Vec<String>,

    /// The Go module path to strip from import paths. Default: from go.mod.
    #[arg(long, value_name = "PATH")]
    pub go_module: Option<String>,

    /// NAME=GLOB: files matching GLOB belong to package NAME; repeatable,
    /// the first match wins.
    #[arg(long, value_name = "NAME=GLOB")]
    pub package: Vec<String>,

    /// Fail when total line coverage is below this percentage.
    #[arg(long, value_name = "PCT")]
    pub min_total: Option<f64>,

    /// Compare each package against this baseline file, or `auto`: the
    /// record of the merge base (or its nearest recorded first-parent
    /// ancestor) on the data branch.
    #[arg(long, value_name = "FILE|auto")]
    pub baseline: Option<PathBuf>,

    /// With --baseline auto: how many first-parent ancestors of the merge
    /// base to try when it has no record.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub baseline_depth: usize,

    /// With --baseline auto: exit 2 when no record is found, instead of
    /// passing with a warning.
    #[arg(long)]
    pub require_baseline: bool,

    /// Store this commit's coverage on the data branch (run it on pushes to
    /// the default branch; other events only say they skipped it).
    #[arg(long)]
    pub record: bool,

    /// The data branch that holds the records.
    #[arg(long, value_name = "NAME", default_value = crate::store::DEFAULT_BRANCH)]
    pub store_branch: String,

    /// Records the data branch keeps; the oldest are pruned.
    #[arg(long, value_name = "N", default_value_t = 1000)]
    pub store_keep: usize,

    /// The revision this work started from (e.g. origin/main): changed lines
    /// are those of `git diff $(git merge-base REV HEAD)..HEAD`.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// Fail when coverage of the changed lines is below this percentage.
    #[arg(long, value_name = "PCT")]
    pub min_patch: Option<f64>,

    /// What a changed source file with no coverage data at all does.
    #[arg(long, value_enum, value_name = "MODE", default_value = "warn")]
    pub unmeasured: Unmeasured,

    /// Globs of the source files whose lack of coverage data matters;
    /// repeatable. Default: the extensions of the files the reports cover.
    #[arg(long, value_name = "GLOB")]
    pub source: Vec<String>,

    /// Post (and keep updated) one sticky comment on the pull request.
    #[arg(long)]
    pub comment: bool,

    /// Write this run's per-package numbers as a baseline (run it on main).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Percentage points a package may drop.
    #[arg(long, value_name = "PCT", default_value_t = 0.0)]
    pub tolerance: f64,

    /// Fail on a drop alone, even when no uncovered line was added.
    #[arg(long)]
    pub strict: bool,

    /// A package absent from the baseline must reach this percentage.
    #[arg(long, value_name = "PCT")]
    pub min_new_package: Option<f64>,

    /// The checkout the report paths are relative to.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub root: PathBuf,
}

/// Checks on `[coverage]` values (and the same flags), beyond their types.
const CHECKS: &[KeyCheck] = &[
    KeyCheck {
        key: "min-total",
        check: Check::Percent,
    },
    KeyCheck {
        key: "tolerance",
        check: Check::Percent,
    },
    KeyCheck {
        key: "min-new-package",
        check: Check::Percent,
    },
];

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn policy_table() -> Option<&'static str> {
        Some("coverage")
    }

    fn run_only_flags() -> &'static [&'static str] {
        &["write-baseline"]
    }

    fn policy_checks() -> &'static [KeyCheck] {
        CHECKS
    }

    fn keys_answered_here(&self) -> &'static [&'static str] {
        // REPORT arguments are this run's reports, not additions to the
        // policy's.
        if self.reports.is_empty() {
            &[]
        } else {
            &["reports"]
        }
    }
}
