//! `trunkline`: one command over the gates.
//!
//! The five gates are strong alone, but adopting them meant writing five
//! workflows by hand and repeating each limit in several places. This crate
//! is the front end that makes them one system: `init` scaffolds the policy
//! file, the PR template and the workflows of the whole flow; `check` runs
//! the pull-request gates locally, in-process, exactly as CI will; `config`
//! shows the effective policy and its JSON Schema; `doctor` checks that
//! GitHub's settings make the gates count. It uses the gates as libraries
//! and never runs their binaries.

pub mod check;
pub mod cli;
pub mod config;
pub mod doctor;
pub mod gates;
pub mod init;
pub mod pins;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::Parser;
use gate_runtime::verdict::{EXIT_ERROR, error_line};
use gate_runtime::{Env, GateIo};

use crate::cli::{Cli, Command};

/// Runs `trunkline` with this command line and environment; output goes to
/// the writers handed in.
pub fn run(argv: impl IntoIterator<Item = OsString>, env: &Env, io: GateIo<'_>) -> ExitCode {
    let GateIo {
        stdin,
        stdout,
        stderr,
    } = io;
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = write!(stdout, "{}", e.render());
            return ExitCode::from(0);
        }
        Err(e) => {
            let _ = write!(stderr, "{}", e.render());
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let result = match cli.command {
        Command::Init(args) => init::run(&args, stdout),
        Command::Check(args) => check::run(&args, env, stdin, stdout),
        Command::Config(args) => config::run(&args, env, stdout),
        Command::Doctor(args) => doctor::run(&args, env, stdout),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            let _ = writeln!(stderr, "trunkline: error: {}", error_line(&e));
            ExitCode::from(EXIT_ERROR)
        }
    }
}
