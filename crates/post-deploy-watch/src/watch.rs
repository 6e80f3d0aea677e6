//! The watch: every check every interval, and the verdict rules.
//!
//! The rules follow Argo Rollouts' analysis model (consecutive breaches
//! fail, consecutive measurement errors are inconclusive), without its known
//! faults: an error, a window with no successful measurement, or a
//! cancellation never counts as success.

use std::future::Future;
use std::time::Duration;

use crate::checks::Check;
use crate::probe::{self, Sample, one_line};

/// One check's record over the window.
#[derive(Debug, Clone)]
pub struct CheckState {
    pub name: String,
    pub kind: &'static str,
    pub observe_only: bool,
    pub condition: String,
    pub threshold: Option<f64>,
    pub failure_threshold: u32,
    pub error_threshold: u32,
    pub samples: u32,
    pub oks: u32,
    pub breaches: u32,
    pub errors: u32,
    pub consecutive_breaches: u32,
    pub consecutive_errors: u32,
    pub last_value: Option<f64>,
    pub last: Option<Sample>,
    /// (seconds into the window, value) per sample.
    pub history: Vec<(f64, Option<f64>)>,
}

/// The breach that failed the watch.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub check: String,
    /// RFC 3339.
    pub at: String,
    pub offset: f64,
    pub value: Option<f64>,
    pub threshold: String,
    pub detail: String,
}

/// How the watch ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Pass,
    Breach(Breach),
    Inconclusive {
        check: String,
        why: String,
    },
    Cancelled {
        after: f64,
    },
    /// The run did not apply (e.g. a failed deployment's status event).
    Skipped {
        why: String,
    },
}

impl Outcome {
    /// The word for outputs and JSON.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Breach(_) => "fail",
            Outcome::Inconclusive { .. } => "inconclusive",
            Outcome::Cancelled { .. } => "cancelled",
            Outcome::Skipped { .. } => "skipped",
        }
    }

    /// One line on why.
    pub fn reason(&self) -> String {
        match self {
            Outcome::Pass => "production stayed healthy for the whole window".to_owned(),
            Outcome::Breach(b) => format!("{}: {} (breached {})", b.check, b.detail, b.threshold),
            Outcome::Inconclusive { check, why } => format!("inconclusive: {check}: {why}"),
            Outcome::Cancelled { after } => {
                format!(
                    "cancelled after {}: the watch did not finish, so it proves nothing",
                    clock(*after)
                )
            }
            Outcome::Skipped { why } => format!("not watched: {why}"),
        }
    }
}

/// `m:ss` (or `h:mm:ss`) into the window.
pub fn clock(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// Everything the watch saw.
#[derive(Debug, Clone)]
pub struct Watch {
    pub checks: Vec<CheckState>,
    /// One line per tick.
    pub timeline: Vec<String>,
    pub outcome: Option<Outcome>,
    pub started: jiff::Timestamp,
}

impl Watch {
    pub fn new(checks: &[Check], started: jiff::Timestamp) -> Self {
        Self {
            checks: checks
                .iter()
                .map(|c| CheckState {
                    name: c.name.clone(),
                    kind: c.kind(),
                    observe_only: c.observe_only,
                    condition: c.condition_text(),
                    threshold: c.threshold(),
                    failure_threshold: c.failure_threshold,
                    error_threshold: c.error_threshold,
                    samples: 0,
                    oks: 0,
                    breaches: 0,
                    errors: 0,
                    consecutive_breaches: 0,
                    consecutive_errors: 0,
                    last_value: None,
                    last: None,
                    history: Vec::new(),
                })
                .collect(),
            timeline: Vec::new(),
            outcome: None,
            started,
        }
    }

    /// Records one tick (a sample per check, in order) and returns the
    /// outcome when this tick decides the watch.
    pub fn record(
        &mut self,
        offset: f64,
        now: jiff::Timestamp,
        samples: Vec<Sample>,
    ) -> Option<Outcome> {
        let mut parts = Vec::with_capacity(self.checks.len());
        for (state, sample) in self.checks.iter_mut().zip(samples) {
            state.samples += 1;
            state.history.push((offset, sample.value()));
            if sample.value().is_some() {
                state.last_value = sample.value();
            }
            match &sample {
                Sample::Ok { .. } => {
                    state.oks += 1;
                    state.consecutive_breaches = 0;
                    state.consecutive_errors = 0;
                }
                Sample::Breach { .. } => {
                    state.breaches += 1;
                    state.consecutive_breaches += 1;
                    state.consecutive_errors = 0;
                }
                Sample::Error { .. } => {
                    state.errors += 1;
                    state.consecutive_errors += 1;
                    // An error neither confirms nor clears a breach streak:
                    // a flaky probe must not reset it.
                }
            }
            let streak = match &sample {
                Sample::Breach { .. } => format!(
                    " [{}/{}]",
                    state.consecutive_breaches, state.failure_threshold
                ),
                Sample::Error { .. } => {
                    format!(" [{}/{}]", state.consecutive_errors, state.error_threshold)
                }
                Sample::Ok { .. } => String::new(),
            };
            parts.push(format!(
                "{}: {} {}{streak}",
                one_line(&state.name),
                sample.word(),
                one_line(sample.detail())
            ));
            state.last = Some(sample);
        }
        self.timeline
            .push(format!("[+{}] {}", clock(offset), parts.join(" | ")));
        let deciding = || self.checks.iter().filter(|c| !c.observe_only);
        if let Some(c) = deciding().find(|c| c.consecutive_breaches >= c.failure_threshold) {
            let (value, detail) = match &c.last {
                Some(Sample::Breach { value, detail }) => (*value, detail.clone()),
                _ => (None, String::new()),
            };
            return Some(Outcome::Breach(Breach {
                check: c.name.clone(),
                at: now.to_string(),
                offset,
                value,
                threshold: c.condition.clone(),
                detail: format!("{detail}; {} breaches in a row", c.consecutive_breaches),
            }));
        }
        if let Some(c) = deciding().find(|c| c.consecutive_errors >= c.error_threshold) {
            let last = c
                .last
                .as_ref()
                .map(|s| s.detail().to_owned())
                .unwrap_or_default();
            return Some(Outcome::Inconclusive {
                check: c.name.clone(),
                why: format!(
                    "{} measurement errors in a row, the last: {last}",
                    c.consecutive_errors
                ),
            });
        }
        None
    }

    /// The outcome when the window ran out with no decision.
    pub fn window_over(&self) -> Outcome {
        for c in self.checks.iter().filter(|c| !c.observe_only) {
            if c.oks == 0 {
                return Outcome::Inconclusive {
                    check: c.name.clone(),
                    why: format!(
                        "not one successful measurement in {} ({} breaches, {} errors)",
                        c.samples, c.breaches, c.errors
                    ),
                };
            }
            // An error after a breach neither clears nor confirms it.
            if c.consecutive_breaches > 0 {
                return Outcome::Inconclusive {
                    check: c.name.clone(),
                    why: format!(
                        "still breaching when the window ended ({} of {} in a row); watch longer or look now",
                        c.consecutive_breaches, c.failure_threshold
                    ),
                };
            }
        }
        Outcome::Pass
    }
}

/// When the checks run.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    pub initial_delay: Duration,
    pub interval: Duration,
    pub duration: Duration,
}

