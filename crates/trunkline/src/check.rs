//! `trunkline check`: the pull-request gates on this branch, before a push.
//!
//! Each gate runs in-process through the same entry point as its binary
//! (`gate_runtime::run_gate_with`), with the branch's base as the pull
//! request's base: the policy file and the PR template are read there, as
//! in CI. Nothing ambient reaches the gates (no `GITHUB_*`, no `INPUT_*`,
//! no token), so the verdict is the same on any machine and needs no
//! network.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use gate_runtime::git::Git;
use gate_runtime::verdict::{EXIT_ERROR, EXIT_FAIL, EXIT_PASS};
use gate_runtime::{Env, GateCli, GateIo, GitHubContext, RunOptions, Verdict, run_gate_with};
use serde_json::{Value, json};

use crate::cli::{CheckArgs, OutputFormat};
use crate::config::read_policy;
use crate::gates::GATES;

/// One gate's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct GateResult {
    pub gate: &'static str,
    /// `pass`, `warn`, `fail`, `error` (could not decide) or `skipped`.
    pub verdict: String,
    pub reasons: Vec<String>,
}

impl GateResult {
    fn skipped(gate: &'static str, why: String) -> Self {
        Self {
            gate,
            verdict: "skipped".to_owned(),
            reasons: vec![why],
        }
    }
}

/// The base when none is given: the branch's upstream, else origin/HEAD.
fn default_base(git: &Git) -> anyhow::Result<String> {
    if let Ok(upstream) = git.run(&[
        "rev-parse",
        "--abbrev-ref",
        "--symbolic-full-name",
        "@{upstream}",
    ]) {
        if !upstream.is_empty() {
            return Ok(upstream);
        }
    }
    if git.resolve_commit("origin/HEAD").is_some() {
        return Ok("origin/HEAD".to_owned());
    }
    anyhow::bail!(
        "no base to check against: this branch has no upstream and there is no origin/HEAD; pass --base REV (e.g. --base main)"
    )
}

