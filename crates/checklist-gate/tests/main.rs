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
mod cmark_gfm_oracle;
mod common;
mod real_inputs;