/// Runs the watch until a decision, the end of the window, or `cancel`.
/// `on_tick` sees each timeline line as it happens.
pub async fn run(
    checks: &[Check],
    client: &reqwest::Client,
    timing: Timing,
    cancel: impl Future<Output = ()>,
    mut on_tick: impl FnMut(&str),
) -> Watch {
    let started = jiff::Timestamp::now();
    let mut watch = Watch::new(checks, started);
    let t0 = tokio::time::Instant::now();
    let first = t0 + timing.initial_delay;
    tokio::pin!(cancel);
    // Ticks fall on multiples of the interval after the first run, up to
    // the end of the window in wall time; a tick whose probes ran long
    // skips the ticks it overran rather than running them back to back.
    let mut due = Duration::ZERO;
    loop {
        tokio::select! {
            _ = tokio::time::sleep_until(first + due) => {}
            _ = &mut cancel => {
                watch.outcome = Some(Outcome::Cancelled { after: t0.elapsed().as_secs_f64() });
                break;
            }
        }
        let now = jiff::Timestamp::now();
        let offset = tokio::time::Instant::now().saturating_duration_since(first);
        let at = now.as_millisecond() as f64 / 1000.0;
        let probes = futures_join(checks.iter().map(|c| probe::run(client, c, at)));
        let samples = tokio::select! {
            s = probes => s,
            _ = &mut cancel => {
                watch.outcome = Some(Outcome::Cancelled { after: t0.elapsed().as_secs_f64() });
                break;
            }
        };
        let decided = watch.record(offset.as_secs_f64(), now, samples);
        if let Some(line) = watch.timeline.last() {
            on_tick(line);
        }
        if let Some(outcome) = decided {
            watch.outcome = Some(outcome);
            break;
        }
        let elapsed = tokio::time::Instant::now().saturating_duration_since(first);
        due = next_tick(elapsed, timing.interval);
        if due > timing.duration {
            watch.outcome = Some(watch.window_over());
            break;
        }
    }
    watch
}

/// The first multiple of `interval` after `elapsed`.
fn next_tick(elapsed: Duration, interval: Duration) -> Duration {
    let k = elapsed.as_nanos() / interval.as_nanos().max(1) + 1;
    interval.saturating_mul(u32::try_from(k).unwrap_or(u32::MAX))
}

/// Runs the futures concurrently and keeps their order.
async fn futures_join<F: Future>(futures: impl Iterator<Item = F>) -> Vec<F::Output> {
    let set: Vec<_> = futures.map(Box::pin).collect();
    let mut out: Vec<Option<F::Output>> = set.iter().map(|_| None).collect();
    let mut set: Vec<_> = set.into_iter().map(Some).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (slot, fut) in out.iter_mut().zip(set.iter_mut()) {
            if let Some(f) = fut {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *slot = Some(v);
                        *fut = None;
                    }
                    std::task::Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            std::task::Poll::Pending
        } else {
            std::task::Poll::Ready(())
        }
    })
    .await;
    out.into_iter().flatten().collect()
}

