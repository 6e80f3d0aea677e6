//! The watch: every check every interval, and the verdict rules.
//!
//! The rules follow Argo Rollouts' analysis model (consecutive breaches
//! fail, consecutive measurement errors are inconclusive), without its known
//! faults: an error, a window with no successful measurement, or a
//! cancellation never counts as success.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use crate::checks::Check;
use crate::probe::{Prober, Sample, one_line};

/// The most probes in flight at once: a tick with more checks runs them
/// 32 at a time (a tick that then overruns the interval skips the ticks it
/// missed). It keeps a watch of thousands of checks to 32 connections, and
/// within Prometheus's default 20 concurrent queries plus a queue.
pub const MAX_CONCURRENT_PROBES: usize = 32;

/// Points kept per check for its chart: when full, every other point is
/// dropped and from then on every other sample kept, so a long window costs
/// the same as a short one.
const HISTORY_POINTS: usize = 240;

/// Tick lines kept for the report; older ones are counted, not kept (the
/// live log has every line).
pub const TIMELINE_KEPT: usize = 1000;

/// A tick line names every check up to this many checks; past it, it counts
/// the ok ones and names only this many of the rest.
const NAMED_PER_TICK: usize = 20;

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
    /// (seconds into the window, value) per kept sample: at most
    /// [`HISTORY_POINTS`], evenly spread.
    pub history: Vec<(f64, Option<f64>)>,
    /// Every how many samples one is kept in `history`.
    stride: u32,
}

impl CheckState {
    fn remember(&mut self, offset: f64, value: Option<f64>) {
        if (self.samples - 1) % self.stride != 0 {
            return;
        }
        self.history.push((offset, value));
        if self.history.len() >= HISTORY_POINTS {
            let mut i = 0;
            self.history.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.stride = self.stride.saturating_mul(2);
        }
    }
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
    /// One line per tick, the newest [`TIMELINE_KEPT`] to
    /// 2 × [`TIMELINE_KEPT`] of them.
    pub timeline: Vec<String>,
    /// Older tick lines left out of `timeline`.
    pub timeline_left_out: usize,
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
                    stride: 1,
                })
                .collect(),
            timeline: Vec::new(),
            timeline_left_out: 0,
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
        let named_all = self.checks.len() <= NAMED_PER_TICK;
        let mut parts = Vec::new();
        let (mut oks, mut not_ok) = (0usize, 0usize);
        for (state, sample) in self.checks.iter_mut().zip(samples) {
            state.samples += 1;
            state.remember(offset, sample.value());
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
            let ok = matches!(sample, Sample::Ok { .. });
            if ok {
                oks += 1;
            } else {
                not_ok += 1;
            }
            if named_all || (!ok && parts.len() < NAMED_PER_TICK) {
                parts.push(format!(
                    "{}: {} {}{streak}",
                    one_line(&state.name),
                    sample.word(),
                    one_line(sample.detail())
                ));
            }
            state.last = Some(sample);
        }
        let line = if named_all {
            parts.join(" | ")
        } else {
            let mut l = format!("{oks} ok, {not_ok} not");
            for p in &parts {
                l.push_str(" | ");
                l.push_str(p);
            }
            if not_ok > parts.len() {
                l.push_str(&format!(" | and {} more not ok", not_ok - parts.len()));
            }
            l
        };
        self.timeline.push(format!("[+{}] {line}", clock(offset)));
        if self.timeline.len() >= 2 * TIMELINE_KEPT {
            let old = self.timeline.len() - TIMELINE_KEPT;
            self.timeline.drain(..old);
            self.timeline_left_out += old;
        }
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

/// The watch's time. The binary runs on [`SystemClock`]; tests drive a
/// clock of their own, so no test of the schedule waits on real time or
/// counts real ticks.
pub trait Clock {
    /// Time since the clock started; never goes back.
    fn elapsed(&self) -> Duration;
    /// The wall-clock time, for reports and Prometheus's `time`.
    fn now(&self) -> jiff::Timestamp;
    /// Resolves once [`elapsed`](Self::elapsed) reaches `at`.
    fn sleep_until(&self, at: Duration) -> impl Future<Output = ()>;
}

/// The real clock: tokio's timer (the process sleeps between ticks) and
/// the system's time of day.
#[derive(Debug, Clone, Copy)]
pub struct SystemClock {
    start: tokio::time::Instant,
}

impl SystemClock {
    /// A clock whose `elapsed` counts from now.
    pub fn start() -> Self {
        Self {
            start: tokio::time::Instant::now(),
        }
    }
}

impl Clock for SystemClock {
    fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }

    fn now(&self) -> jiff::Timestamp {
        jiff::Timestamp::now()
    }

    fn sleep_until(&self, at: Duration) -> impl Future<Output = ()> {
        tokio::time::sleep_until(self.start + at)
    }
}

