//! `checklist-gate`: a pull request merges only when its required checklist
//! is honestly filled in.
//!
//! The run reads the same way as every gate's: [`settings`] checks the
//! flags once; [`facts::gather`] reads the description (live from the API
//! in Actions) and the template (at the base commit) through [`source`];
//! [`decide::decide`] is pure ([`policy::evaluate`] and the plan of the
//! status and comment writes); the runtime's plan door makes the writes;
//! [`report`] renders the outcome.

pub mod cli;
pub mod decide;
pub mod facts;
pub mod matching;
pub mod parse;
pub mod policy;
pub mod report;
pub mod settings;
pub mod source;

use gate_runtime::event::Event;
use gate_runtime::plan::{self, World};
use gate_runtime::report::RunNotes;
use gate_runtime::{GateIo, GitHubContext, Verdict, block_on};

use crate::cli::Cli;
use crate::report::{ChecklistReport, Meta};
use crate::settings::Settings;

/// The gate's name, in reports and markers.
pub const GATE: &str = "checklist-gate";

/// Runs the gate.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let s = Settings::new(&cli)?;
    if matches!(ctx.event, Some(Event::MergeGroup(_))) && s.body_file.is_none() {
        let report = ChecklistReport {
            meta: Meta {
                run: RunNotes::not_applicable(
                    "merge queue: the checklist was checked on the pull request",
                ),
                ..Meta::default()
            },
            outcome: None,
        };
        return gate_runtime::report::emit(&ctx, io, &report);
    }
    block_on(async {
        let client = match facts::needs_api(&s, &ctx) {
            true => Some(ctx.client()?),
            false => None,
        };
        let facts = facts::gather(&s, &ctx, client.as_ref(), &mut *io.stdin).await?;
        let decision = decide::decide(&facts, &s)?;
        let world = World {
            client: client.as_ref(),
            repo: ctx.repo.as_ref(),
            git: None,
            webhooks: None,
        };
        let applied = plan::carry_out(&decision.plan, &world, &ctx, io).await?;
        let report = report::report(facts, decision, &applied);
        gate_runtime::report::emit(&ctx, io, &report)
    })?
}
