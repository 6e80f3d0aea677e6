//! Prometheus checks against a real Prometheus (Debian's `prometheus`
//! package), started once for this test binary on loopback, scraping a
//! small exporter whose series the tests drive. Each test has series of its
//! own, so the tests share the one Prometheus without seeing each other's.
//!
//! `.ci/run` installs Prometheus and sets TRUNKLINE_REQUIRE_TOOLS=1, so
//! there these tests cannot skip. Elsewhere, without the binary, they say so
//! and pass (install it with `apt-get install prometheus`).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use support::*;
use test_support::prometheus::{free_port, http_get};
use test_support::{HandlerServer, Reply};

/// The exporter's series, `name{labels}` to value.
type Series = Arc<Mutex<BTreeMap<String, f64>>>;

/// The binary's one Prometheus and the exporter it scrapes.
struct Prometheus {
    _server: test_support::prometheus::Prometheus,
    url: String,
    series: Series,
    _exporter: HandlerServer,
}

impl Prometheus {
    /// Sets a series on the exporter; Prometheus has it from its next scrape.
    fn set(&self, series: &str, v: f64) {
        self.series.lock().unwrap().insert(series.to_owned(), v);
    }

    /// Waits until Prometheus answers `query` with `want`.
    fn wait_for(&self, query: &str, want: f64) {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let out = curl(&format!("{}/api/v1/query?query={query}", self.url));
            let v: Option<f64> = serde_json::from_str::<serde_json::Value>(&out)
                .ok()
                .and_then(|j| {
                    j["data"]["result"][0]["value"][1]
                        .as_str()
                        .and_then(|s| s.parse().ok())
                });
            if v == Some(want) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "Prometheus never saw {query} = {want}: {out}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// The body of a GET, or nothing when nothing answered.
fn curl(url: &str) -> String {
    http_get(url).map(|(_, body)| body).unwrap_or_default()
}

/// The binary's one Prometheus, scraping the exporter every second;
/// `None` when Prometheus is not installed and not required.
fn prometheus() -> Option<&'static Prometheus> {
    static ONE: OnceLock<Option<Prometheus>> = OnceLock::new();
    ONE.get_or_init(start).as_ref()
}

fn start() -> Option<Prometheus> {
    let series: Series = Arc::default();
    let exporter = {
        let series = Arc::clone(&series);
        HandlerServer::start(move |req| {
            if req.path != "/metrics" {
                return Reply::text(404, "not found");
            }
            let mut text = String::new();
            for (name, v) in series.lock().unwrap().iter() {
                text.push_str(&format!("{name} {v}\n"));
            }
            Reply::text(200, text)
        })
    };
    let target = exporter.url().strip_prefix("http://").unwrap().to_owned();
    let server = test_support::prometheus::Prometheus::start("app", &[&target])?;
    let p = Prometheus {
        url: server.url.clone(),
        _server: server,
        series,
        _exporter: exporter,
    };
    p.set("steady_total", 0.0);
    p.wait_for("steady_total", 0.0);
    Some(p)
}

#[test]
fn an_error_counter_that_climbs_breaches_and_fails_the_deployment() {
    let Some(p) = prometheus() else { return };
    p.set("climb_errors_total", 0.0);
    p.wait_for("climb_errors_total", 0.0);
    let (f, id) = fake_with_history();
    // The counter climbs once the watch has seen it healthy twice: on what
    // the watch saw, not on time.
    let oks = Arc::new(AtomicUsize::new(0));
    let on_line = {
        let oks = Arc::clone(&oks);
        move |line: &str| {
            if line.starts_with("[+")
                && line.contains("errors: ok")
                && oks.fetch_add(1, Ordering::SeqCst) + 1 == 2
            {
                prometheus().unwrap().set("climb_errors_total", 12.0);
            }
        }
    };
    let w = cmd()
        .every("1s", "120s")
        .deployment(&f, id)
        .arg("--prometheus-url", &p.url)
        .arg("--query", "errors: sum(climb_errors_total) < 5")
        .arg("--failure-threshold", "2")
        .run_live(on_line);
    assert_eq!(w.run.code, 1, "{}\n{}", w.run.stdout, w.run.stderr);
    let j = w.run.json();
    assert_eq!(j["outcome"], "fail");
    let c = &j["checks"][0];
    assert_eq!(c["kind"], "prometheus");
    assert!(c["ok"].as_u64().unwrap() >= 2, "{j}");
    assert_eq!(c["consecutive_breaches"], 2);
    assert_eq!(c["last_value"], 12.0);
    assert_eq!(j["breach"]["value"], 12.0);
    assert_eq!(j["breach"]["threshold"], "sum(climb_errors_total) < 5");
    assert_eq!(states(&f, id), ["queued", "in_progress", "failure"]);
    assert_eq!(j["rollback"]["tag"], "v1.1.0");
    // The chart draws the values against the threshold.
    assert!(
        w.summary.contains("xychart-beta") && w.summary.contains("line [5, 5"),
        "{}",
        w.summary
    );
    assert!(w.summary.contains(", 12"), "{}", w.summary);
}

#[test]
fn several_series_must_all_hold_and_the_failing_one_is_named() {
    let Some(p) = prometheus() else { return };
    p.set("several_latency_seconds{route=\"/fast\"}", 0.05);
    p.set("several_latency_seconds{route=\"/slow\"}", 2.5);
    p.wait_for("several_latency_seconds{route=\"/slow\"}", 2.5);
    p.wait_for("several_latency_seconds{route=\"/fast\"}", 0.05);
    let w = cmd()
        .every("1s", "60s")
        .arg("--prometheus-url", &p.url)
        .arg("--query", "latency: several_latency_seconds < 1")
        .breach_at_once()
        .run();
    let j = w.run.json();
    assert_eq!(j["outcome"], "fail", "{j}");
    let detail = j["breach"]["detail"].as_str().unwrap();
    assert!(detail.contains("1 of 2 series"), "{detail}");
    assert!(
        detail.contains("route=\"/slow\"") && !detail.contains("/fast"),
        "{detail}"
    );
}

#[test]
fn empty_results_and_nan_follow_the_no_data_policy() {
    let Some(p) = prometheus() else { return };
    let nan = "nan: (sum(steady_total) - sum(steady_total)) / 0 < 1";
    let empty = "empty: sum(test_no_such_metric) < 1";
    for query in [empty, nan] {
        for (policy, outcome, code) in [
            ("ok", "pass", 0),
            ("breach", "fail", 1),
            ("error", "inconclusive", 1),
        ] {
            // One measurement decides: a breach or an error at once, a pass
            // at the end of a window of one tick.
            let w = cmd()
                .every("1s", "0s")
                .arg("--prometheus-url", &p.url)
                .arg("--query", query)
                .arg("--no-data", policy)
                .arg("--failure-threshold", "1")
                .arg("--error-threshold", "1")
                .arg("--on-breach", "alert")
                .run();
            let j = w.run.json();
            assert_eq!(j["outcome"], outcome, "{query} with {policy}: {j}");
            assert_eq!(w.run.code, code, "{query} with {policy}");
        }
    }
    // The idiom the README recommends: `or vector(0)` turns no data into 0.
    let w = cmd()
        .every("1s", "0s")
        .arg("--prometheus-url", &p.url)
        .arg(
            "--query",
            "idiom: sum(test_no_such_metric) or vector(0) < 1",
        )
        .run();
    assert_eq!(w.run.json()["outcome"], "pass", "{}", w.run.stdout);
}

#[test]
fn a_bad_query_is_a_measurement_error_never_a_pass() {
    let Some(p) = prometheus() else { return };
    let w = cmd()
        .every("1s", "60s")
        .arg("--prometheus-url", &p.url)
        .arg("--query", "bad: sum(rate(steady_total[1m]) < 1")
        .arg("--query", "range: steady_total[10s] < 1")
        .arg("--error-threshold", "2")
        .run();
    let j = w.run.json();
    assert_eq!(j["outcome"], "inconclusive", "{j}");
    assert_eq!(w.run.code, 1);
    let last = |i: usize| {
        j["checks"][i]["last"]["detail"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    // Prometheus answers 400 with errorType bad_data: non-2xx wins.
    assert!(
        last(0).contains("400") && last(0).contains("parse error"),
        "{}",
        last(0)
    );
    assert!(last(1).contains("matrix"), "{}", last(1));
    // The 10 s range reaches back before the deploy: the report says so.
    let notes = j["notes"].to_string();
    assert!(
        notes.contains("range: its 10s range reaches back before the deploy"),
        "{notes}"
    );
    assert!(notes.contains("bad: its 60s range"), "{notes}");
}

/// Needs no Prometheus: nothing listens on the port.
#[test]
fn an_unreachable_prometheus_makes_the_watch_inconclusive() {
    let (f, id) = fake_with_history();
    let dead = format!("http://127.0.0.1:{}", free_port());
    let w = cmd()
        .every("1s", "60s")
        .deployment(&f, id)
        .arg("--prometheus-url", &dead)
        .arg("--query", "errors: sum(test_errors_total) < 5")
        .arg("--error-threshold", "3")
        .run();
    assert_eq!(w.run.code, 1, "{}", w.run.stdout);
    let j = w.run.json();
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["outcome"], "inconclusive");
    assert_eq!(j["checks"][0]["errors"], 3);
    assert_eq!(j["checks"][0]["breaches"], 0);
    assert_eq!(w.output("outcome"), "inconclusive");
    assert_eq!(w.output("verdict"), "fail");
    // Not a breach, so no rollback; and not a success either.
    assert_eq!(j["rollback"], serde_json::Value::Null);
    assert_eq!(states(&f, id), ["queued", "in_progress", "error"]);
    // --on-inconclusive warn lets the job go on, still saying so.
    let w = cmd()
        .every("1s", "60s")
        .arg("--prometheus-url", &dead)
        .arg("--query", "errors: sum(test_errors_total) < 5")
        .arg("--error-threshold", "2")
        .arg("--on-inconclusive", "warn")
        .run();
    assert_eq!(w.run.code, 0);
    assert_eq!(w.run.json()["verdict"], "warn");
}

#[test]
fn an_observe_only_check_is_reported_but_never_decides() {
    let Some(p) = prometheus() else { return };
    let toml = format!(
        "[[check]]\nname = \"errors\"\nprometheus = \"{}\"\nquery = \"sum(steady_total) < 1000\"\n\n\
         [[check]]\nname = \"strict\"\nprometheus = \"{}\"\nquery = \"sum(steady_total) > 100\"\nobserve-only = true\n",
        p.url, p.url
    );
    let w = cmd()
        .every("1s", "1s")
        .arg("--checks", &toml)
        .arg("--failure-threshold", "1")
        .run();
    let j = w.run.json();
    assert_eq!(j["outcome"], "pass", "{j}");
    assert_eq!(j["checks"][1]["observe_only"], true);
    // It breached at every tick, however many the window held.
    let samples = j["checks"][1]["samples"].as_u64().unwrap();
    assert!(samples >= 1, "{j}");
    assert_eq!(j["checks"][1]["breaches"], samples);
}
