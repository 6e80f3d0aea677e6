//! Report: one outcome as text, JSON, or GitHub's forms, and the sticky
//! comment's words.
//!
//! [`report`] puts the facts, the decision and what acting did into one
//! [`SizeReport`]; the runtime renders it in the format asked for.

use std::io::Write;

use gate_runtime::Verdict;
use gate_runtime::contract::{self, JsonReport};
use gate_runtime::plan::Applied;
use gate_runtime::policy::PolicyFile;
use gate_runtime::report::{GateReport, RunNotes};
use gate_runtime::runner::commands::{Annotation, Level};
use gate_runtime::runner::summary::{md_cell, md_code, md_table, md_table_raw};
use schemars::JsonSchema;
use serde::Serialize;

use crate::GATE;
use crate::decide::Decision;
use crate::facts::{Facts, Source};
use crate::policy::{Change, Ignored, Outcome, PrsToday, Settings};

/// Facts about the run besides the outcome.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    pub source: Option<Source>,
    pub branch_age_hours: Option<f64>,
    pub prs_today: Option<PrsToday>,
    pub run: RunNotes,
}

/// Most rows a summary table shows; the JSON report has them all.
const TABLE_ROWS: usize = 300;

fn render_text(meta: &Meta, outcome: Option<&Outcome>, settings: &Settings) -> String {
    let mut t = String::new();
    let Some(o) = outcome else {
        t.push_str(&format!(
            "{GATE}: pass: {}\n",
            meta.run
                .not_applicable
                .as_deref()
                .unwrap_or("not applicable")
        ));
        return t;
    };
    t.push_str(&format!("{GATE}: {}\n", o.verdict));
    for r in &o.reasons {
        t.push_str(&format!("  {r}\n"));
    }
    if let Some(src) = &meta.source {
        t.push_str(&format!("counted with {}\n", src.describe()));
    }
    t.push_str(&format!(
        "counted: {} files, +{} -{} = {} lines (size {}, limit {}{})\n",
        o.counted.len(),
        o.additions,
        o.deletions,
        o.counted_lines,
        o.size_label,
        settings.max_lines,
        settings
            .warn_lines
            .map(|w| format!(", warn above {w}"))
            .unwrap_or_default()
    ));
    for c in o.counted.iter().filter(|c| c.binary) {
        t.push_str(&format!("  binary, 0 lines: {}\n", c.path));
    }
    if !o.ignored.is_empty() {
        t.push_str(&format!("ignored: {} files\n", o.ignored.len()));
        for i in &o.ignored {
            t.push_str(&format!("  {}: {}\n", i.path, i.reason));
        }
    }
    if let Some(age) = meta.branch_age_hours {
        t.push_str(&format!("branch age: {age:.1} hours\n"));
    }
    if let Some(p) = &meta.prs_today {
        t.push_str(&format!(
            "pull requests by {} on {} ({}): {}\n",
            p.author, p.day, p.timezone, p.count
        ));
    }
    for n in &meta.run.notes {
        t.push_str(&format!("note: {n}\n"));
    }
    for a in &meta.run.actions {
        t.push_str(&format!("{a}\n"));
    }
    t
}

/// pr-size-gate's own fields in its `--format json` report.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SizeJson<'a> {
    /// `--max-lines`.
    pub max_lines: u64,
    /// `--warn-lines`; null when not set.
    pub warn_lines: Option<u64>,
    /// Things to know about the run (a fallback taken, a check skipped).
    pub notes: &'a [String],
    /// Writes made (or, with `--dry-run`, that would be made).
    pub actions: &'a [String],
    /// Absent when the gate did not apply to the event.
    #[serde(flatten)]
    pub measured: Option<Measured<'a>>,
    /// Where the numbers came from; absent when the gate did not apply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'a Source>,
    /// Hours since the branch's first commit, to two decimals; absent
    /// unless `--max-branch-age` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub branch_age_hours: Option<f64>,
    /// The author's pull requests that day; absent unless
    /// `--max-prs-per-day` is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prs_today: Option<u64>,
    /// Which day, in which time zone, and which pull requests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prs_today_detail: Option<&'a PrsToday>,
}

/// The measurement, present when the gate applied.
#[derive(Debug, Serialize, JsonSchema)]
pub struct Measured<'a> {
    /// Lines added and deleted in the files that count.
    pub counted_lines: u64,
    pub additions: u64,
    pub deletions: u64,
    pub files_counted: usize,
    pub files_ignored: usize,
    /// The files that do not count, and why.
    pub ignored: &'a [Ignored],
    /// The files that count.
    pub files: &'a [Change],
    /// The paths of the counted files that are binary (0 lines each).
    pub binary_files: Vec<&'a str>,
    /// The size bucket's label (`--size-buckets`).
    pub size_label: &'a str,
    /// The label that bypassed the limits; null when none did.
    pub bypassed_by: Option<&'a str>,
    /// The pull request is a draft and `--skip-drafts` is set.
    pub skipped_draft: bool,
}

