//! Bounded inputs (issue #12, item 5): answers are read up to a cap and no
//! further, the checks file has a size cap, the interval a minimum, and a
//! tick of 10,000 checks keeps to a bounded number of probes in flight.
//!
//! The large answers are streamed by the server 64 KiB at a time and never
//! built whole, and the server counts what the client took: a reader that
//! read on past its cap would show it there.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use support::*;
use test_support::{HandlerServer, Reply, Stream, StreamingServer};

const GIB: u64 = 1 << 30;
const MIB: u64 = 1 << 20;

fn stream(prefix: &str, fill: u8, len: u64, declare_length: bool) -> StreamingServer {
    StreamingServer::start(Stream {
        status: 200,
        content_type: "application/json".into(),
        prefix: prefix.as_bytes().to_vec(),
        fill,
        len,
        declare_length,
    })
}

/// The one check's last measurement.
fn last_detail(w: &Watched) -> String {
    let j = w.run.json();
    j["checks"][0]["last"]["detail"]
        .as_str()
        .unwrap_or_else(|| panic!("no last detail: {j}"))
        .to_owned()
}

/// An answer over its cap is a measurement error, so one error decides.
fn over_cap(url_flag: &str, url: &str, extra: &[(&str, &str)]) -> Watched {
    let mut c = cmd()
        .every("1s", "60s")
        .arg(url_flag, url)
        .arg("--error-threshold", "1");
    for (k, v) in extra {
        c = c.arg(k, v);
    }
    let w = c.run();
    assert_eq!(w.run.code, 1, "{}\n{}", w.run.stdout, w.run.stderr);
    assert_eq!(w.run.json()["outcome"], "inconclusive", "{}", w.run.stdout);
    w
}

// Regression (#12.5, security review): a 1 GB body with `--body-regex` cost 2 GB of memory.
#[test]
fn a_body_over_the_cap_is_a_measurement_error_that_names_the_cap() {
    // 1 GiB, its length unknown until the end: only reading finds it out.
    let app = stream("", b'a', GIB, false);
    let url = format!("{}/health", app.url());
    let w = over_cap("--url", &url, &[("--body-regex", "^ok$")]);
    let detail = last_detail(&w);
    assert!(
        detail.contains("over --max-body-bytes 1048576 (1 MiB)"),
        "{detail}"
    );
    // The client took the cap and what the sockets buffer, not the GiB.
    let sent = app.bytes_sent();
    eprintln!("1 GiB body, 1 MiB cap: the server got {sent} bytes out");
    assert!(sent < 64 * MIB, "{sent} bytes read");

    // The cap is the flag's, and a declared length over it is refused
    // before any of the body is read.
    let app = stream("", b'a', GIB, true);
    let url = format!("{}/health", app.url());
    let w = over_cap(
        "--url",
        &url,
        &[("--body-regex", "^ok$"), ("--max-body-bytes", "4096")],
    );
    let detail = last_detail(&w);
    assert!(detail.contains("--max-body-bytes 4096 (4 KiB)"), "{detail}");
    assert!(app.bytes_sent() < 64 * MIB, "{}", app.bytes_sent());
}

#[test]
fn a_body_is_read_only_for_a_body_regex() {
    let app = stream("", b'a', GIB, false);
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "0s")
        .arg("--url", &url)
        .arg("--max-body-bytes", "1")
        .run();
    assert_eq!(w.run.json()["outcome"], "pass", "{}", w.run.stdout);
    assert!(app.bytes_sent() < 64 * MIB, "{}", app.bytes_sent());
}

#[test]
fn a_checks_tables_own_cap_wins_and_is_named_as_its_key() {
    let app = stream("", b'a', 64 * 1024, false);
    let toml = format!(
        "[[check]]\nname = \"page\"\nurl = \"{}/\"\nbody-regex = \"^ok$\"\nmax-body-bytes = 2048\n",
        app.url()
    );
    let w = over_cap("--checks", &toml, &[]);
    let detail = last_detail(&w);
    assert!(detail.contains("max-body-bytes 2048 (2 KiB)"), "{detail}");
    assert!(!detail.contains("--max-body-bytes"), "{detail}");
}

// Regression (#12.5, security review): a 1 GB Prometheus answer was read whole.
#[test]
fn a_prometheus_answer_over_the_cap_is_a_measurement_error_that_names_the_cap() {
    // A query answer that never ends: JSON whitespace after the opening.
    let prefix = r#"{"status":"success","data":{"resultType":"vector","result":["#;
    let prom = stream(prefix, b' ', GIB, false);
    let w = over_cap(
        "--prometheus-url",
        prom.url(),
        &[("--query", "errors: sum(errors_total) < 5")],
    );
    let detail = last_detail(&w);
    assert!(
        detail.contains("over --max-prometheus-bytes 33554432 (32 MiB)"),
        "{detail}"
    );
    assert!(detail.contains("aggregate the query"), "{detail}");
    let sent = prom.bytes_sent();
    eprintln!("1 GiB Prometheus answer, 32 MiB cap: the server got {sent} bytes out");
    assert!(sent < 32 * MIB + 64 * MIB, "{sent} bytes read");

    let prom = stream(prefix, b' ', 10 * MIB, true);
    let w = over_cap(
        "--prometheus-url",
        prom.url(),
        &[
            ("--query", "errors: sum(errors_total) < 5"),
            ("--max-prometheus-bytes", "1000"),
        ],
    );
    let detail = last_detail(&w);
    assert!(
        detail.contains("--max-prometheus-bytes 1000 (1000 bytes)"),
        "{detail}"
    );
}

