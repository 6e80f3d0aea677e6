//! `coverage-gate`: coverage reports read exactly, packages held to their
//! baseline.
//!
//! The run reads the same way as every gate's: `settings` checks the flags
//! ([`cli`]) once; `facts::gather` reads the reports, the event,
//! the baseline (a file, or the data branch's record of the merge base
//! through [`store`]) and the changed lines ([`diff`]); `decide` is pure:
//! the per-package ratchet ([`ratchet`]) and patch coverage ([`patch`]),
//! and the plan of writes (the baseline file, the record, the sticky
//! comment); `act` is the only code that writes: the baseline file and the
//! record itself (the record with the data branch's compare-and-swap), the
//! comment through the runtime's plan door; [`report`] renders the outcome.
//!
//! Underneath: the coverage model ([`model`]: per-file, per-line hit
//! counts, branches named or only counted, functions, MC/DC, Go's statement
//! blocks); streaming readers for lcov, Cobertura, JaCoCo, Go
//! coverprofiles, Clover, OpenCover and SimpleCov, each naming the line
//! where a malformed report broke and noting what it tolerated; the
//! report formats and their detection ([`format`]); path normalisation
//! ([`paths`]); files grouped into packages ([`packages`]).

mod act;
pub mod cli;
pub mod clover;
pub mod cobertura;
mod decide;
pub mod diff;
mod facts;
pub mod format;
pub mod gocover;
pub mod jacoco;
pub mod lcov;
pub mod model;
pub mod opencover;
pub mod packages;
mod packed;
pub mod patch;
pub mod paths;
pub mod ratchet;
pub mod report;
mod settings;
pub mod simplecov;
pub mod store;
mod world;
pub mod xml;

use gate_runtime::{GateIo, GitHubContext, Verdict, block_on};

use crate::cli::Cli;
use crate::report::CoverageReport;
use crate::settings::Settings;

/// The gate's name, in reports and markers.
pub const GATE: &str = "coverage-gate";

/// Runs the gate: gather, decide, act (or print the plan with `--dry-run`),
/// report.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let s = Settings::new(&cli)?;
    block_on(async {
        let world = facts::world(&s, &ctx)?;
        let facts = facts::gather(&s, &world).await?;
        let decision = decide::decide(&facts, &s)?;
        let applied = act::act(&decision.plan, &world.writes(), &ctx, io).await?;
        gate_runtime::report::emit(&ctx, io, &report::report(decision, &applied))
    })?
}

/// The gate as a library (`trunkline check`): reads the reports, compares
/// with the baseline and measures the lines changed since `--base`. It
/// writes nothing to GitHub or the data branch (`--record` and `--comment`
/// say they skipped); `--write-baseline` still writes its file. The report
/// renders in every form through
/// [`GateReport`](gate_runtime::report::GateReport).
pub fn check(cli: Cli, ctx: &GitHubContext) -> anyhow::Result<CoverageReport> {
    let s = Settings {
        writes: false,
        ..Settings::new(&cli)?
    };
    block_on(async {
        let world = facts::world(&s, ctx)?;
        let facts = facts::gather(&s, &world).await?;
        let decision = decide::decide(&facts, &s)?;
        let applied = act::apply(&decision.plan, &world.writes()).await?;
        Ok(report::report(decision, &applied))
    })?
}
