//! The composite action: in step with the binary's flags, and its step run
//! for real on a real repository.

use std::path::Path;

use action_runner::{check_action_with, run_step};
use clap::CommandFactory;
use test_support::testing::TestRepo;

const BIN: &str = env!("CARGO_BIN_EXE_tag-on-staging");

#[test]
fn the_action_matches_the_binary() {
    // --sha is a context flag elsewhere, but an input here: the commit to tag.
    check_action_with(
        "tag-on-staging",
        &tag_on_staging::cli::Cli::command(),
        &["sha"],
    );
}

#[test]
fn the_step_tags_and_sets_the_outputs() {
    let r = TestRepo::new();
    r.write("a", "a");
    r.commit("chore: init");
    r.git(&["tag", "-a", "v2.0.0", "-m", "v2.0.0"]);
    r.write("a", "b");
    let head = r.commit("feat: new thing");
    let step = run_step(
        "tag-on-staging",
        Path::new(BIN),
        r.path(),
        &[("local", "true"), ("dry-run", "true"), ("sha", &head)],
        &[],
    );
    assert_eq!(step.code, 0, "{}", step.log);
    let get = |k: &str| {
        step.outputs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap()
    };
    assert_eq!(get("tag"), "v2.1.0");
    assert_eq!(get("previous-tag"), "v2.0.0");
    assert_eq!(get("bump"), "minor");
    assert_eq!(get("created"), "false");
    assert!(get("changelog").contains("- feat: new thing"));
    assert!(step.log.contains("would tag"), "{}", step.log);
    // Without --dry-run, local mode in Actions refuses: the tag would never
    // reach GitHub.
    let step = run_step(
        "tag-on-staging",
        Path::new(BIN),
        r.path(),
        &[("local", "true"), ("sha", &head)],
        &[],
    );
    assert_eq!(step.code, 2, "{}", step.log);
    assert!(step.log.contains("never reaches GitHub"), "{}", step.log);
}
