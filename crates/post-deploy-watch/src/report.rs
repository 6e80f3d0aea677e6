//! Report: what the watch saw and what the response did, in every form.
//!
//! [`report`] puts the watch, the response and what acting did into one
//! [`WatchReport`]; the runtime renders it as text, JSON and GitHub's forms.

use gate_runtime::Verdict;
use gate_runtime::contract::{self, JsonReport};
use gate_runtime::plan::{Applied, Write};
use gate_runtime::policy::PolicyFile;
use gate_runtime::report::GateReport;
use gate_runtime::runner::commands::{Annotation, Level};
use gate_runtime::runner::summary::{md_cell, md_table};
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Serialize, Serializer};

use crate::GATE;
use crate::facts::Watched;
use crate::probe::Sample;
use crate::respond::{Response, rollback_result};
use crate::watch::{Breach, CheckState, Outcome, Watch, clock};

/// The rollback part of the result.
#[derive(Debug, Clone, Default, Serialize, JsonSchema)]
pub struct RollbackResult {
    /// The tag rolled back to; null when no earlier good version was found.
    pub tag: Option<String>,
    /// What was done, or why nothing was, in one sentence.
    pub how: String,
    /// Whether the rollback workflow was dispatched.
    pub dispatched: bool,
    /// The dispatched workflow run's id; null when not dispatched or when
    /// GitHub did not say.
    pub run_id: Option<u64>,
}

/// The whole run: the watch, how it ended, and what was done about it.
#[derive(Debug, Clone)]
pub struct WatchReport {
    pub watch: Watch,
    pub outcome: Outcome,
    pub verdict: Verdict,
    pub deployment_id: Option<u64>,
    pub tag: Option<String>,
    pub rollback: Option<RollbackResult>,
    pub freeze: bool,
    pub notes: Vec<String>,
    pub actions: Vec<String>,
    /// Set when the live timeline already went to the log.
    pub streamed: bool,
}

/// Charts in the step summary: the breached check's first, then the
/// others in order. A watch of thousands of checks would otherwise build
/// megabytes of charts only for the summary's cap to cut.
const CHARTS_SHOWN: usize = 10;

fn show(v: Option<f64>) -> String {
    v.map_or_else(|| "–".to_owned(), |x| format!("{x}"))
}

/// The report of a watch that ran, with what its plans did (the start's,
/// then the response's), in order.
pub fn report(facts: Watched, response: &Response, applied: &[&Applied]) -> WatchReport {
    let dispatch = applied
        .iter()
        .flat_map(|a| &a.results)
        .find(|(w, _)| matches!(w, Write::Dispatch(_)))
        .map(|(w, o)| (w, o));
    let mut r = WatchReport {
        watch: facts.watch,
        outcome: facts.outcome,
        verdict: response.verdict,
        deployment_id: facts.deployment.id,
        tag: facts.deployment.tag,
        rollback: response
            .rollback
            .as_ref()
            .map(|rb| rollback_result(rb, dispatch)),
        freeze: response.freeze,
        notes: facts.notes,
        actions: Vec::new(),
        streamed: facts.streamed,
    };
    r.add_problems(response.problems.clone());
    for a in applied {
        r.absorb(a);
    }
    r
}

impl WatchReport {
    /// Adds what a plan did: its actions (the rollback dispatch is told in
    /// the rollback's own line) and its failures.
    pub fn absorb(&mut self, applied: &Applied) {
        self.actions.extend(
            applied
                .results
                .iter()
                .filter(|(w, _)| !matches!(w, Write::Dispatch(_)))
                .filter_map(|(w, o)| w.done(o)),
        );
        self.add_problems(applied.failures());
    }

    /// Records what went wrong besides production: a watch that passed but
    /// could not record it warns.
    fn add_problems(&mut self, problems: Vec<String>) {
        if problems.is_empty() {
            return;
        }
        self.notes.extend(problems);
        if self.verdict == Verdict::Pass {
            self.verdict = Verdict::Warn;
        }
    }

    fn reasons(&self) -> Vec<String> {
        let mut r = vec![self.outcome.reason()];
        if let Some(rb) = &self.rollback {
            r.push(format!("rollback: {}", rb.how));
        }
        if self.freeze {
            r.push("freeze: no rollback (--on-breach freeze)".to_owned());
        }
        r
    }
}

/// A measured value in the JSON report: a number; a value that is not
/// finite as its name (`NaN`, `inf`, `-inf`), which JSON has no number
/// for; null when there is none.
#[derive(Debug, Clone, Copy)]
pub struct Measured(pub Option<f64>);

