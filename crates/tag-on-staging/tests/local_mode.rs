//! Local mode on real git repositories: versions, idempotency, refusals,
//! dry runs.

#![allow(clippy::unwrap_used)]

use fake_github::testing::{Run, TestRepo, run_hermetic};

const BIN: &str = env!("CARGO_BIN_EXE_tag-on-staging");

fn run(r: &TestRepo, args: &[&str]) -> Run {
    let mut all = vec!["--local", "--format", "json"];
    all.extend_from_slice(args);
    run_hermetic(BIN, r.path(), &all, &[])
}

fn repo_with(messages: &[&str]) -> TestRepo {
    let r = TestRepo::new();
    r.write("a.txt", "0\n");
    r.commit("chore: init");
    r.git(&["tag", "-a", "v1.2.3", "-m", "v1.2.3"]);
    for (i, m) in messages.iter().enumerate() {
        r.write("a.txt", format!("{i}\n"));
        r.commit(m);
    }
    r
}

fn next(messages: &[&str], extra: &[&str]) -> serde_json::Value {
    let r = repo_with(messages);
    let mut args = vec!["--dry-run"];
    args.extend_from_slice(extra);
    let out = run(&r, &args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.json()
}

#[test]
fn bump_rules_on_real_history() {
    assert_eq!(next(&["fix: a"], &[])["tag"], "v1.2.4");
    assert_eq!(next(&["fix: a", "feat: b"], &[])["tag"], "v1.3.0");
    assert_eq!(next(&["feat: b", "feat(api)!: c"], &[])["tag"], "v2.0.0");
    assert_eq!(
        next(&["docs: x\n\nBREAKING CHANGE: y"], &[])["tag"],
        "v2.0.0"
    );
    assert_eq!(
        next(
            &["Add checkout (#12)\n\n* feat: cart\n* refactor!: drop old cart"],
            &[]
        )["tag"],
        "v2.0.0"
    );
    assert_eq!(
        next(&["chore: x\n\nRelease-As: 4.0.0"], &[])["tag"],
        "v4.0.0"
    );
    assert_eq!(
        next(&["chore: tidy"], &["--default-bump", "minor"])["tag"],
        "v1.3.0"
    );
    let none = next(&["chore: tidy"], &["--default-bump", "none"]);
    assert_eq!(none["tag"], "");
    assert_eq!(none["created"], false);
    let v = next(&["feat: b"], &[]);
    assert_eq!(v["previous_tag"], "v1.2.3");
    assert_eq!(v["bump"], "minor");
    assert_eq!(v["commits"][0]["rule"], "feat");
    assert!(v["changelog"].as_str().unwrap().contains("### Features"));
}

#[test]
fn prereleases_increment_and_calver_counts() {
    let r = repo_with(&["feat: b"]);
    let head = r.git(&["rev-parse", "HEAD"]);
    r.git(&["tag", "v1.3.0-rc.1", &format!("{head}~1")]);
    let out = run(&r, &["--dry-run", "--prerelease", "rc"]);
    assert_eq!(out.json()["tag"], "v1.3.0-rc.2", "{}", out.stdout);

    let r = repo_with(&["feat: b"]);
    let day = [
        "--scheme",
        "calver",
        "--prefix",
        "",
        "--now",
        "2026-11-23T10:00:00Z",
    ];
    let first = run(&r, &day);
    assert_eq!(first.json()["tag"], "2026.11.23", "{}", first.stderr);
    r.write("b.txt", "b\n");
    r.commit("fix: later the same day");
    let second = run(&r, &day);
    assert_eq!(second.json()["tag"], "2026.11.23.1", "{}", second.stderr);
}

#[test]
fn a_repository_without_tags_starts_at_the_initial_version() {
    let r = TestRepo::new();
    r.write("a", "a");
    r.commit("feat!: everything");
    assert_eq!(run(&r, &["--dry-run"]).json()["tag"], "v0.1.0");
    assert_eq!(
        run(&r, &["--dry-run", "--initial-version", "1.0.0"]).json()["tag"],
        "v1.0.0"
    );
}

#[test]
fn tagging_is_idempotent_and_annotated() {
    let r = repo_with(&["feat: b"]);
    let first = run(&r, &[]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    let v = first.json();
    assert_eq!(v["tag"], "v1.3.0");
    assert_eq!(v["created"], true);
    assert_eq!(r.git(&["cat-file", "-t", "v1.3.0"]), "tag");
    let again = run(&r, &[]).json();
    assert_eq!(again["already_tagged"], true);
    assert_eq!(again["created"], false);
    assert_eq!(again["tag"], "v1.3.0");
    assert_eq!(r.git(&["tag", "-l"]).lines().count(), 2);
}

#[test]
fn lightweight_tags() {
    let r = repo_with(&["fix: b"]);
    assert_eq!(run(&r, &["--lightweight"]).code, 0);
    assert_eq!(r.git(&["cat-file", "-t", "v1.2.4"]), "commit");
}

#[test]
fn refusals_write_nothing() {
    // Backwards: an older commit of main after a newer tag.
    let r = repo_with(&["feat: b", "fix: c"]);
    assert_eq!(run(&r, &[]).code, 0);
    let out = run(&r, &["--sha", &r.git(&["rev-parse", "HEAD~1"])]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("backwards")
    );
    // Not on the release branch.
    r.git(&["checkout", "-q", "-b", "side", "HEAD~1"]);
    r.write("side.txt", "x");
    let side = r.commit("feat: on a side branch");
    r.git(&["checkout", "-q", "main"]);
    let tags_before = r.git(&["tag", "-l"]);
    let out = run(&r, &["--sha", &side, "--branch", "main"]);
    assert_eq!(out.code, 1);
    assert!(
        out.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("not on main")
    );
    assert_eq!(r.git(&["tag", "-l"]), tags_before);
}

#[test]
fn a_dry_run_writes_nothing() {
    let r = repo_with(&["feat: b"]);
    let out = run_hermetic(BIN, r.path(), &["--dry-run"], &[]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("would tag"), "{}", out.stdout);
    assert_eq!(r.git(&["tag", "-l"]), "v1.2.3");
}

#[test]
fn bad_input_exits_2() {
    let r = repo_with(&[]);
    for (args, needle) in [
        (vec!["--initial-version", "one"], "--initial-version"),
        (vec!["--prerelease", "r-c"], "--prerelease"),
        (
            vec!["--scheme", "calver", "--calver-format", "YYYY/MM"],
            "--calver-format",
        ),
        (vec!["--sha", "deadbeef"], "--sha deadbeef"),
    ] {
        let out = run(&r, &args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(needle), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn calver_with_dashes_recognises_its_own_tags() {
    let r = repo_with(&["feat: b"]);
    let day = |d: &str| {
        vec![
            "--scheme",
            "calver",
            "--calver-format",
            "YYYY-MM-DD",
            "--now",
            d,
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>()
    };
    let args = day("2026-01-02T10:00:00Z");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    assert_eq!(run(&r, &a).json()["tag"], "v2026-01-02");
    // The next day, the same commit is already tagged.
    let args = day("2026-01-03T10:00:00Z");
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let v = run(&r, &a).json();
    assert_eq!(v["already_tagged"], true, "{v}");
    assert_eq!(v["tag"], "v2026-01-02");
}

#[test]
fn a_commit_with_a_release_candidate_can_still_get_its_release() {
    let r = repo_with(&["feat: b"]);
    assert_eq!(
        run(&r, &["--prerelease", "rc"]).json()["tag"],
        "v1.3.0-rc.1"
    );
    let v = run(&r, &[]).json();
    assert_eq!(v["tag"], "v1.3.0", "{v}");
    assert_eq!(v["created"], true);
}

#[test]
fn require_deployment_cannot_be_skipped_in_local_mode() {
    let r = repo_with(&["feat: b"]);
    let out = run(&r, &["--require-deployment", "staging", "--dry-run"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--require-deployment staging"),
        "{}",
        out.stderr
    );
}
