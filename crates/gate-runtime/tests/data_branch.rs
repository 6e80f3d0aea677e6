//! A data branch through the Git Data API, against the fake: the first
//! write creates the orphan branch, lost answers and ref races still leave
//! exactly one commit per change, 5xx is retried, a read-only token's 403
//! comes back as itself, and a dry run writes nothing.

#![allow(clippy::unwrap_used)]

use std::time::Duration;

use gate_runtime::api::client::GitHubClient;
use gate_runtime::api::retry::RetryPolicy;
use gate_runtime::api::token::Token;
use gate_runtime::data_branch::{Change, GitDataBranch, Updated};
use gate_runtime::{ApiError, Repo};
use serde_json::{Value, json};
use test_support::{FakeGitHub, Fault, FaultKind};

const R: &str = "acme/shop";
const BRANCH: &str = "data";

fn client(fake: &FakeGitHub, dry_run: bool) -> GitHubClient {
    GitHubClient::builder(fake.url())
        .token(Some(Token::new("test-token")))
        .retry_policy(RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_rate_limit_wait: Duration::from_secs(5),
            secondary_limit_wait: Duration::from_millis(50),
            request_timeout: Duration::from_secs(5),
        })
        .dry_run(dry_run, Box::new(std::io::sink()))
        .build()
        .unwrap()
}

fn put(path: &str, text: &str) -> Option<Change> {
    Some(Change {
        puts: vec![(path.to_owned(), text.as_bytes().to_vec())],
        deletes: vec![],
        message: format!("record {path}"),
    })
}

fn fake() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(R, "main");
    fake
}

