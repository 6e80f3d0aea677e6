//! Local mode on real git repositories: versions, idempotency, refusals,
//! dry runs.

#![allow(clippy::unwrap_used)]

use test_support::testing::{Run, TestRepo, run_hermetic};

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

// Regression (review 2e13afa): calver formats with dashes did not recognise their own tags.
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

// Regression (review 2e13afa): a commit with a release candidate tag could not get its release.
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

/// A dry run's JSON report, asserting exit 0.
fn dry(r: &TestRepo, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--dry-run"];
    args.extend_from_slice(extra);
    let out = run(r, &args);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    out.json()
}

// Regression (#18.1, real release histories): `feat(api:v2)!: drop v1` gave v1.0.1, losing a
// breaking change.
/// Issue #18, item 1: a scope is everything between the parentheses.
#[test]
fn scopes_with_colons_and_parentheses_keep_their_bump() {
    for (message, tag) in [
        ("feat(manager:nuget): support X", "v1.3.0"),
        ("feat(api:v2)!: drop v1", "v2.0.0"),
        ("feat(manager/gradle): x", "v1.3.0"),
        ("feat(deps.dev): x", "v1.3.0"),
        ("feat(a-b): x", "v1.3.0"),
        ("feat(the cart): x", "v1.3.0"),
        ("feat(deps (dev)): x", "v1.3.0"),
        ("fix(api:v2): y", "v1.2.4"),
    ] {
        assert_eq!(next(&[message], &[])["tag"], tag, "{message}");
    }
}

// Regression (#18.2, real commit bodies): body text that is not a squashed subject raised a `fix:`
// to a major.
/// Issue #18, item 2: only GitHub's squash lines with a conventional type
/// count; item 3: the deciding line is named, and can be ignored.
#[test]
fn body_text_that_is_not_a_squashed_commit_never_raises_the_bump() {
    for body in [
        "    chore(deps)!: drop support for Python 3.9",
        "> feat!: a quoted commit",
        "Note!: this is important",
        "* unknown!: type",
    ] {
        let message = format!("fix: x\n\n{body}\n");
        assert_eq!(next(&[&message], &[])["tag"], "v1.2.4", "{body:?}");
    }
    let squash =
        "Add checkout (#12)\n\n* feat: cart\n\n* refactor(cart)!: drop the old cart\n\nBody text.";
    let v = next(&[squash], &[]);
    assert_eq!(v["tag"], "v2.0.0");
    let c = &v["commits"][0];
    assert_eq!(c["bump"], "major");
    assert_eq!(c["deciding"], true);
    assert_eq!(c["deciding_line"]["number"], 5);
    assert_eq!(
        c["deciding_line"]["text"],
        "* refactor(cart)!: drop the old cart"
    );
    assert!(
        v["explanation"][0]
            .as_str()
            .unwrap()
            .contains("message line 5 asks for a major bump"),
        "{v}"
    );
    // The text report names it too.
    let r = repo_with(&[squash]);
    let text = run_hermetic(BIN, r.path(), &["--local", "--dry-run"], &[]);
    assert!(
        text.stdout
            .contains("message line 5: * refactor(cart)!: drop the old cart"),
        "{}",
        text.stdout
    );
    // --squash-bodies ignore: the title decides (a patch by default) ...
    let v = next(&[squash], &["--squash-bodies", "ignore"]);
    assert_eq!(v["tag"], "v1.2.4");
    assert_eq!(v["commits"][0]["rule"], "default");
    // ... and footers still count.
    let with_footer = format!("{squash}\n\nBREAKING CHANGE: carts reset");
    let v = next(&[&with_footer], &["--squash-bodies", "ignore"]);
    assert_eq!(v["tag"], "v2.0.0");
    assert_eq!(v["commits"][0]["deciding_line"]["number"], 9);
}

