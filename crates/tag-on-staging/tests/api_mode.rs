//! API mode against the fake GitHub: tag creation, races, safeguards,
//! release and dispatch, many tags.

#![allow(clippy::unwrap_used)]

use test_support::testing::{Run, run_hermetic};
use test_support::{FakeGitHub, Fault, FaultKind};

const BIN: &str = env!("CARGO_BIN_EXE_tag-on-staging");
const R: &str = "acme/shop";

use test_support::testing::sha;

/// main: c1 (tagged v1.0.0) <- c2 feat <- c3 fix.
fn fake() -> FakeGitHub {
    let f = FakeGitHub::start();
    f.add_repo(R, "main");
    f.add_commit(R, &sha(1), "chore: init", &[]);
    f.add_commit(R, &sha(2), "feat: checkout", &[&sha(1)]);
    f.add_commit(R, &sha(3), "fix: typo", &[&sha(2)]);
    f.set_ref(R, "heads/main", &sha(3));
    f.set_ref(R, "tags/v1.0.0", &sha(1));
    f
}

fn run(f: &FakeGitHub, args: &[&str]) -> Run {
    let d = tempfile::tempdir().unwrap();
    let mut all = vec!["--repo", R, "--api-url", f.url(), "--format", "json"];
    all.extend_from_slice(args);
    run_hermetic(BIN, d.path(), &all, &[])
}

/// A run with a saved event, as Actions would start it.
fn run_event(f: &FakeGitHub, event: &std::path::Path, name: &str, extra: &[&str]) -> Run {
    let d = tempfile::tempdir().unwrap();
    let mut args = vec!["--repo", R, "--api-url", f.url(), "--format", "json"];
    args.extend_from_slice(extra);
    run_hermetic(
        BIN,
        d.path(),
        &args,
        &[
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_EVENT_NAME", name),
        ],
    )
}

/// Just before our ref create, a concurrent run tags commit `n` as `tag`.
fn another_run_tags_before_our_create(f: &FakeGitHub, tag: &str, n: u64) {
    let name = format!("tags/{tag}");
    f.before_next("POST", "/git/refs", R, move |repo| {
        repo.refs.insert(name, (sha(n), "commit".into()));
    });
}

/// The next ref create lands, but its answer is lost (a 502 after applying).
fn lose_the_answer_to_the_next_ref_create(f: &FakeGitHub) {
    f.inject(
        Fault::new(FaultKind::ApplyThenStatus(502), 1)
            .on_method("POST")
            .on_path("/git/refs"),
    );
}

fn tag_commit(f: &FakeGitHub, tag: &str) -> Option<String> {
    let repo = f.repo(R);
    let (target, kind) = repo.refs.get(&format!("tags/{tag}"))?.clone();
    Some(if kind == "tag" {
        repo.tag_objects[&target].object.clone()
    } else {
        target
    })
}

#[test]
fn tags_the_commit_with_an_annotated_tag() {
    let f = fake();
    let out = run(&f, &["--sha", &sha(3)]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["tag"], "v1.1.0");
    assert_eq!(v["created"], true);
    assert_eq!(v["previous_tag"], "v1.0.0");
    assert_eq!(tag_commit(&f, "v1.1.0").as_deref(), Some(sha(3).as_str()));
    assert_eq!(f.repo(R).refs["tags/v1.1.0"].1, "tag");
    // Again: already tagged, nothing written.
    f.clear_requests();
    let again = run(&f, &["--sha", &sha(3)]).json();
    assert_eq!(again["already_tagged"], true);
    assert!(f.writes().is_empty());
}

