//! Report: the findings and what the writes did, as one verdict in every
//! form: text, JSON, annotations on the uncovered changed lines, the step
//! summary, the sticky PR comment (the same Markdown), and the step
//! outputs.

use std::io::Write;

use gate_runtime::Verdict;
use gate_runtime::contract::JsonReport;
use gate_runtime::git::short;
use gate_runtime::policy::PolicyFile;
use gate_runtime::report::GateReport;
use gate_runtime::runner::commands::{Annotation, Level};
use gate_runtime::runner::summary::{md_cell, md_code, md_table, md_table_raw};
use schemars::JsonSchema;
use serde::Serialize;

use crate::GATE;
use crate::act::{Applied, Recorded};
use crate::decide;
use crate::model::Totals;
use crate::patch::{Patch, PatchFile, PatchJudgement, ranges};
use crate::ratchet::{Decision, unit};

/// Why a pull request from a fork gets no comment.
pub(crate) const FORK_NOTE: &str = "the token cannot write to the pull request (a fork's token is read-only), so the comment is skipped; the README's workflow_run split posts it";

/// The report: the decision's findings, with what the writes did added in
/// the plan's order (the record's, then the comment's).
pub(crate) fn report(d: decide::Decision, applied: &Applied) -> CoverageReport {
    let mut r = d.findings;
    let mut actions = Vec::new();
    if let (Some(b), true) = (&d.plan.baseline_file, applied.dry_run) {
        actions.push(format!(
            "would write the baseline file {}",
            b.path.display()
        ));
    }
    if let (Some(w), Some(done)) = (&d.plan.record, &applied.record) {
        let place = w.place();
        match done {
            Recorded::Committed { commit, attempts } => actions.push(format!(
                "recorded {place} in commit {}{}",
                short(commit),
                if *attempts > 1 {
                    format!(" (after {} lost races)", attempts - 1)
                } else {
                    String::new()
                }
            )),
            Recorded::Unchanged => r.notes.push(format!(
                "--record: {place} already holds this record; nothing written"
            )),
            Recorded::Refused => r.warnings.push(format!(
                "--record: GitHub refused the write to {} (HTTP 403); give the recording job `permissions: contents: write` (a fork's token can never write)",
                w.branch
            )),
            Recorded::DryRun => actions.push(format!("would record {place}")),
        }
    }
    r.notes.extend(d.comment_note);
    if applied.comment_refused {
        r.notes.push(format!("--comment: {FORK_NOTE}"));
    }
    actions.extend(applied.api.lines());
    r.actions = actions;
    r
}

/// Which baseline the packages were compared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaselineUsed {
    /// The commit the baseline is for, when known.
    pub commit: Option<String>,
    /// How many first-parent commits before the merge base it is; `None`
    /// for a baseline file.
    pub distance: Option<usize>,
    /// Where it came from: `trunkline-data:coverage/ab/ab….json`, or the
    /// file's path.
    pub source: String,
    /// The commit the search started from (the merge base).
    pub from: Option<String>,
}

/// Where links to lines point: `https://github.com/o/r/blob/SHA`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineLinks {
    pub blob_base: String,
}

impl LineLinks {
    fn range(&self, prefix: &str, path: &str, (a, b): (u32, u32)) -> String {
        let anchor = if a == b {
            format!("L{a}")
        } else {
            format!("L{a}-L{b}")
        };
        format!(
            "{}/{}#{anchor}",
            self.blob_base,
            gate_runtime::api::client::encode_path(&format!("{prefix}{path}"))
        )
    }
}

/// Everything the gate found and decided.
#[derive(Debug, Clone)]
pub struct CoverageReport {
    pub decision: Decision,
    pub total: Totals,
    pub files: usize,
    pub baseline: Option<BaselineUsed>,
    pub patch: Option<Patch>,
    pub judgement: PatchJudgement,
    /// Percentage points a package may drop (`--tolerance`), for the
    /// wording of drops within it.
    pub tolerance: f64,
    /// Warnings that are not the patch's (no baseline record, a write the
    /// token could not make).
    pub warnings: Vec<String>,
    /// What the user should know: what the readers tolerated or chose
    /// (each naming its report), skipped writes, fallbacks taken.
    pub notes: Vec<String>,
    /// Writes made, or printed by a dry run.
    pub actions: Vec<String>,
    pub links: Option<LineLinks>,
    /// The checkout directory (`--root`) relative to the repository's top,
    /// with a trailing `/` (empty at the top): annotations and links name
    /// files from the top.
    pub prefix: String,
}

