//! Shared by the trunkline tests: running the binary hermetically in a
//! directory, and scaffolding repositories.

#![allow(dead_code, clippy::unwrap_used)]

use std::path::Path;

use test_support::testing::{Run, run_hermetic};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_trunkline");

/// A commit SHA the generated workflows pin in tests.
pub(crate) const PIN: &str = "0123456789abcdef0123456789abcdef01234567";

pub(crate) fn trunkline(cwd: &Path, args: &[&str]) -> Run {
    run_hermetic(BIN, cwd, args, &[])
}

pub(crate) fn trunkline_env(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    run_hermetic(BIN, cwd, args, env)
}

pub(crate) use test_support::contract::workspace_root;

/// `trunkline init` with the test pin; panics unless it succeeds.
pub(crate) fn init(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["init", "--actions-ref", PIN];
    args.extend_from_slice(extra);
    let run = trunkline(dir, &args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run
}

/// The committed JSON Schema of trunkline.toml.
pub(crate) fn committed_schema() -> serde_json::Value {
    let text =
        std::fs::read_to_string(workspace_root().join("schemas/trunkline.schema.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// A TOML document as JSON, for the schema.
pub(crate) fn toml_as_json(text: &str) -> serde_json::Value {
    let v: toml::Value = toml::from_str(text).unwrap();
    serde_json::to_value(v).unwrap()
}
