//! `tag-on-staging`: tag exactly the commit that staging accepted, once.
//!
//! The run reads the same way as every gate's: [`settings`] checks the
//! flags once; [`facts::gather`] reads tags, history and deployments from
//! local git or the API; [`decide::decide`] is pure and returns the version
//! and a plan of writes (with [`conventional`] and [`version`] doing the
//! arithmetic); [`act::act`] is the only code that writes, through the
//! runtime's plan door, and re-decides after a lost race; [`report`]
//! renders the result.

pub mod act;
pub mod cli;
pub mod conventional;
pub mod decide;
pub mod facts;
pub mod report;
pub mod settings;
pub mod version;

use gate_runtime::git::Git;
use gate_runtime::plan::World;
use gate_runtime::{GateIo, GitHubContext, Verdict, block_on};

use crate::cli::Cli;
use crate::facts::Source;
use crate::settings::Settings;

/// The gate's name.
pub const GATE: &str = "tag-on-staging";

/// Runs the gate.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let git = Git::new(".");
    let settings = Settings::new(&cli, &ctx, || git.is_repo())?;
    block_on(async {
        // Local mode makes no API call, and builds no client (loading the
        // system's certificates is a good part of a local run).
        let client = match settings.local {
            true => None,
            false => Some(ctx.client()?),
        };
        let source = match &client {
            None => Source::Local(git.clone()),
            Some(client) => Source::Api {
                client,
                repo: ctx.require_repo()?.clone(),
            },
        };
        let facts = facts::gather(&settings, &ctx, &source).await?;
        let decision = decide::decide(&facts, &settings)?;
        let world = World {
            client: client.as_ref(),
            repo: ctx.repo.as_ref(),
            git: Some(&git),
            webhooks: None,
        };
        let acted = act::act(&settings, &source, &world, facts, decision, &ctx, io).await?;
        gate_runtime::report::emit(&ctx, io, &report::report(&settings, &acted))
    })?
}
