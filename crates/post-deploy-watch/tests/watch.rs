//! The watch against real HTTP servers on 127.0.0.1 whose behaviour
//! changes over time, with the fake GitHub holding the deployment history.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::*;
use test_support::testing::CANARY_TOKEN;
use test_support::{HandlerServer, Reply};

/// A health endpoint: healthy for the first `healthy` requests, then what
/// `then` answers.
fn endpoint(healthy: usize, then: impl Fn() -> Reply + Send + Sync + 'static) -> HandlerServer {
    let n = Arc::new(AtomicUsize::new(0));
    HandlerServer::start(move |_| {
        if n.fetch_add(1, Ordering::SeqCst) < healthy {
            Reply::text(200, "ok")
        } else {
            then()
        }
    })
}

fn webhook() -> HandlerServer {
    HandlerServer::start(|_| Reply::text(200, "ok"))
}

#[test]
fn a_healthy_window_passes_and_the_deployment_ends_in_success() {
    let (f, id) = fake_with_history();
    let app = HandlerServer::start(|_| Reply::text(200, "ok"));
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "2s")
        .deployment(&f, id)
        .arg("--url", &url)
        .run();
    assert_eq!(w.run.code, 0, "{}\n{}", w.run.stdout, w.run.stderr);
    let j = w.run.json();
    assert_eq!(j["verdict"], "pass");
    assert_eq!(j["outcome"], "pass");
    // One sample per request the endpoint saw, and one tick line each: how
    // many ticks fit the window is the clock's business (see the watch's
    // unit tests), not this test's.
    let seen = app.requests().len();
    assert!(seen >= 2, "{seen} requests");
    assert_eq!(j["checks"][0]["samples"], seen, "{j}");
    assert_eq!(j["checks"][0]["breaches"], 0);
    assert_eq!(j["checks"][0]["kind"], "http");
    assert!(j["checks"][0]["last_value"].as_f64().unwrap() >= 0.0);
    assert_eq!(j["breach"], serde_json::Value::Null);
    assert_eq!(j["timeline"].as_array().unwrap().len(), seen);
    assert_eq!(states(&f, id), ["queued", "in_progress", "success"]);
    let repo = f.repo(R);
    let last = last_status(&f, id);
    assert_eq!(
        last.log_url.as_deref(),
        Some(format!("https://github.example/{R}/actions/runs/{RUN_ID}").as_str())
    );
    assert!(repo.dispatches.is_empty());
    assert_eq!(w.output("verdict"), "pass");
    assert_eq!(w.output("outcome"), "pass");
    assert_eq!(w.output("rollback-tag"), "");
    assert!(
        w.summary.contains("post-deploy-watch: pass"),
        "{}",
        w.summary
    );
    assert!(w.summary.contains("xychart-beta"), "{}", w.summary);
}

