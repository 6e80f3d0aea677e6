//! The shape of every gate's `main`: parse, run, map to an exit code.
//!
//! A gate's `main.rs` is one call to [`run_gate`]. Everything that touches
//! the process (argv, environment, stdin, stdout, stderr) is handed in, so
//! tests drive the same path in-process with captured output and a made-up
//! environment.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::process::ExitCode;

use clap::{ArgMatches, CommandFactory, FromArgMatches};

use crate::api::token::Token;
use crate::context::{CommonArgs, GitHubContext};
use crate::git::Git;
use crate::policy::{KeyCheck, Location, TableSpec};
use crate::redact::{ScrubWriter, Secrets};
use crate::runner::env::Env;
use crate::runner::inputs::Layers;
use crate::runner::stdio::Draining;
use crate::verdict::{EXIT_ERROR, Format, Verdict, report_error};

/// A gate's command line: clap-derived, with [`CommonArgs`] flattened in.
pub trait GateCli: CommandFactory + FromArgMatches {
    fn common(&self) -> &CommonArgs;

    /// The gate's table in the policy file (`pr-size`, ...); `None` reads
    /// no file.
    fn policy_table() -> Option<&'static str> {
        None
    }

    /// Flags that describe one run rather than policy, so are not keys of
    /// the table (a revision, a PR number, a file of this run's).
    fn run_only_flags() -> &'static [&'static str] {
        &[]
    }

    /// Checks on values beyond their type: ranges and formats.
    fn policy_checks() -> &'static [KeyCheck] {
        &[]
    }

    /// A base revision given on the gate's own command line (pr-size-gate's
    /// `--base`): outside a pull request, policy is read there.
    fn local_base(&self) -> Option<&str> {
        None
    }

    /// Keys of the table that this run's command line already answers
    /// another way (coverage-gate's REPORT arguments answer `reports`): the
    /// command line wins, so the file's value is not added to it.
    fn keys_answered_here(&self) -> &'static [&'static str] {
        &[]
    }
}

/// What a front end (`trunkline check`) sets that a gate's command line
/// does not.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The base commit of the change: the policy file (and the checklist's
    /// template) are read there, as in a pull request.
    pub base: Option<String>,
    /// The head, to tell whether the change edits the policy file.
    pub head: Option<String>,
}

/// A gate's command line with every layer folded in.
pub struct Resolved<C> {
    pub cli: C,
    pub layers: Layers,
    pub matches: ArgMatches,
}

/// Reads gate `C`'s policy where this run says (the base commit; see
/// [`crate::policy`]) and folds its table under the flags and inputs
/// already in `layers`. Records the base and the file in `ctx`.
pub fn with_policy<C: GateCli>(
    options: &RunOptions,
    first: &C,
    mut layers: Layers,
    ctx: &mut GitHubContext,
) -> anyhow::Result<Resolved<C>> {
    let event = ctx.event_base_head();
    let local = first.local_base().map(str::to_owned);
    let (base, at_from) = match (&options.base, &event, &local) {
        (Some(b), ..) => (Some(b.clone()), "--base"),
        (None, Some((b, _)), _) => (Some(b.clone()), "the event's base commit"),
        (None, None, Some(b)) => (Some(b.clone()), "--base"),
        (None, None, None) if first.common().sha.is_some() => (None, "--sha"),
        (None, None, None) => (None, "GITHUB_SHA"),
    };
    ctx.base = base;
    if let Some(spec) = TableSpec::of::<C>() {
        let head = options
            .head
            .clone()
            .or_else(|| event.as_ref().map(|(_, h)| h.clone()))
            .or_else(|| local.as_ref().map(|_| "HEAD".to_owned()));
        let loc = Location {
            explicit: first.common().config.clone(),
            at: ctx.base.clone().or_else(|| ctx.sha.clone()),
            at_from: at_from.to_owned(),
            head,
        };
        let file = block_on(async {
            // The client is built only when the API may be needed, and
            // inside the runtime.
            let client = match &ctx.repo {
                Some(_) if loc.at.is_some() => Some(ctx.client()?),
                _ => None,
            };
            let api = client.as_ref().zip(ctx.repo.as_ref());
            crate::policy::read(&loc, &Git::new("."), api).await
        })??;
        let tables = file.tables()?;
        let mut table = tables
            .get(spec.table)
            .and_then(toml::Value::as_table)
            .cloned();
        if let Some(t) = table.as_mut() {
            for key in first.keys_answered_here() {
                t.remove(*key);
            }
        }
        spec.fill(&file.label(), table.as_ref(), &mut layers)?;
        let matches = layers
            .matches::<C>()
            .map_err(|e| anyhow::anyhow!("{}: {}", file.label(), first_line(&e)))?;
        spec.check_layers(&layers, &matches)?;
        ctx.policy = Some(file);
        let cli = C::from_arg_matches(&matches).map_err(|e| anyhow::anyhow!(first_line(&e)))?;
        return Ok(Resolved {
            cli,
            layers,
            matches,
        });
    }
    let matches = layers
        .matches::<C>()
        .map_err(|e| anyhow::anyhow!(first_line(&e)))?;
    let cli = C::from_arg_matches(&matches).map_err(|e| anyhow::anyhow!(first_line(&e)))?;
    Ok(Resolved {
        cli,
        layers,
        matches,
    })
}

