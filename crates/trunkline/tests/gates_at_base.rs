//! Real gates read the policy file at the pull request's base through the
//! contents API when the checkout lacks the base: the base's copy decides,
//! a 404 means the defaults, a 5xx is retried, and the report says when the
//! pull request edits the file.

#![allow(clippy::unwrap_used)]

use gate_runtime::Env;
use serde_json::Value;
use test_support::testing::{CANARY_TOKEN, run_in_process};
use test_support::{FakeGitHub, FileChange, Pull};

const R: &str = "acme/shop";
const BASE: &str = "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0";
const HEAD: &str = "e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1";

fn fake_with_pr(lines: u64) -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo(R, "main");
    let mut pr = Pull::new(4, "mona");
    pr.base_sha = BASE.into();
    pr.head_sha = HEAD.into();
    pr.files = vec![FileChange::modified("src/a.rs", lines, 0)];
    fake.add_pull(R, pr);
    fake
}

fn pr_size(fake: &FakeGitHub) -> (i32, Value) {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    let payload = serde_json::json!({
        "action": "synchronize",
        "number": 4,
        "pull_request": {
            "number": 4, "body": null, "draft": false, "user": {"login": "mona"}, "labels": [],
            "base": {"ref": "main", "sha": BASE}, "head": {"ref": "f", "sha": HEAD},
        },
        "repository": {"full_name": R},
    });
    std::fs::write(&event, payload.to_string()).unwrap();
    let env = Env::from_pairs([
        ("GITHUB_TOKEN", CANARY_TOKEN),
        ("GITHUB_REPOSITORY", R),
        ("GITHUB_API_URL", fake.url()),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
    ]);
    let ran = run_in_process::<pr_size_gate::cli::Cli, _>(
        "pr-size-gate",
        &["pr-size-gate", "--format", "json"],
        &env,
        b"",
        pr_size_gate::run,
    );
    (ran.code, ran.json())
}

#[test]
fn the_bases_copy_decides_and_the_edit_is_reported() {
    let fake = fake_with_pr(150);
    fake.put_file(
        R,
        BASE,
        ".github/trunkline.toml",
        b"[pr-size]\nmax-lines = 100\n",
    );
    fake.put_file(
        R,
        HEAD,
        ".github/trunkline.toml",
        b"[pr-size]\nmax-lines = 1000\n",
    );
    let (code, v) = pr_size(&fake);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["max_lines"], 100);
    assert_eq!(v["policy"]["source"], "contents API");
    assert_eq!(v["policy"]["commit"], BASE);
    assert_eq!(v["policy"]["changed"], true);
}

#[test]
fn no_file_at_the_base_is_the_defaults() {
    let fake = fake_with_pr(150);
    let (code, v) = pr_size(&fake);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["max_lines"], 400);
    assert_eq!(v["policy"]["found"], false);
}

#[test]
fn a_5xx_on_the_file_is_retried() {
    let fake = fake_with_pr(150);
    fake.put_file(
        R,
        BASE,
        ".github/trunkline.toml",
        b"[pr-size]\nmax-lines = 100\n",
    );
    fake.inject(
        test_support::Fault::new(test_support::FaultKind::Status(502), 1).on_path("contents"),
    );
    let (code, v) = pr_size(&fake);
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["max_lines"], 100);
    let tries = fake
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/contents/.github/trunkline.toml"))
        .count();
    // The base twice (a 502, then the file), the head once.
    assert_eq!(tries, 3);
}
