//! API mode against the fake GitHub, and its parity with local git.

#![allow(clippy::unwrap_used)]

use crate::support;

use serde_json::Value;
use support::{Run, TestRepo, lines, run_in};
use test_support::{FakeGitHub, FileChange, Pull};

const R: &str = "acme/shop";

fn api_run(fake: &FakeGitHub, pr: u64, extra: &[&str]) -> Run {
    let cwd = tempfile::tempdir().unwrap();
    let pr = pr.to_string();
    let mut args = vec![
        "--repo",
        R,
        "--pr",
        &pr,
        "--api-url",
        fake.url(),
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    run_in(cwd.path(), &args, &[])
}

/// Seeds the fake with the PR exactly as GitHub would list it: the files,
/// their counts and statuses from git, the base's .gitattributes, and the
/// two commits.
fn seed_from_repo(fake: &FakeGitHub, r: &TestRepo, number: u64) {
    let base = r.git(&["rev-parse", "main"]);
    let head = r.git(&["rev-parse", "HEAD"]);
    let numstat = r.git(&["diff", "--numstat", "-M", &base, &head]);
    let status = r.git(&["diff", "--name-status", "-M", &base, &head]);
    let mut files = Vec::new();
    for (n, s) in numstat.lines().zip(status.lines()) {
        let nf: Vec<&str> = n.split('\t').collect();
        let sf: Vec<&str> = s.split('\t').collect();
        let binary = nf[0] == "-";
        let (status, previous, path) = match sf[0].chars().next().unwrap() {
            'A' => ("added", None, sf[1]),
            'D' => ("removed", None, sf[1]),
            'R' => ("renamed", Some(sf[1].to_owned()), sf[2]),
            _ => ("modified", None, sf[1]),
        };
        files.push(FileChange {
            filename: path.to_owned(),
            status: status.to_owned(),
            additions: nf[0].parse().unwrap_or(0),
            deletions: nf[1].parse().unwrap_or(0),
            previous_filename: previous,
            patch: (!binary).then(|| "@@ -1 +1 @@".to_owned()),
        });
    }
    let mut pr = Pull::new(number, "mona");
    pr.base_sha = base.clone();
    pr.head_sha = head.clone();
    pr.files = files;
    fake.add_pull(R, pr);
    for path in r.git(&["ls-tree", "-r", "--name-only", &base]).lines() {
        if path.ends_with(".gitattributes") {
            let text = r.git(&["show", &format!("{base}:{path}")]);
            fake.put_file(R, &base, path, format!("{text}\n").as_bytes());
        }
    }
    fake.add_commit(R, &base, "base", &[]);
    fake.add_commit(R, &head, "feature", &[&base]);
}

#[test]
fn local_and_api_agree_on_the_same_change() {
    let r = TestRepo::new();
    r.write("src/app.rs", lines(100, "app"));
    r.write("gen/.gitattributes", "*.rs linguist-generated\n");
    r.write("docs/guide.md", lines(5, "g"));
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.git(&["mv", "src/app.rs", "src/application.rs"]);
    r.write(
        "src/application.rs",
        lines(100, "app").replace("app line 7\n", "app line seven\n"),
    );
    r.write("assets/logo.png", [0u8, 1, 2, 3, 0, 0, 0, 9].repeat(200));
    r.write("web/app/package-lock.json", lines(800, "lock"));
    r.write("gen/client.rs", lines(900, "gen"));
    r.write(".gitattributes", "* linguist-generated\n");
    r.write("docs/guide.md", lines(200, "g"));
    r.write("docs/keep.md", lines(9, "k"));
    r.write("src/new.rs", lines(40, "new"));
    r.commit("feature");
    let flags = ["--ignore", "docs/**", "--ignore", "!docs/keep.md"];

    let mut args = vec!["--base", "main", "--format", "json"];
    args.extend(flags);
    let local = run_in(r.path(), &args, &[]).json();

    let fake = FakeGitHub::start();
    seed_from_repo(&fake, &r, 1);
    let api = api_run(&fake, 1, &flags);
    assert_eq!(api.code, 0, "{}", api.stderr);
    let api = api.json();

    assert_eq!(api["source"]["mode"], "api");
    assert_eq!(local["source"]["mode"], "local");
    // rename 2 + .gitattributes 1 + keep.md 9 + new.rs 40
    assert_eq!(local["counted_lines"], 52, "{local}");
    for key in [
        "counted_lines",
        "additions",
        "deletions",
        "files_counted",
        "files_ignored",
        "ignored",
        "binary_files",
        "size_label",
    ] {
        assert_eq!(
            local[key], api[key],
            "{key}: local {} vs api {}",
            local[key], api[key]
        );
    }
}

fn pull_with_files(n: usize) -> Pull {
    let mut pr = Pull::new(5, "mona");
    pr.files = (0..n)
        .map(|i| FileChange::modified(&format!("src/f{i}.rs"), 1, 0))
        .collect();
    pr
}

#[test]
fn three_thousand_files_take_exactly_thirty_requests() {
    let fake = FakeGitHub::start();
    fake.add_pull(R, pull_with_files(3000));
    let run = api_run(&fake, 5, &["--max-lines", "5000"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["counted_lines"], 3000);
    let list_requests = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/repos/acme/shop/pulls/5/files")
        .count();
    assert_eq!(list_requests, 30);
}

#[test]
fn more_files_than_the_api_lists_exits_2_with_fetch_depth_advice() {
    let fake = FakeGitHub::start();
    fake.add_pull(R, pull_with_files(3001));
    let run = api_run(&fake, 5, &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("listed 3000 of the PR's 3001 changed files"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("fetch-depth: 0"), "{}", run.stderr);
}

fn seed_day(fake: &FakeGitHub) {
    let mut measured = Pull::new(10, "mona");
    measured.created_at = "2026-11-20T09:00:00Z".into();
    measured.files = vec![FileChange::modified("a.rs", 3, 0)];
    fake.add_pull(R, measured);
    for (n, user, at) in [
        (9, "mona", "2026-11-20T01:00:00Z"),
        (8, "mona", "2026-11-19T23:30:00Z"),
        (7, "lisa", "2026-11-20T08:00:00Z"),
    ] {
        let mut p = Pull::new(n, user);
        p.created_at = at.into();
        fake.add_pull(R, p);
    }
    // Plenty of older history that must not be read.
    for i in 0..250u64 {
        let mut p = Pull::new(1000 + i, "mona");
        p.created_at = format!("2026-10-{:02}T12:00:00Z", 1 + i % 28);
        fake.add_pull(R, p);
    }
}

#[test]
fn prs_per_day_counts_the_authors_pulls_on_that_calendar_day() {
    let fake = FakeGitHub::start();
    seed_day(&fake);
    let run = api_run(&fake, 10, &["--max-prs-per-day", "1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["prs_today"], 2);
    assert_eq!(v["prs_today_detail"]["numbers"], serde_json::json!([9, 10]));
    assert!(
        v["reasons"][0]
            .as_str()
            .unwrap()
            .contains("mona opened 2 pull requests on 2026-11-20 (UTC)")
    );
    // Only the newest page of the list was read.
    let list_pages = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/repos/acme/shop/pulls")
        .count();
    assert_eq!(list_pages, 1);
}

#[test]
fn prs_per_day_follows_the_timezone() {
    let fake = FakeGitHub::start();
    seed_day(&fake);
    // In New York, PR 10 opened on the 20th at 04:00, PR 9 on the 19th.
    let run = api_run(
        &fake,
        10,
        &["--max-prs-per-day", "1", "--timezone", "America/New_York"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["prs_today"], 1);
    assert_eq!(v["prs_today_detail"]["day"], "2026-11-20");
}

#[test]
fn bypass_label_and_drafts() {
    let fake = FakeGitHub::start();
    let mut big = pull_with_files(500);
    big.labels = vec!["size/override".into()];
    fake.add_pull(R, big);
    let run = api_run(&fake, 5, &["--bypass-label", "size/override"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["bypassed_by"], "size/override");
    assert_eq!(v["counted_lines"], 500);

    let mut draft = pull_with_files(500);
    draft.number = 6;
    draft.draft = true;
    fake.add_pull(R, draft);
    assert_eq!(api_run(&fake, 6, &["--skip-drafts"]).code, 0);
    assert_eq!(api_run(&fake, 6, &[]).code, 1);
}

#[test]
fn labels_and_sticky_comment_follow_the_verdict() {
    let fake = FakeGitHub::start();
    fake.add_pull(R, pull_with_files(900));
    fake.with_repo(R, |r| {
        r.issue_labels
            .insert(5, vec!["size/XS".into(), "bug".into()]);
    });
    let run = api_run(&fake, 5, &["--label", "--comment"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let repo = fake.repo(R);
    assert_eq!(
        repo.issue_labels[&5],
        vec!["bug".to_owned(), "size/XL".to_owned()]
    );
    assert_eq!(repo.comments[&5].len(), 1);
    assert!(repo.comments[&5][0].body.contains("too large"));

    // The author splits the PR: it passes, the label and the comment follow.
    fake.with_repo(R, |r| r.pulls.get_mut(&5).unwrap().files.truncate(50));
    let run = api_run(&fake, 5, &["--label", "--comment"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let repo = fake.repo(R);
    assert_eq!(
        repo.issue_labels[&5],
        vec!["bug".to_owned(), "size/S".to_owned()]
    );
    assert_eq!(repo.comments[&5].len(), 1);
    assert!(repo.comments[&5][0].body.contains("resolved"));

    // Same again: nothing to change, no duplicate.
    fake.clear_requests();
    api_run(&fake, 5, &["--label", "--comment"]);
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
}

#[test]
fn a_passing_pr_gets_no_new_comment() {
    let fake = FakeGitHub::start();
    fake.add_pull(R, pull_with_files(10));
    assert_eq!(api_run(&fake, 5, &["--comment"]).code, 0);
    assert!(fake.writes().is_empty());
}

#[test]
fn dry_run_writes_nothing_and_says_what_it_would_write() {
    let fake = FakeGitHub::start();
    fake.add_pull(R, pull_with_files(900));
    let cwd = tempfile::tempdir().unwrap();
    let run = run_in(
        cwd.path(),
        &[
            "--repo",
            R,
            "--pr",
            "5",
            "--api-url",
            fake.url(),
            "--label",
            "--comment",
            "--dry-run",
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
    assert!(
        run.stdout
            .contains("would POST /repos/acme/shop/issues/5/labels {\"labels\":[\"size/XL\"]}"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("would POST /repos/acme/shop/issues/5/comments"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_pull_request_event_without_history_uses_the_api() {
    let fake = FakeGitHub::start();
    let mut pr = pull_with_files(12);
    pr.number = 2;
    fake.add_pull("Codertocat/Hello-World", pr);
    let cwd = tempfile::tempdir().unwrap();
    let run = run_in(
        cwd.path(),
        &["--format", "json"],
        &[
            (
                "GITHUB_EVENT_PATH",
                support::fixture("pull_request.opened.with-null-body.json")
                    .to_str()
                    .unwrap(),
            ),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
            ("GITHUB_API_URL", fake.url()),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v: Value = run.json();
    assert_eq!(v["source"]["mode"], "api");
    assert_eq!(v["counted_lines"], 12);
    // The token reached the API, and nothing else.
    assert!(fake.requests().iter().all(|r| r.header("authorization")
        == Some(&format!("Bearer {}", test_support::testing::CANARY_TOKEN))));
}

#[test]
fn branch_age_through_the_api_with_a_fixed_clock() {
    let fake = FakeGitHub::start();
    let pr = pull_with_files(3);
    let (base, head) = (pr.base_sha.clone(), pr.head_sha.clone());
    fake.add_pull(R, pr);
    fake.add_commit(R, &base, "base", &[]);
    fake.add_commit(
        R,
        "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1",
        "first",
        &[&base],
    );
    fake.add_commit(
        R,
        &head,
        "second",
        &["c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"],
    );
    // 2026-11-18T10:00:00Z and a day later.
    fake.with_repo(R, |r| {
        r.commits
            .get_mut("c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1")
            .unwrap()
            .at = 1_794_996_000;
        r.commits.get_mut(&head).unwrap().at = 1_795_082_400;
    });
    let ok = api_run(
        &fake,
        5,
        &["--max-branch-age", "2d", "--now", "2026-11-20T09:00:00Z"],
    );
    assert_eq!(ok.code, 0, "{}", ok.stderr);
    assert_eq!(ok.json()["branch_age_hours"], 47.0);
    let late = api_run(
        &fake,
        5,
        &["--max-branch-age", "36h", "--now", "2026-11-20T09:00:00Z"],
    );
    assert_eq!(late.code, 1);
    assert!(
        late.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("over the limit of 36h")
    );
}

#[test]
fn a_checkout_of_the_base_alone_does_not_count_nothing() {
    // pull_request_target checks out the base: the head commit is not here.
    let r = TestRepo::new();
    r.write("a.txt", "a\n");
    let base = r.commit("base");
    let fake = FakeGitHub::start();
    let mut pr = pull_with_files(120);
    pr.number = 2;
    pr.base_sha = base.clone();
    fake.add_pull("Codertocat/Hello-World", pr);
    let payload =
        std::fs::read_to_string(support::fixture("pull_request.opened.payload.json")).unwrap();
    let mut event: Value = serde_json::from_str(&payload).unwrap();
    event["pull_request"]["base"]["sha"] = base.into();
    let event_dir = tempfile::tempdir().unwrap();
    let event_path = event_dir.path().join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let run = run_in(
        r.path(),
        &["--format", "json"],
        &[
            ("GITHUB_EVENT_PATH", event_path.to_str().unwrap()),
            ("GITHUB_EVENT_NAME", "pull_request_target"),
            ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
            ("GITHUB_API_URL", fake.url()),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["source"]["mode"], "api");
    assert_eq!(v["counted_lines"], 120);
    assert!(v["notes"][0].as_str().unwrap().contains("fetch-depth: 0"));
}

/// A fork's pull request runs with a read-only token: the gate still
/// decides, and skips its label and comment with a note instead of ending
/// with exit 2 on GitHub's 403. Found by the delivery_flow scenario (#16).
#[test]
fn a_forks_pull_request_is_decided_and_writes_nothing() {
    let fake = FakeGitHub::start();
    let mut pr = pull_with_files(900);
    pr.number = 2;
    fake.add_pull("Codertocat/Hello-World", pr);
    fake.read_only_token(test_support::testing::CANARY_TOKEN);
    let payload =
        std::fs::read_to_string(support::fixture("pull_request.opened.payload.json")).unwrap();
    let mut event: Value = serde_json::from_str(&payload).unwrap();
    event["pull_request"]["head"]["repo"]["full_name"] = "forker/Hello-World".into();
    let event_dir = tempfile::tempdir().unwrap();
    let event_path = event_dir.path().join("event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let run = run_in(
        cwd.path(),
        &["--format", "json", "--label", "--comment"],
        &[
            ("GITHUB_EVENT_PATH", event_path.to_str().unwrap()),
            ("GITHUB_EVENT_NAME", "pull_request"),
            ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
            ("GITHUB_API_URL", fake.url()),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["verdict"], "fail");
    let notes = v["notes"].to_string();
    assert!(
        notes.contains("skipped") && notes.contains("from a fork"),
        "{v}"
    );
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
}