fn size_json<'a>(meta: &'a Meta, o: Option<&'a Outcome>, s: &Settings) -> SizeJson<'a> {
    SizeJson {
        max_lines: s.max_lines,
        warn_lines: s.warn_lines,
        notes: &meta.run.notes,
        actions: &meta.run.actions,
        measured: o.map(|o| Measured {
            counted_lines: o.counted_lines,
            additions: o.additions,
            deletions: o.deletions,
            files_counted: o.counted.len(),
            files_ignored: o.ignored.len(),
            ignored: &o.ignored,
            files: &o.counted,
            binary_files: o
                .counted
                .iter()
                .filter(|c| c.binary)
                .map(|c| c.path.as_str())
                .collect(),
            size_label: &o.size_label,
            bypassed_by: o.bypassed_by.as_deref(),
            skipped_draft: o.skipped_draft,
        }),
        source: meta.source.as_ref(),
        branch_age_hours: meta
            .branch_age_hours
            .map(|age| (age * 100.0).round() / 100.0),
        prs_today: meta.prs_today.as_ref().map(|p| p.count),
        prs_today_detail: meta.prs_today.as_ref(),
    }
}

/// The JSON Schema of `--format json`, committed as
/// `schemas/pr-size-gate.report.schema.json`.
pub fn json_schema() -> serde_json::Value {
    contract::report_schema::<SizeJson<'static>>(GATE)
}

fn summary_markdown(
    meta: &Meta,
    o: Option<&Outcome>,
    s: &Settings,
    omitted_note: Option<String>,
) -> String {
    let mut m = String::new();
    let Some(o) = o else {
        m.push_str(&format!(
            "### {GATE}: pass\n\n{}\n",
            md_cell(
                meta.run
                    .not_applicable
                    .as_deref()
                    .unwrap_or("not applicable")
            )
        ));
        return m;
    };
    let icon = match o.verdict {
        Verdict::Pass => "✅",
        Verdict::Warn => "⚠️",
        Verdict::Fail => "❌",
    };
    m.push_str(&format!("### {icon} {GATE}: {}\n\n", o.verdict));
    for r in &o.reasons {
        m.push_str(&format!("- {}\n", md_cell(r)));
    }
    m.push('\n');
    let mut limits = vec![
        vec![
            "changed lines".to_owned(),
            o.counted_lines.to_string(),
            format!(
                "{}{}",
                s.max_lines,
                s.warn_lines
                    .map(|w| format!(" (warn above {w})"))
                    .unwrap_or_default()
            ),
        ],
        vec![
            "files counted".to_owned(),
            o.counted.len().to_string(),
            s.max_files
                .map(|f| f.to_string())
                .unwrap_or_else(|| "none".into()),
        ],
        vec!["size".to_owned(), o.size_label.clone(), String::new()],
    ];
    if let Some(age) = meta.branch_age_hours {
        limits.push(vec![
            "branch age".to_owned(),
            format!("{age:.1} h"),
            s.max_branch_age_text
                .clone()
                .unwrap_or_else(|| "none".into()),
        ]);
    }
    if let Some(p) = &meta.prs_today {
        limits.push(vec![
            format!("PRs by {} on {}", p.author, p.day),
            p.count.to_string(),
            s.max_prs_per_day
                .map(|n| n.to_string())
                .unwrap_or_else(|| "none".into()),
        ]);
    }
    m.push_str(&md_table(&["measure", "this PR", "limit"], &limits));
    if let Some(src) = &meta.source {
        m.push_str(&format!("\nCounted with {}.\n", md_cell(&src.describe())));
    }
    m.push_str(&format!(
        "\n<details><summary>{} files counted (+{} −{})</summary>\n\n",
        o.counted.len(),
        o.additions,
        o.deletions
    ));
    let rows: Vec<Vec<String>> = o
        .counted
        .iter()
        .take(TABLE_ROWS)
        .map(|c| {
            let path = match &c.old_path {
                Some(old) => format!("{} → {}", md_code(old), md_code(&c.path)),
                None => md_code(&c.path),
            };
            vec![
                path,
                format!("+{}", c.additions),
                format!("−{}", c.deletions),
                if c.binary {
                    "binary".into()
                } else {
                    String::new()
                },
            ]
        })
        .collect();
    m.push_str(&md_table_raw(&["file", "added", "deleted", ""], &rows));
    if o.counted.len() > TABLE_ROWS {
        m.push_str(&format!(
            "\n… and {} more (see `--format json`).\n",
            o.counted.len() - TABLE_ROWS
        ));
    }
    m.push_str("\n</details>\n");
    if !o.ignored.is_empty() {
        m.push_str(&format!(
            "\n<details><summary>{} files ignored</summary>\n\n",
            o.ignored.len()
        ));
        let rows: Vec<Vec<String>> = o
            .ignored
            .iter()
            .take(TABLE_ROWS)
            .map(|i| vec![md_code(&i.path), md_cell(&i.reason)])
            .collect();
        m.push_str(&md_table_raw(&["file", "why it does not count"], &rows));
        if o.ignored.len() > TABLE_ROWS {
            m.push_str(&format!("\n… and {} more.\n", o.ignored.len() - TABLE_ROWS));
        }
        m.push_str("\n</details>\n");
    }
    for n in &meta.run.notes {
        m.push_str(&format!("\n> {}\n", md_cell(n)));
    }
    if let Some(note) = omitted_note {
        m.push_str(&format!("\n> {note}\n"));
    }
    m
}

