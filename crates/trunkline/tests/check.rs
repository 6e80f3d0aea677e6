//! `trunkline check` on real repositories: the policy at the base, not the
//! head; no token and no network; the table; exit codes 0, 1 and 2.

#![allow(clippy::unwrap_used)]

use crate::support;

use support::*;
use test_support::testing::{CANARY_TOKEN, TestRepo, lines};

/// A repository whose main has `policy` and a feature branch adding `n`
/// lines, with `head_policy` on the branch when given.
fn branch(policy: &str, n: usize, head_policy: Option<&str>) -> TestRepo {
    let r = TestRepo::new();
    r.write(".github/trunkline.toml", policy);
    r.write("README.md", "hello\n");
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("src/feature.rs", lines(n, "feature"));
    if let Some(p) = head_policy {
        r.write(".github/trunkline.toml", p);
    }
    r.commit("feature");
    r
}

/// Every environment a laptop or CI might leak, pointing nowhere useful.
const AMBIENT: &[(&str, &str)] = &[
    ("GITHUB_API_URL", "http://127.0.0.1:9"),
    ("GITHUB_REPOSITORY", "acme/shop"),
    ("GITHUB_EVENT_NAME", "pull_request"),
    ("INPUT_MAX_LINES", "100000"),
];

#[test]
fn the_base_policy_judges_a_change_that_loosens_it() {
    let r = branch(
        "[pr-size]\nmax-lines = 100\n",
        150,
        Some("[pr-size]\nmax-lines = 1000\n"),
    );
    let run = trunkline_env(r.path(), &["check", "--base", "main"], AMBIENT);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let out = &run.stdout;
    assert!(
        out.starts_with("trunkline check: this branch against main ("),
        "{out}"
    );
    assert!(
        out.contains("policy: this change edits .github/trunkline.toml; the gates apply the base's copy until it merges"),
        "{out}"
    );
    let table: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("gate "))
        .take(4)
        .collect();
    assert_eq!(
        table,
        [
            "gate            verdict",
            "pr-size-gate    fail",
            "checklist-gate  skipped",
            "coverage-gate   skipped",
        ],
        "{out}"
    );
    assert!(
        out.contains("pr-size-gate: fail\n  - 152 changed lines, over the limit of 100"),
        "{out}"
    );
    assert!(!out.contains(CANARY_TOKEN));
}