/// Issue #18, item 4, on a real repository.
#[test]
fn below_one_point_oh() {
    let repo = |message: &str| {
        let r = TestRepo::new();
        r.write("a", "0");
        r.commit("chore: init");
        r.git(&["tag", "-a", "v0.3.0", "-m", "v0.3.0"]);
        r.write("a", "1");
        r.commit(message);
        r
    };
    let breaking = repo("feat!: new model");
    let feature = repo("feat: a feature");
    for (r, extra, tag) in [
        (&breaking, &[][..], "v1.0.0"),
        (&breaking, &["--bump-minor-pre-major"][..], "v0.4.0"),
        (
            &breaking,
            &["--bump-patch-for-minor-pre-major"][..],
            "v1.0.0",
        ),
        (
            &breaking,
            &["--bump-minor-pre-major", "--bump-patch-for-minor-pre-major"][..],
            "v0.4.0",
        ),
        (&feature, &[][..], "v0.4.0"),
        (&feature, &["--bump-minor-pre-major"][..], "v0.4.0"),
        (
            &feature,
            &["--bump-patch-for-minor-pre-major"][..],
            "v0.3.1",
        ),
        (
            &feature,
            &["--bump-minor-pre-major", "--bump-patch-for-minor-pre-major"][..],
            "v0.3.1",
        ),
    ] {
        let v = dry(r, extra);
        assert_eq!(v["tag"], tag, "{extra:?}: {v}");
    }
    // The options arrive as action inputs too.
    let out = run_hermetic(
        BIN,
        breaking.path(),
        &["--local", "--dry-run", "--format", "json"],
        &[("INPUT_BUMP_MINOR_PRE_MAJOR", "true")],
    );
    assert_eq!(out.json()["tag"], "v0.4.0", "{}", out.stderr);
}