/// coverage-gate's own fields in `--format json`, after `schema`, `gate`,
/// `verdict` and `reasons` (see `gate_runtime::contract`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct CoverageJson<'a> {
    /// Totals over every file of the merged reports.
    pub totals: TotalsJson,
    /// Each package, by name.
    pub packages: Vec<PackageJson<'a>>,
    /// Packages in the baseline that no report covers any more.
    pub removed_packages: &'a [String],
    /// How many files the merged reports cover.
    pub files: usize,
    /// The baseline compared with; null without one.
    pub baseline: Option<BaselineJson<'a>>,
    /// Coverage of the changed lines; null when they were not read.
    pub patch: Option<PatchJson<'a>>,
    /// What the user should know: what the readers tolerated or chose
    /// (each naming its report), writes skipped, fallbacks taken.
    pub notes: &'a [String],
    /// Writes made, or printed by a dry run.
    pub actions: &'a [String],
}

/// Totals. `statements_*` are the gate's unit: Go's statements for Go, the
/// lines otherwise. Percentages are null when nothing was found.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TotalsJson {
    pub lines_found: u64,
    pub lines_hit: u64,
    pub statements_found: u64,
    pub statements_hit: u64,
    pub statement_percent: Option<f64>,
    pub branches_found: u64,
    pub branches_hit: u64,
    pub functions_found: u64,
    pub functions_hit: u64,
    pub mcdc_found: u64,
    pub mcdc_hit: u64,
    pub line_percent: Option<f64>,
    pub branch_percent: Option<f64>,
}

/// One package. `baseline_line_percent`, `delta` and `uncovered_delta` are
/// in the gate's unit (Go's statements for Go, lines otherwise), and null
/// without a baseline for the package.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PackageJson<'a> {
    pub name: &'a str,
    pub lines_found: u64,
    pub lines_hit: u64,
    pub line_percent: Option<f64>,
    pub statements_found: u64,
    pub statements_hit: u64,
    pub statement_percent: Option<f64>,
    pub baseline_line_percent: Option<f64>,
    /// Percentage points gained (positive) or lost (negative).
    pub delta: Option<f64>,
    /// Uncovered lines (statements) added (positive) or removed.
    pub uncovered_delta: Option<i64>,
    pub verdict: PackageVerdict,
}

/// A package's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum PackageVerdict {
    Pass,
    Fail,
}

/// Which baseline the packages were compared with.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BaselineJson<'a> {
    /// The commit the baseline is for; null when a file does not say.
    pub commit: Option<&'a str>,
    /// First-parent commits between it and the merge base (0: the merge
    /// base's own record); null for a baseline file.
    pub distance: Option<usize>,
}

/// Coverage of the changed lines.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PatchJson<'a> {
    /// Changed lines with coverage data.
    pub measured: u64,
    /// Of those, the lines the tests ran.
    pub covered: u64,
    /// Covered over measured, in percent; null with nothing measured.
    pub percent: Option<f64>,
    /// Files with at least one measured changed line, by path.
    pub files: &'a [PatchFile],
    /// Changed source files with no coverage data at all, by path.
    pub unmeasured_files: &'a [String],
}

fn fmt_pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.2}%"))
        .unwrap_or_else(|| "n/a".into())
}

fn lines_text((a, b): (u32, u32)) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

