//! The crate's integration tests, one binary (as ripgrep and zizmor do):
//! a module per area; shared helpers in the modules named below.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]

mod octocrab_models;
