//! The command line.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// One delivery system over Trunkline's gates: scaffold a repository for
/// the whole flow, run the pull-request gates before you push, see the
/// policy every gate applies, and check that GitHub's settings enforce it.
#[derive(Debug, Parser)]
#[command(name = "trunkline", version)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the policy file, the PR template, the workflows of the whole
    /// flow and a deploy script stub; a re-run never overwrites a file you
    /// changed.
    Init(InitArgs),
    /// Run the pull-request gates on this branch against its base, locally,
    /// as CI will: one table of verdicts, then each gate's reasons. Exit 0
    /// pass, 1 a gate failed, 2 a gate could not decide.
    Check(CheckArgs),
    /// Print the effective policy, each value with its source, or with
    /// --schema the JSON Schema of trunkline.toml.
    Config(ConfigArgs),
    /// Check that GitHub's settings make the gates count: merging, the
    /// default branch's rules and required checks, the merge queue,
    /// environments, release tags, the workflows and the policy file. Each
    /// check passes, fails with the exact fix, or is unknown (the token
    /// cannot read it). Exit 0 nothing failed, 1 a check failed, 2 could
    /// not run.
    Doctor(DoctorArgs),
}

/// How a report is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The repository to scaffold.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Overwrite files you changed, keeping a backup of each (FILE.bak).
    #[arg(long)]
    pub force: bool,

    /// Print the files instead of writing them.
    #[arg(long)]
    pub dry_run: bool,

    /// The branch that ships. Default: origin's default branch, else the
    /// current one, else main.
    #[arg(long, value_name = "NAME")]
    pub branch: Option<String>,

    /// Production's health URL, for the watch after each deploy. Without
    /// it, [watch] in the policy file says where to put your checks.
    #[arg(long, value_name = "URL")]
    pub health_url: Option<String>,

    /// The commit of Trunkline whose actions the workflows pin. Default:
    /// the release this binary was built from.
    #[arg(long, value_name = "SHA")]
    pub actions_ref: Option<String>,

    /// The repository holding Trunkline's actions.
    #[arg(long, value_name = "OWNER/NAME", default_value = crate::pins::ACTIONS_REPO)]
    pub actions_repo: String,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The base the branch is measured against. Default: the upstream of
    /// the current branch, else origin/HEAD.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// The pull request's description, for checklist-gate ('-' for stdin).
    /// Without it the checklist is not checked.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<String>,

    /// The policy file, instead of .github/trunkline.toml (read at the base).
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// Print the JSON Schema of trunkline.toml instead.
    #[arg(long)]
    pub schema: bool,

    /// The policy file, instead of .github/trunkline.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<String>,

    /// Read the file at this revision, as a pull request against it would.
    /// Default: the working tree.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,

    /// One gate (pr-size-gate, checklist-gate, ...) and its flags after
    /// `--`, to see what they change: trunkline config pr-size-gate --
    /// --max-lines 300.
    #[arg(value_name = "GATE")]
    pub gate: Option<String>,

    #[arg(last = true, value_name = "FLAGS")]
    pub flags: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// The repository. Default: $GITHUB_REPOSITORY, else the checkout's
    /// origin.
    #[arg(long, value_name = "OWNER/NAME")]
    pub repo: Option<String>,

    /// REST API base URL (GitHub Enterprise Server: https://HOST/api/v3).
    /// Default: $GITHUB_API_URL, else https://api.github.com.
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Check only what the files show (the workflows and the policy file in
    /// the working tree): no token, no network.
    #[arg(long)]
    pub offline: bool,

    /// The checkout --offline reads, and whose origin names the repository.
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Output format. In Actions the step summary gets the table as well.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}
