//! The command line (and, through `INPUT_*`, the action's inputs).

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use gate_runtime::{CommonArgs, GateCli};

/// A report format, when detection should be overridden.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Lcov,
    Cobertura,
    Jacoco,
    Go,
    Clover,
    Opencover,
    Simplecov,
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
    pub report_format: Option<ReportFormat>,

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

    /// Compare each package against this baseline file.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

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

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}