#[test]
fn a_small_change_passes_and_a_policy_change_alone_is_said() {
    let r = branch("[pr-size]\nmax-lines = 100\n", 20, None);
    let run = trunkline(r.path(), &["check", "--base", "main"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("pr-size-gate    pass"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("policy: settings from .github/trunkline.toml at main (local git)"),
        "{}",
        run.stdout
    );
    // No policy at all: the defaults, and it says so.
    let r = TestRepo::new();
    r.write("a", "a\n");
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "f"]);
    r.write("b", lines(10, "b"));
    r.commit("f");
    let run = trunkline(r.path(), &["check", "--base", "main"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("policy: no .github/trunkline.toml at main: the gates' defaults"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_gate_that_cannot_decide_makes_it_exit_2() {
    let r = branch("[pr-size]\nmax-lines = 0\n", 5, None);
    let run = trunkline(r.path(), &["check", "--base", "main"]);
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("pr-size-gate    error"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("[pr-size] max-lines = 0: give a whole number, at least 1"),
        "{}",
        run.stdout
    );
    // No base to be found is an error too, saying what to pass.
    let r = TestRepo::new();
    r.write("a", "a\n");
    r.commit("base");
    let run = trunkline(r.path(), &["check"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("pass --base REV"), "{}", run.stderr);
    let run = trunkline(r.path(), &["check", "--base", "nope"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("--base nope: no such revision"),
        "{}",
        run.stderr
    );
    let outside = tempfile::tempdir().unwrap();
    let run = trunkline(outside.path(), &["check", "--base", "main"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_default_base_is_the_upstream() {
    let origin = TestRepo::new();
    origin.write(".github/trunkline.toml", "[pr-size]\nmax-lines = 10\n");
    origin.commit("base");
    let clone = tempfile::tempdir().unwrap();
    let work = clone.path().join("work");
    let out = std::process::Command::new("git")
        .args(["clone", "-q"])
        .arg(origin.path())
        .arg(&work)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let git = |args: &[&str]| {
        let o = std::process::Command::new("git")
            .arg("-C")
            .arg(&work)
            .args(args)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["config", "user.email", "dev@example.invalid"]);
    git(&["config", "user.name", "Dev"]);
    git(&["checkout", "-q", "-b", "feature", "--track", "origin/main"]);
    std::fs::write(work.join("x.txt"), lines(30, "x")).unwrap();
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "x"]);
    let run = trunkline(&work, &["check"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("against origin/main"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("30 changed lines, over the limit of 10"),
        "{}",
        run.stdout
    );
    // Without an upstream, origin/HEAD.
    git(&["checkout", "-q", "-b", "loose"]);
    let run = trunkline(&work, &["check"]);
    assert!(
        run.stdout.contains("against origin/HEAD"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn the_checklist_is_checked_against_the_template_at_the_base() {
    let r = TestRepo::new();
    r.write(
        ".github/pull_request_template.md",
        "## User flows tested\n- [ ] Checkout\n- [ ] Refund\n## Tests\n- [ ] Tests cover the change\n",
    );
    r.write(
        ".github/trunkline.toml",
        "[checklist]\nsection-rule = [\"User flows tested=at-least-one\"]\n",
    );
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "f"]);
    // The branch deletes an item from its own copy: the base's still counts.
    r.write(
        ".github/pull_request_template.md",
        "## User flows tested\n- [ ] Checkout\n",
    );
    r.commit("f");
    let body = r.path().join("body.md");
    std::fs::write(&body, "## User flows tested\n- [x] Checkout\n- [ ] Refund\n## Tests\n- [x] Tests cover the change\n").unwrap();
    let run = trunkline(
        r.path(),
        &[
            "check",
            "--base",
            "main",
            "--body-file",
            body.to_str().unwrap(),
        ],
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("checklist-gate  pass"),
        "{}",
        run.stdout
    );
    std::fs::write(
        &body,
        "## User flows tested\n- [x] Checkout\n- [ ] Refund\n",
    )
    .unwrap();
    let run = trunkline(
        r.path(),
        &[
            "check",
            "--base",
            "main",
            "--body-file",
            body.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let v = run.json();
    assert_eq!(v["schema"], 1);
    assert_eq!(v["verdict"], "fail");
    assert_eq!(v["gates"][1]["gate"], "checklist-gate");
    assert_eq!(v["gates"][1]["verdict"], "fail");
    assert!(
        v["gates"][1]["reasons"]
            .to_string()
            .contains("Tests cover the change"),
        "{v}"
    );
}

#[test]
fn coverage_runs_when_the_policy_names_reports_that_exist() {
    let r = branch(
        "[coverage]\nreports = [\"lcov.info\"]\nmin-total = 50\n",
        3,
        None,
    );
    let run = trunkline(r.path(), &["check", "--base", "main"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("coverage-gate   skipped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("no report at lcov.info: run the tests with coverage first"),
        "{}",
        run.stdout
    );
    std::fs::copy(
        workspace_root().join("tests/fixtures/coverage/sample.info"),
        r.path().join("lcov.info"),
    )
    .unwrap();
    let run = trunkline(r.path(), &["check", "--base", "main"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // Patch coverage against --base: the branch's changed source file has
    // no coverage data in the report, which warns (--unmeasured warn).
    assert!(
        run.stdout.contains("coverage-gate   warn"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("have no coverage data at all")
            && run.stdout.contains("src/feature.rs"),
        "{}",
        run.stdout
    );
    // The base's floor, not one the branch would set.
    let r = branch(
        "[coverage]\nreports = [\"lcov.info\"]\nmin-total = 90\n",
        3,
        Some("[coverage]\nreports = [\"lcov.info\"]\nmin-total = 10\n"),
    );
    std::fs::copy(
        workspace_root().join("tests/fixtures/coverage/sample.info"),
        r.path().join("lcov.info"),
    )
    .unwrap();
    let run = trunkline(r.path(), &["check", "--base", "main"]);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("coverage-gate   fail"),
        "{}",
        run.stdout
    );
}