/// Resolves on SIGTERM or SIGINT (a cancelled job, a job timeout, Ctrl-C).
pub async fn termination() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) {
            (Ok(mut term), Ok(mut int)) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = int.recv() => {}
                }
            }
            _ => std::future::pending::<()>().await,
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::from_cli;
    use clap::Parser;
    use gate_runtime::Env;

    fn checks(args: &[&str]) -> Vec<Check> {
        let mut argv = vec!["post-deploy-watch"];
        argv.extend_from_slice(args);
        from_cli(&crate::cli::Cli::parse_from(argv), &Env::default()).unwrap()
    }

    fn ok() -> Sample {
        Sample::Ok {
            value: Some(1.0),
            detail: "200".into(),
        }
    }
    fn breach() -> Sample {
        Sample::Breach {
            value: Some(9.0),
            detail: "500".into(),
        }
    }
    fn error() -> Sample {
        Sample::Error {
            detail: "refused".into(),
        }
    }

    fn feed(w: &mut Watch, ticks: &[Vec<Sample>]) -> Option<Outcome> {
        for (i, t) in ticks.iter().enumerate() {
            if let Some(o) = w.record(i as f64, jiff::Timestamp::UNIX_EPOCH, t.clone()) {
                return Some(o);
            }
        }
        None
    }

    #[test]
    fn consecutive_breaches_fail_and_an_ok_resets_the_streak() {
        let cs = checks(&["--url", "http://a/", "--failure-threshold", "3"]);
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        let ticks = [
            vec![breach()],
            vec![breach()],
            vec![ok()],
            vec![breach()],
            vec![breach()],
        ];
        assert_eq!(feed(&mut w, &ticks), None);
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        let ticks = [
            vec![ok()],
            vec![breach()],
            vec![error()],
            vec![breach()],
            vec![breach()],
        ];
        let Some(Outcome::Breach(b)) = feed(&mut w, &ticks) else {
            panic!()
        };
        assert_eq!(b.check, "http://a/");
        assert_eq!(b.offset, 4.0);
        assert_eq!(b.value, Some(9.0));
        assert!(b.detail.contains("3 breaches in a row"), "{}", b.detail);
        assert_eq!(w.checks[0].breaches, 3);
        assert_eq!(w.checks[0].errors, 1);
        assert_eq!(w.timeline.len(), 5);
        assert!(
            w.timeline[4].contains("BREACH 500 [3/3]"),
            "{}",
            w.timeline[4]
        );
    }

    #[test]
    fn consecutive_errors_are_inconclusive_never_a_pass() {
        let cs = checks(&["--url", "http://a/", "--error-threshold", "2"]);
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        let o = feed(&mut w, &[vec![error()], vec![error()]]);
        assert!(matches!(o, Some(Outcome::Inconclusive { .. })), "{o:?}");
        // Below the error threshold, but not one good measurement: still
        // not a pass when the window ends.
        let cs = checks(&["--url", "http://a/", "--error-threshold", "5"]);
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(feed(&mut w, &[vec![error()], vec![error()]]), None);
        assert!(
            matches!(w.window_over(), Outcome::Inconclusive { why, .. } if why.contains("not one successful"))
        );
        // Ending mid-breach is not a pass either.
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(feed(&mut w, &[vec![ok()], vec![breach()]]), None);
        assert!(
            matches!(w.window_over(), Outcome::Inconclusive { why, .. } if why.contains("still breaching"))
        );
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(
            feed(&mut w, &[vec![ok()], vec![breach()], vec![error()]]),
            None
        );
        assert!(
            matches!(w.window_over(), Outcome::Inconclusive { why, .. } if why.contains("still breaching"))
        );
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(feed(&mut w, &[vec![ok()], vec![error()], vec![ok()]]), None);
        assert_eq!(w.window_over(), Outcome::Pass);
    }

    #[test]
    fn observe_only_checks_never_decide() {
        let cs = checks(&[
            "--url",
            "http://a/",
            "--url",
            "http://b/",
            "--observe-only",
            "http://b/",
            "--failure-threshold",
            "1",
        ]);
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        assert_eq!(
            feed(&mut w, &[vec![ok(), breach()], vec![ok(), error()]]),
            None
        );
        assert_eq!(w.window_over(), Outcome::Pass);
        assert_eq!(w.checks[1].breaches, 1);
    }

    #[test]
    fn overrun_ticks_are_skipped_not_bunched() {
        let ms = Duration::from_millis;
        assert_eq!(next_tick(ms(3), ms(200)), ms(200));
        assert_eq!(next_tick(ms(200), ms(200)), ms(400));
        assert_eq!(next_tick(ms(950), ms(200)), ms(1000));
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(95.4), "1:35");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
