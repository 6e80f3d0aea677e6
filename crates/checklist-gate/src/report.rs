//! Report: one outcome as text, JSON, or GitHub's forms, and the words of
//! the status and the sticky comment.
//!
//! [`report`] puts the facts, the decision and what acting did into one
//! [`ChecklistReport`]; the runtime renders it in the format asked for.

use gate_runtime::Verdict;
use gate_runtime::commands::{Annotation, Level};
use gate_runtime::plan::Applied;
use gate_runtime::report::{GateReport, RunNotes};
use gate_runtime::summary::md_cell;
use serde_json::json;

use crate::GATE;
use crate::decide::Decision;
use crate::facts::Facts;
use crate::policy::Outcome;

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

    fn json_details(&self) -> serde_json::Value {
        let meta = &self.meta;
        let mut details = json!({
            "body_source": meta.body_source,
            "template": meta.template,
            "notes": meta.run.notes,
            "actions": meta.run.actions,
        });
        if let Some(o) = &self.outcome {
            details["sections"] = json!(o.sections);
            details["items"] = json!(o.items);
            details["unchecked_required"] = json!(o.unchecked_required);
            details["removed"] = json!(o.removed);
            details["unanswered_sections"] = json!(o.unanswered_sections);
            details["overanswered_sections"] = json!(o.overanswered_sections);
            details["missing_patterns"] = json!(o.missing_patterns);
            details["no_checklist"] = json!(o.no_checklist);
            details["empty_body"] = json!(o.empty_body);
            details["skipped_author"] = json!(o.skipped_author);
        }
        details
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
