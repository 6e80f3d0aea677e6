//! Freshly generated workflows through zizmor and actionlint: no finding.
//!
//! Through `action_runner::lint_workflows`, the one linting routine:
//! `.ci/run` installs both tools and sets TRUNKLINE_REQUIRE_TOOLS=1;
//! elsewhere a missing tool skips with a note.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

use crate::support;

use action_runner::lint_workflows;
use support::*;
use test_support::testing::TestRepo;

fn generated(markers: &[&str]) -> TestRepo {
    let r = TestRepo::new();
    for m in markers {
        r.write(m, "{}\n");
    }
    init(r.path(), &["--health-url", "https://shop.example/health"]);
    r
}

const SETS: [&[&str]; 3] = [
    &[],
    &["Cargo.toml"],
    &[
        "package.json",
        "go.mod",
        "pyproject.toml",
        "pom.xml",
        "build.gradle.kts",
    ],
];

#[test]
fn zizmor_and_actionlint_find_nothing() {
    for set in SETS {
        let r = generated(set);
        let files: Vec<std::path::PathBuf> = std::fs::read_dir(r.path().join(".github/workflows"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 4);
        lint_workflows(&files).assert_clean(&format!("the workflows generated for {set:?}"));
    }
}
