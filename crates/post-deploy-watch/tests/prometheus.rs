//! Prometheus checks against a real Prometheus (Debian's `prometheus`
//! package), started here on loopback, scraping a small exporter whose
//! counters the tests drive.
//!
//! `.ci/run` installs Prometheus and sets TRUNKLINE_REQUIRE_TOOLS=1, so
//! there these tests cannot skip. Elsewhere, without the binary, they say so
//! and pass (install it with `apt-get install prometheus`).

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fake_github::{HandlerServer, Reply};
use support::*;

/// The exporter's metrics; values are f64 bits.
#[derive(Default)]
struct Metrics {
    errors: AtomicU64,
    slow_route: AtomicU64,
}

struct Prometheus {
    child: Child,
    url: String,
    _dir: tempfile::TempDir,
    _exporter: HandlerServer,
    metrics: Arc<Metrics>,
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Prometheus {
    fn set_slow_route(&self, v: f64) {
        self.metrics.slow_route.store(v.to_bits(), Ordering::SeqCst);
    }

    /// The value Prometheus holds for `query` now, once it has one.
    fn wait_for(&self, query: &str, want: f64) {
        let deadline = Instant::now() + Duration::from_secs(30);
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
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// A GET with the standard library only.
fn curl(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_once('/').unwrap();
    let Ok(mut s) = std::net::TcpStream::connect(host) else {
        return String::new();
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let path = path
        .replace(' ', "%20")
        .replace('{', "%7B")
        .replace('}', "%7D");
    let _ = write!(
        s,
        "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    );
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts Prometheus scraping a fresh exporter every second; `None` when
/// Prometheus is not installed and not required.
fn prometheus() -> Option<Prometheus> {
    if !fake_github::testing::tool_available("prometheus", &["--version"], "Debian's prometheus") {
        return None;
    }
    let metrics = Arc::new(Metrics::default());
    let exporter = {
        let m = Arc::clone(&metrics);
        HandlerServer::start(move |req| {
            if req.path != "/metrics" {
                return Reply::text(404, "not found");
            }
            let errors = f64::from_bits(m.errors.load(Ordering::SeqCst));
            let slow = f64::from_bits(m.slow_route.load(Ordering::SeqCst));
            Reply::text(
                200,
                format!(
                    "# TYPE test_errors_total counter\ntest_errors_total {errors}\n\
                     # TYPE test_latency_seconds gauge\n\
                     test_latency_seconds{{route=\"/fast\"}} 0.05\n\
                     test_latency_seconds{{route=\"/slow\"}} {slow}\n"
                ),
            )
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let target = exporter.url().strip_prefix("http://").unwrap().to_owned();
    let config = dir.path().join("prometheus.yml");
    std::fs::write(
        &config,
        format!(
            "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: app\n    static_configs:\n      - targets: ['{target}']\n"
        ),
    )
    .unwrap();
    let port = free_port();
    let child = Command::new("prometheus")
        .arg(format!("--config.file={}", config.display()))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--log.level=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let p = Prometheus {
        child,
        url: format!("http://127.0.0.1:{port}"),
        _dir: dir,
        _exporter: exporter,
        metrics,
    };
    p.set_slow_route(0.05);
    p.wait_for("test_errors_total", 0.0);
    Some(p)
}

#[test]
fn an_error_counter_that_climbs_breaches_and_fails_the_deployment() {
    let Some(p) = prometheus() else { return };
    let (f, id) = fake_with_history();
    let driver = {
        let m = Arc::clone(&p.metrics);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(1500));
            m.errors.store(12.0f64.to_bits(), Ordering::SeqCst);
        })
    };
    let w = cmd()
        .every("500ms", "30s")
        .deployment(&f, id)
        .arg("--prometheus-url", &p.url)
        .arg("--query", "errors: sum(test_errors_total) < 5")
        .arg("--failure-threshold", "2")
        .run();
    driver.join().unwrap();
    assert_eq!(w.run.code, 1, "{}\n{}", w.run.stdout, w.run.stderr);
    let j = w.run.json();
    assert_eq!(j["outcome"], "fail");
    let c = &j["checks"][0];
    assert_eq!(c["kind"], "prometheus");
    assert!(c["ok"].as_u64().unwrap() >= 2, "{j}");
    assert_eq!(c["consecutive_breaches"], 2);
    assert_eq!(c["last_value"], 12.0);
    assert_eq!(j["breach"]["value"], 12.0);
    assert_eq!(j["breach"]["threshold"], "sum(test_errors_total) < 5");
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
    p.set_slow_route(2.5);
    p.wait_for("test_latency_seconds{route=\"/slow\"}", 2.5);
    let w = cmd()
        .every("200ms", "10s")
        .arg("--prometheus-url", &p.url)
        .arg("--query", "latency: test_latency_seconds < 1")
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
    let nan = "nan: (sum(test_errors_total) - sum(test_errors_total)) / 0 < 1";
    let empty = "empty: sum(test_no_such_metric) < 1";
    for query in [empty, nan] {
        for (policy, outcome, code) in [
            ("ok", "pass", 0),
            ("breach", "fail", 1),
            ("error", "inconclusive", 1),
        ] {
            let w = cmd()
                .every("200ms", "600ms")
                .arg("--prometheus-url", &p.url)
                .arg("--query", query)
                .arg("--no-data", policy)
                .arg("--failure-threshold", "2")
                .arg("--error-threshold", "2")
                .arg("--on-breach", "alert")
                .run();
            let j = w.run.json();
            assert_eq!(j["outcome"], outcome, "{query} with {policy}: {j}");
            assert_eq!(w.run.code, code, "{query} with {policy}");
        }
    }
    // The idiom the README recommends: `or vector(0)` turns no data into 0.
    let w = cmd()
        .every("200ms", "400ms")
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
        .every("200ms", "10s")
        .arg("--prometheus-url", &p.url)
        .arg("--query", "bad: sum(rate(test_errors_total[1m]) < 1")
        .arg("--query", "range: test_errors_total[10s] < 1")
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
        .every("100ms", "10s")
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
        .every("100ms", "10s")
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
        "[[check]]\nname = \"errors\"\nprometheus = \"{}\"\nquery = \"sum(test_errors_total) < 1000\"\n\n\
         [[check]]\nname = \"strict\"\nprometheus = \"{}\"\nquery = \"sum(test_errors_total) > 100\"\nobserve-only = true\n",
        p.url, p.url
    );
    let w = cmd()
        .every("200ms", "600ms")
        .arg("--checks", &toml)
        .arg("--failure-threshold", "1")
        .run();
    let j = w.run.json();
    assert_eq!(j["outcome"], "pass", "{j}");
    assert_eq!(j["checks"][1]["observe_only"], true);
    assert_eq!(j["checks"][1]["breaches"], 4);
}
