//! Rendering one outcome as text, JSON, or GitHub's forms.

use gate_runtime::commands::{Annotation, Level, write_annotations, write_inert};
use gate_runtime::summary::md_cell;
use gate_runtime::verdict::write_json_report;
use gate_runtime::{Format, GateIo, GitHubContext, Verdict};
use serde_json::json;

use crate::GATE;
use crate::policy::Outcome;

/// Facts about the run besides the outcome.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub body_source: Option<String>,
    pub template: Option<String>,
    pub notes: Vec<String>,
    pub actions: Vec<String>,
    pub not_applicable: Option<String>,
}

impl Meta {
    pub fn not_applicable(why: &str) -> Self {
        Self {
            not_applicable: Some(why.to_owned()),
            ..Self::default()
        }
    }
}

fn render_text(meta: &Meta, outcome: Option<&Outcome>) -> String {
    let Some(o) = outcome else {
        return format!(
            "{GATE}: pass: {}\n",
            meta.not_applicable.as_deref().unwrap_or("not applicable")
        );
    };
    let mut t = format!("{GATE}: {}\n", o.verdict);
    for r in &o.reasons {
        t.push_str(&format!("  {r}\n"));
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
    for n in &meta.notes {
        t.push_str(&format!("note: {n}\n"));
    }
    for a in &meta.actions {
        t.push_str(&format!("{a}\n"));
    }
    t
}

fn summary_markdown(meta: &Meta, outcome: Option<&Outcome>, omitted: Option<String>) -> String {
    let Some(o) = outcome else {
        return format!(
            "### {GATE}: pass\n\n{}\n",
            md_cell(meta.not_applicable.as_deref().unwrap_or("not applicable"))
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
        m.push_str("**Removed from the template:**\n\n");
        for t in &o.removed {
            m.push_str(&format!("- {}\n", md_cell(t)));
        }
        m.push('\n');
    }
    for s in &o.unanswered_sections {
        m.push_str(&format!(
            "**Tick at least one item under \"{}\".**\n\n",
            md_cell(s)
        ));
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
    for n in &meta.notes {
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
            "- {} _(removed from the template's checklist; put it back)_\n",
            md_cell(t)
        ));
    }
    for s in &o.unanswered_sections {
        b.push_str(&format!(
            "- tick at least one item under **{}**\n",
            md_cell(s)
        ));
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

/// Prints the report, writes outputs and summary. Returns the verdict.
pub fn emit(
    ctx: &GitHubContext,
    io: &mut GateIo<'_>,
    meta: &Meta,
    outcome: Option<&Outcome>,
) -> anyhow::Result<Verdict> {
    let verdict = outcome.map(|o| o.verdict).unwrap_or(Verdict::Pass);
    let reasons: Vec<String> = match outcome {
        Some(o) => o.reasons.clone(),
        None => meta.not_applicable.iter().cloned().collect(),
    };
    let mut omitted = None;
    match ctx.format {
        Format::Text => write!(io.stdout, "{}", render_text(meta, outcome))?,
        Format::Json => {
            let mut details = json!({
                "body_source": meta.body_source,
                "template": meta.template,
                "notes": meta.notes,
                "actions": meta.actions,
            });
            if let Some(o) = outcome {
                details["items"] = json!(o.items);
                details["unchecked_required"] = json!(o.unchecked_required);
                details["removed"] = json!(o.removed);
                details["unanswered_sections"] = json!(o.unanswered_sections);
                details["empty_body"] = json!(o.empty_body);
            }
            write_json_report(io.stdout, GATE, verdict, &reasons, &details)?;
        }
        Format::Github => {
            // Item texts are the PR author's: never let one run as a command.
            write_inert(io.stdout, &render_text(meta, outcome))?;
            if let Some(o) = outcome.filter(|o| o.verdict == Verdict::Fail) {
                let ann = Annotation::new(Level::Error, o.reasons.join("; "))
                    .title("Checklist not complete");
                omitted = write_annotations(io.stdout, &[ann])?.summary_note();
            } else if let Some(o) = outcome.filter(|o| o.verdict == Verdict::Warn) {
                let ann =
                    Annotation::new(Level::Warning, o.reasons.join("; ")).title("No checklist");
                omitted = write_annotations(io.stdout, &[ann])?.summary_note();
            }
        }
    }
    ctx.summary
        .append(&summary_markdown(meta, outcome, omitted))?;
    ctx.outputs.set("verdict", verdict.as_str())?;
    ctx.outputs.set(
        "unchecked-count",
        &outcome
            .map(|o| o.open_count().to_string())
            .unwrap_or_else(|| "0".into()),
    )?;
    Ok(verdict)
}
