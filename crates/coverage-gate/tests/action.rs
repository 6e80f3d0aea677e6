//! The composite action: in step with the binary's flags, and its step run
//! for real with a report.

use std::path::Path;

use action_runner::{check_action_with, run_step};
use clap::CommandFactory;

const BIN: &str = env!("CARGO_BIN_EXE_coverage-gate");

#[test]
fn the_action_matches_the_binary() {
    check_action_with(
        "coverage-gate",
        &coverage_gate::cli::Cli::command(),
        &["sha"],
    );
}

#[test]
fn the_step_reads_reports_and_sets_the_outputs() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("a.info"),
        "SF:src/a.rs\nDA:1,1\nDA:2,0\nBRDA:1,0,0,1\nBRDA:1,0,1,0\nend_of_record\n",
    )
    .unwrap();
    std::fs::write(
        d.path().join("b.info"),
        "SF:src/b.rs\nDA:1,1\nend_of_record\n",
    )
    .unwrap();
    let step = run_step(
        "coverage-gate",
        Path::new(BIN),
        d.path(),
        &[("reports", "a.info\nb.info\n"), ("min-total", "50")],
        &[],
    );
    assert_eq!(step.code, 0, "{}", step.log);
    assert_eq!(
        step.outputs,
        vec![
            ("verdict".into(), "pass".into()),
            ("line-percent".into(), "66.67".into()),
            ("branch-percent".into(), "50.00".into()),
            ("patch-percent".into(), String::new()),
            ("baseline-commit".into(), String::new()),
        ]
    );
    let step = run_step(
        "coverage-gate",
        Path::new(BIN),
        d.path(),
        &[("reports", "a.info"), ("min-total", "80")],
        &[],
    );
    assert_eq!(step.code, 1, "{}", step.log);
}
