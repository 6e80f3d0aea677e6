//! The command line (and, through `INPUT_*`, the action's inputs).

use clap::{Parser, ValueEnum};
use gate_runtime::clock::NowArg;
use gate_runtime::{CommonArgs, GateCli};

use crate::conventional::SquashBodies;

/// The versioning scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scheme {
    Semver,
    Calver,
}

/// The bump when no commit asks for more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DefaultBump {
    Patch,
    Minor,
    None,
}

/// Tags exactly the commit that staging accepted with the next version,
/// once: already-tagged commits are a no-op, a lost race is detected, and a
/// tag is never moved or made backwards.
///
/// The commit is --sha, else the triggering run's head (workflow_run), the
/// deployed commit (deployment_status), or GITHUB_SHA.
///
/// Exit codes: 0 tagged (or nothing to do), 1 a safeguard said no, 2 could
/// not decide.
#[derive(Debug, Parser)]
#[command(name = "tag-on-staging", version)]
pub struct Cli {
    #[command(flatten)]
    pub common: CommonArgs,

    /// The release branch the commit must be on. Default: the default
    /// branch (origin/HEAD, else the event's repository, else the API, else
    /// main or master, whichever exists).
    #[arg(long, value_name = "BRANCH")]
    pub branch: Option<String>,

    /// Tag prefix.
    #[arg(long, value_name = "PREFIX", default_value = "v")]
    pub prefix: String,

    /// Versioning scheme.
    #[arg(long, value_enum, default_value = "semver")]
    pub scheme: Scheme,

    /// The bump when no commit asks for more; with none, no tag is made then.
    #[arg(long, value_enum, default_value = "patch")]
    pub default_bump: DefaultBump,

    /// Make a prerelease, e.g. rc gives vX.Y.Z-rc.N.
    #[arg(long, value_name = "ID")]
    pub prerelease: Option<String>,

    /// Whether a squash merge's `* type(scope)!: subject` body lines count
    /// as breaking changes; with ignore, the title and footers alone decide.
    #[arg(long, value_enum, default_value = "count")]
    pub squash_bodies: SquashBodies,

    /// Below 1.0.0, a breaking change bumps the minor version instead of
    /// going to 1.0.0.
    #[arg(long)]
    pub bump_minor_pre_major: bool,

    /// Below 1.0.0, a feature bumps the patch version instead of the minor.
    #[arg(long)]
    pub bump_patch_for_minor_pre_major: bool,

    /// The version when there is no tag yet.
    #[arg(long, value_name = "X.Y.Z", default_value = "0.1.0")]
    pub initial_version: String,

    /// Calendar version format (calver): YYYY, YY, MM, 0M, M, DD, 0D, D.
    #[arg(long, value_name = "FORMAT", default_value = "YYYY.MM.DD")]
    pub calver_format: String,

    /// Require the newest deployment of the commit to this environment to
    /// have succeeded, e.g. staging.
    #[arg(long, value_name = "ENV")]
    pub require_deployment: Option<String>,

    /// Create a lightweight tag instead of an annotated one.
    #[arg(long)]
    pub lightweight: bool,

    /// Also create a GitHub Release with the changelog as its notes.
    #[arg(long)]
    pub release: bool,

    /// Make the release a draft.
    #[arg(long)]
    pub release_draft: bool,

    /// Mark the release as a prerelease.
    #[arg(long)]
    pub release_prerelease: bool,

    /// After tagging, start this workflow (file name) with workflow_dispatch.
    #[arg(long, value_name = "FILE")]
    pub dispatch_workflow: Option<String>,

    /// The ref the dispatched workflow runs on.
    #[arg(long, value_name = "REF", default_value = "main")]
    pub dispatch_ref: String,

    /// The dispatched workflow's input that receives the tag.
    #[arg(long, value_name = "NAME", default_value = "tag")]
    pub dispatch_input: String,

    /// Read tags and history from the local checkout instead of the API
    /// (default with --dry-run inside a git checkout).
    #[arg(long)]
    pub local: bool,

    /// The current time (tests and replays; calver's date).
    #[command(flatten)]
    pub now: NowArg,
}

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }

    fn policy_table() -> Option<&'static str> {
        Some("tag")
    }

    fn run_only_flags() -> &'static [&'static str] {
        &["local"]
    }
}