impl CoverageReport {
    /// The gate's own fields in `--format json`.
    pub fn json(&self) -> CoverageJson<'_> {
        let t = &self.total;
        let (statements_found, statements_hit) = t.coverage();
        CoverageJson {
            totals: TotalsJson {
                lines_found: t.lines_found,
                lines_hit: t.lines_hit,
                statements_found,
                statements_hit,
                statement_percent: t.coverage_percent(),
                branches_found: t.branches_found,
                branches_hit: t.branches_hit,
                functions_found: t.functions_found,
                functions_hit: t.functions_hit,
                mcdc_found: t.mcdc_found,
                mcdc_hit: t.mcdc_hit,
                line_percent: t.line_percent(),
                branch_percent: t.branch_percent(),
            },
            packages: self
                .decision
                .packages
                .iter()
                .map(|p| PackageJson {
                    name: &p.name,
                    lines_found: p.lines_found,
                    lines_hit: p.lines_hit,
                    line_percent: p.line_percent,
                    statements_found: p.statements_found,
                    statements_hit: p.statements_hit,
                    statement_percent: p.statement_percent,
                    baseline_line_percent: p.baseline_line_percent,
                    delta: p.delta,
                    uncovered_delta: p.uncovered_delta,
                    verdict: if p.fail {
                        PackageVerdict::Fail
                    } else {
                        PackageVerdict::Pass
                    },
                })
                .collect(),
            removed_packages: &self.decision.removed,
            files: self.files,
            baseline: self.baseline.as_ref().map(|b| BaselineJson {
                commit: b.commit.as_deref(),
                distance: b.distance,
            }),
            patch: self.patch.as_ref().map(|p| PatchJson {
                measured: p.measured,
                covered: p.covered,
                percent: p.percent(),
                files: &p.files,
                unmeasured_files: &p.unmeasured_files,
            }),
            notes: &self.notes,
            actions: &self.actions,
        }
    }

    /// The uncovered changed lines as ranges: (path, range), largest range
    /// first, then by path and line.
    pub fn uncovered_ranges(&self) -> Vec<(&str, (u32, u32))> {
        let mut out: Vec<(&str, (u32, u32))> = self
            .patch
            .iter()
            .flat_map(|p| &p.files)
            .flat_map(|f| {
                ranges(&f.uncovered)
                    .into_iter()
                    .map(move |r| (f.path.as_str(), r))
            })
            .collect();
        out.sort_by(|a, b| {
            (b.1.1 - b.1.0)
                .cmp(&(a.1.1 - a.1.0))
                .then(a.0.cmp(b.0))
                .then(a.1.cmp(&b.1))
        });
        out
    }

    /// The packages that dropped and still pass, each saying why: within
    /// the tolerance, or within the rule (no new uncovered lines).
    fn drops_within_the_rule(&self) -> Vec<String> {
        self.decision
            .packages
            .iter()
            .filter_map(|p| {
                let drop = -p.delta.filter(|d| *d < -1e-9)?;
                let go = (p.statements_found, p.statements_hit) != (p.lines_found, p.lines_hit);
                let why = if drop <= self.tolerance + 1e-9 {
                    format!("within the tolerance of {} points", self.tolerance)
                } else {
                    let unit = if go { "statements" } else { "lines" };
                    format!("within the rule (no new uncovered {unit})")
                };
                Some(format!("{} dropped {drop:.2} points, {why}", p.name))
            })
            .collect()
    }

    fn baseline_sentence(&self) -> Option<String> {
        let b = self.baseline.as_ref()?;
        Some(match (&b.commit, b.distance) {
            (Some(c), Some(0)) => format!(
                "compared with the record of the merge base {} ({})",
                short(c),
                b.source
            ),
            (Some(c), Some(d)) => format!(
                "compared with the record of {} ({}), {d} commit{} before the merge base {}",
                short(c),
                b.source,
                if d == 1 { "" } else { "s" },
                b.from.as_deref().map(short).unwrap_or("?")
            ),
            (Some(c), None) => format!("compared with {} (commit {})", b.source, short(c)),
            (None, _) => format!("compared with {}", b.source),
        })
    }

    /// The Markdown of the step summary and the sticky comment.
    pub fn markdown(&self, omitted_note: Option<&str>) -> String {
        let icon = match self.verdict() {
            Verdict::Fail => "❌",
            Verdict::Warn => "⚠️",
            Verdict::Pass => "✅",
        };
        let mut m = format!("### {icon} {GATE}: {}\n\n", self.verdict());
        for r in self.reasons() {
            m.push_str(&format!("- {}\n", md_cell(&r)));
        }
        if let Some(s) = self.baseline_sentence() {
            m.push_str(&format!("\n**Baseline:** {}.\n", md_cell(&s)));
        }
        if !self.decision.packages.is_empty() {
            let rows: Vec<Vec<String>> = self
                .decision
                .packages
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        fmt_pct(p.baseline_line_percent),
                        fmt_pct(p.statement_percent),
                        p.delta.map(|d| format!("{d:+.2}")).unwrap_or_else(|| {
                            if self.baseline.is_some() {
                                "new".into()
                            } else {
                                String::new()
                            }
                        }),
                        p.uncovered_delta
                            .map(|d| format!("{d:+}"))
                            .unwrap_or_default(),
                        if p.fail { "❌".into() } else { "✅".into() },
                    ]
                })
                .collect();
            m.push('\n');
            m.push_str(&md_table(
                &[
                    "package",
                    "base",
                    "head",
                    "delta (points)",
                    "uncovered lines added",
                    "",
                ],
                &rows,
            ));
        }
        if let Some(p) = &self.patch {
            m.push_str(&self.patch_markdown(p));
        }
        if !self.notes.is_empty() {
            m.push('\n');
            for n in &self.notes {
                m.push_str(&format!("> {}\n", md_cell(n)));
            }
        }
        if let Some(n) = omitted_note {
            m.push_str(&format!("\n> {n}\n"));
        }
        m
    }

    fn patch_markdown(&self, p: &Patch) -> String {
        let mut m = match p.percent() {
            Some(pct) => format!(
                "\n#### Patch coverage: {pct:.2}%\n\n{} of {} changed lines with coverage data are covered ({} changed lines in {} files).\n",
                p.covered, p.measured, p.changed_lines, p.changed_files
            ),
            None => format!(
                "\n#### Patch coverage: n/a\n\nNone of the {} changed lines in {} files has coverage data.\n",
                p.changed_lines, p.changed_files
            ),
        };
        let rows: Vec<Vec<String>> = p
            .files
            .iter()
            .filter(|f| !f.uncovered.is_empty())
            .map(|f| {
                let lines: Vec<String> = ranges(&f.uncovered)
                    .into_iter()
                    .map(|r| match &self.links {
                        Some(l) => {
                            format!("[{}]({})", lines_text(r), l.range(&self.prefix, &f.path, r))
                        }
                        None => lines_text(r),
                    })
                    .collect();
                vec![
                    md_code(&f.path),
                    format!(
                        "{}/{}",
                        f.covered.len(),
                        f.covered.len() + f.uncovered.len()
                    ),
                    lines.join(", "),
                ]
            })
            .collect();
        if !rows.is_empty() {
            m.push('\n');
            m.push_str(&md_table_raw(
                &["file", "covered", "uncovered changed lines"],
                &rows,
            ));
        }
        if !p.unmeasured_files.is_empty() {
            m.push_str("\n**Not measured** (changed source files with no coverage data):\n\n");
            for f in &p.unmeasured_files {
                m.push_str(&format!("- {}\n", md_code(f)));
            }
        }
        m
    }
}

