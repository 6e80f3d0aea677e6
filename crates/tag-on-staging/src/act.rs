//! Act: make the tag, the release and the dispatch, and survive a race.
//!
//! The writes go through the runtime's one plan door, so `--dry-run`
//! prints them instead. When the tag's name turns out to be taken by
//! another commit (a concurrent run tagged first), the tags are read again
//! and the decision is made again on the fresh facts, at most
//! [`RACE_ATTEMPTS`] times; a tag is never moved.

use anyhow::bail;
use gate_runtime::plan::{self, Applied, Outcome, World, Write};
use gate_runtime::{GateIo, GitHubContext};

use crate::decide::{Decision, decide};
use crate::facts::{Facts, Source, regather};
use crate::settings::Settings;

/// How often a lost race is retried with a freshly computed version.
pub const RACE_ATTEMPTS: u32 = 3;

/// What acting did, with the facts and the decision it ended on.
#[derive(Debug, Clone)]
pub struct Acted {
    pub facts: Facts,
    pub decision: Decision,
    pub applied: Applied,
    /// Races lost on the way.
    pub notes: Vec<String>,
}

/// Whether a write makes the tag.
pub fn is_tag(w: &Write) -> bool {
    matches!(w, Write::Tag(_) | Write::LocalTag(_))
}

/// Applies the decision's plan; on a lost race, decides again.
pub async fn act(
    s: &Settings,
    source: &Source<'_>,
    world: &World<'_>,
    mut facts: Facts,
    mut decision: Decision,
    ctx: &GitHubContext,
    io: &mut GateIo<'_>,
) -> anyhow::Result<Acted> {
    let mut notes = Vec::new();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let applied = plan::carry_out(&decision.plan, world, ctx, io).await?;
        if applied.outcome(is_tag) != Some(&Outcome::Taken) {
            return Ok(Acted {
                facts,
                decision,
                applied,
                notes,
            });
        }
        let tag = decision
            .next
            .as_ref()
            .and_then(|n| n.tag.clone())
            .unwrap_or_default();
        if attempt == RACE_ATTEMPTS {
            bail!(
                "{tag} keeps being taken by other commits; gave up after {RACE_ATTEMPTS} attempts"
            );
        }
        notes.push(format!(
            "{tag} was taken by another commit meanwhile; computing the version again"
        ));
        regather(s, source, &mut facts).await?;
        decision = decide(&facts, s)?;
    }
}