#[test]
fn a_lost_answer_then_422_with_the_same_sha_is_success_without_a_second_tag() {
    let f = fake();
    lose_the_answer_to_the_next_ref_create(&f);
    let out = run(&f, &["--sha", &sha(3), "--lightweight"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["tag"], "v1.1.0");
    let tags: Vec<String> = f
        .repo(R)
        .refs
        .keys()
        .filter(|k| k.starts_with("tags/"))
        .cloned()
        .collect();
    assert_eq!(tags, vec!["tags/v1.0.0", "tags/v1.1.0"]);
}

#[test]
fn a_race_lost_to_another_commit_gives_a_fresh_bump() {
    let f = fake();
    // Another run tags the older commit c2 as v1.1.0 just before our create.
    another_run_tags_before_our_create(&f, "v1.1.0", 2);
    let out = run(&f, &["--sha", &sha(3), "--lightweight"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    assert_eq!(v["tag"], "v1.1.1", "{v}");
    assert_eq!(tag_commit(&f, "v1.1.0").as_deref(), Some(sha(2).as_str()));
    assert_eq!(tag_commit(&f, "v1.1.1").as_deref(), Some(sha(3).as_str()));
}

#[test]
fn an_unsuccessful_staging_deployment_refuses_and_writes_nothing() {
    let f = fake();
    f.add_deployment(R, &sha(3), "main", "staging", &["in_progress", "failure"]);
    let out = run(&f, &["--sha", &sha(3), "--require-deployment", "staging"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("is failure, not success")
    );
    assert!(f.writes().is_empty());
    // No deployment at all is a refusal too.
    let out = run(&f, &["--sha", &sha(2), "--require-deployment", "staging"]);
    assert_eq!(out.code, 1);
    // A newer successful deployment passes.
    f.add_deployment(R, &sha(3), "main", "staging", &["success"]);
    let out = run(&f, &["--sha", &sha(3), "--require-deployment", "staging"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn a_commit_not_on_main_is_refused() {
    let f = fake();
    f.add_commit(R, &sha(9), "feat: side", &[&sha(2)]);
    let out = run(&f, &["--sha", &sha(9)]);
    assert_eq!(out.code, 1);
    assert!(
        out.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("not on main")
    );
    assert!(f.writes().is_empty());
}

#[test]
fn tagging_backwards_is_refused() {
    let f = fake();
    f.set_ref(R, "tags/v1.1.0", &sha(3));
    let out = run(&f, &["--sha", &sha(2)]);
    assert_eq!(out.code, 1);
    assert!(
        out.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("backwards")
    );
}

#[test]
fn more_than_a_hundred_tags_are_all_read() {
    let f = FakeGitHub::start();
    f.add_repo(R, "main");
    f.add_commit(R, &sha(1), "chore: init", &[]);
    let mut parent = sha(1);
    for i in 1..=150u64 {
        let c = sha(1000 + i);
        f.add_commit(R, &c, "fix: step", &[&parent]);
        f.set_ref(R, &format!("tags/v0.0.{i}"), &c);
        parent = c;
    }
    f.add_commit(R, &sha(5000), "fix: last", &[&parent]);
    f.set_ref(R, "heads/main", &sha(5000));
    let out = run(&f, &["--sha", &sha(5000), "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["tag"], "v0.0.151");
    let pages = f
        .requests()
        .iter()
        .filter(|r| r.path == "/repos/acme/shop/tags")
        .count();
    assert_eq!(pages, 2);
}

#[test]
fn release_and_dispatch_carry_the_tag() {
    let f = fake();
    let out = run(
        &f,
        &[
            "--sha",
            &sha(3),
            "--release",
            "--dispatch-workflow",
            "deploy-production.yml",
            "--dispatch-input",
            "version",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let repo = f.repo(R);
    assert_eq!(repo.releases[0].tag_name, "v1.1.0");
    assert!(
        repo.releases[0]
            .body
            .as_deref()
            .unwrap()
            .contains("checkout")
    );
    assert_eq!(repo.dispatches.len(), 1);
    assert_eq!(repo.dispatches[0].workflow, "deploy-production.yml");
    assert_eq!(repo.dispatches[0].git_ref, "main");
    assert_eq!(repo.dispatches[0].inputs["version"], "v1.1.0");
}

#[test]
fn a_dry_run_writes_nothing_and_prints_the_writes() {
    let f = fake();
    let d = tempfile::tempdir().unwrap();
    let out = run_hermetic(
        BIN,
        d.path(),
        &[
            "--repo",
            R,
            "--api-url",
            f.url(),
            "--sha",
            &sha(3),
            "--dry-run",
            "--release",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(f.writes().is_empty());
    assert!(
        out.stdout.contains("would POST /repos/acme/shop/git/refs"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("would POST /repos/acme/shop/releases"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_failed_triggering_run_refuses() {
    let f = fake();
    let d = tempfile::tempdir().unwrap();
    let fixture = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/github-events/workflow_run.completed.payload.json");
    let mut e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    e["workflow_run"]["conclusion"] = "failure".into();
    e["workflow_run"]["head_sha"] = sha(3).into();
    let event = d.path().join("event.json");
    std::fs::write(&event, e.to_string()).unwrap();
    let out = run_event(&f, &event, "workflow_run", &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("concluded failure")
    );
    assert!(f.writes().is_empty());
    // The same event with success tags the run's head commit.
    e["workflow_run"]["conclusion"] = "success".into();
    std::fs::write(&event, e.to_string()).unwrap();
    let out = run_event(&f, &event, "workflow_run", &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["sha"], sha(3));
}

// Regression (review 2e13afa): a race lost to another run on the same commit released and
// dispatched twice.
#[test]
fn a_race_won_by_a_concurrent_run_on_the_same_commit_leaves_release_and_dispatch_to_it() {
    let f = fake();
    another_run_tags_before_our_create(&f, "v1.1.0", 3);
    let out = run(
        &f,
        &[
            "--sha",
            &sha(3),
            "--release",
            "--dispatch-workflow",
            "deploy.yml",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = out.json();
    assert_eq!(v["tag"], "v1.1.0");
    assert_eq!(v["created"], false);
    let repo = f.repo(R);
    assert!(repo.releases.is_empty());
    assert!(repo.dispatches.is_empty());
}

#[test]
fn our_own_lost_answer_with_an_annotated_tag_still_releases_once() {
    let f = fake();
    lose_the_answer_to_the_next_ref_create(&f);
    let out = run(&f, &["--sha", &sha(3), "--release"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.json()["created"], true);
    assert_eq!(f.repo(R).releases.len(), 1);
}

// Regression (review 2e13afa): a deployment_status event's state was not checked.
#[test]
fn a_failed_deployment_status_event_refuses() {
    let f = fake();
    let d = tempfile::tempdir().unwrap();
    let fixture = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/github-events/deployment_status.payload.json");
    let mut e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    e["deployment"]["sha"] = sha(3).into();
    e["deployment"]["environment"] = "staging".into();
    for (state, code) in [("failure", 1), ("in_progress", 1), ("success", 0)] {
        e["deployment_status"]["state"] = state.into();
        let event = d.path().join("event.json");
        std::fs::write(&event, e.to_string()).unwrap();
        let out = run_event(&f, &event, "deployment_status", &["--dry-run"]);
        assert_eq!(out.code, code, "{state}: {}", out.stdout);
    }
}

/// Exit 2 (the tool could not decide), saying `why` on stderr.
fn could_not_decide(out: &Run, why: &str) {
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains(why), "{why}: {}", out.stderr);
}

// Regression (#18.6): API mode must notice a history gap as a shallow clone does.
/// Issue #18, item 6: the API cuts a long comparison; the gap is an error,
/// never a smaller range.
#[test]
fn a_comparison_the_api_cut_short_exits_2() {
    let f = fake();
    f.with_repo(R, |r| r.compare_commit_limit = Some(1));
    let s3 = sha(3);
    for extra in [&[][..], &["--dry-run"][..]] {
        let mut args = vec!["--sha", s3.as_str()];
        args.extend_from_slice(extra);
        could_not_decide(
            &run(&f, &args),
            "the compare API listed 1 of the 2 commits between v1.0.0",
        );
    }
    assert!(f.writes().is_empty());
    // Uncut, the same range tags v1.1.0.
    f.with_repo(R, |r| r.compare_commit_limit = None);
    assert_eq!(
        run(&f, &["--sha", &sha(3), "--dry-run"]).json()["tag"],
        "v1.1.0"
    );
}

// Regression (#18.7): the default branch was assumed `main`, not read from the event or the API.
/// Issue #18, item 7: the event's repository names the default branch, so
/// the API is not asked; without it, the API is, and the report says which.
#[test]
fn the_default_branch_comes_from_the_event_then_the_api() {
    let f = fake();
    f.set_ref(R, "heads/trunk", &sha(3));
    let v = run(&f, &["--sha", &sha(3), "--dry-run"]).json();
    assert_eq!(
        (&v["branch"], &v["branch_source"]),
        (&"main".into(), &"api".into())
    );
    f.clear_requests();
    let d = tempfile::tempdir().unwrap();
    let event = d.path().join("event.json");
    std::fs::write(
        &event,
        serde_json::json!({
            "ref": "refs/heads/trunk", "before": sha(2), "after": sha(3),
            "repository": {"full_name": R, "default_branch": "trunk"},
        })
        .to_string(),
    )
    .unwrap();
    let out = run_event(&f, &event, "push", &["--sha", &sha(3), "--dry-run"]);
    let v = out.json();
    assert_eq!(
        (&v["branch"], &v["branch_source"]),
        (&"trunk".into(), &"event".into()),
        "{v}"
    );
    assert!(
        !f.requests().iter().any(|r| r.path == "/repos/acme/shop"),
        "{:?}",
        f.requests()
    );
}

// Regression (#18.5): `Release-As` onto an existing tag dry-ran fine, then failed as "keeps being
// taken".
/// Issue #18, item 5: a Release-As onto an existing tag used to dry-run
/// fine and then fail with "keeps being taken by other commits".
#[test]
fn release_as_onto_an_existing_tag_exits_2_in_a_dry_run_too() {
    let f = fake();
    f.add_commit(
        R,
        &sha(4),
        "chore: release\n\nRelease-As: 1.0.0",
        &[&sha(3)],
    );
    f.set_ref(R, "heads/main", &sha(4));
    for extra in [&["--dry-run"][..], &[][..]] {
        let s4 = sha(4);
        let mut args = vec!["--sha", s4.as_str()];
        args.extend_from_slice(extra);
        could_not_decide(&run(&f, &args), "names the existing tag v1.0.0");
    }
    assert!(f.writes().is_empty());
}