// Regression (#12.5, security review): a checks file of `/dev/zero` grew without end.
#[test]
fn a_checks_file_that_never_ends_is_refused_at_its_cap() {
    let w = watch(&["--checks", "/dev/zero", "--format", "json"], &[]);
    assert_eq!(w.run.code, 2, "{}\n{}", w.run.stdout, w.run.stderr);
    let reasons = w.run.json()["reasons"].to_string();
    assert!(
        reasons.contains("--checks /dev/zero") && reasons.contains("over 1 MiB"),
        "{reasons}"
    );
}

// Regression (#12.5, security review): `--interval 1ns` sent 1,642 requests in 3 s.
#[test]
fn bounds_below_their_minimum_exit_2_naming_the_input() {
    let d = tempfile::tempdir().unwrap();
    let policy = d.path().join("trunkline.toml");
    std::fs::write(&policy, "[watch]\ninterval = \"500ms\"\n").unwrap();
    let policy = policy.to_str().unwrap();
    for (args, want) in [
        (
            vec!["--interval", "1ns"],
            "--interval \\\"1ns\\\": not a duration",
        ),
        (
            vec!["--interval", "1ms"],
            "--interval 1ms: the minimum is 1s",
        ),
        (vec!["--interval", "999ms"], "minimum is 1s"),
        (vec!["--config", policy], "interval"),
        (vec!["--max-body-bytes", "0"], "--max-body-bytes"),
        (
            vec!["--max-prometheus-bytes", "0"],
            "--max-prometheus-bytes",
        ),
    ] {
        let mut all = vec!["--url", "http://127.0.0.1:1/", "--format", "json"];
        all.extend(&args);
        let w = watch(&all, &[]);
        assert_eq!(
            w.run.code, 2,
            "{args:?}: {}\n{}",
            w.run.stdout, w.run.stderr
        );
        let reasons = w.run.json()["reasons"].to_string();
        assert!(reasons.contains(want), "{args:?}: {reasons}");
    }
}

// Regression (#12.5, security review): concurrent probes per tick were unbounded.
/// 10,000 checks in one tick: every one measured, never more than the
/// bound in flight, and a tick line that stays short. Prints the figures;
/// asserts no time.
#[test]
fn ten_thousand_checks_run_with_a_bounded_number_in_flight() {
    const N: usize = 10_000;
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let app = {
        let (in_flight, most) = (Arc::clone(&in_flight), Arc::clone(&most));
        HandlerServer::start(move |_| {
            let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            most.fetch_max(now, Ordering::SeqCst);
            // Long enough for the client's probes to overlap here.
            std::thread::yield_now();
            in_flight.fetch_sub(1, Ordering::SeqCst);
            Reply::text(200, "ok")
        })
    };
    let d = tempfile::tempdir().unwrap();
    let file = d.path().join("checks.toml");
    let mut toml = String::new();
    for i in 0..N {
        toml.push_str(&format!(
            "[[check]]\nname = \"c{i}\"\nurl = \"{}/{i}\"\n",
            app.url()
        ));
    }
    std::fs::write(&file, &toml).unwrap();
    let started = std::time::Instant::now();
    // A generous timeout: on a loaded machine a slow answer is no finding.
    let w = cmd()
        .every("1s", "0s")
        .arg("--checks", file.display())
        .arg("--timeout", "120s")
        .run();
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(w.run.code, 0, "{}", w.run.stderr);
    let j = w.run.json();
    assert_eq!(j["outcome"], "pass");
    assert_eq!(j["checks"].as_array().unwrap().len(), N);
    assert_eq!(app.requests().len(), N);
    let peak = most.load(Ordering::SeqCst);
    eprintln!(
        "{N} checks, one tick: {seconds:.2}s for the whole run, at most {peak} requests in flight at the server, checks file {} KiB, JSON report {} KiB",
        toml.len() / 1024,
        w.run.stdout.len() / 1024
    );
    assert!(
        peak <= post_deploy_watch::watch::MAX_CONCURRENT_PROBES,
        "{peak} in flight"
    );
    let line = j["timeline"][0].as_str().unwrap();
    assert!(line.starts_with("[+0:00] 10000 ok, 0 not"), "{line}");
    assert!(line.len() < 200, "{line}");
}
