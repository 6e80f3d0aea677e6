//! The scenario's timeline: one line per event and its verdict, printed as
//! it happens (on stderr, past the test harness's capture) and kept for the
//! JSON transcript (`TRUNKLINE_FLOW_TRANSCRIPT=FILE`).

use std::io::Write as _;
use std::time::Instant;

use serde_json::{Value, json};

use super::act::Outcome;

pub(crate) struct Transcript {
    start: Instant,
    entries: Vec<Value>,
}

impl Transcript {
    pub(crate) fn new() -> Self {
        Self {
            start: Instant::now(),
            entries: Vec::new(),
        }
    }

    pub(crate) fn elapsed(&self) -> f64 {
        self.start.elapsed().as_secs_f64()
    }

    /// One line: what happened, and what came of it.
    pub(crate) fn line(&mut self, event: &str, verdict: &str) {
        self.push(event, verdict, Value::Null);
    }

    /// One line for a workflow run: each job's result, and why a job failed
    /// or was skipped.
    pub(crate) fn run(&mut self, event: &str, run: &Outcome) {
        let jobs: Vec<Value> = run
            .jobs
            .iter()
            .map(|j| {
                json!({
                    "id": j.id, "name": j.name, "result": j.result,
                    "errors": j.errors, "deployment": j.deployment,
                    "skipped_because": j.skipped_because,
                })
            })
            .collect();
        let mut verdict = format!("{}: {}", run.workflow, run.summary());
        let why: Vec<String> = run
            .jobs
            .iter()
            .flat_map(|j| {
                j.errors
                    .iter()
                    .map(move |e| format!("{}: {e}", j.name))
                    .chain(
                        j.skipped_because
                            .iter()
                            .map(move |b| format!("{} skipped: {b}", j.name)),
                    )
            })
            .collect();
        if !why.is_empty() {
            verdict.push_str(&format!(" [{}]", why.join("; ")));
        }
        self.push(
            event,
            &verdict,
            json!({"workflow": run.workflow, "jobs": jobs}),
        );
    }

    fn push(&mut self, event: &str, verdict: &str, run: Value) {
        let at = self.elapsed();
        let _ = writeln!(std::io::stderr(), "{at:7.1}s  {event}  =>  {verdict}");
        self.entries.push(json!({
            "at_seconds": (at * 10.0).round() / 10.0,
            "event": event,
            "verdict": verdict,
            "run": run,
        }));
    }

    pub(crate) fn json(&self) -> Value {
        json!({
            "scenario": "delivery_flow",
            "wall_seconds": (self.elapsed() * 10.0).round() / 10.0,
            "timeline": self.entries,
        })
    }

    /// Writes the JSON transcript where `TRUNKLINE_FLOW_TRANSCRIPT` says.
    pub(crate) fn save(&self) {
        if let Ok(path) = std::env::var("TRUNKLINE_FLOW_TRANSCRIPT") {
            let text = serde_json::to_string_pretty(&self.json()).unwrap();
            std::fs::write(&path, text + "\n")
                .unwrap_or_else(|e| panic!("TRUNKLINE_FLOW_TRANSCRIPT={path}: {e}"));
        }
    }
}
