//! The composite action: in step with the binary's flags, and its step run
//! for real against a loopback health endpoint.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use action_runner::{check_action, run_step, step};
use clap::CommandFactory;
use test_support::{HandlerServer, Reply};

const BIN: &str = env!("CARGO_BIN_EXE_post-deploy-watch");

#[test]
fn the_action_matches_the_binary() {
    check_action("post-deploy-watch", &post_deploy_watch::cli::Cli::command());
}

#[test]
fn the_step_watches_and_sets_the_outputs() {
    let app = HandlerServer::start(|req| match req.header("x-key") {
        Some("k3y-from-a-secret") => Reply::text(200, "ok"),
        _ => Reply::text(401, "no key"),
    });
    let d = tempfile::tempdir().unwrap();
    let health = format!("{}/health", app.url());
    let step = run_step(
        "post-deploy-watch",
        Path::new(BIN),
        d.path(),
        &[
            ("url", &format!("{health}\n")),
            ("header", "X-Key=HEALTH_KEY"),
            ("interval", "1s"),
            ("duration", "1s"),
        ],
        &[("HEALTH_KEY", "k3y-from-a-secret")],
    );
    assert_eq!(step.code, 0, "{}", step.log);
    assert!(
        step.outputs.contains(&("verdict".into(), "pass".into())),
        "{:?}",
        step.outputs
    );
    assert!(step.log.contains("post-deploy-watch: pass"), "{}", step.log);
    assert!(!step.log.contains("k3y-from-a-secret"), "{}", step.log);
    // Every request carried the key (a 401 would have breached).
    assert!(!app.requests().is_empty());
    // Without the key the endpoint answers 401: a breach, and freeze says so.
    let step = run_step(
        "post-deploy-watch",
        Path::new(BIN),
        d.path(),
        &[
            ("url", &health),
            ("interval", "1s"),
            ("duration", "60s"),
            ("failure-threshold", "2"),
            ("on-breach", "freeze"),
        ],
        &[],
    );
    assert_eq!(step.code, 1, "{}", step.log);
    assert!(
        step.outputs.contains(&("verdict".into(), "fail".into())),
        "{:?}",
        step.outputs
    );
    assert!(
        step.outputs.contains(&("freeze".into(), "true".into())),
        "{:?}",
        step.outputs
    );
    assert!(step.log.contains("::error"), "{}", step.log);
}

// Regression (review 63d5502): a cancelled job's signal did not reach the gate behind the action's
// shell.
/// The runner signals only the step's top process (its bash), so the gate
/// must be that process for a cancelled job to reach it.
#[test]
fn cancelling_the_step_reaches_the_watch() {
    let app = HandlerServer::start(|_| Reply::text(200, "ok"));
    let d = tempfile::tempdir().unwrap();
    let summary = d.path().join("summary");
    std::fs::write(&summary, "").unwrap();
    let health = format!("{}/health", app.url());
    let started = step(
        "post-deploy-watch",
        Path::new(BIN),
        d.path(),
        &[("url", &health), ("interval", "1s"), ("duration", "60s")],
        &[("GITHUB_STEP_SUMMARY", summary.to_str().unwrap())],
    )
    .start();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while app.requests().len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the step never started watching"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let pid = started.child.id().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let result = started.finish();
    assert_eq!(result.code, 1, "{}", result.log);
    // The outputs speak every gate's verdict words, the richer outcome
    // beside them (issue #20).
    assert!(
        result
            .outputs
            .contains(&("outcome".into(), "cancelled".into())),
        "{:?}\n{}",
        result.outputs,
        result.log
    );
    assert!(
        result.outputs.contains(&("verdict".into(), "fail".into())),
        "{:?}",
        result.outputs
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.contains("cancelled"), "{summary}");
}