/// Runs the watch until a decision, the end of the window, or `cancel`:
/// every check each tick through `prober` (at most
/// [`MAX_CONCURRENT_PROBES`] at once), on `clock`'s time. `on_tick` sees
/// each timeline line as it happens.
pub async fn run(
    checks: &[Check],
    prober: &impl Prober,
    clock: &impl Clock,
    timing: Timing,
    cancel: impl Future<Output = ()>,
    mut on_tick: impl FnMut(&str),
) -> Watch {
    let mut watch = Watch::new(checks, clock.now());
    let t0 = clock.elapsed();
    let first = t0 + timing.initial_delay;
    tokio::pin!(cancel);
    let cancelled = |at: Duration| Outcome::Cancelled {
        after: at.saturating_sub(t0).as_secs_f64(),
    };
    // Ticks fall on multiples of the interval after the first run, up to
    // the end of the window in wall time; a tick whose probes ran long
    // skips the ticks it overran rather than running them back to back.
    let mut due = Duration::ZERO;
    loop {
        tokio::select! {
            _ = clock.sleep_until(first + due) => {}
            _ = &mut cancel => {
                watch.outcome = Some(cancelled(clock.elapsed()));
                break;
            }
        }
        let now = clock.now();
        let offset = clock.elapsed().saturating_sub(first);
        let at = now.as_millisecond() as f64 / 1000.0;
        let probes = in_order_bounded(MAX_CONCURRENT_PROBES, checks, |c| prober.probe(c, at));
        let samples = tokio::select! {
            s = probes => s,
            _ = &mut cancel => {
                watch.outcome = Some(cancelled(clock.elapsed()));
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
        let elapsed = clock.elapsed().saturating_sub(first);
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

/// Runs `f` on every item, at most `limit` at once, and keeps the items'
/// order. Only the running futures exist at any time, and a wake-up polls
/// only those, so 10,000 checks cost what 32 do, 10,000 / 32 times over.
async fn in_order_bounded<'a, T, F: Future>(
    limit: usize,
    items: &'a [T],
    f: impl Fn(&'a T) -> F,
) -> Vec<F::Output> {
    let limit = limit.max(1);
    let mut next = items.iter().enumerate();
    let mut running: Vec<(usize, Pin<Box<F>>)> = Vec::with_capacity(limit.min(items.len()));
    let mut out: Vec<Option<F::Output>> =
        std::iter::repeat_with(|| None).take(items.len()).collect();
    std::future::poll_fn(|cx| {
        loop {
            while running.len() < limit {
                let Some((i, item)) = next.next() else { break };
                running.push((i, Box::pin(f(item))));
            }
            if running.is_empty() {
                // Nothing running and nothing left to start.
                return Poll::Ready(());
            }
            let before = running.len();
            running.retain_mut(|(i, fut)| match fut.as_mut().poll(cx) {
                Poll::Ready(v) => {
                    out[*i] = Some(v);
                    false
                }
                Poll::Pending => true,
            });
            if running.len() == before {
                return Poll::Pending;
            }
            // Some finished: start more in their place, and poll those.
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
    fn the_next_tick_is_the_next_multiple_of_the_interval() {
        let ms = Duration::from_millis;
        assert_eq!(next_tick(ms(3), ms(200)), ms(200));
        assert_eq!(next_tick(ms(200), ms(200)), ms(400));
        assert_eq!(next_tick(ms(950), ms(200)), ms(1000));
    }

    /// A clock that jumps to whatever time is waited for, and that probes
    /// move on by what they "take": the schedule, to the millisecond,
    /// without waiting.
    #[derive(Default)]
    struct ManualClock {
        elapsed: std::cell::Cell<Duration>,
    }

    impl ManualClock {
        fn advance(&self, by: Duration) {
            self.elapsed.set(self.elapsed.get() + by);
        }
    }

    impl Clock for ManualClock {
        fn elapsed(&self) -> Duration {
            self.elapsed.get()
        }
        fn now(&self) -> jiff::Timestamp {
            jiff::Timestamp::UNIX_EPOCH + self.elapsed.get()
        }
        fn sleep_until(&self, at: Duration) -> impl Future<Output = ()> {
            self.elapsed.set(self.elapsed.get().max(at));
            std::future::ready(())
        }
    }

    /// Answers the nth probe with `answer(n)`, each probe taking `cost` on
    /// the clock.
    struct Scripted<'c, F> {
        clock: &'c ManualClock,
        cost: Duration,
        calls: std::cell::Cell<usize>,
        answer: F,
    }

    fn scripted<F: Fn(usize) -> Sample>(
        clock: &ManualClock,
        cost: Duration,
        answer: F,
    ) -> Scripted<'_, F> {
        Scripted {
            clock,
            cost,
            calls: std::cell::Cell::new(0),
            answer,
        }
    }

    impl<F: Fn(usize) -> Sample> Prober for Scripted<'_, F> {
        fn probe(&self, _check: &Check, _at: f64) -> impl Future<Output = Sample> {
            let n = self.calls.get();
            self.calls.set(n + 1);
            self.clock.advance(self.cost);
            std::future::ready((self.answer)(n))
        }
    }

    fn timing(interval_ms: u64, duration_ms: u64) -> Timing {
        Timing {
            initial_delay: Duration::ZERO,
            interval: Duration::from_millis(interval_ms),
            duration: Duration::from_millis(duration_ms),
        }
    }

    /// A whole watch, never cancelled, its lines dropped.
    async fn quietly(cs: &[Check], prober: &impl Prober, clock: &ManualClock, t: Timing) -> Watch {
        run(cs, prober, clock, t, std::future::pending(), |_| {}).await
    }

    fn offsets(w: &Watch) -> Vec<f64> {
        w.checks[0].history.iter().map(|(t, _)| *t).collect()
    }

    // Regression (#12.9, 8x concurrent runs on 2 cores): tick counts asserted on wall time failed
    // under load.
    /// Issue #12, item 9: the tick count of a window is asserted on the
    /// clock seam, never on wall time.
    #[tokio::test]
    async fn a_window_runs_one_tick_per_interval_including_both_ends() {
        let cs = checks(&["--url", "http://a/"]);
        let clock = ManualClock::default();
        let prober = scripted(&clock, Duration::from_millis(3), |_| ok());
        let w = quietly(&cs, &prober, &clock, timing(200, 1000)).await;
        assert_eq!(w.outcome, Some(Outcome::Pass));
        assert_eq!(w.checks[0].samples, 6);
        assert_eq!(w.timeline.len(), 6);
        assert_eq!(prober.calls.get(), 6);
        assert_eq!(offsets(&w), [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
        assert!(
            w.timeline[5].starts_with("[+0:01] http://a/: ok"),
            "{}",
            w.timeline[5]
        );
    }

    #[tokio::test]
    async fn the_first_tick_waits_out_the_initial_delay() {
        let cs = checks(&["--url", "http://a/"]);
        let clock = ManualClock::default();
        let prober = scripted(&clock, Duration::ZERO, |_| ok());
        let t = Timing {
            initial_delay: Duration::from_secs(300),
            ..timing(60_000, 120_000)
        };
        let w = quietly(&cs, &prober, &clock, t).await;
        assert_eq!(offsets(&w), [0.0, 60.0, 120.0]);
        assert_eq!(clock.elapsed(), Duration::from_secs(420));
    }

    /// Ticks at 0 and 0.6 s (0.2 and 0.4 were overrun by a 450 ms probe);
    /// the next, 1.2 s, is past the window.
    #[tokio::test]
    async fn overrun_ticks_are_skipped_not_bunched() {
        let cs = checks(&["--url", "http://a/"]);
        let clock = ManualClock::default();
        let prober = scripted(&clock, Duration::from_millis(450), |_| ok());
        let w = quietly(&cs, &prober, &clock, timing(200, 1000)).await;
        assert_eq!(w.outcome, Some(Outcome::Pass));
        assert_eq!(offsets(&w), [0.0, 0.6]);
    }

    #[tokio::test]
    async fn a_breach_streak_ends_the_watch_at_once_not_at_the_windows_end() {
        let cs = checks(&["--url", "http://a/", "--failure-threshold", "3"]);
        let clock = ManualClock::default();
        let prober = scripted(&clock, Duration::from_millis(5), |n| {
            if n < 2 { ok() } else { breach() }
        });
        let mut lines = Vec::new();
        let w = run(
            &cs,
            &prober,
            &clock,
            timing(30_000, 3_600_000),
            std::future::pending(),
            |l| lines.push(l.to_owned()),
        )
        .await;
        let Some(Outcome::Breach(b)) = &w.outcome else {
            panic!("{:?}", w.outcome)
        };
        assert_eq!(b.offset, 120.0);
        assert_eq!(prober.calls.get(), 5);
        assert_eq!(lines, w.timeline);
        assert!(
            clock.elapsed() < Duration::from_secs(121),
            "{:?}",
            clock.elapsed()
        );
    }

    #[tokio::test]
    async fn a_cancellation_is_never_a_pass() {
        let cs = checks(&["--url", "http://a/"]);
        let clock = ManualClock::default();
        let prober = scripted(&clock, Duration::ZERO, |_| ok());
        let w = run(
            &cs,
            &prober,
            &clock,
            timing(1000, 60_000),
            std::future::ready(()),
            |_| {},
        )
        .await;
        assert!(
            matches!(w.outcome, Some(Outcome::Cancelled { .. })),
            "{:?}",
            w.outcome
        );
    }

    // Regression (#12.5, security review): concurrent probes per tick were unbounded.
    /// Issue #12, item 5: probes per tick are bounded, and every check
    /// still gets its own sample, in order.
    #[tokio::test]
    async fn probes_in_flight_never_exceed_the_bound() {
        struct Counting {
            in_flight: std::cell::Cell<usize>,
            most: std::cell::Cell<usize>,
        }
        impl Prober for Counting {
            async fn probe(&self, check: &Check, _at: f64) -> Sample {
                self.in_flight.set(self.in_flight.get() + 1);
                self.most.set(self.most.get().max(self.in_flight.get()));
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                self.in_flight.set(self.in_flight.get() - 1);
                Sample::Ok {
                    value: None,
                    detail: check.name.clone(),
                }
            }
        }
        let one = checks(&["--url", "http://a/"]).remove(0);
        let cs: Vec<Check> = (0..1000)
            .map(|i| Check {
                name: format!("c{i}"),
                ..one.clone()
            })
            .collect();
        let prober = Counting {
            in_flight: std::cell::Cell::new(0),
            most: std::cell::Cell::new(0),
        };
        let samples = in_order_bounded(MAX_CONCURRENT_PROBES, &cs, |c| prober.probe(c, 0.0)).await;
        assert_eq!(prober.most.get(), MAX_CONCURRENT_PROBES);
        assert_eq!(prober.in_flight.get(), 0);
        let names: Vec<&str> = samples.iter().map(Sample::detail).collect();
        let want: Vec<String> = (0..1000).map(|i| format!("c{i}")).collect();
        assert_eq!(names, want);
        // And through the watch, on the clock: one tick, every check.
        let clock = ManualClock::default();
        let w = quietly(&cs, &prober, &clock, timing(1000, 0)).await;
        assert_eq!(w.outcome, Some(Outcome::Pass));
        assert!(w.checks.iter().all(|c| c.samples == 1 && c.oks == 1));
        assert_eq!(prober.most.get(), MAX_CONCURRENT_PROBES);
    }

    /// Thousands of checks make short tick lines: the count of ok ones,
    /// and the others by name, up to a limit.
    #[test]
    fn a_tick_of_many_checks_names_only_the_ones_not_ok() {
        let one = checks(&["--url", "http://a/"]).remove(0);
        let cs: Vec<Check> = (0..500)
            .map(|i| Check {
                name: format!("c{i}"),
                ..one.clone()
            })
            .collect();
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        let samples: Vec<Sample> = (0..500)
            .map(|i| match i {
                7 => breach(),
                i if i >= 470 => error(),
                _ => ok(),
            })
            .collect();
        w.record(0.0, jiff::Timestamp::UNIX_EPOCH, samples);
        let line = &w.timeline[0];
        assert!(
            line.starts_with(
                "[+0:00] 469 ok, 31 not | c7: BREACH 500 [1/3] | c470: error refused [1/5]"
            ),
            "{line}"
        );
        assert!(line.ends_with("| and 11 more not ok"), "{line}");
        assert!(!line.contains("c5:"), "{line}");
    }

    /// A long window keeps a bounded history per check and a bounded
    /// timeline, evenly spread and newest respectively.
    #[test]
    fn history_and_timeline_stay_bounded_over_a_long_window() {
        let cs = checks(&["--url", "http://a/", "--error-threshold", "1000000"]);
        let mut w = Watch::new(&cs, jiff::Timestamp::UNIX_EPOCH);
        for i in 0..100_000u32 {
            w.record(f64::from(i), jiff::Timestamp::UNIX_EPOCH, vec![ok()]);
        }
        let h = &w.checks[0].history;
        assert!(
            h.len() < HISTORY_POINTS && h.len() >= HISTORY_POINTS / 4,
            "{}",
            h.len()
        );
        assert_eq!(h[0].0, 0.0);
        let gaps: std::collections::BTreeSet<u64> =
            h.windows(2).map(|p| (p[1].0 - p[0].0) as u64).collect();
        assert_eq!(gaps.len(), 1, "evenly spread: {gaps:?}");
        assert!(w.timeline.len() >= TIMELINE_KEPT && w.timeline.len() < 2 * TIMELINE_KEPT);
        assert_eq!(w.timeline.len() + w.timeline_left_out, 100_000);
        assert!(
            w.timeline.last().unwrap().starts_with("[+27:46:39]"),
            "{}",
            w.timeline.last().unwrap()
        );
        assert_eq!(w.checks[0].samples, 100_000);
    }

    #[test]
    fn clocks() {
        assert_eq!(clock(0.0), "0:00");
        assert_eq!(clock(95.4), "1:35");
        assert_eq!(clock(3725.0), "1:02:05");
    }
}
