//! Report: one outcome as text, JSON, or GitHub's forms, and the words of
//! the status and the sticky comment.
//!
//! [`report`] puts the facts, the decision and what acting did into one
//! [`ChecklistReport`]; the runtime renders it in the format asked for.

use std::io::Write;

use gate_runtime::Verdict;
use gate_runtime::contract::{self, JsonReport};
use gate_runtime::plan::Applied;
use gate_runtime::policy::PolicyFile;
use gate_runtime::report::{GateReport, RunNotes};
use gate_runtime::runner::commands::{Annotation, Level};
use gate_runtime::runner::summary::md_cell;
use schemars::JsonSchema;
use serde::Serialize;

use crate::GATE;
use crate::decide::Decision;
use crate::facts::Facts;
use crate::policy::{ItemReport, Outcome, SectionReport};

/// How many reasons the text report and the annotation show.
const REASONS_SHOWN: usize = 50;

/// Facts about the run besides the outcome.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub body_source: Option<String>,
    pub template: Option<String>,
    pub run: RunNotes,
}

fn render_text(meta: &Meta, outcome: Option<&Outcome>) -> String {
    let Some(o) = outcome else {
        return format!(
            "{GATE}: pass: {}\n",
            meta.run
                .not_applicable
                .as_deref()
                .unwrap_or("not applicable")
        );
    };
    let mut t = format!("{GATE}: {}\n", o.verdict);
    for r in o.reasons.iter().take(REASONS_SHOWN) {
        t.push_str(&format!("  {r}\n"));
    }
    if o.reasons.len() > REASONS_SHOWN {
        t.push_str(&format!(
            "  ... and {} more (--format json lists them all)\n",
            o.reasons.len() - REASONS_SHOWN
        ));
    }
    if let Some(s) = &meta.body_source {
        t.push_str(&format!("description: {s}\n"));
    }
    t.push_str(&format!(
        "template: {}\n",
        meta.template
            .as_deref()
            .unwrap_or("none (every checkbox is required)")
    ));
    for i in &o.items {
        let mark = if i.checked {
            "[x]"
        } else if i.not_applicable {
            "[-]"
        } else {
            "[ ]"
        };
        let tag = match (i.required, i.not_applicable) {
            (_, true) => " (not applicable)",
            (true, false) => "",
            (false, false) => " (optional)",
        };
        t.push_str(&format!("  {mark} {}{tag}\n", i.text));
    }
    for n in &meta.run.notes {
        t.push_str(&format!("note: {n}\n"));
    }
    for a in &meta.run.actions {
        t.push_str(&format!("{a}\n"));
    }
    t
}

fn summary_markdown(meta: &Meta, outcome: Option<&Outcome>, omitted: Option<String>) -> String {
    let Some(o) = outcome else {
        return format!(
            "### {GATE}: pass\n\n{}\n",
            md_cell(
                meta.run
                    .not_applicable
                    .as_deref()
                    .unwrap_or("not applicable")
            )
        );
    };
    let icon = match o.verdict {
        Verdict::Pass => "✅",
        Verdict::Warn => "⚠️",
        Verdict::Fail => "❌",
    };
    let mut m = format!("### {icon} {GATE}: {}\n\n", o.verdict);
    if !o.unchecked_required.is_empty() {
        m.push_str("**Not checked:**\n\n");
        for t in &o.unchecked_required {
            m.push_str(&format!("- [ ] {}\n", md_cell(t)));
        }
        m.push('\n');
    }
    if !o.removed.is_empty() {
        m.push_str("**Missing from the description:**\n\n");
        for t in &o.removed {
            m.push_str(&format!("- {}\n", md_cell(t)));
        }
        m.push('\n');
    }
    if o.verdict == Verdict::Fail && !o.other_reasons.is_empty() {
        for r in &o.other_reasons {
            m.push_str(&format!("**{}.**\n\n", md_cell(r)));
        }
    }
    if o.verdict != Verdict::Fail {
        for r in &o.reasons {
            m.push_str(&format!("{}\n\n", md_cell(r)));
        }
    }
    m.push_str(&format!(
        "Template: {}. Description: {}.\n",
        md_cell(meta.template.as_deref().unwrap_or("none")),
        md_cell(meta.body_source.as_deref().unwrap_or("unknown"))
    ));
    for n in &meta.run.notes {
        m.push_str(&format!("\n> {}\n", md_cell(n)));
    }
    if let Some(n) = omitted {
        m.push_str(&format!("\n> {n}\n"));
    }
    m
}

/// The sticky comment while something is missing.
pub fn comment_body(o: &Outcome) -> String {
    let mut b = format!("### ❌ {GATE}: the checklist is not complete\n\n");
    for t in &o.unchecked_required {
        b.push_str(&format!("- [ ] {}\n", md_cell(t)));
    }
    for t in &o.removed {
        b.push_str(&format!(
            "- {} _(missing from the description; put it back)_\n",
            md_cell(t)
        ));
    }
    for r in o.other_reasons.iter().filter(|_| !o.empty_body) {
        b.push_str(&format!("- {}\n", md_cell(r)));
    }
    if o.empty_body {
        b.push_str("\nThe description is empty: the pull request template was not used.\n");
    }
    b.push_str("\nEdit the description to answer them; mark an item that does not apply with ~~strikethrough~~ or N/A.\n");
    b
}

/// The sticky comment once everything is answered.
pub fn done_comment_body() -> String {
    format!("### ✅ {GATE}: done\n\nEvery required checklist item is answered.\n")
}

/// The commit status's description.
pub fn status_description(o: &Outcome) -> String {
    match (o.verdict, &o.skipped_author) {
        (Verdict::Fail, _) => format!("{} checklist items still to answer", o.open_count()),
        (_, Some(_)) => "skipped: the author is in --skip-authors".to_owned(),
        _ => "checklist answered".to_owned(),
    }
}

