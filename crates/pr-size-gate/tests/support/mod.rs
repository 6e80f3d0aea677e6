//! Shared helpers for this gate's CLI tests.

#![allow(dead_code, unreachable_pub, unused_imports)]

use std::path::{Path, PathBuf};

pub use test_support::testing::{Run, TestRepo, lines};

pub const BIN: &str = env!("CARGO_BIN_EXE_pr-size-gate");

/// Runs the binary in `cwd`, hermetically, with extra env.
pub fn run_in(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    test_support::testing::run_hermetic(BIN, cwd, args, env)
}

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/github-events")
        .join(name)
}
