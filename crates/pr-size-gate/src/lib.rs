//! `pr-size-gate`: small PRs, short-lived branches, one PR per author per day.
//!
//! The run reads the same way as every gate's: [`settings`] checks the
//! flags once; [`facts::gather`] reads the files from local git or the API;
//! [`decide::decide`] is pure ([`policy::evaluate`] and the plan of label
//! and comment writes); the runtime's plan door makes the writes; [`report`]
//! renders the outcome.

pub mod api;
pub mod cli;
pub mod decide;
pub mod facts;
pub mod gitattributes;
pub mod ignore;
pub mod local;
pub mod policy;
pub mod report;
pub mod settings;

use gate_runtime::event::Event;
use gate_runtime::git::Git;
use gate_runtime::plan::{self, World};
use gate_runtime::report::RunNotes;
use gate_runtime::{GateIo, GitHubContext, Verdict, block_on};

use crate::cli::Cli;
use crate::report::{Meta, SizeReport};
use crate::settings::Settings;

/// The gate's name, in reports and markers.
pub const GATE: &str = "pr-size-gate";

/// Runs the gate.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let s = Settings::new(&cli)?;
    if matches!(ctx.event, Some(Event::MergeGroup(_))) && s.base.is_none() && s.pr.is_none() {
        let report = SizeReport {
            meta: Meta {
                run: RunNotes::not_applicable(
                    "merge queue: the size was checked on the pull request",
                ),
                ..Meta::default()
            },
            outcome: None,
            limits: s.limits,
        };
        return gate_runtime::report::emit(&ctx, io, &report);
    }
    block_on(async {
        let git = Git::new(".");
        let client = ctx.client()?;
        let facts = facts::gather(&s, &ctx, &client, &git).await?;
        let decision = decide::decide(&facts, &s);
        let world = World {
            client: Some(&client),
            repo: ctx.repo.as_ref(),
            git: None,
            webhooks: None,
        };
        let applied = plan::carry_out(&decision.plan, &world, &ctx, io).await?;
        let report = report::report(facts, decision, &applied, &s.limits);
        gate_runtime::report::emit(&ctx, io, &report)
    })?
}