/// Runs one gate in-process with `--format json` and reads its report.
fn run_one<C: GateCli>(
    gate: &'static str,
    args: &[String],
    options: &RunOptions,
    stdin: &mut dyn Read,
    run: impl FnOnce(C, GitHubContext, &mut GateIo<'_>) -> anyhow::Result<Verdict>,
) -> GateResult {
    let argv: Vec<OsString> = std::iter::once(gate.to_owned())
        .chain(["--format".to_owned(), "json".to_owned()])
        .chain(args.iter().cloned())
        .map(OsString::from)
        .collect();
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_gate_with::<C, _>(
        options,
        gate,
        argv,
        &Env::default(),
        GateIo {
            stdin,
            stdout: &mut out,
            stderr: &mut err,
        },
        run,
    );
    let report: Option<Value> = serde_json::from_slice(&out).ok();
    let reasons: Vec<String> = report
        .as_ref()
        .and_then(|r| r["reasons"].as_array())
        .map(|a| {
            a.iter()
                .filter_map(|r| r.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let verdict = if code == ExitCode::from(EXIT_ERROR) {
        "error".to_owned()
    } else {
        report
            .as_ref()
            .and_then(|r| r["verdict"].as_str())
            .unwrap_or("error")
            .to_owned()
    };
    let reasons = if verdict == "error" && reasons.is_empty() {
        vec![String::from_utf8_lossy(&err).trim().to_owned()]
    } else {
        reasons
    };
    GateResult {
        gate,
        verdict,
        reasons,
    }
}

/// The exit code for a set of results: 2 if any gate could not decide,
/// else 1 if any failed, else 0.
pub fn exit_code(results: &[GateResult]) -> u8 {
    if results.iter().any(|r| r.verdict == "error") {
        EXIT_ERROR
    } else if results.iter().any(|r| r.verdict == "fail") {
        EXIT_FAIL
    } else {
        EXIT_PASS
    }
}

/// Runs `trunkline check`.
/// `stdin` is what `--body-file -` reads.
pub fn run(
    args: &CheckArgs,
    _env: &Env,
    stdin: &mut dyn Read,
    out: &mut dyn Write,
) -> anyhow::Result<u8> {
    let git = Git::new(".");
    if !git.is_repo() {
        anyhow::bail!("not inside a git repository; run trunkline check from your checkout");
    }
    let base = match &args.base {
        Some(b) => b.clone(),
        None => default_base(&git)?,
    };
    let base_sha = git.resolve_commit(&base).with_context(|| {
        format!("--base {base}: no such revision here; fetch it or name another")
    })?;
    let options = RunOptions {
        base: Some(base.clone()),
        head: Some("HEAD".to_owned()),
    };
    let policy = read_policy(args.config.as_deref(), Some(&base), Some("HEAD"))
        .with_context(|| format!("--base {base}"))?;
    let config: Vec<String> = args
        .config
        .iter()
        .flat_map(|c| ["--config".to_owned(), c.clone()])
        .collect();

    let mut results = Vec::new();
    let size_args: Vec<String> = ["--base".to_owned(), base.clone()]
        .into_iter()
        .chain(config.iter().cloned())
        .collect();
    results.push(run_one::<pr_size_gate::cli::Cli>(
        pr_size_gate::GATE,
        &size_args,
        &options,
        &mut std::io::empty(),
        pr_size_gate::run,
    ));

    results.push(match &args.body_file {
        Some(body) => {
            let a: Vec<String> = ["--body-file".to_owned(), body.clone()]
                .into_iter()
                .chain(config.iter().cloned())
                .collect();
            run_one::<checklist_gate::cli::Cli>(
                checklist_gate::GATE,
                &a,
                &options,
                stdin,
                checklist_gate::run,
            )
        }
        None => GateResult::skipped(
            checklist_gate::GATE,
            "no description to check: pass --body-file FILE with the pull request's description"
                .to_owned(),
        ),
    });

    results.push(coverage(&policy, &config, &base, &options));

    match args.format {
        OutputFormat::Json => {
            let v = json!({
                "schema": gate_runtime::contract::SCHEMA_VERSION,
                "base": base,
                "base_sha": base_sha,
                "verdict": match exit_code(&results) { EXIT_PASS => "pass", EXIT_FAIL => "fail", _ => "error" },
                "policy": policy.json(),
                "gates": results.iter().map(|r| json!({"gate": r.gate, "verdict": r.verdict, "reasons": r.reasons})).collect::<Vec<_>>(),
            });
            serde_json::to_writer(&mut *out, &v)?;
            writeln!(out)?;
        }
        OutputFormat::Text => write_text(out, &base, &base_sha, &policy, &results)?,
    }
    Ok(exit_code(&results))
}

/// coverage-gate, when the policy names reports and they exist. Patch
/// coverage against the base needs coverage-gate's `--base` (a later
/// version); it is passed as soon as the gate has it.
fn coverage(
    policy: &gate_runtime::policy::PolicyFile,
    config: &[String],
    base: &str,
    options: &RunOptions,
) -> GateResult {
    let gate = coverage_gate::GATE;
    let settings = GATES
        .iter()
        .find(|g| g.name == gate)
        .map(|g| (g.effective)(vec![gate.into()], &Env::default(), policy));
    let reports: Vec<String> = match settings {
        Some(Ok(values)) => values
            .into_iter()
            .find(|e| e.key == "reports")
            .map(|e| gate_runtime::runner::inputs::split_lines(&e.values))
            .unwrap_or_default(),
        Some(Err(e)) => {
            return GateResult {
                gate,
                verdict: "error".to_owned(),
                reasons: vec![gate_runtime::verdict::error_line(&e)],
            };
        }
        None => Vec::new(),
    };
    if reports.is_empty() {
        return GateResult::skipped(
            gate,
            format!(
                "no coverage reports named: set reports in [coverage] of {}",
                policy.path
            ),
        );
    }
    let missing: Vec<&String> = reports.iter().filter(|r| !Path::new(r).exists()).collect();
    if !missing.is_empty() {
        return GateResult::skipped(
            gate,
            format!(
                "no report at {}: run the tests with coverage first (the step in .github/workflows/trunkline-pr.yml)",
                missing
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    // Patch coverage against the same base as the other gates.
    let mut a: Vec<String> = config.to_vec();
    a.extend(["--base".to_owned(), base.to_owned()]);
    run_one::<coverage_gate::cli::Cli>(gate, &a, options, &mut std::io::empty(), coverage_gate::run)
}

fn write_text(
    out: &mut dyn Write,
    base: &str,
    base_sha: &str,
    policy: &gate_runtime::policy::PolicyFile,
    results: &[GateResult],
) -> anyhow::Result<()> {
    writeln!(
        out,
        "trunkline check: this branch against {base} ({})",
        &base_sha[..12.min(base_sha.len())]
    )?;
    let policy_line = policy
        .note()
        .unwrap_or_else(|| format!("no {} at {base}: the gates' defaults", policy.path));
    writeln!(out, "policy: {policy_line}\n")?;
    let width = results
        .iter()
        .map(|r| r.gate.len())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(out, "{:width$}  verdict", "gate")?;
    for r in results {
        writeln!(out, "{:width$}  {}", r.gate, r.verdict)?;
    }
    for r in results {
        writeln!(out, "\n{}: {}", r.gate, r.verdict)?;
        for reason in &r.reasons {
            writeln!(out, "  - {}", one_line(reason))?;
        }
    }
    Ok(())
}

/// Reasons quote PR text and file names: one line each, control characters
/// shown as spaces, so the terminal shows them and never runs them.
fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}
