//! What every Trunkline gate needs to live inside a GitHub Actions job.
//!
//! The five gates differ in their facts and their policy; everything around
//! those (reading the run's context, taking action inputs, keeping the token
//! secret, talking to the API with a sane retry policy, and reporting in the
//! forms GitHub understands) is the same, so it lives here once.
//!
//! The modules are grouped by what they serve: `runner` holds the runner's
//! channels (environment, inputs, workflow commands, outputs, summary),
//! `api` the REST client and its endpoints, `git` local git; what every
//! stage of a gate shares (context, event, policy, plan, reporting, the
//! shared grammars) sits at the top level.

pub mod api;
pub mod cli;
pub mod clock;
pub mod context;
pub mod contract;
pub mod data_branch;
pub mod duration;
pub mod event;
pub mod git;
pub mod plan;
pub mod policy;
pub mod redact;
pub mod report;
pub mod runner;
pub mod verdict;
pub mod version;

pub use api::client::{ApiError, GitHubClient, WriteOutcome};
pub use cli::{GateCli, GateIo, RunOptions, block_on, run_gate, run_gate_with};
pub use context::{CommonArgs, GitHubContext, Repo};
pub use runner::env::Env;
pub use verdict::{Format, Verdict};

impl GitHubContext {
    /// The API client for this run: base URL, token and `--dry-run` from the
    /// context. Dry-run lines wait in [`dry_run_lines`](Self::dry_run_lines)
    /// until the gate's injected writer prints them: stdout, or stderr under
    /// `--format json`, whose stdout holds exactly one object ([`run_gate`]
    /// wires that). In `github` format each is fenced, since it carries
    /// pull-request text; the writers scrub secrets.
    pub fn client(&self) -> anyhow::Result<GitHubClient> {
        GitHubClient::builder(&self.api_url)
            .token(self.token.clone())
            .secrets(self.secrets.clone())
            .retry_policy(self.retry_policy.clone())
            .dry_run(self.dry_run, Box::new(self.dry_run_lines.clone()))
            .fence_dry_run(self.format == Format::Github)
            .build()
    }
}
