//! The GitHub client against the fake: retries, rate limits, timeouts,
//! pagination, GHES base URLs, dry runs, sticky comments and statuses.

// Tests may unwrap and print: the lints apply outside tests only.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gate_runtime::Repo;
use gate_runtime::api::client::{ApiError, GitHubClient, WriteOutcome};
use gate_runtime::api::comment::{CommentAction, StickyTarget, marker, upsert_sticky_comment};
use gate_runtime::api::retry::RetryPolicy;
use gate_runtime::api::status::{CommitStatus, StatusState, set_commit_status};
use gate_runtime::api::token::Token;
use http::Method;
use serde_json::{Value, json};
use test_support::{FakeGitHub, Fault, FaultKind, FileChange, Pull};

const R: &str = "acme/shop";

fn repo() -> Repo {
    Repo::parse(R, "test").unwrap()
}

fn fast_policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(40),
        max_rate_limit_wait: Duration::from_secs(5),
        secondary_limit_wait: Duration::from_millis(300),
        request_timeout: Duration::from_millis(500),
    }
}

static REPO: std::sync::LazyLock<Repo> = std::sync::LazyLock::new(repo);

/// The sticky-comment target on issue `n` of the test repository, with
/// octocat as the PR's (untrusted) author.
fn sticky(n: u64, key: &'static str) -> StickyTarget<'static> {
    StickyTarget {
        repo: &REPO,
        issue_number: n,
        key,
        untrusted_author: Some("octocat"),
    }
}

fn client(fake: &FakeGitHub) -> GitHubClient {
    GitHubClient::builder(fake.url())
        .token(Some(Token::new("test-token")))
        .retry_policy(fast_policy())
        .build()
        .unwrap()
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn seeded() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(R, "main");
    fake.add_pull(R, Pull::new(7, "octocat"));
    fake
}

#[tokio::test]
async fn sends_the_token_and_reads_a_resource() {
    let fake = seeded();
    let pr: Value = client(&fake).get("/repos/acme/shop/pulls/7").await.unwrap();
    assert_eq!(pr["number"], 7);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].header("authorization"), Some("Bearer test-token"));
    assert_eq!(
        reqs[0].header("accept"),
        Some("application/vnd.github+json")
    );
}

#[tokio::test]
async fn retries_server_errors_then_succeeds() {
    let fake = seeded();
    fake.fail_next(2, 502);
    let pr: Value = client(&fake).get("/repos/acme/shop/pulls/7").await.unwrap();
    assert_eq!(pr["number"], 7);
    assert_eq!(fake.requests().len(), 3);
}

