//! The composite action: in step with the binary's flags, and its step run
//! for real against a loopback health endpoint.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use action_runner::{check_action, run_step};
use clap::CommandFactory;
use fake_github::{HandlerServer, Reply};

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
            ("interval", "100ms"),
            ("duration", "300ms"),
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
    assert_eq!(app.requests().len(), 4);
    // Without the key the endpoint answers 401: a breach, and freeze says so.
    let step = run_step(
        "post-deploy-watch",
        Path::new(BIN),
        d.path(),
        &[
            ("url", &health),
            ("interval", "100ms"),
            ("duration", "5s"),
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
