//! Local mode on real git repositories built in temp dirs.

#![allow(clippy::unwrap_used)]

use crate::support;

use support::{TestRepo, lines, run_in};

/// main with a base commit, then a feature branch checked out.
fn base_repo() -> TestRepo {
    let r = TestRepo::new();
    r.write("src/app.rs", lines(100, "app"));
    r.write("docs/guide.md", lines(10, "guide"));
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r
}

fn count(r: &TestRepo, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["--base", "main", "--format", "json"];
    args.extend_from_slice(extra);
    let run = run_in(r.path(), &args, &[]);
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}: {}",
        run.code,
        run.stderr
    );
    run.json()
}

#[test]
fn counts_additions_plus_deletions_against_the_merge_base() {
    let r = base_repo();
    r.write("src/new.rs", lines(30, "new"));
    r.commit("feature work");
    // main moves on after the branch point: not part of the PR.
    r.git(&["checkout", "-q", "main"]);
    r.write("src/other.rs", lines(500, "other"));
    r.commit("main moves");
    r.git(&["checkout", "-q", "feature"]);
    let v = count(&r, &[]);
    assert_eq!(v["counted_lines"], 30);
    assert_eq!(v["additions"], 30);
    assert_eq!(v["verdict"], "pass");
    assert_eq!(v["size_label"], "S");
    assert_eq!(v["source"]["mode"], "local");
}

#[test]
fn a_rename_counts_only_its_changed_lines() {
    let r = base_repo();
    r.git(&["mv", "src/app.rs", "src/application.rs"]);
    let mut text = lines(100, "app");
    text = text.replace("app line 5\n", "app line five\n");
    r.write("src/application.rs", text);
    r.commit("rename");
    let v = count(&r, &[]);
    assert_eq!(v["counted_lines"], 2, "{v}");
    assert_eq!(v["files"][0]["path"], "src/application.rs");
    assert_eq!(v["files"][0]["old_path"], "src/app.rs");
}

#[test]
fn a_binary_file_counts_zero_and_is_listed() {
    let r = base_repo();
    let mut png = vec![0x89, b'P', b'N', b'G', 0, 0, 0, 0];
    png.extend(std::iter::repeat_n(0u8, 4000));
    r.write("assets/logo.png", png);
    r.write("src/a.rs", "fn a() {}\n");
    r.commit("binary");
    let v = count(&r, &[]);
    assert_eq!(v["counted_lines"], 1);
    assert_eq!(v["binary_files"], serde_json::json!(["assets/logo.png"]));
    let text = run_in(r.path(), &["--base", "main"], &[]).stdout;
    assert!(text.contains("binary, 0 lines: assets/logo.png"), "{text}");
}

#[test]
fn lockfiles_are_ignored_at_any_depth() {
    let r = base_repo();
    r.write("Cargo.lock", lines(900, "lock"));
    r.write("web/app/package-lock.json", lines(900, "lock"));
    r.write("services/api/go.sum", lines(900, "sum"));
    r.write("web/app/dist/app.min.js", lines(900, "min"));
    r.write("web/app/node_modules/x/index.js", lines(900, "nm"));
    r.write("src/a.rs", lines(5, "a"));
    r.commit("deps");
    let v = count(&r, &[]);
    assert_eq!(v["counted_lines"], 5);
    assert_eq!(v["files_ignored"], 5);
    let reasons: Vec<String> = v["ignored"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            format!(
                "{}={}",
                i["path"].as_str().unwrap(),
                i["reason"].as_str().unwrap()
            )
        })
        .collect();
    assert!(
        reasons.contains(&"web/app/package-lock.json=lockfile (built-in default)".to_owned()),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(
            &"web/app/node_modules/x/index.js=vendored tree (built-in default)".to_owned()
        ),
        "{reasons:?}"
    );
    // --no-default-ignores counts them all.
    let v = count(&r, &["--no-default-ignores"]);
    assert_eq!(v["counted_lines"], 5 + 5 * 900);
    assert_eq!(v["verdict"], "fail");
}