#[tokio::test]
async fn gives_up_after_the_attempt_budget_naming_the_endpoint() {
    let fake = seeded();
    fake.fail_next(10, 503);
    let err = client(&fake)
        .get::<Value>("/repos/acme/shop/pulls/7")
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::GaveUp { attempts: 4, .. }), "{err}");
    let text = err.to_string();
    assert!(
        text.starts_with("GET /repos/acme/shop/pulls/7: gave up after 4 attempts"),
        "{text}"
    );
    assert!(text.contains("HTTP 503"), "{text}");
    assert_eq!(fake.requests().len(), 4);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let fake = seeded();
    let err = client(&fake)
        .get::<Value>("/repos/acme/shop/pulls/999")
        .await
        .unwrap_err();
    assert!(err.is_not_found());
    assert!(
        err.to_string()
            .contains("not found, or the token cannot see it")
    );
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(
        client(&fake)
            .get_optional::<Value>("/repos/acme/shop/pulls/999")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn honours_retry_after_on_a_secondary_rate_limit() {
    let fake = seeded();
    fake.secondary_rate_limit_next(1);
    let started = Instant::now();
    let _: Value = client(&fake).get("/repos/acme/shop/pulls/7").await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "waited only {waited:?}");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn honours_the_primary_rate_limit_reset() {
    let fake = seeded();
    fake.inject(Fault::new(
        FaultKind::PrimaryRateLimit { reset_in_secs: 0 },
        1,
    ));
    let started = Instant::now();
    let _: Value = client(&fake).get("/repos/acme/shop/pulls/7").await.unwrap();
    // Reset "now" waits the one rounding second.
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_rate_limit_longer_than_the_policy_gives_up_at_once() {
    let fake = seeded();
    fake.secondary_rate_limit_next(3600);
    let started = Instant::now();
    let err = client(&fake)
        .get::<Value>("/repos/acme/shop/pulls/7")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            ApiError::RateLimited {
                wait_secs: 3600,
                ..
            }
        ),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_secondary_limit_without_retry_after_waits_the_policy_default() {
    let fake = seeded();
    fake.inject(Fault::new(FaultKind::Status(429), 1));
    let started = Instant::now();
    let _: Value = client(&fake).get("/repos/acme/shop/pulls/7").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_response_slower_than_the_timeout_is_retried() {
    let fake = seeded();
    fake.delay_next(Duration::from_secs(2));
    let started = Instant::now();
    let pr: Value = client(&fake).get("/repos/acme/shop/pulls/7").await.unwrap();
    assert_eq!(pr["number"], 7);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn a_server_that_never_answers_in_time_exits_with_the_endpoint() {
    let fake = seeded();
    fake.inject(Fault::new(FaultKind::Delay(Duration::from_secs(2)), 4));
    let err = client(&fake)
        .get::<Value>("/repos/acme/shop/pulls/7")
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(text.contains("GET /repos/acme/shop/pulls/7"), "{text}");
    assert!(text.contains("no response within"), "{text}");
}

#[tokio::test]
async fn a_malformed_body_is_a_decode_error() {
    let fake = seeded();
    fake.malformed_next();
    let err = client(&fake)
        .get::<Value>("/repos/acme/shop/pulls/7")
        .await
        .unwrap_err();
    assert!(matches!(err, ApiError::Decode { .. }), "{err}");
    assert!(err.to_string().contains("unexpected response body"));
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = GitHubClient::builder(&format!("http://127.0.0.1:{port}"))
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    let err = c.get::<Value>("/repos/acme/shop").await.unwrap_err();
    assert!(matches!(err, ApiError::GaveUp { attempts: 4, .. }), "{err}");
    assert!(err.to_string().contains("connection failed"), "{err}");
}

#[tokio::test]
async fn ghes_base_url_with_api_v3_path() {
    let fake = FakeGitHub::start_with_prefix("/api/v3");
    fake.add_repo(R, "main");
    let mut pr = Pull::new(1, "octocat");
    pr.files = (0..250)
        .map(|i| FileChange::modified(&format!("f{i}.rs"), 1, 1))
        .collect();
    fake.add_pull(R, pr);
    assert!(fake.url().ends_with("/api/v3"));
    let c = GitHubClient::builder(&format!("{}/", fake.url()))
        .token(Some(Token::new("t")))
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    let files: Vec<Value> = c
        .get_pages("/repos/acme/shop/pulls/1/files", None)
        .await
        .unwrap();
    assert_eq!(files.len(), 250);
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs.iter()
            .all(|r| r.path == "/repos/acme/shop/pulls/1/files")
    );
    // The token travels to every page, including the Link-followed ones.
    assert!(
        reqs.iter()
            .all(|r| r.header("authorization") == Some("Bearer t"))
    );
}

#[tokio::test]
async fn pagination_reads_every_page_and_can_stop_early() {
    let fake = seeded();
    let mut pr = Pull::new(9, "octocat");
    pr.files = (0..3000)
        .map(|i| FileChange::modified(&format!("f{i}.rs"), 1, 0))
        .collect();
    fake.add_pull(R, pr);
    let c = client(&fake);
    let files: Vec<Value> = c
        .get_pages("/repos/acme/shop/pulls/9/files", None)
        .await
        .unwrap();
    assert_eq!(files.len(), 3000);
    assert_eq!(fake.requests().len(), 30);
    fake.clear_requests();
    let some: Vec<Value> = c
        .get_pages("/repos/acme/shop/pulls/9/files", Some(150))
        .await
        .unwrap();
    assert_eq!(some.len(), 200);
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test]
async fn dry_run_sends_no_write_and_prints_it() {
    let fake = seeded();
    let sink = Captured::default();
    let c = GitHubClient::builder(fake.url())
        .retry_policy(fast_policy())
        .dry_run(true, Box::new(sink.clone()))
        .build()
        .unwrap();
    let out: WriteOutcome<Value> = c
        .write(
            Method::POST,
            "/repos/acme/shop/git/refs",
            Some(json!({"ref": "refs/tags/v1.0.0", "sha": "abc"})),
        )
        .await
        .unwrap();
    assert_eq!(out, WriteOutcome::DryRun);
    let action = upsert_sticky_comment(&c, &sticky(7, "demo"), "hello")
        .await
        .unwrap();
    assert_eq!(action, CommentAction::DryRun);
    set_commit_status(
        &c,
        &repo(),
        &CommitStatus {
            sha: "abc",
            state: StatusState::Success,
            context: "demo",
            description: "ok",
            target_url: None,
        },
    )
    .await
    .unwrap();
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
    // Reads still happen: the sticky comment lookup listed comments.
    assert_eq!(fake.requests().len(), 1);
    let printed = sink.text();
    assert!(
        printed.contains(
            r#"would POST /repos/acme/shop/git/refs {"ref":"refs/tags/v1.0.0","sha":"abc"}"#
        ),
        "{printed}"
    );
    assert!(
        printed.contains("would POST /repos/acme/shop/issues/7/comments"),
        "{printed}"
    );
    assert!(
        printed.contains("would POST /repos/acme/shop/statuses/abc"),
        "{printed}"
    );
    assert_eq!(c.planned_writes().len(), 3);
}

#[tokio::test]
async fn a_create_that_races_surfaces_already_exists() {
    let fake = seeded();
    fake.add_commit(R, "1111111111111111111111111111111111111111", "init", &[]);
    // The first POST lands but its answer is lost; the retry sees 422.
    fake.inject(Fault::new(FaultKind::ApplyThenStatus(502), 1).on_method("POST"));
    let err = client(&fake)
        .write::<Value>(
            Method::POST,
            "/repos/acme/shop/git/refs",
            Some(json!({"ref": "refs/tags/v1.0.0", "sha": "1111111111111111111111111111111111111111"})),
        )
        .await
        .unwrap_err();
    assert!(err.is_already_exists(), "{err}");
    assert_eq!(fake.writes().len(), 2);
    assert_eq!(fake.repo(R).refs.len(), 1);
}

#[tokio::test]
async fn sticky_comment_is_created_once_then_updated_in_place() {
    let fake = seeded();
    let c = client(&fake);
    fake.add_comment(R, 7, "octocat", "unrelated");
    let a = upsert_sticky_comment(&c, &sticky(7, "pr-size-gate"), "too big")
        .await
        .unwrap();
    assert!(matches!(a, CommentAction::Created { .. }));
    let b = upsert_sticky_comment(&c, &sticky(7, "pr-size-gate"), "fixed")
        .await
        .unwrap();
    assert!(matches!(b, CommentAction::Updated { .. }));
    let again = upsert_sticky_comment(&c, &sticky(7, "pr-size-gate"), "fixed")
        .await
        .unwrap();
    assert!(matches!(again, CommentAction::Unchanged { .. }));
    // Another gate's comment is separate.
    upsert_sticky_comment(&c, &sticky(7, "checklist-gate"), "x")
        .await
        .unwrap();
    let comments = fake.repo(R).comments[&7].clone();
    assert_eq!(comments.len(), 3);
    let ours: Vec<_> = comments
        .iter()
        .filter(|c| c.body.contains(&marker("pr-size-gate")))
        .collect();
    assert_eq!(ours.len(), 1);
    assert!(ours[0].body.starts_with("fixed"));
}

#[tokio::test]
async fn sticky_comment_lookup_reads_every_page_and_heals_duplicates() {
    let fake = seeded();
    for i in 0..120 {
        fake.add_comment(R, 7, "someone", &format!("chatter {i}"));
    }
    let body_with_marker = format!("old\n\n{}", marker("demo"));
    fake.add_comment(R, 7, "github-actions[bot]", &body_with_marker);
    fake.add_comment(R, 7, "github-actions[bot]", &body_with_marker);
    let c = client(&fake);
    let a = upsert_sticky_comment(&c, &sticky(7, "demo"), "new")
        .await
        .unwrap();
    assert!(matches!(a, CommentAction::Updated { .. }), "{a:?}");
    let comments = fake.repo(R).comments[&7].clone();
    let ours: Vec<_> = comments
        .iter()
        .filter(|c| c.body.contains(&marker("demo")))
        .collect();
    assert_eq!(ours.len(), 1);
    assert_eq!(comments.len(), 121);
}

#[tokio::test]
async fn huge_sticky_comment_is_accepted_by_the_fake() {
    let fake = seeded();
    let c = client(&fake);
    let body = "line of text\n".repeat(10_000);
    upsert_sticky_comment(&c, &sticky(7, "demo"), &body)
        .await
        .unwrap();
    let stored = &fake.repo(R).comments[&7][0].body;
    assert!(stored.chars().count() <= 65_536);
}

#[tokio::test]
async fn commit_status_is_written() {
    let fake = seeded();
    let c = client(&fake);
    let long = "d".repeat(500);
    set_commit_status(
        &c,
        &repo(),
        &CommitStatus {
            sha: "abc123",
            state: StatusState::Failure,
            context: "trunkline/checklist",
            description: &long,
            target_url: Some("https://example.invalid/run/1"),
        },
    )
    .await
    .unwrap();
    let statuses = fake.repo(R).statuses;
    assert_eq!(statuses.len(), 1);
    assert_eq!(statuses[0].state, "failure");
    assert_eq!(statuses[0].context, "trunkline/checklist");
    assert_eq!(
        statuses[0].description.as_ref().unwrap().chars().count(),
        140
    );
}

#[tokio::test]
async fn update_only_never_creates() {
    use gate_runtime::api::comment::update_sticky_comment;
    let fake = seeded();
    let c = client(&fake);
    let a = update_sticky_comment(&c, &sticky(7, "demo"), "resolved")
        .await
        .unwrap();
    assert_eq!(a, CommentAction::Absent);
    assert!(fake.writes().is_empty());
    upsert_sticky_comment(&c, &sticky(7, "demo"), "failing")
        .await
        .unwrap();
    let b = update_sticky_comment(&c, &sticky(7, "demo"), "resolved")
        .await
        .unwrap();
    assert!(matches!(b, CommentAction::Updated { .. }));
    assert!(fake.repo(R).comments[&7][0].body.starts_with("resolved"));
}

// Regression (review c39e92f): a marker pasted by the PR author made their comment pass for the
// sticky one.
#[tokio::test]
async fn a_marker_pasted_by_the_pr_author_is_not_taken_for_ours() {
    let fake = seeded();
    let c = client(&fake);
    let forged = format!("gotcha\n\n{}", marker("demo"));
    let forged_id = fake.add_comment(R, 7, "octocat", &forged);
    let t = StickyTarget {
        repo: &repo(),
        issue_number: 7,
        key: "demo",
        untrusted_author: Some("octocat"),
    };
    let a = upsert_sticky_comment(&c, &t, "real").await.unwrap();
    assert!(matches!(a, CommentAction::Created { .. }), "{a:?}");
    let comments = fake.repo(R).comments[&7].clone();
    assert_eq!(comments.len(), 2);
    assert_eq!(
        comments.iter().find(|c| c.id == forged_id).unwrap().body,
        forged
    );
}

// Regression (review c39e92f): a create whose answer was lost was sent again.
#[tokio::test]
async fn a_create_whose_answer_is_lost_is_not_repeated() {
    let fake = seeded();
    let c = client(&fake);
    fake.inject(Fault::new(FaultKind::ApplyThenStatus(502), 1).on_method("POST"));
    let t = StickyTarget {
        repo: &repo(),
        issue_number: 7,
        key: "demo",
        untrusted_author: Some("octocat"),
    };
    let a = upsert_sticky_comment(&c, &t, "once").await.unwrap();
    assert!(
        matches!(
            a,
            CommentAction::Unchanged { .. } | CommentAction::Updated { .. }
        ),
        "{a:?}"
    );
    assert_eq!(fake.repo(R).comments[&7].len(), 1);
    let posts = fake.writes().iter().filter(|w| w.method == "POST").count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_create_that_fails_before_landing_is_tried_again() {
    let fake = seeded();
    let c = client(&fake);
    fake.inject(Fault::new(FaultKind::Status(503), 1).on_method("POST"));
    let t = StickyTarget {
        repo: &repo(),
        issue_number: 7,
        key: "demo",
        untrusted_author: None,
    };
    let a = upsert_sticky_comment(&c, &t, "hello").await.unwrap();
    assert!(matches!(a, CommentAction::Created { .. }), "{a:?}");
    assert_eq!(fake.repo(R).comments[&7].len(), 1);
}

mod plans {
    //! The plan door against the fake: checked creates, skips after a taken
    //! name, plans that go on past failures, and dry runs that print.

    use super::*;
    use gate_runtime::plan::{
        self, DispatchWrite, OnFailure, Outcome, Plan, ReleaseWrite, TagWrite, World, Write,
    };

    const C1: &str = "1111111111111111111111111111111111111111";
    const C2: &str = "2222222222222222222222222222222222222222";

    fn world<'a>(client: &'a GitHubClient, repo: &'a Repo) -> World<'a> {
        World {
            client: Some(client),
            repo: Some(repo),
            git: None,
            webhooks: None,
        }
    }

    fn release(tag: &str) -> Write {
        Write::Release(ReleaseWrite {
            tag: tag.into(),
            name: tag.into(),
            body: "notes".into(),
            draft: false,
            prerelease: false,
        })
    }

    fn plan(on_failure: OnFailure, writes: Vec<Write>) -> Plan {
        Plan { writes, on_failure }
    }

    #[tokio::test]
    async fn a_release_whose_answer_is_lost_is_found_not_sent_twice() {
        let fake = seeded();
        fake.inject(
            Fault::new(FaultKind::ApplyThenStatus(502), 1)
                .on_method("POST")
                .on_path("/releases"),
        );
        let c = client(&fake);
        let repo = repo();
        let p = plan(OnFailure::Stop, vec![release("v1.0.0")]);
        let applied = plan::apply(&p, &world(&c, &repo)).await.unwrap();
        assert!(
            matches!(applied.results[0].1, Outcome::Found { id: Some(_) }),
            "{applied:?}"
        );
        assert_eq!(fake.repo(R).releases.len(), 1);
        assert_eq!(fake.writes().len(), 1);
    }

    #[tokio::test]
    async fn a_tag_taken_by_another_commit_skips_what_follows() {
        let fake = seeded();
        fake.add_commit(R, C1, "one", &[]);
        fake.add_commit(R, C2, "two", &[C1]);
        fake.set_ref(R, "tags/v1.0.0", C1);
        let c = client(&fake);
        let repo = repo();
        let tag = |commit: &str| {
            Write::Tag(TagWrite {
                name: "v1.0.0".into(),
                commit: commit.into(),
                message: None,
            })
        };
        let p = plan(OnFailure::Stop, vec![tag(C2), release("v1.0.0")]);
        let applied = plan::apply(&p, &world(&c, &repo)).await.unwrap();
        assert_eq!(applied.results[0].1, Outcome::Taken);
        assert_eq!(applied.results[1].1, Outcome::Skipped);
        // On the same commit, another run made it: its release is its own.
        let p = plan(OnFailure::Stop, vec![tag(C1), release("v1.0.0")]);
        let applied = plan::apply(&p, &world(&c, &repo)).await.unwrap();
        assert_eq!(applied.results[0].1, Outcome::MadeByOther);
        assert_eq!(applied.results[1].1, Outcome::Skipped);
        assert!(fake.repo(R).releases.is_empty());
        assert_eq!(fake.repo(R).refs["tags/v1.0.0"].0, C1);
    }

    #[tokio::test]
    async fn a_plan_that_goes_on_records_each_failure() {
        let fake = seeded();
        let c = client(&fake);
        let repo = repo();
        let p = plan(
            OnFailure::Continue,
            vec![
                Write::DeploymentStatus {
                    id: 99,
                    state: "failure".into(),
                    description: "x".into(),
                    log_url: None,
                },
                Write::AddLabels {
                    issue: 7,
                    labels: vec!["size/XL".into()],
                },
            ],
        );
        let applied = plan::apply(&p, &world(&c, &repo)).await.unwrap();
        let failures = applied.failures();
        assert_eq!(failures.len(), 1, "{applied:?}");
        assert!(
            failures[0].starts_with("setting deployment 99 to failure failed: POST"),
            "{failures:?}"
        );
        assert_eq!(applied.results[1].1, Outcome::Made { id: None });
        // The same failure in a plan that stops is the run's error.
        let p = plan(OnFailure::Stop, p.writes);
        let err = plan::apply(&p, &world(&c, &repo)).await.unwrap_err();
        assert!(
            format!("{err:#}").starts_with("setting deployment 99 to failure: POST"),
            "{err:#}"
        );
    }

    #[tokio::test]
    async fn a_dispatch_whose_answer_is_lost_is_not_sent_again() {
        let fake = seeded();
        fake.add_commit(R, C1, "one", &[]);
        fake.set_ref(R, "heads/main", C1);
        fake.inject(Fault::new(FaultKind::ApplyThenStatus(502), 1).on_path("/dispatches"));
        let c = client(&fake);
        let repo = repo();
        let p = plan(
            OnFailure::Continue,
            vec![Write::Dispatch(DispatchWrite {
                workflow: "deploy.yml".into(),
                git_ref: "main".into(),
                inputs: json!({"tag": "v1"}),
            })],
        );
        let applied = plan::apply(&p, &world(&c, &repo)).await.unwrap();
        assert!(applied.failures()[0].starts_with("dispatching deploy.yml failed"));
        assert_eq!(fake.repo(R).dispatches.len(), 1);
    }

    #[tokio::test]
    async fn a_dry_run_prints_the_plan_and_writes_nothing() {
        let fake = seeded();
        let c = client(&fake);
        let repo = repo();
        let p = plan(
            OnFailure::Stop,
            vec![Write::AddLabels {
                issue: 7,
                labels: vec!["size/XL".into()],
            }],
        );
        let mut out = Vec::new();
        let applied = plan::act(
            &p,
            &world(&c, &repo),
            true,
            plan::DryRunOut::plain(&mut out),
        )
        .await
        .unwrap();
        assert_eq!(applied.results[0].1, Outcome::DryRun);
        assert!(fake.requests().is_empty());
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.contains(r#"would POST /repos/acme/shop/issues/7/labels {"labels":["size/XL"]}"#),
            "{text}"
        );
        assert_eq!(applied.lines(), ["would add label size/XL to #7"]);
    }
}

// Regression (#12.4, security review): dry-run "would POST" lines printed PR text outside the
// fence.
/// Hardening review, item 4: dry-run "would POST" lines carry pull-request
/// text, and were printed outside the fence.
#[tokio::test]
async fn dry_run_lines_are_fenced_in_github_format() {
    let fake = seeded();
    let sink = Captured::default();
    let c = GitHubClient::builder(fake.url())
        .retry_policy(fast_policy())
        .dry_run(true, Box::new(sink.clone()))
        .fence_dry_run(true)
        .build()
        .unwrap();
    let body = "::error::forged\n##[error]forged legacy\n##[stop-commands]x";
    upsert_sticky_comment(&c, &sticky(7, "demo"), body)
        .await
        .unwrap();
    let printed = sink.text();
    assert!(
        printed.contains("would POST /repos/acme/shop/issues/7/comments"),
        "{printed}"
    );
    assert_eq!(
        test_support::testing::live_commands(&printed),
        Vec::<String>::new(),
        "{printed}"
    );
}

// Regression (#12.6, security review): a gate printed a token the server echoed in a 422.
/// Hardening review, item 6: a server that echoes the token in an error
/// (a 422 quoting the request) must not get it printed.
#[tokio::test]
async fn a_token_the_server_echoes_is_scrubbed_from_the_error() {
    let token = "ghs_ECHOEDechoedECHOED0123456789";
    let server = test_support::HandlerServer::start(move |_| {
        test_support::Reply::json(
            422,
            json!({"message": format!("Validation Failed: bad credential {token} in request")}),
        )
    });
    let secrets = gate_runtime::redact::Secrets::new();
    secrets.add(token);
    let c = GitHubClient::builder(server.url())
        .token(Some(Token::new(token)))
        .secrets(secrets)
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    let err = c
        .write::<Value>(
            Method::POST,
            "/repos/acme/shop/statuses/abc",
            Some(json!({})),
        )
        .await
        .unwrap_err();
    let text = format!("{err}");
    assert!(!text.contains(token), "{text}");
    assert!(text.contains("bad credential *** in request"), "{text}");
}

// Regression (#12.6, security review): a comment quoting a report that held the token would publish
// it.
/// Hardening review, item 6: what we send is scrubbed too, so a comment
/// quoting a report that held the token does not publish it.
#[tokio::test]
async fn secrets_never_leave_in_a_write_body() {
    let fake = seeded();
    let secrets = gate_runtime::redact::Secrets::new();
    secrets.add("hooks-secret-0123456789");
    let c = GitHubClient::builder(fake.url())
        .token(Some(Token::new("test-token")))
        .secrets(secrets)
        .retry_policy(fast_policy())
        .build()
        .unwrap();
    upsert_sticky_comment(
        &c,
        &sticky(7, "demo"),
        "report quoted hooks-secret-0123456789 here",
    )
    .await
    .unwrap();
    let writes = fake.writes();
    assert_eq!(writes.len(), 1);
    assert!(
        !writes[0].body.contains("hooks-secret-0123456789"),
        "{}",
        writes[0].body
    );
    assert!(
        writes[0].body.contains("report quoted *** here"),
        "{}",
        writes[0].body
    );
}

// Regression (#12.6, security review): an invalid `--api-url` was echoed with its credentials.
/// Hardening review, item 6: an invalid API URL was echoed whole,
/// password and query token included.
#[tokio::test]
async fn an_invalid_api_url_is_shown_without_its_secrets() {
    let err =
        GitHubClient::builder("https://user:hunter2pass@ghe example.com/api/v3?token=t0ken99")
            .build()
            .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        !text.contains("hunter2pass") && !text.contains("t0ken99"),
        "{text}"
    );
    assert!(text.contains("***@"), "{text}");
}