impl GateReport for CoverageReport {
    fn gate(&self) -> &str {
        GATE
    }

    fn verdict(&self) -> Verdict {
        if self.decision.fail || !self.judgement.fail.is_empty() {
            Verdict::Fail
        } else if !self.judgement.warn.is_empty() || !self.warnings.is_empty() {
            Verdict::Warn
        } else {
            Verdict::Pass
        }
    }

    fn reasons(&self) -> Vec<String> {
        let mut r = self.decision.reasons.clone();
        r.extend(self.judgement.fail.iter().cloned());
        r.extend(self.judgement.warn.iter().cloned());
        r.extend(self.warnings.iter().cloned());
        if !self.decision.fail {
            let dropped = self.drops_within_the_rule();
            r.push(format!(
                "{} coverage {} over {} files{}",
                unit(&self.total),
                fmt_pct(self.total.coverage_percent()),
                self.files,
                match (self.baseline.is_some(), dropped.is_empty()) {
                    (false, _) => "",
                    (true, true) => "; every package at or above its baseline",
                    (true, false) => "; every package at or above its baseline or within the rule",
                }
            ));
            r.extend(dropped);
        }
        r.extend(self.judgement.info.iter().cloned());
        r
    }

    fn text(&self) -> String {
        let mut t = format!("{GATE}: {}\n", self.verdict());
        for r in self.reasons() {
            t.push_str(&format!("  {r}\n"));
        }
        if let Some(s) = self.baseline_sentence() {
            t.push_str(&format!("baseline: {s}\n"));
        }
        if self.total.has_go_statements() {
            t.push_str(&format!(
                "total: statements {}/{} ({})\n",
                self.total.statements_hit,
                self.total.statements_found,
                fmt_pct(self.total.coverage_percent()),
            ));
        }
        t.push_str(&format!(
            "total: lines {}/{} ({}), branches {}/{} ({}), functions {}/{}\n",
            self.total.lines_hit,
            self.total.lines_found,
            fmt_pct(self.total.line_percent()),
            self.total.branches_hit,
            self.total.branches_found,
            fmt_pct(self.total.branch_percent()),
            self.total.functions_hit,
            self.total.functions_found
        ));
        for p in &self.decision.packages {
            t.push_str(&format!(
                "  {}: {} (baseline {}){}\n",
                p.name,
                fmt_pct(p.statement_percent),
                fmt_pct(p.baseline_line_percent),
                if p.fail { "  FAIL" } else { "" }
            ));
        }
        if let Some(p) = &self.patch {
            t.push_str(&format!(
                "patch: {} ({} of {} measured changed lines covered)\n",
                fmt_pct(p.percent()),
                p.covered,
                p.measured
            ));
            for f in p.files.iter().filter(|f| !f.uncovered.is_empty()) {
                let lines: Vec<String> = ranges(&f.uncovered).into_iter().map(lines_text).collect();
                t.push_str(&format!("  {}: not covered {}\n", f.path, lines.join(", ")));
            }
            for f in &p.unmeasured_files {
                t.push_str(&format!("  {f}: no coverage data\n"));
            }
        }
        for n in &self.notes {
            t.push_str(&format!("note: {n}\n"));
        }
        for a in &self.actions {
            t.push_str(&format!("done: {a}\n"));
        }
        t
    }