#[test]
fn consecutive_500s_fail_at_once_roll_back_to_the_last_good_tag_and_alert() {
    let (f, id) = fake_with_history();
    let app = endpoint(2, || Reply::text(500, "boom"));
    let hook = webhook();
    let hook_url = format!("{}{WEBHOOK_SECRET_PATH}", hook.url());
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "60s")
        .deployment(&f, id)
        .arg("--url", &url)
        .arg("--header", "Authorization=HEALTH_TOKEN")
        .arg("--failure-threshold", "3")
        .arg("--rollback-workflow", "rollback.yml")
        .arg("--rollback-ref", "main")
        .arg("--rollback-input", "version")
        .arg("--slack-webhook-env", "SLACK_URL")
        .env("SLACK_URL", &hook_url)
        .env("HEALTH_TOKEN", HEADER_SECRET)
        .run();
    assert_eq!(w.run.code, 1, "{}\n{}", w.run.stdout, w.run.stderr);
    // Three breaches in a row end the watch at once, not at the end of the
    // window: the 5th request (2 healthy, 3 breaches) is the last.
    assert_eq!(app.requests().len(), 5);
    let j = w.run.json();
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["outcome"], "fail");
    assert_eq!(j["breach"]["check"], url.as_str());
    assert_eq!(j["breach"]["threshold"], "status 2xx");
    assert!(j["breach"]["at"].as_str().unwrap().starts_with("20"), "{j}");
    assert_eq!(j["checks"][0]["samples"], 5);
    assert_eq!(j["checks"][0]["breaches"], 3);
    assert_eq!(j["checks"][0]["consecutive_breaches"], 3);
    // The header came from the environment.
    assert!(
        app.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(HEADER_SECRET))
    );
    // v1.2.5 was never deployed to production and v1.2.0 failed there;
    // v1.1.0 succeeded (and was later marked inactive).
    assert_eq!(j["rollback"]["tag"], "v1.1.0", "{j}");
    assert_eq!(j["rollback"]["dispatched"], true);
    let repo = f.repo(R);
    assert_eq!(repo.dispatches.len(), 1);
    let d = &repo.dispatches[0];
    assert_eq!(d.workflow, "rollback.yml");
    assert_eq!(d.git_ref, "main");
    assert_eq!(d.inputs, serde_json::json!({"version": "v1.1.0"}));
    assert_eq!(j["rollback"]["run_id"], d.run_id);
    assert_eq!(w.output("rollback-run"), d.run_id.to_string());
    assert_eq!(w.output("rollback-tag"), "v1.1.0");
    assert_eq!(w.output("verdict"), "fail");
    assert_eq!(w.output("outcome"), "fail");
    assert_eq!(w.output("breached-check"), url);
    assert_eq!(w.output("freeze"), "false");
    // The deployment failed, with the breach as its description.
    assert_eq!(states(&f, id), ["queued", "in_progress", "failure"]);
    let st = last_status(&f, id);
    let desc = st.description.unwrap();
    assert!(
        desc.contains("500") && desc.chars().count() <= 140,
        "{desc}"
    );
    assert!(
        st.log_url
            .unwrap()
            .ends_with(&format!("/actions/runs/{RUN_ID}"))
    );
    // Slack got one message with the reason, the tag and the links.
    let posts = hook.requests();
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!(posts[0].path, WEBHOOK_SECRET_PATH);
    let text = posts[0].json()["text"].as_str().unwrap().to_owned();
    for want in [
        "fail",
        "v1.3.0",
        "500",
        "v1.1.0",
        "/actions/runs/4242",
        "Deployment",
    ] {
        assert!(text.contains(want), "{want} missing from {text}");
    }
    // No secret anywhere.
    let all = w.everything();
    for secret in [CANARY_TOKEN, "WEBHOOKsecretXYZ", "health-SECRET"] {
        assert!(!all.contains(secret), "{secret} leaked:\n{all}");
    }
}

#[test]
fn a_slow_endpoint_breaches_its_latency_limit() {
    let app = endpoint(1, || {
        std::thread::sleep(Duration::from_millis(400));
        Reply::text(200, "ok")
    });
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .arg("--max-latency", "150ms")
        .arg("--failure-threshold", "2")
        .arg("--on-breach", "alert")
        .run();
    assert_eq!(w.run.code, 1, "{}", w.run.stdout);
    let j = w.run.json();
    assert_eq!(j["outcome"], "fail");
    assert!(
        j["breach"]["detail"]
            .as_str()
            .unwrap()
            .contains("slower than 150ms"),
        "{j}"
    );
    assert!(j["breach"]["value"].as_f64().unwrap() >= 400.0, "{j}");
    assert_eq!(j["rollback"], serde_json::Value::Null);
    // Local use: no token work, no deployment.
    assert!(j["notes"][0].as_str().unwrap().contains("no deployment"));
}

