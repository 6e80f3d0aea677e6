//! The composite action: in step with the binary's flags, and its step run
//! for real with the freshly built binary on a saved pull_request event.

use std::path::{Path, PathBuf};

use action_runner::{check_action, run_step};
use clap::CommandFactory;

const BIN: &str = env!("CARGO_BIN_EXE_checklist-gate");

#[test]
fn the_action_matches_the_binary() {
    check_action("checklist-gate", &checklist_gate::cli::Cli::command());
}

#[test]
fn the_step_checks_the_event_body() {
    let d = tempfile::tempdir().unwrap();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/github-events/pull_request.opened.payload.json");
    let mut e: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).unwrap()).unwrap();
    e["pull_request"]["body"] = "- [ ] stale payload\n".into();
    let event = d.path().join("event.json");
    std::fs::write(&event, e.to_string()).unwrap();
    let fake = test_support::FakeGitHub::start();
    let mut pr = test_support::Pull::new(2, "Codertocat");
    pr.body = Some("## Flows\n- [ ] Checkout\n- [x] Refund\n## Safety\n- [x] Flag N/A\n".into());
    fake.add_pull("Codertocat/Hello-World", pr);
    let env = [
        ("GITHUB_EVENT_PATH", event.to_str().unwrap()),
        ("GITHUB_EVENT_NAME", "pull_request"),
        ("GITHUB_REPOSITORY", "Codertocat/Hello-World"),
        ("GITHUB_API_URL", fake.url()),
    ];
    let step = run_step(
        "checklist-gate",
        Path::new(BIN),
        d.path(),
        &[("section-rule", "Flows=at-least-one")],
        &env,
    );
    assert_eq!(step.code, 0, "{}", step.log);
    assert_eq!(
        step.outputs,
        vec![
            ("verdict".into(), "pass".into()),
            ("unchecked-count".into(), "0".into())
        ]
    );
    assert!(step.log.contains("fetched live"), "{}", step.log);
    let step = run_step("checklist-gate", Path::new(BIN), d.path(), &[], &env);
    assert_eq!(step.code, 1, "{}", step.log);
    assert_eq!(step.outputs[1], ("unchecked-count".into(), "1".into()));
}
