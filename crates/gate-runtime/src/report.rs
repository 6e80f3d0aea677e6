//! One driver for every gate's reporting.
//!
//! A gate describes its result once, as a [`GateReport`]; [`emit`] renders it
//! in the format asked for and writes the runner's files, the same way for
//! every gate: text on a terminal; one JSON object; or in Actions the text
//! (inert, since it quotes untrusted names), ranked annotations, the step
//! summary and the step outputs.

use std::io::Write;

use crate::cli::GateIo;
use crate::context::GitHubContext;
use crate::policy::PolicyFile;
use crate::runner::commands::{Annotation, Level, write_annotations, write_inert};
use crate::verdict::{Format, Verdict};

/// What a gate reports, in every form.
pub trait GateReport {
    fn gate(&self) -> &str;
    fn verdict(&self) -> Verdict;
    fn reasons(&self) -> Vec<String>;
    /// The terminal report (also the Actions log).
    fn text(&self) -> String;
    /// Writes the `--format json` report (see [`crate::contract`]): one
    /// [`crate::contract::JsonReport`] of the verdict, the reasons and the
    /// gate's own `#[derive(Serialize, JsonSchema)]` fields, with the policy.
    fn write_json(&self, out: &mut dyn Write, policy: Option<&PolicyFile>) -> anyhow::Result<()>;
    /// Annotations, ranked; GitHub shows ten of each level.
    fn annotations(&self) -> Vec<Annotation>;
    /// The step summary; `omitted_note` says how many annotations GitHub's
    /// cap left out, when any were.
    fn summary(&self, omitted_note: Option<String>) -> String;
    /// The step outputs, in order.
    fn outputs(&self) -> Vec<(&'static str, String)>;
}

/// Prints the report and writes the summary and outputs where the runner
/// asks for them. Returns the verdict.
pub fn emit(
    ctx: &GitHubContext,
    io: &mut GateIo<'_>,
    report: &dyn GateReport,
) -> anyhow::Result<Verdict> {
    let verdict = report.verdict();
    let mut omitted_note = None;
    // What the policy file said, the same way for every gate.
    let policy_note = ctx.policy.as_ref().and_then(PolicyFile::note);
    let text = match &policy_note {
        Some(note) => format!("{}policy: {note}\n", report.text()),
        None => report.text(),
    };
    match ctx.format {
        Format::Text => write!(io.stdout, "{text}")?,
        Format::Json => report.write_json(io.stdout, ctx.policy.as_ref())?,
        Format::Github => {
            write_inert(io.stdout, &text)?;
            let mut annotations = report.annotations();
            if let Some(policy) = ctx.policy.as_ref().filter(|p| p.changed == Some(true)) {
                annotations.push(
                    Annotation::new(Level::Warning, policy.note().unwrap_or_default())
                        .title("Policy file changed in this change"),
                );
            }
            omitted_note = write_annotations(io.stdout, &annotations)?.summary_note();
        }
    }
    let mut summary = report.summary(omitted_note);
    if let Some(note) = &policy_note {
        summary.push_str(&format!(
            "\n_Policy: {}_\n",
            crate::runner::summary::md_cell(note)
        ));
    }
    ctx.summary.append(&ctx.secrets.scrub(&summary))?;
    for (name, value) in report.outputs() {
        ctx.outputs.set(name, &ctx.secrets.scrub(&value))?;
    }
    Ok(verdict)
}

/// Facts every gate reports besides its outcome.
#[derive(Debug, Clone, Default)]
pub struct RunNotes {
    /// Things the user should know (a fallback taken, a check skipped).
    pub notes: Vec<String>,
    /// Writes made (or, with --dry-run, printed).
    pub actions: Vec<String>,
    /// Set when the gate does not apply to this event; the verdict is pass.
    pub not_applicable: Option<String>,
}

impl RunNotes {
    /// The verdict: the outcome's, or pass when the gate did not apply.
    pub fn verdict_or_pass(&self, outcome: Option<Verdict>) -> Verdict {
        outcome.unwrap_or(Verdict::Pass)
    }

    /// The reasons: the outcome's, or why the gate did not apply.
    pub fn reasons_or_not_applicable(&self, outcome: Option<&[String]>) -> Vec<String> {
        match outcome {
            Some(r) => r.to_vec(),
            None => self.not_applicable.iter().cloned().collect(),
        }
    }

    pub fn not_applicable(why: &str) -> Self {
        Self {
            not_applicable: Some(why.to_owned()),
            ..Self::default()
        }
    }
}
