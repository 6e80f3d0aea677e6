//! The README's workflows, run against the fake GitHub: a fork's pull
//! request is decided with no write, and the `workflow_run` job posts the
//! comment. The steps' `with:` inputs are read from the README itself, so
//! the documented split is the one tested.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use action_runner::run_step;
use serde_json::json;
use test_support::{FakeGitHub, FileChange, Pull};
use yaml_rust2::{Yaml, YamlLoader};

const BIN: &str = env!("CARGO_BIN_EXE_coverage-gate");
const R: &str = "acme/shop";

use test_support::testing::sha;

/// The workflows in the README's coverage-gate section.
fn workflows() -> Vec<Yaml> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .unwrap();
    let start = readme.find("\n## coverage-gate").unwrap();
    let end = start + 1 + readme[start + 1..].find("\n## ").unwrap();
    readme[start..end]
        .split("```yaml\n")
        .skip(1)
        .map(|b| {
            YamlLoader::load_from_str(b.split("```").next().unwrap())
                .unwrap()
                .remove(0)
        })
        .collect()
}

/// The `with:` of the coverage-gate step of the workflow triggered by `on`.
fn gate_inputs(workflows: &[Yaml], on: &str) -> Vec<(String, String)> {
    let wf = workflows
        .iter()
        .find(|w| !w["on"][on].is_badvalue())
        .unwrap_or_else(|| panic!("no README workflow on {on}"));
    let jobs = wf["jobs"].as_hash().unwrap();
    let step = jobs
        .values()
        .flat_map(|j| j["steps"].as_vec().unwrap())
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.contains("/actions/coverage-gate@"))
        })
        .unwrap();
    step["with"]
        .as_hash()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = match v {
                Yaml::Boolean(b) => b.to_string(),
                Yaml::Integer(i) => i.to_string(),
                other => other.as_str().unwrap().to_owned(),
            };
            (k.as_str().unwrap().to_owned(), v)
        })
        .collect()
}

#[test]
fn the_readme_fork_split_comments_from_workflow_run() {
    let all = workflows();
    assert_eq!(all.len(), 3, "record, pull request, workflow_run");
    let fake = FakeGitHub::start();
    fake.add_repo(R, "main");
    fake.add_commit(R, &sha(1), "m1", &[]);
    fake.add_commit(R, &sha(2), "m2", &[&sha(1)]);
    fake.add_commit(R, &sha(0x71), "h1", &[&sha(2)]);
    let mut pr = Pull::new(7, "octocat");
    pr.base_sha = sha(2);
    pr.head_sha = sha(0x71);
    let mut f = FileChange::modified("src/app.py", 4, 0);
    f.patch = Some("@@ -10,1 +10,5 @@\n x\n+a = 1\n+b = 2\n+c = 3\n+d = 4".into());
    pr.files = vec![f];
    fake.add_pull(R, pr);
    let report: String = (1..=14)
        .map(|l| format!("DA:{l},{}\n", u32::from(l <= 12)))
        .collect();
    let report = format!("SF:src/app.py\n{report}end_of_record\n");

    let ws = tempfile::tempdir().unwrap();
    std::fs::write(ws.path().join("lcov.info"), &report).unwrap();
    let events = tempfile::tempdir().unwrap();
    let env = |name: &str, payload: serde_json::Value, head: &str| {
        let path = events.path().join(format!("{name}.json"));
        std::fs::write(&path, payload.to_string()).unwrap();
        vec![
            ("GITHUB_EVENT_NAME".to_owned(), name.to_owned()),
            ("GITHUB_EVENT_PATH".to_owned(), path.display().to_string()),
            ("GITHUB_REPOSITORY".to_owned(), R.to_owned()),
            ("GITHUB_API_URL".to_owned(), fake.url().to_owned()),
            ("GITHUB_SHA".to_owned(), head.to_owned()),
        ]
    };
    let as_refs = |v: &[(String, String)]| -> Vec<(String, String)> { v.to_vec() };

    // 1. The fork's pull request: decided (patch 50% < 80%), nothing written.
    let with = gate_inputs(&all, "pull_request");
    let with_refs: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let pr_env = as_refs(&env(
        "pull_request",
        json!({
            "action": "opened", "number": 7,
            "pull_request": {
                "number": 7, "user": {"login": "octocat"},
                "head": {"ref": "feature", "sha": sha(0x71), "repo": {"full_name": "octocat/shop"}},
                "base": {"ref": "main", "sha": sha(2), "repo": {"full_name": R}}
            },
            "repository": {"full_name": R, "default_branch": "main"}
        }),
        &sha(0x71),
    ));
    let pr_env_refs: Vec<(&str, &str)> = pr_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let step = run_step(
        "coverage-gate",
        Path::new(BIN),
        ws.path(),
        &with_refs,
        &pr_env_refs,
    );
    assert_eq!(step.code, 1, "{}", step.log);
    assert!(
        step.log.contains("a fork's token is read-only"),
        "{}",
        step.log
    );
    assert!(fake.writes().is_empty(), "{:?}", fake.writes());
    assert!(
        step.outputs
            .contains(&("patch-percent".into(), "50.00".into()))
    );

    // 2. The workflow_run job in the base repository: the artifact's report,
    // the pull request found by the run's head commit, the comment posted.
    let ws2 = tempfile::tempdir().unwrap();
    std::fs::write(ws2.path().join("lcov.info"), &report).unwrap();
    let with = gate_inputs(&all, "workflow_run");
    let with_refs: Vec<(&str, &str)> = with.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let run_env = as_refs(&env(
        "workflow_run",
        json!({
            "action": "completed",
            "workflow_run": {
                "id": 99, "head_sha": sha(0x71), "event": "pull_request",
                "conclusion": "failure", "pull_requests": [],
                "head_repository": {"full_name": "octocat/shop"}
            },
            "repository": {"full_name": R, "default_branch": "main"}
        }),
        &sha(2),
    ));
    let run_env_refs: Vec<(&str, &str)> = run_env
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let step = run_step(
        "coverage-gate",
        Path::new(BIN),
        ws2.path(),
        &with_refs,
        &run_env_refs,
    );
    assert!(step.code == 0 || step.code == 1, "{}", step.log);
    let comments = &fake.repo(R).comments[&7];
    assert_eq!(comments.len(), 1, "{}", step.log);
    assert!(
        comments[0].body.contains("#### Patch coverage: 50.00%"),
        "{}",
        comments[0].body
    );
    assert!(
        comments[0].body.contains("no coverage record"),
        "{}",
        comments[0].body
    );
    // Only the comment was written.
    assert!(
        fake.writes()
            .iter()
            .all(|w| w.path.ends_with("/issues/7/comments")),
        "{:?}",
        fake.writes()
    );
}
