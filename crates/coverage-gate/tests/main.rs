//! The crate's integration tests, one binary (as ripgrep and zizmor do):
//! a module per area; shared helpers in the modules named below.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod action;
mod cli;
mod format_pairs;
mod ground_truth;
mod lcov_oracle;
mod patch_truth;
mod real_reports;
mod robustness;
mod store_api;
mod store_local;
mod support;
mod workflow_run;