impl Serialize for Measured {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Some(x) if x.is_finite() => s.serialize_f64(x),
            Some(x) => s.serialize_str(&x.to_string()),
            None => s.serialize_none(),
        }
    }
}

impl JsonSchema for Measured {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Measured".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A measured value: a number; a value that is not finite as its name (NaN, inf, -inf); null when there is none.",
            "type": ["number", "string", "null"],
        })
    }
}

/// How a sample ended, in the JSON report.
#[derive(Debug, Clone, Copy, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum SampleResult {
    /// The check held.
    Ok,
    /// Production breached the check.
    Breach,
    /// The measurement itself failed; it says nothing about production.
    Error,
}

/// A check's latest sample.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LastSampleJson<'a> {
    pub result: SampleResult,
    /// What the sample saw, on one line.
    pub detail: &'a str,
}

impl<'a> From<&'a Sample> for LastSampleJson<'a> {
    fn from(s: &'a Sample) -> Self {
        Self {
            result: match s {
                Sample::Ok { .. } => SampleResult::Ok,
                Sample::Breach { .. } => SampleResult::Breach,
                Sample::Error { .. } => SampleResult::Error,
            },
            detail: s.detail(),
        }
    }
}

/// One check's record over the window.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckJson<'a> {
    /// The check's name (an HTTP check's is its URL).
    pub name: &'a str,
    /// `http` or `prometheus`.
    pub kind: &'a str,
    /// The check is reported but never decides the watch.
    pub observe_only: bool,
    /// When the check holds, in words.
    pub condition: &'a str,
    /// The limit its values are charted against; null when it has none.
    pub threshold: Measured,
    /// Samples taken.
    pub samples: u32,
    /// Samples where the check held.
    pub ok: u32,
    /// Samples where production breached the check.
    pub breaches: u32,
    /// Samples whose measurement failed.
    pub errors: u32,
    /// The latest value (an HTTP check's latency in ms, or the query's
    /// value).
    pub last_value: Measured,
    /// Breaches in a row at the end of the watch.
    pub consecutive_breaches: u32,
    /// Measurement errors in a row at the end of the watch.
    pub consecutive_errors: u32,
    /// The latest sample; null when none was taken.
    pub last: Option<LastSampleJson<'a>>,
}

impl<'a> From<&'a CheckState> for CheckJson<'a> {
    fn from(c: &'a CheckState) -> Self {
        Self {
            name: &c.name,
            kind: c.kind,
            observe_only: c.observe_only,
            condition: &c.condition,
            threshold: Measured(c.threshold),
            samples: c.samples,
            ok: c.oks,
            breaches: c.breaches,
            errors: c.errors,
            last_value: Measured(c.last_value),
            consecutive_breaches: c.consecutive_breaches,
            consecutive_errors: c.consecutive_errors,
            last: c.last.as_ref().map(LastSampleJson::from),
        }
    }
}

/// The breach that failed the watch.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BreachJson<'a> {
    /// The breached check's name.
    pub check: &'a str,
    /// When, in RFC 3339.
    pub at: &'a str,
    /// The value that breached.
    pub value: Measured,
    /// The condition breached.
    pub threshold: &'a str,
    /// What was seen, on one line.
    pub detail: &'a str,
    /// When, in seconds from the start of the window.
    pub seconds_into_window: f64,
}

impl<'a> From<&'a Breach> for BreachJson<'a> {
    fn from(b: &'a Breach) -> Self {
        Self {
            check: &b.check,
            at: &b.at,
            value: Measured(b.value),
            threshold: &b.threshold,
            detail: &b.detail,
            seconds_into_window: b.offset,
        }
    }
}

/// post-deploy-watch's own fields in its `--format json` report.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WatchJson<'a> {
    /// How the watch ended: `pass`, `fail`, `inconclusive`, `cancelled` or
    /// `skipped`.
    pub outcome: &'a str,
    /// Every check, in order.
    pub checks: Vec<CheckJson<'a>>,
    /// The breach that failed the watch; null unless `outcome` is `fail`.
    pub breach: Option<BreachJson<'a>>,
    /// The rollback; null when none was due.
    pub rollback: Option<&'a RollbackResult>,
    /// A breach froze deploys instead of rolling back
    /// (`--on-breach freeze`).
    pub freeze: bool,
    /// The deployment watched; null when none was followed.
    pub deployment_id: Option<u64>,
    /// The deployed tag; null when not known.
    pub tag: Option<&'a str>,
    /// When the watch started, in RFC 3339.
    pub started_at: String,
    /// One line per tick, the newest ones.
    pub timeline: &'a [String],
    /// Older tick lines left out of `timeline`.
    pub timeline_left_out: usize,
    /// Things to know about the run.
    pub notes: &'a [String],
    /// Writes made (or, with `--dry-run`, that would be made), besides the
    /// rollback.
    pub actions: &'a [String],
}