#[test]
fn an_endpoint_that_starts_refusing_connections_breaches() {
    let app = Arc::new(std::sync::Mutex::new(HandlerServer::start(|_| {
        Reply::text(200, "ok")
    })));
    let url = format!("{}/health", app.lock().unwrap().url());
    let closer = {
        let app = Arc::clone(&app);
        std::thread::spawn(move || {
            // Refuse once the endpoint has answered two requests.
            loop {
                let seen = app.lock().unwrap().requests().len();
                if seen >= 2 {
                    break;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            app.lock().unwrap().refuse();
        })
    };
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .arg("--on-breach", "freeze")
        .run();
    closer.join().unwrap();
    assert_eq!(w.run.code, 1, "{}", w.run.stdout);
    let j = w.run.json();
    assert!(j["checks"][0]["ok"].as_u64().unwrap() >= 2, "{j}");
    assert!(
        j["breach"]["detail"]
            .as_str()
            .unwrap()
            .contains("Connection refused"),
        "{j}"
    );
    assert_eq!(j["freeze"], true);
    assert_eq!(w.output("freeze"), "true");
    assert_eq!(w.output("rollback-tag"), "");
}

#[test]
fn the_body_regex_and_status_list_are_checked() {
    let app = endpoint(1, || Reply::text(200, "{\"status\":\"degraded\"}"));
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .arg("--body-regex", "ok|\"status\":\"up\"")
        .arg("--expect-status", "200,204")
        .breach_at_once()
        .run();
    let detail = w.breach_detail();
    assert!(detail.contains("body does not match"), "{detail}");
}

#[test]
fn the_deployment_and_its_tag_come_from_a_deployment_event() {
    let (f, id) = fake_with_history();
    let app = endpoint(0, || Reply::text(503, "down"));
    let d = tempfile::tempdir().unwrap();
    let event = d.path().join("event.json");
    let payload = serde_json::json!({
        "action": "created",
        "deployment": {"id": id, "sha": sha(5), "ref": "v1.3.0", "environment": "production", "task": "deploy", "payload": {}},
        "repository": {"full_name": R, "name": "shop", "owner": {"login": "acme"}, "default_branch": "main"},
    });
    std::fs::write(&event, payload.to_string()).unwrap();
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .arg("--api-url", f.url())
        .flag("--dry-run")
        .env("GITHUB_EVENT_PATH", event.display())
        .env("GITHUB_EVENT_NAME", "deployment")
        .env("GITHUB_REPOSITORY", R)
        .run();
    assert_eq!(w.run.code, 1, "{}\n{}", w.run.stdout, w.run.stderr);
    let j = w.run.json();
    assert_eq!(j["deployment_id"], id);
    assert_eq!(j["tag"], "v1.3.0");
    assert_eq!(j["rollback"]["tag"], "v1.1.0");
    // --dry-run: every read, no write.
    assert_eq!(states(&f, id), ["queued"]);
    assert!(f.writes().is_empty());
    assert!(w.run.stderr.contains("would POST"), "{}", w.run.stderr);
}

#[test]
fn with_no_deployment_history_the_previous_version_tag_is_the_fallback() {
    let f = test_support::FakeGitHub::start();
    f.add_repo(R, "main");
    for (n, tag) in [(1, "v2.0.0"), (2, "v2.1.0"), (3, "v2.2.0")] {
        f.add_commit(R, &sha(n), tag, &[]);
        f.set_ref(R, &format!("tags/{tag}"), &sha(n));
    }
    f.set_ref(R, "heads/main", &sha(3));
    let app = endpoint(0, || Reply::text(500, "x"));
    let url = format!("{}/", app.url());
    let w = cmd()
        .every("1s", "60s")
        .github(&f)
        .arg("--url", &url)
        .arg("--tag", "v2.2.0")
        .run();
    let j = w.run.json();
    assert_eq!(j["rollback"]["tag"], "v2.1.0", "{j}");
    assert!(
        j["rollback"]["how"]
            .as_str()
            .unwrap()
            .contains("previous version tag"),
        "{j}"
    );
    assert_eq!(j["rollback"]["dispatched"], false);
}

#[test]
fn sigterm_cancels_with_a_summary_and_a_non_zero_exit() {
    let (f, id) = fake_with_history();
    let app = HandlerServer::start(|_| Reply::text(200, "ok"));
    let url = format!("{}/health", app.url());
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("output");
    let summary = d.path().join("summary");
    std::fs::write(&out, "").unwrap();
    std::fs::write(&summary, "").unwrap();
    let id_s = id.to_string();
    let child = test_support::testing::hermetic_command(BIN)
        .args([
            "--url",
            &url,
            "--interval",
            "1s",
            "--duration",
            "60s",
            "--repo",
            R,
            "--api-url",
            f.url(),
            "--deployment-id",
            &id_s,
            "--format",
            "json",
        ])
        .env("GITHUB_OUTPUT", &out)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it is watching.
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while app.requests().len() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "the watch never started"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    // Not a timed assert: a watch that ignored the signal would run its 60 s
    // window out and pass, and the outcome below would say so.
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = test_support::testing::output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let j: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(j["verdict"], "fail");
    assert_eq!(j["outcome"], "cancelled");
    assert!(j["checks"][0]["samples"].as_u64().unwrap() >= 3);
    let outputs = read_outputs(&out);
    assert!(
        outputs.contains(&("outcome".to_owned(), "cancelled".to_owned())),
        "{outputs:?}"
    );
    assert!(
        outputs.contains(&("verdict".to_owned(), "fail".to_owned())),
        "{outputs:?}"
    );
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains("cancelled") && summary.contains("Timeline"),
        "{summary}"
    );
    // A cancelled watch is never a success.
    assert_eq!(states(&f, id), ["queued", "in_progress", "error"]);
}

#[test]
fn bad_input_exits_2_naming_the_input() {
    for (args, env, want) in [
        (
            vec!["--url", "http://127.0.0.1:1/", "--interval", "0s"],
            vec![],
            "--interval",
        ),
        (
            vec!["--url", "http://127.0.0.1:1/", "--duration", "forever"],
            vec![],
            "--duration",
        ),
        (
            vec![
                "--url",
                "http://127.0.0.1:1/",
                "--slack-webhook-env",
                "NOPE",
            ],
            vec![],
            "NOPE is not set",
        ),
        (
            vec!["--url", "http://127.0.0.1:1/", "--header", "X-Key=MISSING"],
            vec![],
            "MISSING is not set",
        ),
        (vec!["--query", "a: x < 1"], vec![], "--prometheus-url"),
        (
            vec!["--checks", "/nope.toml"],
            vec![],
            "--checks /nope.toml",
        ),
        (
            vec!["--url", "http://127.0.0.1:1/", "--deployment-id", "5"],
            vec![],
            "repository",
        ),
        (
            vec![
                "--url",
                "http://127.0.0.1:1/",
                "--slack-webhook-env",
                "HOOK",
            ],
            vec![("HOOK", "not a url")],
            "not an http(s) URL",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--format", "json"]);
        let w = watch(&all, &env);
        assert_eq!(w.run.code, 2, "{args:?}: {}", w.run.stdout);
        let j = w.run.json();
        let reasons = j["reasons"].to_string();
        assert!(reasons.contains(want), "{args:?}: {reasons}");
    }
}

fn breach_with_rollback(f: &test_support::FakeGitHub, id: u64) -> Watched {
    let app = endpoint(0, || Reply::text(500, "x"));
    let url = format!("{}/", app.url());
    cmd()
        .every("1s", "60s")
        .deployment(f, id)
        .arg("--url", &url)
        .arg("--rollback-workflow", "rollback.yml")
        .run()
}

#[test]
fn a_server_that_rejects_return_run_details_still_gets_the_dispatch() {
    let (f, id) = fake_with_history();
    f.with_repo(R, |r| r.rejects_run_details = true);
    let w = breach_with_rollback(&f, id);
    let j = w.run.json();
    assert_eq!(j["rollback"]["dispatched"], true, "{j}");
    assert_eq!(j["rollback"]["run_id"], serde_json::Value::Null);
    assert_eq!(w.output("rollback-run"), "");
    let repo = f.repo(R);
    assert_eq!(repo.dispatches.len(), 1);
    assert_eq!(
        repo.dispatches[0].inputs,
        serde_json::json!({"tag": "v1.1.0"})
    );
}

#[test]
fn a_failed_dispatch_is_reported_and_never_sent_twice() {
    let (f, id) = fake_with_history();
    f.inject(
        test_support::Fault::new(test_support::FaultKind::ApplyThenStatus(502), 1)
            .on_path("/dispatches"),
    );
    let w = breach_with_rollback(&f, id);
    assert_eq!(w.run.code, 1);
    let j = w.run.json();
    assert_eq!(j["rollback"]["tag"], "v1.1.0");
    assert_eq!(j["rollback"]["dispatched"], false, "{j}");
    assert!(
        j["notes"]
            .to_string()
            .contains("dispatching rollback.yml failed"),
        "{j}"
    );
    // The dispatch landed once; its answer was lost, and it was not re-sent.
    let sent = f
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/dispatches"))
        .count();
    assert_eq!(sent, 1);
    assert_eq!(f.repo(R).dispatches.len(), 1);
    // The deployment still ends in failure.
    assert_eq!(states(&f, id).last().unwrap(), "failure");
}

#[test]
fn a_timeout_is_a_breach() {
    let app = HandlerServer::start(|_| {
        std::thread::sleep(Duration::from_millis(800));
        Reply::text(200, "ok")
    });
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .arg("--timeout", "200ms")
        .breach_at_once()
        .run();
    let detail = w.breach_detail();
    assert!(detail.contains("no answer within 200ms"), "{detail}");
}

// Regression (review 63d5502): probes followed redirects, taking header secrets elsewhere.
#[test]
fn redirects_are_not_followed_so_secrets_stay_home() {
    let elsewhere = HandlerServer::start(|_| Reply::text(200, "ok"));
    let target = format!("{}/login", elsewhere.url());
    let app = HandlerServer::start(move |_| {
        let mut r = Reply::text(302, "");
        r.headers.push(("Location".into(), target.clone()));
        r
    });
    let url = format!("{}/health", app.url());
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .arg("--header", "X-Api-Key=KEY")
        .breach_at_once()
        .env("KEY", "k-SECRET")
        .run();
    let j = w.run.json();
    assert_eq!(j["outcome"], "fail", "{j}");
    assert!(
        j["breach"]["detail"].as_str().unwrap().contains("302"),
        "{j}"
    );
    assert!(elsewhere.requests().is_empty());
    // A 3xx that is expected passes.
    let w = cmd()
        .every("1s", "1s")
        .arg("--url", &url)
        .arg("--expect-status", "2xx,302")
        .run();
    assert_eq!(w.run.json()["outcome"], "pass");
}

#[test]
fn a_failing_slack_webhook_is_reported_without_its_url() {
    let hook = HandlerServer::start(|_| Reply::text(500, "no"));
    let hook_url = format!("{}{WEBHOOK_SECRET_PATH}", hook.url());
    let app = endpoint(0, || Reply::text(500, "x"));
    let url = format!("{}/", app.url());
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .breach_at_once()
        .arg("--slack-webhook-env", "HOOK")
        .env("HOOK", &hook_url)
        .run();
    let j = w.run.json();
    assert!(j["notes"].to_string().contains("Slack answered 500"), "{j}");
    // Refused: reqwest's error names the URL; ours must not.
    let dead = format!("http://127.0.0.1:1{WEBHOOK_SECRET_PATH}");
    let w = cmd()
        .every("1s", "60s")
        .arg("--url", &url)
        .breach_at_once()
        .arg("--slack-webhook-env", "HOOK")
        .env("HOOK", &dead)
        .run();
    let j = w.run.json();
    assert!(
        j["notes"].to_string().contains("posting to Slack failed"),
        "{j}"
    );
    assert!(
        !w.everything().contains("WEBHOOKsecretXYZ"),
        "{}",
        w.everything()
    );
}

fn status_event(dir: &std::path::Path, id: u64, state: &str, description: &str) -> String {
    let event = dir.join("event.json");
    let payload = serde_json::json!({
        "action": "created",
        "deployment_status": {"id": 1, "state": state, "description": description, "environment": "production"},
        "deployment": {"id": id, "sha": sha(5), "ref": "v1.3.0", "environment": "production", "task": "deploy", "payload": {}},
        "repository": {"full_name": R, "name": "shop", "owner": {"login": "acme"}, "default_branch": "main"},
    });
    std::fs::write(&event, payload.to_string()).unwrap();
    event.display().to_string()
}

// Regression (review 63d5502): any deployment_status started a watch, our own included.
#[test]
fn only_a_successful_deployment_status_that_is_not_ours_starts_a_watch() {
    let (f, id) = fake_with_history();
    let app = HandlerServer::start(|_| Reply::text(200, "ok"));
    let url = format!("{}/health", app.url());
    let d = tempfile::tempdir().unwrap();
    for (state, description, want) in [
        ("failure", "deploy failed", "says failure"),
        (
            "success",
            "post-deploy-watch: healthy for 30m",
            "this gate's own status",
        ),
    ] {
        let w = cmd()
            .every("1s", "1s")
            .arg("--url", &url)
            .arg("--api-url", f.url())
            .env(
                "GITHUB_EVENT_PATH",
                status_event(d.path(), id, state, description),
            )
            .env("GITHUB_EVENT_NAME", "deployment_status")
            .env("GITHUB_REPOSITORY", R)
            .run();
        assert_eq!(w.run.code, 0, "{}", w.run.stdout);
        let j = w.run.json();
        assert_eq!(j["outcome"], "skipped", "{j}");
        assert!(j["reasons"][0].as_str().unwrap().contains(want), "{j}");
        assert_eq!(w.output("outcome"), "skipped");
        assert_eq!(w.output("verdict"), "pass");
    }
    assert!(f.writes().is_empty());
    assert!(app.requests().is_empty());
    // A successful deploy's status starts the watch, and our statuses carry
    // the gate's name.
    let w = cmd()
        .every("1s", "1s")
        .arg("--url", &url)
        .arg("--api-url", f.url())
        .env(
            "GITHUB_EVENT_PATH",
            status_event(d.path(), id, "success", "deployed"),
        )
        .env("GITHUB_EVENT_NAME", "deployment_status")
        .env("GITHUB_REPOSITORY", R)
        .run();
    assert_eq!(w.run.json()["outcome"], "pass", "{}", w.run.stdout);
    assert_eq!(states(&f, id), ["queued", "in_progress", "success"]);
    assert!(
        last_status(&f, id)
            .description
            .unwrap()
            .starts_with("post-deploy-watch: ")
    );
}

// Regression (review 63d5502): the environment and tag were not taken from the named deployment.
#[test]
fn a_named_deployment_wins_over_the_event_and_brings_its_environment() {
    let (f, _) = fake_with_history();
    // A deployment to another environment, with its own history there.
    f.add_deployment(R, &sha(1), "v1.0.0", "prod-eu", &["success"]);
    f.add_deployment(R, &sha(2), "v1.1.0", "prod-eu", &["failure"]);
    let eu = f.add_deployment(R, &sha(5), "v1.3.0", "prod-eu", &["queued"]);
    let app = endpoint(0, || Reply::text(500, "x"));
    let url = format!("{}/", app.url());
    let d = tempfile::tempdir().unwrap();
    // The event names another deployment (of v9.0.0's commit, say).
    let event = status_event(d.path(), 999, "success", "deployed");
    let w = cmd()
        .every("1s", "60s")
        .deployment(&f, eu)
        .arg("--url", &url)
        .arg("--failure-threshold", "1")
        .env("GITHUB_EVENT_PATH", event)
        .env("GITHUB_EVENT_NAME", "deployment_status")
        .run();
    let j = w.run.json();
    assert_eq!(j["deployment_id"], eu);
    assert_eq!(j["tag"], "v1.3.0");
    // In prod-eu, v1.1.0 failed and v1.0.0 succeeded.
    assert_eq!(j["rollback"]["tag"], "v1.0.0", "{j}");
    assert!(
        j["rollback"]["how"].as_str().unwrap().contains("prod-eu"),
        "{j}"
    );
    assert_eq!(states(&f, eu), ["queued", "in_progress", "failure"]);
}

// Regression (review 63d5502): an older deployment of the tag decided, and a prerelease could be
// the rollback target.
#[test]
fn a_tags_newest_deployment_decides_and_prereleases_are_passed_over() {
    let f = test_support::FakeGitHub::start();
    f.add_repo(R, "main");
    for (n, tag) in [
        (1, "v2.0.0"),
        (2, "v2.1.0"),
        (3, "v2.2.0-rc.1"),
        (4, "v2.2.0"),
    ] {
        f.add_commit(R, &sha(n), tag, &[]);
        f.set_ref(R, &format!("tags/{tag}"), &sha(n));
    }
    f.set_ref(R, "heads/main", &sha(4));
    f.add_deployment(R, &sha(1), "v2.0.0", "production", &["success"]);
    // v2.1.0 succeeded once, then a later deployment of it failed.
    f.add_deployment(R, &sha(2), "v2.1.0", "production", &["success", "inactive"]);
    f.add_deployment(R, &sha(2), "v2.1.0", "production", &["failure"]);
    f.add_deployment(R, &sha(3), "v2.2.0-rc.1", "production", &["success"]);
    let app = endpoint(0, || Reply::text(500, "x"));
    let url = format!("{}/", app.url());
    let w = cmd()
        .every("1s", "60s")
        .github(&f)
        .arg("--url", &url)
        .arg("--tag", "v2.2.0")
        .arg("--failure-threshold", "1")
        .run();
    let j = w.run.json();
    assert_eq!(j["rollback"]["tag"], "v2.0.0", "{j}");
    // With no success recorded for any older tag, the previous version tag.
    let f2 = test_support::FakeGitHub::start();
    f2.add_repo(R, "main");
    for (n, tag) in [(1, "v3.0.0"), (2, "v3.1.0")] {
        f2.add_commit(R, &sha(n), tag, &[]);
        f2.set_ref(R, &format!("tags/{tag}"), &sha(n));
    }
    f2.add_deployment(R, &sha(1), "v3.0.0", "production", &["failure"]);
    let w = cmd()
        .every("1s", "60s")
        .github(&f2)
        .arg("--url", &url)
        .arg("--tag", "v3.1.0")
        .arg("--failure-threshold", "1")
        .run();
    let j = w.run.json();
    assert_eq!(j["rollback"]["tag"], "v3.0.0", "{j}");
    assert!(
        j["rollback"]["how"]
            .as_str()
            .unwrap()
            .contains("v3.0.0 did not succeed"),
        "{j}"
    );
}

// Regression (#12.4, security review): tick lines printed Prometheus label values outside the
// fence.
/// Hardening review, item 4: tick lines quote Prometheus label values and
/// server text, and were printed outside the fence, so a label could forge
/// an annotation or silence the gate's own commands.
#[test]
fn tick_lines_are_fenced_in_github_format() {
    let prom = HandlerServer::start(|_| {
        Reply::json(
            200,
            serde_json::json!({"status": "success", "data": {"resultType": "vector", "result": [
                {"metric": {"job": "x ##[error]forged-legacy", "instance": "::error::forged"},
                 "value": [1_700_000_000, "5"]}
            ]}}),
        )
    });
    let w = watch(
        &[
            "--format",
            "github",
            "--prometheus-url",
            prom.url(),
            "--query",
            "errors: sum by (job, instance) (up) < 1",
            "--interval",
            "1s",
            "--duration",
            "3s",
            "--failure-threshold",
            "1",
            "--on-breach",
            "alert",
        ],
        &[("GITHUB_ACTIONS", "true")],
    );
    assert_eq!(w.run.code, 1, "{}\n{}", w.run.stdout, w.run.stderr);
    assert!(w.run.stdout.contains("forged"), "{}", w.run.stdout);
    assert!(test_support::testing::live_commands(&w.run.stderr).is_empty());
    // Only our own commands run: the mask and the one breach annotation,
    // which carries the label text as escaped data.
    let live = test_support::testing::live_commands(&w.run.stdout);
    assert_eq!(live.len(), 2, "{live:?}\n{}", w.run.stdout);
    assert!(live[0].starts_with("::add-mask::"), "{live:?}");
    assert!(
        live[1].starts_with("::error title=Production breached::"),
        "{live:?}"
    );
    assert!(!live[1].contains("##["), "{live:?}");
}

/// One representative run, as a snapshot of its JSON and its text: a
/// Prometheus check that holds once, then breaches twice in a row, fails
/// the watch, the deployment and rolls back. The samples are counted, not
/// timed (the breaches end the watch long before its window), so the
/// report is the same under load; a fresh fake GitHub and Prometheus per
/// format.
#[test]
fn report_snapshots() {
    let run = |format: &str| {
        let (f, id) = fake_with_history();
        let asked = Arc::new(AtomicUsize::new(0));
        let prom = HandlerServer::start(move |_| {
            let value = if asked.fetch_add(1, Ordering::SeqCst) == 0 {
                "1"
            } else {
                "12"
            };
            Reply::json(
                200,
                serde_json::json!({"status": "success", "data": {"resultType": "vector",
                    "result": [{"metric": {"job": "shop"}, "value": [1700000000.0, value]}]}}),
            )
        });
        let w = watch(
            &[
                "--format",
                format,
                "--interval",
                "1s",
                "--duration",
                "10m",
                "--repo",
                R,
                "--api-url",
                f.url(),
                "--deployment-id",
                &id.to_string(),
                "--prometheus-url",
                prom.url(),
                "--query",
                "errors: sum(errors_total) < 5",
                "--failure-threshold",
                "2",
                "--rollback-workflow",
                "rollback.yml",
            ],
            &[],
        );
        assert_eq!(prom.requests().len(), 3, "{}", w.run.stderr);
        w.run
    };
    let mut settings = test_support::contract::snapshot_settings();
    settings.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[port]");
    // Where in the window each tick fell depends on the machine's load.
    settings.add_filter(r"\[\+\d+:\d{2}(:\d{2})?\]", "[+[clock]]");
    settings.add_filter(
        r#""seconds_into_window": [0-9.eE+-]+"#,
        r#""seconds_into_window": "[seconds]""#,
    );
    test_support::assert_report_snapshots!(
        settings,
        "post-deploy-watch.report.schema.json",
        1,
        run,
        watch(
            &[
                "--format",
                "json",
                "--url",
                "http://127.0.0.1:1/",
                "--interval",
                "0s"
            ],
            &[]
        )
        .run,
    );
}