fn files(fake: &FakeGitHub) -> Vec<(String, String)> {
    fake.branch_files(R, BRANCH)
        .into_iter()
        .map(|(p, b)| (p, String::from_utf8(b).unwrap()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

#[tokio::test]
async fn the_first_write_creates_an_orphan_branch_and_a_repeat_makes_no_commit() {
    let fake = fake();
    let c = client(&fake, false);
    let repo = Repo::parse(R, "t").unwrap();
    let b = GitDataBranch {
        client: &c,
        repo: &repo,
        branch: BRANCH,
    };
    let out = b.update(&[], |s| {
        assert!(s.tip.is_none());
        Ok(put("coverage/ab/ab1.json", "{}"))
    });
    assert!(matches!(
        out.await.unwrap(),
        Updated::Committed { attempts: 1, .. }
    ));
    let history = fake.branch_history(R, BRANCH);
    assert_eq!(history.len(), 1);
    assert!(
        fake.repo(R).commits[&history[0]].parents.is_empty(),
        "orphan"
    );
    b.update(&[], |_| Ok(put("coverage/cd/cd2.json", "{\"x\":1}")))
        .await
        .unwrap();
    assert_eq!(
        files(&fake),
        pairs(&[
            ("coverage/ab/ab1.json", "{}"),
            ("coverage/cd/cd2.json", "{\"x\":1}")
        ])
    );
    fake.clear_requests();
    let again = b
        .update(&["coverage/ab/ab1.json"], |s| {
            assert_eq!(s.contents["coverage/ab/ab1.json"], b"{}");
            Ok(put("coverage/ab/ab1.json", "{}"))
        })
        .await
        .unwrap();
    assert_eq!(again, Updated::Unchanged);
    assert_eq!(fake.branch_history(R, BRANCH).len(), 2);
    assert!(
        fake.writes()
            .iter()
            .all(|w| !w.path.contains("/git/commits") && !w.path.contains("/git/refs")),
        "{:?}",
        fake.writes()
    );
}

#[tokio::test]
async fn lost_answers_on_every_step_leave_one_commit() {
    for step in ["/git/blobs", "/git/trees", "/git/commits", "/git/refs"] {
        let fake = fake();
        let c = client(&fake, false);
        let repo = Repo::parse(R, "t").unwrap();
        let b = GitDataBranch {
            client: &c,
            repo: &repo,
            branch: BRANCH,
        };
        b.update(&[], |_| Ok(put("a.json", "1"))).await.unwrap();
        // Applied, then the answer lost: the client retries (a ref creation
        // too, on the first record of the loop below).
        let method = if step == "/git/refs" { "PATCH" } else { "POST" };
        fake.inject(
            Fault::new(FaultKind::ApplyThenStatus(502), 1)
                .on_method(method)
                .on_path(step),
        );
        let out = b.update(&[], |_| Ok(put("b.json", "2"))).await.unwrap();
        assert!(matches!(out, Updated::Committed { .. }), "{step}: {out:?}");
        assert_eq!(
            files(&fake),
            pairs(&[("a.json", "1"), ("b.json", "2")]),
            "{step}"
        );
        assert_eq!(
            fake.branch_history(R, BRANCH).len(),
            2,
            "{step}: no duplicate commit"
        );
    }
    // The branch's creation itself answered with a lost response.
    let fake = fake();
    let c = client(&fake, false);
    let repo = Repo::parse(R, "t").unwrap();
    let b = GitDataBranch {
        client: &c,
        repo: &repo,
        branch: BRANCH,
    };
    fake.inject(
        Fault::new(FaultKind::ApplyThenStatus(502), 1)
            .on_method("POST")
            .on_path("/git/refs"),
    );
    let out = b.update(&[], |_| Ok(put("a.json", "1"))).await.unwrap();
    assert!(matches!(out, Updated::Committed { .. }), "{out:?}");
    assert_eq!(fake.branch_history(R, BRANCH).len(), 1);
}

/// Another writer's commit on top of the current tip, made through the API
/// but not yet on the branch.
async fn other_writers_commit(fake: &FakeGitHub, c: &GitHubClient, path: &str) -> String {
    let tip = fake.branch_history(R, BRANCH)[0].clone();
    let base = format!("/repos/{R}/git");
    let commit: Value = c.get(&format!("{base}/commits/{tip}")).await.unwrap();
    let blob: Value = c
        .write(
            http::Method::POST,
            &format!("{base}/blobs"),
            Some(json!({"content": "other", "encoding": "utf-8"})),
        )
        .await
        .unwrap()
        .into_done()
        .unwrap();
    let tree: Value = c
        .write(
            http::Method::POST,
            &format!("{base}/trees"),
            Some(json!({"base_tree": commit["tree"]["sha"], "tree": [{"path": path, "mode": "100644", "type": "blob", "sha": blob["sha"]}]})),
        )
        .await
        .unwrap()
        .into_done()
        .unwrap();
    let made: Value = c
        .write(
            http::Method::POST,
            &format!("{base}/commits"),
            Some(json!({"message": "other", "tree": tree["sha"], "parents": [tip]})),
        )
        .await
        .unwrap()
        .into_done()
        .unwrap();
    made["sha"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_ref_race_is_rebuilt_on_the_winner_and_both_land() {
    let fake = fake();
    let c = client(&fake, false);
    let repo = Repo::parse(R, "t").unwrap();
    let b = GitDataBranch {
        client: &c,
        repo: &repo,
        branch: BRANCH,
    };
    b.update(&[], |_| Ok(put("a.json", "1"))).await.unwrap();
    let winner = other_writers_commit(&fake, &c, "other.json").await;
    // Just before our ref update, the other writer's lands: ours is no
    // longer a fast-forward (422).
    let w = winner.clone();
    fake.before_next("PATCH", "/git/refs/heads/data", R, move |r| {
        r.refs.insert("heads/data".into(), (w, "commit".into()));
    });
    let mut planned = Vec::new();
    let out = b
        .update(&[], |s| {
            planned.push(s.tip.as_ref().unwrap().commit.clone());
            Ok(put("b.json", "2"))
        })
        .await
        .unwrap();
    assert!(
        matches!(out, Updated::Committed { attempts: 2, .. }),
        "{out:?}"
    );
    assert_eq!(planned[1], winner, "rebuilt on the winner's commit");
    assert_eq!(
        files(&fake),
        pairs(&[("a.json", "1"), ("b.json", "2"), ("other.json", "other")])
    );
    let history = fake.branch_history(R, BRANCH);
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(history[1], winner);
    let non_ff = fake
        .requests()
        .iter()
        .filter(|r| r.method == "PATCH")
        .count();
    assert_eq!(non_ff, 2, "one refused update, one that landed");

    // A 409 from the ref update is a race too.
    fake.inject(
        Fault::new(FaultKind::Status(409), 1)
            .on_method("PATCH")
            .on_path("/git/refs"),
    );
    let out = b.update(&[], |_| Ok(put("c.json", "3"))).await.unwrap();
    assert!(
        matches!(out, Updated::Committed { attempts: 2, .. }),
        "{out:?}"
    );
    assert_eq!(fake.branch_history(R, BRANCH).len(), 4);
}

#[tokio::test]
async fn two_writers_at_once_both_land() {
    let fake = fake();
    let c = client(&fake, false);
    let repo = Repo::parse(R, "t").unwrap();
    let b = GitDataBranch {
        client: &c,
        repo: &repo,
        branch: BRANCH,
    };
    b.update(&[], |_| Ok(put("a.json", "1"))).await.unwrap();
    let (x, y) = tokio::join!(
        b.update(&[], |_| Ok(put("x.json", "x"))),
        b.update(&[], |_| Ok(put("y.json", "y")))
    );
    assert!(matches!(x.unwrap(), Updated::Committed { .. }));
    assert!(matches!(y.unwrap(), Updated::Committed { .. }));
    assert_eq!(
        files(&fake),
        pairs(&[("a.json", "1"), ("x.json", "x"), ("y.json", "y")])
    );
    assert_eq!(fake.branch_history(R, BRANCH).len(), 3);
}

#[tokio::test]
async fn server_errors_are_retried_and_a_read_only_token_is_a_403() {
    let fake = fake();
    let c = client(&fake, false);
    let repo = Repo::parse(R, "t").unwrap();
    let b = GitDataBranch {
        client: &c,
        repo: &repo,
        branch: BRANCH,
    };
    fake.fail_next(2, 503);
    b.update(&[], |_| Ok(put("a.json", "1"))).await.unwrap();
    assert_eq!(files(&fake), pairs(&[("a.json", "1")]));

    fake.inject(
        Fault::new(FaultKind::Status(403), 1)
            .on_method("POST")
            .on_path("/git/blobs"),
    );
    let err = b.update(&[], |_| Ok(put("b.json", "2"))).await.unwrap_err();
    let api = err.downcast_ref::<ApiError>().unwrap();
    assert_eq!(api.status(), Some(403));
    assert_eq!(fake.branch_history(R, BRANCH).len(), 1);
}

#[tokio::test]
async fn a_dry_run_reads_and_writes_nothing() {
    let fake = fake();
    let c = client(&fake, true);
    let repo = Repo::parse(R, "t").unwrap();
    let b = GitDataBranch {
        client: &c,
        repo: &repo,
        branch: BRANCH,
    };
    let out = b.update(&[], |_| Ok(put("a.json", "1"))).await.unwrap();
    assert_eq!(out, Updated::DryRun);
    assert!(fake.writes().is_empty());
    let planned: Vec<String> = c
        .planned_writes()
        .iter()
        .map(|w| format!("{} {}", w.method, w.path))
        .collect();
    assert_eq!(
        planned,
        [
            "POST /repos/acme/shop/git/blobs",
            "POST /repos/acme/shop/git/trees",
            "POST /repos/acme/shop/git/commits",
            "POST /repos/acme/shop/git/refs"
        ]
    );
}