fn watch_json(r: &WatchReport) -> WatchJson<'_> {
    WatchJson {
        outcome: r.outcome.word(),
        checks: r.watch.checks.iter().map(CheckJson::from).collect(),
        breach: match &r.outcome {
            Outcome::Breach(b) => Some(BreachJson::from(b)),
            _ => None,
        },
        rollback: r.rollback.as_ref(),
        freeze: r.freeze,
        deployment_id: r.deployment_id,
        tag: r.tag.as_deref(),
        started_at: r.watch.started.to_string(),
        timeline: &r.watch.timeline,
        timeline_left_out: r.watch.timeline_left_out,
        notes: &r.notes,
        actions: &r.actions,
    }
}

/// The JSON Schema of `--format json`, committed as
/// `schemas/post-deploy-watch.report.schema.json`.
pub fn json_schema() -> serde_json::Value {
    contract::report_schema::<WatchJson<'static>>(GATE)
}

/// A Mermaid `xychart-beta` of one check's values against its threshold.
fn chart(c: &CheckState) -> Option<String> {
    let points: Vec<(f64, f64)> = c
        .history
        .iter()
        .filter_map(|(t, v)| v.filter(|x| x.is_finite()).map(|x| (*t, x)))
        .collect();
    if points.is_empty() {
        return None;
    }
    // GitHub renders a few hundred points fine; keep at most 120.
    let step = points.len().div_ceil(120);
    let points: Vec<&(f64, f64)> = points.iter().step_by(step).collect();
    let xs: Vec<String> = points
        .iter()
        .map(|(t, _)| format!("\"{}\"", clock(*t)))
        .collect();
    let ys: Vec<String> = points.iter().map(|(_, v)| format!("{v}")).collect();
    let title: String = c
        .name
        .chars()
        .filter(|ch| *ch != '"' && !ch.is_control())
        .collect();
    let unit = if c.kind == "http" {
        "latency (ms)"
    } else {
        "value"
    };
    let mut m = format!(
        "```mermaid\nxychart-beta\n    title \"{title}\"\n    x-axis [{}]\n    y-axis \"{unit}\"\n    line [{}]\n",
        xs.join(", "),
        ys.join(", ")
    );
    if let Some(t) = c.threshold.filter(|t| t.is_finite()) {
        let line: Vec<String> = points.iter().map(|_| format!("{t}")).collect();
        m.push_str(&format!("    line [{}]\n", line.join(", ")));
    }
    m.push_str("```\n");
    Some(m)
}

impl GateReport for WatchReport {
    fn gate(&self) -> &str {
        GATE
    }

    fn verdict(&self) -> Verdict {
        self.verdict
    }

    fn reasons(&self) -> Vec<String> {
        WatchReport::reasons(self)
    }

    fn text(&self) -> String {
        let mut t = String::new();
        if !self.streamed {
            if self.watch.timeline_left_out > 0 {
                t.push_str(&format!(
                    "({} earlier ticks left out)\n",
                    self.watch.timeline_left_out
                ));
            }
            for line in &self.watch.timeline {
                t.push_str(line);
                t.push('\n');
            }
        }
        t.push_str(&format!("{GATE}: {}\n", self.outcome.word()));
        for r in WatchReport::reasons(self) {
            t.push_str(&format!("  {r}\n"));
        }
        for c in &self.watch.checks {
            t.push_str(&format!(
                "  {} ({}{}): {} samples, {} ok, {} breaches, {} errors, last {}\n",
                c.name,
                c.kind,
                if c.observe_only { ", observe only" } else { "" },
                c.samples,
                c.oks,
                c.breaches,
                c.errors,
                show(c.last_value)
            ));
        }
        for n in &self.notes {
            t.push_str(&format!("note: {n}\n"));
        }
        for a in &self.actions {
            t.push_str(&format!("{a}\n"));
        }
        t
    }

    fn write_json(
        &self,
        out: &mut dyn std::io::Write,
        policy: Option<&PolicyFile>,
    ) -> anyhow::Result<()> {
        let reasons = WatchReport::reasons(self);
        JsonReport::new(GATE, self.verdict, &reasons, &watch_json(self))
            .policy(policy)
            .write(out)
    }

