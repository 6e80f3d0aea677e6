//! The outcome, the changelog, and their renderings.

use gate_runtime::commands::{Annotation, Level};
use gate_runtime::report::GateReport;
use gate_runtime::summary::{md_cell, md_table};
use gate_runtime::{GateIo, GitHubContext, Verdict};
use serde_json::json;

use crate::GATE;
use crate::conventional::Bump;
use crate::version::CommitBump;

/// What the run decided and did.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub verdict: Verdict,
    pub reasons: Vec<String>,
    pub sha: String,
    pub tag: String,
    pub version: String,
    pub previous_tag: String,
    pub bump: Bump,
    pub created: bool,
    pub already_tagged: bool,
    pub commits: Vec<CommitBump>,
    pub explanation: Vec<String>,
    pub changelog: String,
    pub notes: Vec<String>,
    pub actions: Vec<String>,
}

impl Default for Outcome {
    fn default() -> Self {
        Self {
            verdict: Verdict::Pass,
            reasons: Vec::new(),
            sha: String::new(),
            tag: String::new(),
            version: String::new(),
            previous_tag: String::new(),
            bump: Bump::None,
            created: false,
            already_tagged: false,
            commits: Vec::new(),
            explanation: Vec::new(),
            changelog: String::new(),
            notes: Vec::new(),
            actions: Vec::new(),
        }
    }
}

/// The changelog: the commits since the previous tag, by kind.
pub fn changelog(tag: &str, previous: &str, commits: &[CommitBump]) -> String {
    let mut out = if previous.is_empty() {
        format!("## {tag}\n")
    } else {
        format!("## {tag} (since {previous})\n")
    };
    for (title, bump) in [
        ("Breaking changes", Bump::Major),
        ("Features", Bump::Minor),
        ("Fixes and other changes", Bump::Patch),
        ("Other", Bump::None),
    ] {
        let rows: Vec<&CommitBump> = commits.iter().filter(|c| c.bump == bump).collect();
        if rows.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for c in rows {
            out.push_str(&format!(
                "- {} ({})\n",
                c.subject,
                &c.sha[..c.sha.len().min(7)]
            ));
        }
    }
    out
}

struct TagReport<'a>(&'a Outcome);

impl GateReport for TagReport<'_> {
    fn gate(&self) -> &str {
        GATE
    }

    fn verdict(&self) -> Verdict {
        self.0.verdict
    }

    fn reasons(&self) -> Vec<String> {
        self.0.reasons.clone()
    }

    fn text(&self) -> String {
        let o = self.0;
        let mut t = format!("{GATE}: {}\n", o.verdict);
        for r in &o.reasons {
            t.push_str(&format!("  {r}\n"));
        }
        if !o.tag.is_empty() {
            t.push_str(&format!(
                "tag: {} (previous: {}, bump: {})\n",
                o.tag,
                if o.previous_tag.is_empty() {
                    "none"
                } else {
                    &o.previous_tag
                },
                o.bump.as_str()
            ));
        }
        for e in &o.explanation {
            t.push_str(&format!("  because {e}\n"));
        }
        for c in &o.commits {
            t.push_str(&format!(
                "  {} {} -> {} ({})\n",
                &c.sha[..c.sha.len().min(7)],
                c.subject,
                c.bump.as_str(),
                c.rule
            ));
        }
        for n in &o.notes {
            t.push_str(&format!("note: {n}\n"));
        }
        for a in &o.actions {
            t.push_str(&format!("{a}\n"));
        }
        t
    }

    fn json_details(&self) -> serde_json::Value {
        let o = self.0;
        json!({
            "sha": o.sha, "tag": o.tag, "version": o.version, "previous_tag": o.previous_tag,
            "bump": o.bump, "created": o.created, "already_tagged": o.already_tagged,
            "commits": o.commits.iter().map(|c| json!({"sha": c.sha, "subject": c.subject, "bump": c.bump, "rule": c.rule})).collect::<Vec<_>>(),
            "explanation": o.explanation, "changelog": o.changelog, "notes": o.notes, "actions": o.actions,
        })
    }

    fn annotations(&self) -> Vec<Annotation> {
        let o = self.0;
        match o.verdict {
            Verdict::Fail => {
                vec![Annotation::new(Level::Error, o.reasons.join("; ")).title("Not tagged")]
            }
            _ if o.created => vec![
                Annotation::new(
                    Level::Notice,
                    format!("tagged {} as {}", &o.sha[..o.sha.len().min(12)], o.tag),
                )
                .title("Tagged"),
            ],
            _ => Vec::new(),
        }
    }

    fn summary(&self, omitted_note: Option<String>) -> String {
        let o = self.0;
        let icon = if o.verdict == Verdict::Fail {
            "❌"
        } else {
            "🏷️"
        };
        let mut m = format!("### {icon} {GATE}: {}\n\n", o.verdict);
        for r in &o.reasons {
            m.push_str(&format!("- {}\n", md_cell(r)));
        }
        if !o.commits.is_empty() {
            m.push_str("\n**Why this bump:**\n\n");
            let rows: Vec<Vec<String>> = o
                .commits
                .iter()
                .map(|c| {
                    vec![
                        c.sha[..c.sha.len().min(7)].to_owned(),
                        c.subject.clone(),
                        c.rule.clone(),
                        c.bump.as_str().to_owned(),
                    ]
                })
                .collect();
            m.push_str(&md_table(&["commit", "subject", "rule", "bump"], &rows));
        }
        for e in &o.explanation {
            m.push_str(&format!("\n{}\n", md_cell(e)));
        }
        if !o.changelog.is_empty() {
            m.push_str(&format!(
                "\n<details><summary>Changelog</summary>\n\n{}\n</details>\n",
                o.changelog
            ));
        }
        for n in &o.notes {
            m.push_str(&format!("\n> {}\n", md_cell(n)));
        }
        if let Some(n) = omitted_note {
            m.push_str(&format!("\n> {n}\n"));
        }
        m
    }

    fn outputs(&self) -> Vec<(&'static str, String)> {
        let o = self.0;
        vec![
            ("tag", o.tag.clone()),
            ("version", o.version.clone()),
            ("previous-tag", o.previous_tag.clone()),
            ("bump", o.bump.as_str().to_owned()),
            ("created", o.created.to_string()),
            ("changelog", o.changelog.clone()),
        ]
    }
}

/// Prints the report, writes outputs and summary. Returns the verdict.
pub fn emit(ctx: &GitHubContext, io: &mut GateIo<'_>, o: &Outcome) -> anyhow::Result<Verdict> {
    gate_runtime::report::emit(ctx, io, &TagReport(o))
}
