//! The shape of every gate's `main`: parse, run, map to an exit code.
//!
//! A gate's `main.rs` is one call to [`run_gate`]. Everything that touches
//! the process (argv, environment, stdout, stderr) is handed in, so tests
//! drive the same path in-process with captured output and a made-up
//! environment.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

use crate::context::{CommonArgs, GitHubContext};
use crate::env::Env;
use crate::inputs::parse_with_inputs;
use crate::redact::{ScrubWriter, Secrets};
use crate::token::Token;
use crate::verdict::{EXIT_ERROR, Format, Verdict, report_error};

/// A gate's command line: clap-derived, with [`CommonArgs`] flattened in.
pub trait GateCli: CommandFactory + FromArgMatches {
    fn common(&self) -> &CommonArgs;
}

/// What a gate's `run` is handed.
pub struct GateIo<'a> {
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

/// Parses the command line (flags, then `INPUT_*`), resolves the context and
/// runs the gate. Exit 0 pass or warn, 1 fail, 2 could not decide.
pub fn run_gate<C, F>(
    gate: &str,
    argv: impl IntoIterator<Item = OsString>,
    env: &Env,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
    run: F,
) -> ExitCode
where
    C: GateCli,
    F: FnOnce(C, GitHubContext, &mut GateIo<'_>) -> anyhow::Result<Verdict>,
{
    let argv: Vec<OsString> = argv.into_iter().collect();
    // Everything the gate prints passes through the scrubbers; in Actions
    // the runner is also told to mask each secret before any other line.
    let secrets = Secrets::new();
    if let Some(token) = Token::from_env(env) {
        secrets.add(token.expose());
    }
    let announce =
        Format::resolve(requested_format(&argv, env), env.in_actions()) == Format::Github;
    let mut stdout = ScrubWriter::new(stdout, secrets.clone(), announce);
    let mut stderr = ScrubWriter::new(stderr, secrets.clone(), false);
    let (stdout, stderr): (&mut dyn Write, &mut dyn Write) = (&mut stdout, &mut stderr);
    let cli = match parse_with_inputs::<C>(argv.clone(), env) {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            // --help, --version.
            let _ = write!(stdout, "{}", e.render());
            return ExitCode::from(0);
        }
        Err(e) => {
            // The flags did not parse, so read --format as best we can: a
            // JSON consumer still gets one object, Actions an annotation.
            let format = Format::resolve(requested_format(&argv, env), env.in_actions());
            if format == Format::Text {
                let _ = write!(stderr, "{}", e.render());
                return ExitCode::from(EXIT_ERROR);
            }
            let message = e
                .render()
                .to_string()
                .lines()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ")
                .to_owned();
            return report_error(
                gate,
                &anyhow::anyhow!("{message}; see --help"),
                format,
                stdout,
                stderr,
            );
        }
    };
    let format = Format::resolve(cli.common().format, env.in_actions());
    let ctx = match GitHubContext::resolve(cli.common(), env) {
        Ok(mut ctx) => {
            ctx.secrets = secrets;
            ctx
        }
        Err(e) => return report_error(gate, &e, format, stdout, stderr),
    };
    let mut io = GateIo {
        stdout: &mut *stdout,
        stderr: &mut *stderr,
    };
    match run(cli, ctx, &mut io) {
        Ok(verdict) => ExitCode::from(verdict.exit_code()),
        Err(e) => report_error(gate, &e, format, stdout, stderr),
    }
}

/// `--format` from raw arguments or `INPUT_FORMAT`, without clap.
fn requested_format(argv: &[OsString], env: &Env) -> Option<Format> {
    let parse = |v: &str| match v {
        "json" => Some(Format::Json),
        "github" => Some(Format::Github),
        "text" => Some(Format::Text),
        _ => None,
    };
    let args: Vec<String> = argv
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    for (i, a) in args.iter().enumerate() {
        if let Some(v) = a.strip_prefix("--format=") {
            return parse(v);
        }
        if a == "--format" {
            return args.get(i + 1).and_then(|v| parse(v));
        }
    }
    env.get("INPUT_FORMAT").and_then(parse)
}

/// Runs a future to completion on a single-threaded runtime: the gates make
/// a handful of sequential calls and need no more.
pub fn block_on<F: std::future::Future>(future: F) -> anyhow::Result<F::Output> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("starting the async runtime: {e}"))?;
    Ok(rt.block_on(future))
}