    fn write_json(&self, out: &mut dyn Write, policy: Option<&PolicyFile>) -> anyhow::Result<()> {
        let reasons = self.reasons();
        JsonReport::new(GATE, self.verdict(), &reasons, &self.json())
            .policy(policy)
            .write(out)
    }

    fn annotations(&self) -> Vec<Annotation> {
        let mut out: Vec<Annotation> = self
            .decision
            .packages
            .iter()
            .filter(|p| p.fail)
            .enumerate()
            .map(|(i, p)| {
                let title = if p.baseline_line_percent.is_some() {
                    format!("Coverage dropped: {}", p.name)
                } else {
                    format!("New package below the floor: {}", p.name)
                };
                Annotation::new(Level::Error, p.reasons.join("; "))
                    .title(title)
                    .rank(i as u64)
            })
            .collect();
        for (i, (path, (a, b))) in self.uncovered_ranges().into_iter().enumerate() {
            let what = if a == b {
                format!("Line {a} is")
            } else {
                format!("Lines {a}-{b} are")
            };
            out.push(
                Annotation::new(
                    Level::Warning,
                    format!("{what} added or changed here and not run by the tests."),
                )
                .title("Changed lines not covered")
                .file(format!("{}{path}", self.prefix))
                .lines(u64::from(a), (a != b).then_some(u64::from(b)))
                .rank(i as u64),
            );
        }
        out
    }

    fn summary(&self, omitted_note: Option<String>) -> String {
        self.markdown(omitted_note.as_deref())
    }

    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("verdict", self.verdict().as_str().to_owned()),
            (
                "line-percent",
                self.total
                    .line_percent()
                    .map(|p| format!("{p:.2}"))
                    .unwrap_or_default(),
            ),
            (
                "branch-percent",
                self.total
                    .branch_percent()
                    .map(|p| format!("{p:.2}"))
                    .unwrap_or_default(),
            ),
            (
                "patch-percent",
                self.patch
                    .as_ref()
                    .and_then(Patch::percent)
                    .map(|p| format!("{p:.2}"))
                    .unwrap_or_default(),
            ),
            (
                "baseline-commit",
                self.baseline
                    .as_ref()
                    .and_then(|b| b.commit.clone())
                    .unwrap_or_default(),
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed schema is the one the report types give.
    #[test]
    fn committed_report_schema_is_current() {
        test_support::contract::assert_committed_schema(
            "coverage-gate",
            "coverage-gate.report.schema.json",
            &gate_runtime::contract::report_schema::<CoverageJson<'_>>(GATE),
        );
    }
}