// Regression (#18.5): `Release-As` went backwards, or onto an existing tag with a misleading "keeps
// being taken".
/// Issue #18, item 5: exit 2, each with its own message, dry run or not.
#[test]
fn release_as_never_goes_backwards_nor_onto_an_existing_tag() {
    let repo = |footer: &str| {
        let r = TestRepo::new();
        r.write("a", "0");
        r.commit("chore: init");
        r.git(&["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
        r.write("a", "1");
        r.commit("feat: two");
        r.git(&["tag", "-a", "v2.3.0", "-m", "v2.3.0"]);
        r.write("a", "2");
        r.commit(&format!("chore: release\n\nRelease-As: {footer}"));
        r
    };
    for (footer, want) in [
        ("1.0.0", "names the existing tag v1.0.0"),
        ("2.3.0", "names the existing tag v2.3.0"),
        ("1.5.0", "below the newest version tag v2.3.0"),
    ] {
        let r = repo(footer);
        for dry_run in [true, false] {
            let mut args = vec![];
            if dry_run {
                args.push("--dry-run");
            }
            let out = run(&r, &args);
            assert_eq!(out.code, 2, "{footer} {dry_run}: {}", out.stdout);
            assert!(out.stderr.contains(want), "{footer}: {}", out.stderr);
            assert!(out.stderr.contains("Release-As"), "{}", out.stderr);
        }
        assert_eq!(r.git(&["tag", "-l"]).lines().count(), 2);
    }
    let v = dry(&repo("3.0.0"), &[]);
    assert_eq!(v["tag"], "v3.0.0");
    assert_eq!(v["commits"][0]["rule"], "release-as");
    assert_eq!(v["commits"][0]["deciding"], true);
}

/// A clone of `r` made with `git clone ARGS`.
fn clone(r: &TestRepo, args: &[&str]) -> TestRepo {
    let cloned = TestRepo {
        dir: tempfile::tempdir().unwrap(),
    };
    let url = format!("file://{}", r.path().display());
    let mut all = vec!["clone", "-q"];
    all.extend_from_slice(args);
    all.extend([url.as_str(), cloned.path().to_str().unwrap()]);
    r.git(&all);
    cloned
}

// Regression (#18.6): a shallow clone cutting the newest tag proposed v0.1.0 on a 5.x project,
// silently.
/// Issue #18, item 6: a shallow clone that cannot see the tags exits 2 and
/// asks for the whole history.
#[test]
fn shallow_clones_that_cut_the_history_exit_2() {
    let r = repo_with(&["feat: b", "fix: c", "fix: d"]);
    // Depth 1, no tags: the tool used to propose v0.1.0 here.
    let shallow = clone(&r, &["--depth", "1"]);
    let out = run(&shallow, &["--dry-run"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    assert!(out.stderr.contains("shallow"), "{}", out.stderr);
    // The tags fetched, but their history not: still cut.
    shallow.git(&["fetch", "-q", "--depth", "1", "origin", "tag", "v1.2.3"]);
    let out = run(&shallow, &["--dry-run"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    // A merge whose side branch goes past the cut: its commits are unseen.
    let m = TestRepo::new();
    m.write("a", "0");
    m.commit("chore: init");
    m.git(&["tag", "-a", "v1.2.3", "-m", "v1.2.3"]);
    m.git(&["checkout", "-q", "-b", "side"]);
    for (i, msg) in [
        "feat!: the breaking side change",
        "fix: s2",
        "fix: s3",
        "fix: s4",
    ]
    .iter()
    .enumerate()
    {
        m.write("side", format!("{i}"));
        m.commit(msg);
    }
    m.git(&["checkout", "-q", "main"]);
    for i in 1..=2 {
        m.write("a", format!("{i}"));
        m.commit(&format!("fix: c{i}"));
    }
    m.git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    let cut = clone(&m, &["--depth", "4"]);
    cut.git(&["fetch", "-q", "origin", "refs/tags/v1.2.3:refs/tags/v1.2.3"]);
    let out = run(&cut, &["--dry-run"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("history is cut at") && out.stderr.contains("fetch-depth: 0"),
        "{}",
        out.stderr
    );
    // The full clone sees the breaking change.
    assert_eq!(dry(&clone(&m, &[]), &[])["tag"], "v2.0.0");
    // Deep enough to reach the tag: the version is known.
    let deep_enough = clone(&r, &["--depth", "5", "--no-single-branch"]);
    deep_enough.git(&["fetch", "-q", "--tags"]);
    let v = dry(&deep_enough, &[]);
    assert_eq!(v["tag"], "v1.3.0", "{v}");
}

// Regression (#18.7): on `master` without `origin/HEAD` it failed with `--branch main: no such
// commit`.
/// Issue #18, item 7: the default branch, and where its name came from.
#[test]
fn the_default_branch_is_found_and_named() {
    // On master, with no origin/HEAD: the one that exists.
    let r = repo_with(&["feat: b"]);
    r.git(&["branch", "-m", "main", "master"]);
    let v = dry(&r, &[]);
    assert_eq!(v["tag"], "v1.3.0", "{v}");
    assert_eq!(v["branch"], "master");
    assert_eq!(v["branch_source"], "fallback");
    // A clone knows origin/HEAD.
    let cloned = clone(&r, &[]);
    let v = dry(&cloned, &[]);
    assert_eq!(v["branch"], "master");
    assert_eq!(v["branch_source"], "origin/HEAD");
    let text = run_hermetic(BIN, cloned.path(), &["--local", "--dry-run"], &[]);
    assert!(
        text.stdout
            .contains("release branch: master (from origin/HEAD)"),
        "{}",
        text.stdout
    );
    // --branch wins.
    let v = dry(&r, &["--branch", "master"]);
    assert_eq!(v["branch_source"], "--branch");
    // The event's repository names it when there is no origin/HEAD.
    let d = tempfile::tempdir().unwrap();
    let event = d.path().join("event.json");
    r.git(&["branch", "trunk"]);
    std::fs::write(
        &event,
        serde_json::json!({
            "ref": "refs/heads/trunk", "before": "0", "after": "1",
            "repository": {"full_name": "acme/shop", "default_branch": "trunk"},
        })
        .to_string(),
    )
    .unwrap();
    let out = run_hermetic(
        BIN,
        r.path(),
        &["--local", "--dry-run", "--format", "json"],
        &[
            ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
            ("GITHUB_EVENT_NAME", "push"),
        ],
    );
    let v = out.json();
    assert_eq!(v["branch"], "trunk", "{v}");
    assert_eq!(v["branch_source"], "event");
    // Neither main nor master: say so, and how to fix it.
    r.git(&["branch", "-m", "master", "develop"]);
    let out = run(&r, &["--dry-run"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("pass --branch"), "{}", out.stderr);
}

// Regression (#18.9): 25,000 commits made 5.8 MB of JSON.
/// Issue #18, items 8 and 9: each commit's own bump, and a bounded list.
#[test]
fn long_ranges_list_the_first_200_and_every_deciding_commit() {
    let r = TestRepo::new();
    r.write("a", "0");
    r.commit("chore: init");
    r.git(&["tag", "-a", "v1.0.0", "-m", "v1.0.0"]);
    r.write("a", "1");
    r.commit("feat: the one feature");
    for i in 0..249 {
        r.git(&[
            "commit",
            "-q",
            "--allow-empty",
            "-m",
            &format!("chore: step {i}"),
        ]);
    }
    let v = dry(&r, &[]);
    assert_eq!(v["tag"], "v1.1.0");
    assert_eq!(v["commits_total"], 250);
    let commits = v["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 201, "{}", commits.len());
    assert_eq!(commits[0]["bump"], "none");
    assert_eq!(commits[0]["rule"], "default");
    assert_eq!(commits[0]["deciding"], false);
    let last = commits.last().unwrap();
    assert_eq!(last["subject"], "feat: the one feature");
    assert_eq!(last["deciding"], true);
    // The text stays readable.
    let text = run_hermetic(BIN, r.path(), &["--local", "--dry-run"], &[]).stdout;
    assert!(text.lines().count() < 40, "{text}");
    assert!(
        text.contains("feat: the one feature -> minor (feat)"),
        "{text}"
    );
    assert!(text.contains("and 229 more commits"), "{text}");
    // With only the default bump, no commit decides and none asked.
    let v = next(&["chore: a", "docs: b"], &[]);
    assert_eq!(v["tag"], "v1.2.4");
    assert_eq!(v["bump"], "patch");
    for c in v["commits"].as_array().unwrap() {
        assert_eq!(
            (&c["bump"], &c["rule"]),
            (&"none".into(), &"default".into())
        );
    }
}

/// A release of a real project, replayed: its previous tag, the commits
/// up to the release (real messages), and the release the project made.
/// See tests/fixtures/real-histories/README.md.
#[derive(serde::Deserialize)]
struct Replay {
    repository: String,
    prefix: String,
    previous: String,
    release: String,
    commits: Vec<ReplayedCommit>,
}

#[derive(serde::Deserialize)]
struct ReplayedCommit {
    sha: String,
    message: String,
}

fn replay(name: &str, extra: &[&str]) -> (Replay, serde_json::Value) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/real-histories")
        .join(name);
    let case: Replay = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let r = TestRepo::new();
    r.write("a", "0");
    r.commit("chore: the history before the previous release");
    r.git(&["tag", "-a", &case.previous, "-m", &case.previous]);
    for (i, c) in case.commits.iter().enumerate() {
        r.write("a", format!("{i} {}", c.sha));
        r.commit(&c.message);
    }
    let mut args = vec!["--prefix", case.prefix.as_str()];
    args.extend_from_slice(extra);
    let v = dry(&r, &args);
    (case, v)
}

// Regression (#18, real release histories): replays real tag pairs whose misses found #18.1 and
// #18.2.
/// Issue #18, items 1-3 on real messages: each release comes out as the
/// project's own release tool made it.
#[test]
fn real_release_histories_give_the_releases_their_projects_made() {
    for name in [
        "renovate-32.66.0-colon-scope.json",
        "renovate-44.0.0-squash-line.json",
        "renovate-31.0.0-quoted-commit.json",
        "commitizen-3.10.1-indented-example.json",
    ] {
        let (case, v) = replay(name, &[]);
        let want = format!(
            "{}{}",
            case.prefix,
            case.release.trim_start_matches(&case.prefix)
        );
        assert_eq!(v["tag"], want.as_str(), "{name} ({}): {v}", case.repository);
        assert_eq!(v["previous_tag"], case.previous.as_str(), "{name}");
    }
    // renovate 32.66.0: `feat(manager:nuget)` is a feature (it used to give
    // 32.65.1, a patch).
    let (_, v) = replay("renovate-32.66.0-colon-scope.json", &[]);
    let feat = &v["commits"][0];
    assert_eq!(
        feat["subject"],
        "feat(manager:nuget): support central version management (#15698)"
    );
    assert_eq!(
        (&feat["bump"], &feat["rule"]),
        (&"minor".into(), &"feat".into())
    );
    // renovate 44.0.0: the squashed `* feat(manager/pixi)!:` line decides,
    // and is named.
    let (_, v) = replay("renovate-44.0.0-squash-line.json", &[]);
    assert_eq!(
        v["commits"][0]["deciding_line"]["text"],
        "* feat(manager/pixi)!: gate pixi.lock updates behind allowedUnsafeExecutions"
    );
    // Ignoring squash lines, its BREAKING CHANGE footer still makes 44.0.0.
    let (_, v) = replay(
        "renovate-44.0.0-squash-line.json",
        &["--squash-bodies", "ignore"],
    );
    assert_eq!(v["tag"], "44.0.0");
    assert!(
        v["commits"][0]["deciding_line"]["text"]
            .as_str()
            .unwrap()
            .starts_with("BREAKING CHANGE:"),
        "{v}"
    );
    // commitizen 3.10.1: the indented `    chore(deps)!:` example in a fix's
    // body is text, not a squashed commit (it used to give v4.0.0).
    let (_, v) = replay("commitizen-3.10.1-indented-example.json", &[]);
    let fix = v["commits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["subject"]
                .as_str()
                .unwrap()
                .starts_with("fix(bump): add bump support with custom type")
        })
        .unwrap();
    assert_eq!(
        (&fix["bump"], &fix["rule"]),
        (&"patch".into(), &"fix".into())
    );
    assert_eq!(v["bump"], "patch");
    assert!(
        v["commits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["deciding_line"].is_null()),
        "{v}"
    );
}

/// One representative run, as a snapshot of its JSON and its text: a
/// breaking change in a squash merge's body decides a major bump over a
/// fix and a docs change; the tag is made. Two identical repositories (fixed
/// dates), one per format, since the first run tags.
#[test]
fn report_snapshots() {
    let build = || {
        let r = TestRepo::new();
        let date = Some("2026-11-16T09:00:00Z");
        r.write("a.txt", "0\n");
        let mut shas = vec![r.commit_at("chore: init", date)];
        r.git_at(&["tag", "-a", "v1.2.3", "-m", "v1.2.3"], date);
        for (i, m) in [
            "fix(api): round refunds to the cent",
            "docs: say how refunds round",
            "Add checkout (#12)\n\n* feat: cart\n* refactor!: drop the old cart",
        ]
        .iter()
        .enumerate()
        {
            r.write("a.txt", format!("{i}\n"));
            shas.push(r.commit_at(m, date));
        }
        (r, shas)
    };
    let (json_repo, shas) = build();
    let (text_repo, again) = build();
    assert_eq!(shas, again, "fixed dates give the same commits");
    let mut settings = test_support::contract::snapshot_settings();
    let shas: Vec<&str> = shas.iter().map(String::as_str).collect();
    test_support::contract::redact_commits(&mut settings, &shas);
    test_support::assert_report_snapshots!(
        settings,
        "tag-on-staging.report.schema.json",
        0,
        |format: &str| match format {
            "json" => run(&json_repo, &[]),
            _ => run_hermetic(BIN, text_repo.path(), &["--local", "--format", format], &[]),
        },
        run(&text_repo, &["--sha", "deadbeef"]),
    );
}
