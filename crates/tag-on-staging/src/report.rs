//! Report: what was decided and done, as text, JSON and GitHub's forms.
//!
//! [`report`] turns the facts, the decision and what acting did into one
//! [`TagReport`]; the runtime renders it in the format asked for.

use std::io::Write;

use gate_runtime::Verdict;
use gate_runtime::contract::{self, JsonReport};
use gate_runtime::git::{abbrev, short};
use gate_runtime::plan::Outcome;
use gate_runtime::policy::PolicyFile;
use gate_runtime::report::GateReport;
use gate_runtime::runner::commands::{Annotation, Level};
use gate_runtime::runner::summary::{md_cell, md_table};
use schemars::JsonSchema;
use serde::Serialize;

use crate::GATE;
use crate::act::{Acted, is_tag};
use crate::conventional::Bump;
use crate::facts::BranchSource;
use crate::settings::Settings;
use crate::version::CommitBump;

/// What the run decided and did, ready to render.
#[derive(Debug, Clone)]
pub struct TagReport {
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
    /// The release branch, and where its name came from.
    pub branch: Option<(String, BranchSource)>,
    pub notes: Vec<String>,
    pub actions: Vec<String>,
}

/// How many commits the JSON report and the summary list before they list
/// only the deciding ones; the text report lists fewer.
const LISTED_COMMITS: usize = 200;
const TEXT_COMMITS: usize = 20;

/// The commits a report lists: the first `first`, then only the deciding
/// ones, so a range of 25,000 commits stays readable and still says why.
fn listed(commits: &[CommitBump], first: usize) -> Vec<&CommitBump> {
    commits
        .iter()
        .enumerate()
        .filter(|(i, c)| *i < first || c.deciding)
        .map(|(_, c)| c)
        .collect()
}

/// A commit's rule, with the body line that decided it.
fn rule_text(c: &CommitBump) -> String {
    match &c.deciding_line {
        Some(l) => format!("{}; message line {}: {}", c.rule, l.number, l.text.trim()),
        None => c.rule.clone(),
    }
}

/// The report of one run.
pub fn report(s: &Settings, acted: &Acted) -> TagReport {
    let d = &acted.decision;
    let sha = short(&acted.facts.sha);
    let mut r = TagReport {
        verdict: d.verdict,
        reasons: d.reasons.clone(),
        sha: acted.facts.sha.clone(),
        tag: String::new(),
        version: String::new(),
        previous_tag: String::new(),
        bump: Bump::None,
        created: false,
        already_tagged: false,
        commits: Vec::new(),
        explanation: Vec::new(),
        changelog: String::new(),
        branch: acted
            .facts
            .branch
            .as_ref()
            .map(|b| (b.name.clone(), b.source)),
        notes: d.notes.iter().chain(&acted.notes).cloned().collect(),
        actions: acted
            .applied
            .results
            .iter()
            .filter(|(w, _)| !is_tag(w))
            .filter_map(|(w, o)| w.done(o))
            .collect(),
    };
    let version_of = |tag: &str| {
        tag.strip_prefix(s.prefix.as_str())
            .unwrap_or(tag)
            .to_owned()
    };
    if let Some(tag) = &d.already_tagged {
        r.tag = tag.clone();
        r.version = version_of(tag);
        r.already_tagged = true;
    }
    if let Some(next) = &d.next {
        r.previous_tag = next.previous_tag.clone();
        r.bump = next.bump;
        r.commits = next.commits.clone();
        r.explanation = next.explanation.clone();
        if let Some(tag) = &next.tag {
            r.tag = tag.clone();
            r.version = version_of(tag);
            r.changelog = next.changelog.clone();
        }
    }
    match acted.applied.outcome(is_tag) {
        Some(Outcome::Made { .. } | Outcome::Found { .. }) => {
            r.created = true;
            r.reasons.push(format!("tagged {sha} as {}", r.tag));
        }
        Some(Outcome::DryRun) => r.reasons.push(format!("would tag {sha} as {}", r.tag)),
        // The run that created the tag also releases and dispatches: doing
        // it here too would deploy production twice.
        Some(Outcome::MadeByOther) => r.reasons.push(format!(
            "{} was created on {sha} by a concurrent run; its release and dispatch are that run's",
            r.tag
        )),
        _ => {}
    }
    r
}

/// tag-on-staging's own fields in its `--format json` report.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TagJson<'a> {
    /// The commit considered, in full.
    pub sha: &'a str,
    /// The tag made, found or planned; empty when there is none.
    pub tag: &'a str,
    /// The tag without `--prefix`; empty when there is no tag.
    pub version: &'a str,
    /// The newest earlier release tag; empty when there is none.
    pub previous_tag: &'a str,
    /// The bump from `previous_tag`.
    pub bump: Bump,
    /// This run created the tag (or found it made by its own earlier try).
    pub created: bool,
    /// The commit already carried a release tag; `tag` is that tag.
    pub already_tagged: bool,
    /// The release branch; null when none was resolved.
    pub branch: Option<&'a str>,
    /// Where the release branch's name came from; null with `branch`.
    pub branch_source: Option<BranchSource>,
    /// The commits since `previous_tag`: the first 200, then only the
    /// deciding ones.
    pub commits: Vec<&'a CommitBump>,
    /// How many commits there are since `previous_tag`.
    pub commits_total: usize,
    /// Why this bump, in sentences.
    pub explanation: &'a [String],
    /// The changelog (Markdown); empty when no tag is made.
    pub changelog: &'a str,
    /// Things to know about the run.
    pub notes: &'a [String],
    /// Writes made (or, with `--dry-run`, that would be made), besides the
    /// tag.
    pub actions: &'a [String],
}

