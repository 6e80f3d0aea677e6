//! Report: what the watch saw and what the response did, in every form.
//!
//! [`report`] puts the watch, the response and what acting did into one
//! [`WatchReport`]; the runtime renders it as text, JSON and GitHub's forms.

use gate_runtime::Verdict;
use gate_runtime::commands::{Annotation, Level};
use gate_runtime::plan::{Applied, Write};
use gate_runtime::report::GateReport;
use gate_runtime::summary::{md_cell, md_table};
use serde_json::{Value, json};

use crate::GATE;
use crate::facts::Watched;
use crate::respond::{Response, rollback_result};
use crate::watch::{CheckState, Outcome, Watch, clock};

/// The rollback part of the result.
#[derive(Debug, Clone, Default)]
pub struct RollbackResult {
    pub tag: Option<String>,
    pub how: String,
    pub dispatched: bool,
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

fn num(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        Some(x) => json!(x.to_string()),
        None => Value::Null,
    }
}

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

    fn json_details(&self) -> Value {
        let breach = match &self.outcome {
            Outcome::Breach(b) => json!({
                "check": b.check, "at": b.at, "value": num(b.value), "threshold": b.threshold,
                "detail": b.detail, "seconds_into_window": b.offset,
            }),
            _ => Value::Null,
        };
        json!({
            "outcome": self.outcome.word(),
            "checks": self.watch.checks.iter().map(|c| json!({
                "name": c.name, "kind": c.kind, "observe_only": c.observe_only,
                "condition": c.condition, "threshold": num(c.threshold),
                "samples": c.samples, "ok": c.oks, "breaches": c.breaches, "errors": c.errors,
                "last_value": num(c.last_value), "consecutive_breaches": c.consecutive_breaches,
                "consecutive_errors": c.consecutive_errors,
                "last": c.last.as_ref().map(|s| json!({"result": s.word().to_ascii_lowercase(), "detail": s.detail()})),
            })).collect::<Vec<_>>(),
            "breach": breach,
            "rollback": self.rollback.as_ref().map(|r| json!({
                "tag": r.tag, "how": r.how, "dispatched": r.dispatched, "run_id": r.run_id,
            })),
            "freeze": self.freeze,
            "deployment_id": self.deployment_id,
            "tag": self.tag,
            "started_at": self.watch.started.to_string(),
            "timeline": self.watch.timeline,
            "notes": self.notes,
            "actions": self.actions,
        })
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
        for c in &self.watch.checks {
            if let Some(ch) = chart(c) {
                m.push_str(&format!(
                    "\n**{}** against its threshold:\n\n{ch}",
                    md_cell(&c.name)
                ));
            }
        }
        if !self.watch.timeline.is_empty() {
            m.push_str("\n<details><summary>Timeline</summary>\n\n```text\n");
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