#[test]
fn a_gitattributes_in_a_subdirectory_applies_below_it() {
    let r = TestRepo::new();
    r.write(
        "gen/.gitattributes",
        "*.rs linguist-generated\nkeep.rs -linguist-generated\n",
    );
    r.write("README.md", "hi\n");
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("gen/api.rs", lines(700, "gen"));
    r.write("gen/deep/more.rs", lines(700, "gen"));
    r.write("gen/keep.rs", lines(3, "keep"));
    r.write("src/api.rs", lines(7, "src"));
    r.commit("generated");
    let v = count(&r, &[]);
    assert_eq!(v["counted_lines"], 10, "{v}");
    assert_eq!(v["files_ignored"], 2);
    assert!(
        v["ignored"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("linguist-generated")
    );
}

#[test]
fn bang_re_includes_what_an_earlier_pattern_ignored() {
    let r = base_repo();
    r.write("docs/guide.md", lines(300, "guide"));
    r.write("docs/api.md", lines(300, "api"));
    r.write("docs/keep.md", lines(4, "keep"));
    r.write("vendor/ours/lib.c", lines(6, "ours"));
    r.write("vendor/theirs/lib.c", lines(600, "theirs"));
    r.commit("docs");
    let v = count(
        &r,
        &[
            "--ignore",
            "docs/**\n# docs are reviewed elsewhere\n!docs/keep.md",
            "--ignore",
            "!vendor/ours/**",
        ],
    );
    assert_eq!(v["counted_lines"], 10, "{v}");
    assert_eq!(v["files_counted"], 2);
}

#[test]
fn the_ignore_input_arrives_through_the_environment() {
    let r = base_repo();
    r.write("docs/guide.md", lines(300, "guide"));
    r.write("src/a.rs", lines(2, "a"));
    r.commit("docs");
    let run = run_in(
        r.path(),
        &["--format", "json"],
        &[
            ("INPUT_BASE", "main"),
            ("INPUT_IGNORE", "docs/**\n"),
            ("INPUT_MAX_LINES", "1"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["counted_lines"], 2);
    assert_eq!(v["max_lines"], 1);
}

// Regression (review c39e92f): a PR's own `* linguist-generated` exempted its lines; attributes
// come from the base.
#[test]
fn a_pr_that_adds_generated_everything_stays_counted() {
    let r = base_repo();
    r.write(".gitattributes", "* linguist-generated\n");
    r.write("src/big.rs", lines(600, "big"));
    r.commit("exempt myself");
    let v = count(&r, &[]);
    // The base has no .gitattributes, so nothing is generated: the PR's own
    // .gitattributes (1 line) and its code (600) both count.
    assert_eq!(v["counted_lines"], 601, "{v}");
    assert_eq!(v["files_ignored"], 0);
    assert_eq!(v["verdict"], "fail");
}

// Regression (review c39e92f): a PR's own `* -diff` zeroed its count; attributes come from the
// base.
#[test]
fn a_pr_that_marks_everything_minus_diff_stays_counted() {
    // `-diff` makes git report files as binary (0 lines); the PR's own
    // .gitattributes must not get to decide that.
    let r = base_repo();
    r.write(".gitattributes", "* -diff\n");
    r.write("src/big.rs", lines(1000, "big"));
    r.commit("hide my lines");
    let v = count(&r, &[]);
    assert_eq!(v["counted_lines"], 1001, "{v}");
    assert_eq!(v["binary_files"], serde_json::json!([]));
}

// Regression (review c39e92f): file names in the log could inject workflow commands.
#[test]
fn file_names_cannot_inject_workflow_commands() {
    let r = base_repo();
    r.write(
        "vendor/a\n::error title=pwned::injected\n::add-mask::counted",
        "x\n",
    );
    r.write("src/a\n::warning::also", lines(500, "a"));
    r.commit("hostile names");
    let run = run_in(r.path(), &["--base", "main"], &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(run.code, 1);
    // Inside the stop-commands block the hostile lines are inert; outside it
    // there is only the one real annotation.
    assert!(
        run.stdout.contains("\n::error title=pwned::injected\n"),
        "{}",
        run.stdout
    );
    let outside = test_support::testing::live_commands_besides_masks(&run.stdout);
    assert_eq!(outside.len(), 1, "{outside:?}");
    assert!(outside[0].starts_with("::error title=Pull request too large::"));
}

#[test]
fn limits_warn_and_fail() {
    let r = base_repo();
    r.write("src/a.rs", lines(350, "a"));
    r.commit("a");
    let v = count(&r, &["--warn-lines", "300"]);
    assert_eq!(v["verdict"], "warn");
    let run = run_in(r.path(), &["--base", "main", "--max-lines", "349"], &[]);
    assert_eq!(run.code, 1);
    assert!(
        run.stdout
            .contains("350 changed lines, over the limit of 349"),
        "{}",
        run.stdout
    );
    let run = run_in(r.path(), &["--base", "main", "--max-files", "0"], &[]);
    assert_eq!(run.code, 1);
}

#[test]
fn branch_age_with_a_fixed_clock() {
    let r = base_repo();
    r.write("src/a.rs", "one\n");
    r.commit_at("first", Some("2026-11-18T10:00:00Z"));
    r.write("src/a.rs", "two\n");
    r.commit_at("second", Some("2026-11-19T10:00:00Z"));
    let ok = count(
        &r,
        &["--max-branch-age", "2d", "--now", "2026-11-20T09:00:00Z"],
    );
    assert_eq!(ok["verdict"], "pass");
    assert_eq!(ok["branch_age_hours"], 47.0);
    let late = run_in(
        r.path(),
        &[
            "--base",
            "main",
            "--max-branch-age",
            "2d",
            "--now",
            "2026-11-20T11:00:00Z",
        ],
        &[],
    );
    assert_eq!(late.code, 1);
    assert!(
        late.stdout.contains("49.0 hours old, over the limit of 2d"),
        "{}",
        late.stdout
    );
}

#[test]
fn bad_input_exits_2_naming_the_input() {
    let r = base_repo();
    let cases: &[(&[&str], &str)] = &[
        (&["--base", "no-such-branch"], "--base no-such-branch"),
        (
            &["--base", "main", "--max-branch-age", "two days"],
            "--max-branch-age",
        ),
        (
            &["--base", "main", "--size-buckets", "XS=10"],
            "--size-buckets",
        ),
        (
            &["--base", "main", "--timezone", "Mars/Olympus"],
            "--timezone",
        ),
        (&["--base", "main", "--ignore", "a["], "--ignore"),
        (&["--base", "main", "--max-lines", "many"], "--max-lines"),
        (&[], "nothing to measure"),
    ];
    for (args, needle) in cases {
        let run = run_in(r.path(), args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    }
    let outside = tempfile::tempdir().unwrap();
    let run = run_in(outside.path(), &["--base", "main"], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn github_format_writes_outputs_summary_and_one_annotation() {
    let r = base_repo();
    r.write("src/a.rs", lines(450, "a"));
    r.write("Cargo.lock", lines(10, "lock"));
    r.commit("a");
    let out_dir = tempfile::tempdir().unwrap();
    let output = out_dir.path().join("output");
    let summary = out_dir.path().join("summary");
    let run = run_in(
        r.path(),
        &["--base", "main"],
        &[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_OUTPUT", output.to_str().unwrap()),
            ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
        ],
    );
    assert_eq!(run.code, 1);
    let errors: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", run.stdout);
    assert!(errors[0].contains("450 changed lines"));
    let outputs = gate_runtime::runner::outputs::parse_output_file(
        &std::fs::read_to_string(&output).unwrap(),
    )
    .unwrap();
    assert_eq!(
        outputs,
        vec![
            ("verdict".to_owned(), "fail".to_owned()),
            ("counted-lines".to_owned(), "450".to_owned()),
            ("size-label".to_owned(), "L".to_owned()),
        ]
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("pr-size-gate: fail"), "{md}");
    assert!(md.contains("| changed lines | 450 | 400 |"), "{md}");
    assert!(
        md.contains("`Cargo.lock` | lockfile (built-in default)"),
        "{md}"
    );
}

#[test]
fn a_pull_request_event_with_history_counts_locally() {
    let r = base_repo();
    let base = r.git(&["rev-parse", "main"]);
    r.write("src/a.rs", lines(12, "a"));
    let head = r.commit("a");
    let payload =
        std::fs::read_to_string(support::fixture("pull_request.opened.payload.json")).unwrap();
    let mut event: serde_json::Value = serde_json::from_str(&payload).unwrap();
    event["pull_request"]["base"]["sha"] = base.clone().into();
    event["pull_request"]["head"]["sha"] = head.into();
    let event_path = r.path().join("../event.json");
    std::fs::write(&event_path, event.to_string()).unwrap();
    let run = run_in(
        r.path(),
        &["--format", "json"],
        &[
            ("GITHUB_EVENT_PATH", event_path.to_str().unwrap()),
            ("GITHUB_EVENT_NAME", "pull_request"),
            // No API is reachable: local mode must not need one.
            ("GITHUB_API_URL", "http://127.0.0.1:9"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    let v = run.json();
    assert_eq!(v["source"]["mode"], "local");
    assert_eq!(v["source"]["base"], base);
    assert_eq!(v["counted_lines"], 12);
}

#[test]
fn merge_group_passes_without_counting() {
    let r = base_repo();
    // The policy file is read at the group's base through the API.
    let fake = test_support::FakeGitHub::start();
    let run = run_in(
        r.path(),
        &["--format", "json"],
        &[
            ("GITHUB_API_URL", fake.url()),
            (
                "GITHUB_EVENT_PATH",
                support::fixture("merge_group.checks_requested.trunkline.json")
                    .to_str()
                    .unwrap(),
            ),
            ("GITHUB_EVENT_NAME", "merge_group"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["verdict"], "pass");
}

/// One representative run, as a snapshot of its JSON and its text: the
/// policy file, a rename, a binary file, an ignored lockfile, a warning,
/// the branch's age on a fixed clock.
#[test]
fn report_snapshots() {
    let r = TestRepo::new();
    r.write(".github/trunkline.toml", "[pr-size]\nwarn-lines = 20\n");
    r.write("src/app.rs", lines(40, "app"));
    let base = r.commit_at("base", Some("2026-11-16T09:00:00Z"));
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.git(&["mv", "src/app.rs", "src/application.rs"]);
    r.write(
        "src/application.rs",
        lines(40, "app").replace("app line 5\n", "five\n"),
    );
    r.write("src/new.rs", lines(25, "new"));
    r.write("assets/logo.png", [0x89, b'P', b'N', b'G', 0, 0, 0, 0]);
    r.write("Cargo.lock", lines(300, "lock"));
    let head = r.commit_at("feature", Some("2026-11-18T10:00:00Z"));
    let args = [
        "--base",
        "main",
        "--max-branch-age",
        "5d",
        "--now",
        "2026-11-20T09:00:00Z",
    ];
    let mut settings = test_support::contract::snapshot_settings();
    test_support::contract::redact_commits(&mut settings, &[&base, &head]);
    test_support::assert_report_snapshots!(
        settings,
        "pr-size-gate.report.schema.json",
        0,
        |format: &str| run_in(r.path(), &[&args[..], &["--format", format]].concat(), &[]),
        run_in(
            r.path(),
            &["--base", "no-such-branch", "--format", "json"],
            &[]
        ),
    );
}