/// checklist-gate's own fields in its `--format json` report.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ChecklistJson<'a> {
    /// Where the description came from (`--body-file PATH`, the event
    /// payload, or fetched live); null when the gate did not apply.
    pub body_source: Option<&'a str>,
    /// The pull request template's path; null when there is none (then
    /// every checkbox is required).
    pub template: Option<&'a str>,
    /// Things to know about the run (a fallback taken, a check skipped).
    pub notes: &'a [String],
    /// Writes made (or, with `--dry-run`, that would be made).
    pub actions: &'a [String],
    /// Absent when the gate did not apply to the event.
    #[serde(flatten)]
    pub checked: Option<Checked<'a>>,
}

/// What the description was checked for, present when the gate applied.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Checked<'a> {
    /// The description's headings, each once.
    pub sections: &'a [SectionReport],
    /// Every checkbox of the description.
    pub items: &'a [ItemReport],
    /// The required items left unticked.
    pub unchecked_required: &'a [String],
    /// The template's required items missing from the description.
    pub removed: &'a [String],
    /// Choice sections (`--section-rule`) with nothing ticked.
    pub unanswered_sections: &'a [String],
    /// `exactly-one` sections with more than one item ticked.
    pub overanswered_sections: &'a [String],
    /// `--require-pattern`s the description has no match for.
    pub missing_patterns: &'a [String],
    /// `--require-checklist` is set and the description has no checkbox.
    pub no_checklist: bool,
    /// The description is empty.
    pub empty_body: bool,
    /// The author, when the pull request passed because of
    /// `--skip-authors`; else null.
    pub skipped_author: Option<&'a str>,
}

fn checklist_json(r: &ChecklistReport) -> ChecklistJson<'_> {
    ChecklistJson {
        body_source: r.meta.body_source.as_deref(),
        template: r.meta.template.as_deref(),
        notes: &r.meta.run.notes,
        actions: &r.meta.run.actions,
        checked: r.outcome.as_ref().map(|o| Checked {
            sections: &o.sections,
            items: &o.items,
            unchecked_required: &o.unchecked_required,
            removed: &o.removed,
            unanswered_sections: &o.unanswered_sections,
            overanswered_sections: &o.overanswered_sections,
            missing_patterns: &o.missing_patterns,
            no_checklist: o.no_checklist,
            empty_body: o.empty_body,
            skipped_author: o.skipped_author.as_deref(),
        }),
    }
}

/// The JSON Schema of `--format json`, committed as
/// `schemas/checklist-gate.report.schema.json`.
pub fn json_schema() -> serde_json::Value {
    contract::report_schema::<ChecklistJson<'static>>(GATE)
}

/// One run's report.
#[derive(Debug, Clone)]
pub struct ChecklistReport {
    pub meta: Meta,
    /// `None` when the gate did not apply.
    pub outcome: Option<Outcome>,
}

/// The report of a run that checked a description.
pub fn report(facts: Facts, decision: Decision, applied: &Applied) -> ChecklistReport {
    let mut notes = facts.notes;
    notes.extend(decision.notes);
    notes.extend(applied.not_allowed());
    ChecklistReport {
        meta: Meta {
            body_source: Some(facts.body.source),
            template: facts.template.map(|t| t.path),
            run: RunNotes {
                notes,
                actions: applied.lines(),
                not_applicable: None,
            },
        },
        outcome: Some(decision.outcome),
    }
}

impl GateReport for ChecklistReport {
    fn gate(&self) -> &str {
        GATE
    }

    fn verdict(&self) -> Verdict {
        self.meta
            .run
            .verdict_or_pass(self.outcome.as_ref().map(|o| o.verdict))
    }

    fn reasons(&self) -> Vec<String> {
        self.meta
            .run
            .reasons_or_not_applicable(self.outcome.as_ref().map(|o| o.reasons.as_slice()))
    }

    fn text(&self) -> String {
        render_text(&self.meta, self.outcome.as_ref())
    }

    fn write_json(&self, out: &mut dyn Write, policy: Option<&PolicyFile>) -> anyhow::Result<()> {
        let reasons = self.reasons();
        JsonReport::new(GATE, self.verdict(), &reasons, &checklist_json(self))
            .policy(policy)
            .write(out)
    }

    fn annotations(&self) -> Vec<Annotation> {
        match &self.outcome {
            Some(o) if o.verdict == Verdict::Fail => {
                let mut message = o
                    .reasons
                    .iter()
                    .take(REASONS_SHOWN)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("; ");
                if o.reasons.len() > REASONS_SHOWN {
                    message.push_str(&format!(
                        "; and {} more (see the step summary)",
                        o.reasons.len() - REASONS_SHOWN
                    ));
                }
                vec![Annotation::new(Level::Error, message).title("Checklist not complete")]
            }
            Some(o) if o.verdict == Verdict::Warn => {
                vec![Annotation::new(Level::Warning, o.reasons.join("; ")).title("No checklist")]
            }
            _ => Vec::new(),
        }
    }

    fn summary(&self, omitted_note: Option<String>) -> String {
        summary_markdown(&self.meta, self.outcome.as_ref(), omitted_note)
    }

    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("verdict", self.verdict().as_str().to_owned()),
            (
                "unchecked-count",
                self.outcome
                    .as_ref()
                    .map(|o| o.open_count())
                    .unwrap_or(0)
                    .to_string(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_report_schema_is_current() {
        test_support::contract::assert_committed_schema(
            "checklist-gate",
            "checklist-gate.report.schema.json",
            &json_schema(),
        );
    }
}