    fn annotations(&self) -> Vec<Annotation> {
        let title = match &self.outcome {
            Outcome::Pass | Outcome::Skipped { .. } => return Vec::new(),
            Outcome::Breach(_) => "Production breached",
            Outcome::Inconclusive { .. } => "Watch inconclusive",
            Outcome::Cancelled { .. } => "Watch cancelled",
        };
        let level = if self.verdict == Verdict::Fail {
            Level::Error
        } else {
            Level::Warning
        };
        vec![Annotation::new(level, WatchReport::reasons(self).join("; ")).title(title)]
    }

    fn summary(&self, omitted_note: Option<String>) -> String {
        let icon = match self.outcome {
            Outcome::Pass => "✅",
            Outcome::Breach(_) => "🚨",
            Outcome::Inconclusive { .. } => "❔",
            Outcome::Cancelled { .. } => "⏹️",
            Outcome::Skipped { .. } => "⏭️",
        };
        let mut m = format!("### {icon} {GATE}: {}\n\n", self.outcome.word());
        for r in WatchReport::reasons(self) {
            m.push_str(&format!("- {}\n", md_cell(&r)));
        }
        m.push('\n');
        let rows: Vec<Vec<String>> = self
            .watch
            .checks
            .iter()
            .map(|c| {
                vec![
                    if c.observe_only {
                        format!("{} (observe only)", c.name)
                    } else {
                        c.name.clone()
                    },
                    c.kind.to_owned(),
                    c.condition.clone(),
                    c.samples.to_string(),
                    c.oks.to_string(),
                    c.breaches.to_string(),
                    c.errors.to_string(),
                    show(c.last_value),
                    c.last
                        .as_ref()
                        .map(|s| format!("{} {}", s.word(), s.detail()))
                        .unwrap_or_default(),
                ]
            })
            .collect();
        m.push_str(&md_table(
            &[
                "check",
                "kind",
                "holds when",
                "samples",
                "ok",
                "breaches",
                "errors",
                "last value",
                "last result",
            ],
            &rows,
        ));
        let breached = match &self.outcome {
            Outcome::Breach(b) => Some(b.check.as_str()),
            _ => None,
        };
        let charted = self
            .watch
            .checks
            .iter()
            .filter(|c| Some(c.name.as_str()) == breached)
            .chain(
                self.watch
                    .checks
                    .iter()
                    .filter(|c| Some(c.name.as_str()) != breached),
            )
            .filter_map(|c| chart(c).map(|ch| (c, ch)))
            .take(CHARTS_SHOWN);
        for (c, ch) in charted {
            m.push_str(&format!(
                "\n**{}** against its threshold:\n\n{ch}",
                md_cell(&c.name)
            ));
        }
        if self.watch.checks.len() > CHARTS_SHOWN {
            m.push_str(&format!(
                "\n> Charts are drawn for at most {CHARTS_SHOWN} of the {} checks, the breached one first.\n",
                self.watch.checks.len()
            ));
        }
        if !self.watch.timeline.is_empty() {
            m.push_str("\n<details><summary>Timeline</summary>\n\n```text\n");
            if self.watch.timeline_left_out > 0 {
                m.push_str(&format!(
                    "({} earlier ticks left out)\n",
                    self.watch.timeline_left_out
                ));
            }
            for line in &self.watch.timeline {
                m.push_str(&line.replace("```", "'''"));
                m.push('\n');
            }
            m.push_str("```\n</details>\n");
        }
        for n in &self.notes {
            m.push_str(&format!("\n> {}\n", md_cell(n)));
        }
        for a in &self.actions {
            m.push_str(&format!("\n- {}\n", md_cell(a)));
        }
        if let Some(n) = omitted_note {
            m.push_str(&format!("\n> {n}\n"));
        }
        m
    }

    fn outputs(&self) -> Vec<(&'static str, String)> {
        let breach = match &self.outcome {
            Outcome::Breach(b) => b.check.clone(),
            _ => String::new(),
        };
        let rb = self.rollback.as_ref();
        vec![
            ("verdict", self.verdict.as_str().to_owned()),
            ("outcome", self.outcome.word().to_owned()),
            ("breached-check", breach),
            (
                "rollback-tag",
                rb.and_then(|r| r.tag.clone()).unwrap_or_default(),
            ),
            (
                "rollback-run",
                rb.and_then(|r| r.run_id)
                    .map(|id| id.to_string())
                    .unwrap_or_default(),
            ),
            ("freeze", self.freeze.to_string()),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_report_schema_is_current() {
        test_support::contract::assert_committed_schema(
            "post-deploy-watch",
            "post-deploy-watch.report.schema.json",
            &json_schema(),
        );
    }
}