/// A clap error's message, one line, without its `error: ` prefix.
fn first_line(e: &clap::Error) -> String {
    e.render()
        .to_string()
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_owned()
}

/// The process's channels, injected: what a front end hands [`run_gate`]
/// (the process's own, or a test's), and what a gate's `run` is handed in
/// turn (the same, scrubbed of secrets). A gate reads and prints only
/// through these, never through `std::io::stdin()` or `stdout()`.
pub struct GateIo<'a> {
    /// `--body-file -` and the like read this.
    pub stdin: &'a mut dyn Read,
    pub stdout: &'a mut dyn Write,
    pub stderr: &'a mut dyn Write,
}

/// Parses the command line (flags, then `INPUT_*`, then the policy file at
/// the base), resolves the context and runs the gate. Exit 0 pass or warn,
/// 1 fail, 2 could not decide.
pub fn run_gate<C, F>(
    gate: &str,
    argv: impl IntoIterator<Item = OsString>,
    env: &Env,
    io: GateIo<'_>,
    run: F,
) -> ExitCode
where
    C: GateCli,
    F: FnOnce(C, GitHubContext, &mut GateIo<'_>) -> anyhow::Result<Verdict>,
{
    run_gate_with(&RunOptions::default(), gate, argv, env, io, run)
}

/// [`run_gate`] for a front end that runs gates in-process, with what it
/// knows besides the command line.
pub fn run_gate_with<C, F>(
    options: &RunOptions,
    gate: &str,
    argv: impl IntoIterator<Item = OsString>,
    env: &Env,
    io: GateIo<'_>,
    run: F,
) -> ExitCode
where
    C: GateCli,
    F: FnOnce(C, GitHubContext, &mut GateIo<'_>) -> anyhow::Result<Verdict>,
{
    let GateIo {
        stdin,
        stdout,
        stderr,
    } = io;
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
    let parsed = Layers::with_inputs::<C>(argv.clone(), env)
        .and_then(|layers| layers.parse::<C>().map(|cli| (cli, layers)));
    let (first, layers) = match parsed {
        Ok(parsed) => parsed,
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
    let format = Format::resolve(first.common().format, env.in_actions());
    let mut ctx = match GitHubContext::resolve(first.common(), env) {
        Ok(mut ctx) => {
            ctx.secrets = secrets;
            ctx
        }
        Err(e) => return report_error(gate, &e, format, stdout, stderr),
    };
    let cli = match with_policy(options, &first, layers, &mut ctx) {
        Ok(resolved) => resolved.cli,
        Err(e) => return report_error(gate, &e, format, stdout, stderr),
    };
    // The API client's dry-run lines come out through the writer a dry run
    // prints to: stdout, or stderr under --format json, whose stdout holds
    // exactly one object.
    let pending = ctx.dry_run_lines.clone();
    let json = format == Format::Json;
    let mut stdout = Draining::new(stdout, (!json).then(|| pending.clone()));
    let mut stderr = Draining::new(stderr, json.then_some(pending));
    let mut io = GateIo {
        stdin,
        stdout: &mut stdout,
        stderr: &mut stderr,
    };
    let code = match run(cli, ctx, &mut io) {
        Ok(verdict) => ExitCode::from(verdict.exit_code()),
        Err(e) => report_error(gate, &e, format, &mut stdout, &mut stderr),
    };
    // Whatever the run left waiting; a closed pipe changes no exit code.
    let _ = stdout.flush();
    let _ = stderr.flush();
    code
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
