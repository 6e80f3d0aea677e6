//! The composite action: in step with the binary's flags, and its step run
//! for real here with the freshly built binary.

use std::path::Path;

use action_runner::{check_action, run_shared_script, run_step};
use clap::CommandFactory;
use test_support::testing::{TestRepo, lines};

const BIN: &str = env!("CARGO_BIN_EXE_pr-size-gate");

#[test]
fn the_action_matches_the_binary() {
    check_action("pr-size-gate", &pr_size_gate::cli::Cli::command());
}

#[test]
fn the_step_runs_the_binary_and_sets_the_outputs() {
    let r = TestRepo::new();
    r.write("a.txt", "a\n");
    r.commit("base");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("src/big.rs", lines(120, "big"));
    r.write("package-lock.json", lines(5000, "lock"));
    r.commit("work");
    let step = run_step(
        "pr-size-gate",
        Path::new(BIN),
        r.path(),
        &[
            ("base", "main"),
            ("max-lines", "100"),
            ("ignore", "# nothing\n"),
        ],
        &[],
    );
    assert_eq!(step.code, 1, "{}", step.log);
    assert!(
        step.log
            .contains("::error title=Pull request too large::120 changed lines"),
        "{}",
        step.log
    );
    assert_eq!(
        step.outputs,
        vec![
            ("verdict".into(), "fail".into()),
            ("counted-lines".into(), "120".into()),
            ("size-label".into(), "M".into()),
        ]
    );
    let step = run_step(
        "pr-size-gate",
        Path::new(BIN),
        r.path(),
        &[("base", "main")],
        &[],
    );
    assert_eq!(step.code, 0, "{}", step.log);
    assert_eq!(step.outputs[0], ("verdict".into(), "pass".into()));
}

#[test]
fn a_missing_binary_or_unknown_gate_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out) = run_shared_script(
        &["pr-size-gate"],
        &[("TRUNKLINE_BIN_DIR", dir.path().to_str().unwrap())],
    );
    assert_eq!(code, 2);
    assert!(out.contains("is not an executable"), "{out}");
    let (code, _) = run_shared_script(&["rm -rf"], &[]);
    assert_eq!(code, 2);
}