fn tag_json(o: &TagReport) -> TagJson<'_> {
    TagJson {
        sha: &o.sha,
        tag: &o.tag,
        version: &o.version,
        previous_tag: &o.previous_tag,
        bump: o.bump,
        created: o.created,
        already_tagged: o.already_tagged,
        branch: o.branch.as_ref().map(|(n, _)| n.as_str()),
        branch_source: o.branch.as_ref().map(|(_, s)| *s),
        commits: listed(&o.commits, LISTED_COMMITS),
        commits_total: o.commits.len(),
        explanation: &o.explanation,
        changelog: &o.changelog,
        notes: &o.notes,
        actions: &o.actions,
    }
}

/// The JSON Schema of `--format json`, committed as
/// `schemas/tag-on-staging.report.schema.json`.
pub fn json_schema() -> serde_json::Value {
    contract::report_schema::<TagJson<'static>>(GATE)
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
            out.push_str(&format!("- {} ({})\n", c.subject, abbrev(&c.sha)));
        }
    }
    out
}

impl GateReport for TagReport {
    fn gate(&self) -> &str {
        GATE
    }

    fn verdict(&self) -> Verdict {
        self.verdict
    }

    fn reasons(&self) -> Vec<String> {
        self.reasons.clone()
    }

    fn text(&self) -> String {
        let o = self;
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
        if let Some((name, source)) = &o.branch {
            t.push_str(&format!(
                "release branch: {name} (from {})\n",
                source.describe()
            ));
        }
        for e in &o.explanation {
            t.push_str(&format!("  because {e}\n"));
        }
        let shown = listed(&o.commits, TEXT_COMMITS);
        for c in &shown {
            t.push_str(&format!(
                "  {} {} -> {} ({})\n",
                abbrev(&c.sha),
                c.subject,
                c.bump.as_str(),
                rule_text(c)
            ));
        }
        if shown.len() < o.commits.len() {
            t.push_str(&format!(
                "  ... and {} more commits that decide nothing (--format json lists the first {LISTED_COMMITS})\n",
                o.commits.len() - shown.len()
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

    fn write_json(&self, out: &mut dyn Write, policy: Option<&PolicyFile>) -> anyhow::Result<()> {
        JsonReport::new(GATE, self.verdict, &self.reasons, &tag_json(self))
            .policy(policy)
            .write(out)
    }

    fn annotations(&self) -> Vec<Annotation> {
        let o = self;
        match o.verdict {
            Verdict::Fail => {
                vec![Annotation::new(Level::Error, o.reasons.join("; ")).title("Not tagged")]
            }
            _ if o.created => vec![
                Annotation::new(
                    Level::Notice,
                    format!("tagged {} as {}", short(&o.sha), o.tag),
                )
                .title("Tagged"),
            ],
            _ => Vec::new(),
        }
    }

    fn summary(&self, omitted_note: Option<String>) -> String {
        let o = self;
        let icon = if o.verdict == Verdict::Fail {
            "❌"
        } else {
            "🏷️"
        };
        let mut m = format!("### {icon} {GATE}: {}\n\n", o.verdict);
        for r in &o.reasons {
            m.push_str(&format!("- {}\n", md_cell(r)));
        }
        if let Some((name, source)) = &o.branch {
            m.push_str(&format!(
                "\nRelease branch: {} (from {}).\n",
                md_cell(name),
                source.describe()
            ));
        }
        if !o.commits.is_empty() {
            m.push_str("\n**Why this bump:**\n\n");
            let shown = listed(&o.commits, LISTED_COMMITS);
            let rows: Vec<Vec<String>> = shown
                .iter()
                .map(|c| {
                    vec![
                        abbrev(&c.sha).to_owned(),
                        c.subject.clone(),
                        rule_text(c),
                        c.bump.as_str().to_owned(),
                    ]
                })
                .collect();
            m.push_str(&md_table(&["commit", "subject", "rule", "bump"], &rows));
            if shown.len() < o.commits.len() {
                m.push_str(&format!(
                    "\n… and {} more commits that decide nothing.\n",
                    o.commits.len() - shown.len()
                ));
            }
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
        let o = self;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_report_schema_is_current() {
        test_support::contract::assert_committed_schema(
            "tag-on-staging",
            "tag-on-staging.report.schema.json",
            &json_schema(),
        );
    }
}
