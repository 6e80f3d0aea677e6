//! What the report-reading integration tests share: the gate run on
//! reports, and its totals.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use test_support::testing::run_hermetic;

pub const BIN: &str = env!("CARGO_BIN_EXE_coverage-gate");

/// `tests/fixtures/coverage` at the workspace root.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/coverage")
}

/// The gate's totals: found and hit for lines, branches and functions,
/// and the number of files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GateTotals {
    pub lines: (u64, u64),
    pub branches: (u64, u64),
    pub functions: (u64, u64),
    pub files: u64,
}

/// Runs the gate with `args` (reports and flags) and `--format json`; it
/// must pass.
pub fn gate_totals(args: &[&str]) -> GateTotals {
    let cwd = tempfile::tempdir().unwrap();
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let out = run_hermetic(BIN, cwd.path(), &all, &[]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    let v = out.json();
    let t = &v["totals"];
    let pair = |f: &str, h: &str| (t[f].as_u64().unwrap(), t[h].as_u64().unwrap());
    GateTotals {
        lines: pair("lines_found", "lines_hit"),
        branches: pair("branches_found", "branches_hit"),
        functions: pair("functions_found", "functions_hit"),
        files: v["files"].as_u64().unwrap(),
    }
}