/// The sticky comment while the PR fails.
pub fn comment_body(o: &Outcome, s: &Settings) -> String {
    let mut b = format!("### ❌ {GATE}: this pull request is too large\n\n");
    for r in &o.reasons {
        b.push_str(&format!("- {}\n", md_cell(r)));
    }
    b.push_str(&format!(
        "\n{} lines counted over {} files (limit {}). Split the change into smaller pull requests; lockfiles, generated and vendored files do not count.\n",
        o.counted_lines,
        o.counted.len(),
        s.max_lines
    ));
    b
}

/// The sticky comment once the PR passes.
pub fn resolved_comment_body(o: &Outcome, s: &Settings) -> String {
    format!(
        "### ✅ {GATE}: resolved\n\nThis pull request now passes: {} changed lines (limit {}).\n",
        o.counted_lines, s.max_lines
    )
}

fn annotations(o: &Outcome) -> Vec<Annotation> {
    match (o.verdict, &o.bypassed_by) {
        (Verdict::Fail, _) => vec![
            Annotation::new(Level::Error, o.reasons.join("; ")).title("Pull request too large"),
        ],
        (_, Some(label)) => vec![
            Annotation::new(
                Level::Warning,
                format!(
                    "bypassed by the label {label:?}: {}",
                    o.violations.join("; ")
                ),
            )
            .title("Size limits bypassed"),
        ],
        (Verdict::Warn, _) => vec![
            Annotation::new(Level::Warning, o.reasons.join("; "))
                .title("Pull request is getting large"),
        ],
        (Verdict::Pass, None) => Vec::new(),
    }
}

/// One run's report.
#[derive(Debug, Clone)]
pub struct SizeReport {
    pub meta: Meta,
    /// `None` when the gate did not apply.
    pub outcome: Option<Outcome>,
    pub limits: Settings,
}

/// The report of a run that measured.
pub fn report(
    facts: Facts,
    decision: Decision,
    applied: &Applied,
    limits: &Settings,
) -> SizeReport {
    let mut notes = facts.notes;
    notes.extend(decision.notes);
    notes.extend(applied.not_allowed());
    SizeReport {
        meta: Meta {
            source: Some(facts.source),
            branch_age_hours: facts.counted.branch_age_hours,
            prs_today: facts.counted.prs_today,
            run: RunNotes {
                notes,
                actions: applied.lines(),
                not_applicable: None,
            },
        },
        outcome: Some(decision.outcome),
        limits: limits.clone(),
    }
}

impl GateReport for SizeReport {
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
        render_text(&self.meta, self.outcome.as_ref(), &self.limits)
    }

    fn write_json(&self, out: &mut dyn Write, policy: Option<&PolicyFile>) -> anyhow::Result<()> {
        let reasons = self.reasons();
        let details = size_json(&self.meta, self.outcome.as_ref(), &self.limits);
        JsonReport::new(GATE, self.verdict(), &reasons, &details)
            .policy(policy)
            .write(out)
    }

    fn annotations(&self) -> Vec<Annotation> {
        self.outcome.as_ref().map(annotations).unwrap_or_default()
    }

    fn summary(&self, omitted_note: Option<String>) -> String {
        summary_markdown(
            &self.meta,
            self.outcome.as_ref(),
            &self.limits,
            omitted_note,
        )
    }

    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("verdict", self.verdict().as_str().to_owned()),
            (
                "counted-lines",
                self.outcome
                    .as_ref()
                    .map(|o| o.counted_lines.to_string())
                    .unwrap_or_default(),
            ),
            (
                "size-label",
                self.outcome
                    .as_ref()
                    .map(|o| o.size_label.clone())
                    .unwrap_or_default(),
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
            "pr-size-gate",
            "pr-size-gate.report.schema.json",
            &json_schema(),
        );
    }
}
