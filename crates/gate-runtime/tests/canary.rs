//! Token secrecy, end to end: a gate built on the runtime runs with a known
//! canary token through success, failure, API error, bad input and dry-run
//! paths in every format, and the token appears in none of what it prints
//! or writes, while the fake confirms the token was actually sent.

// Tests may unwrap and print: the lints apply outside tests only.
#![allow(clippy::unwrap_used, clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::Parser;
use gate_runtime::api::comment::{StickyTarget, upsert_sticky_comment};
use gate_runtime::runner::commands::{Annotation, Level, write_annotations};
use gate_runtime::{CommonArgs, Env, Format, GateCli, GateIo, GitHubContext, Verdict, block_on};
use test_support::testing::{CANARY_TOKEN, assert_no_canary, run_in_process};
use test_support::{FakeGitHub, Pull};

#[derive(Parser, Debug)]
#[command(name = "demo-gate")]
struct Cli {
    #[command(flatten)]
    common: CommonArgs,
    /// The PR to look at.
    #[arg(long)]
    pr: u64,
    /// Fail the gate.
    #[arg(long)]
    fail: bool,
}

impl GateCli for Cli {
    fn common(&self) -> &CommonArgs {
        &self.common
    }
}

fn demo(cli: Cli, mut ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    // The retry schedule is not under test here (retry.rs pins the default
    // one on computed delays): no real 1+2+4 s backoff.
    ctx.retry_policy = gate_runtime::api::retry::RetryPolicy {
        base_delay: std::time::Duration::from_millis(5),
        max_delay: std::time::Duration::from_millis(20),
        ..gate_runtime::api::retry::RetryPolicy::default()
    };
    let repo = ctx.require_repo()?.clone();
    let title = block_on(async {
        let client = ctx.client()?;
        let pr: serde_json::Value = client
            .get(&format!("{}/pulls/{}", repo.api_path(), cli.pr))
            .await?;
        let target = StickyTarget {
            repo: &repo,
            issue_number: cli.pr,
            key: "demo",
            untrusted_author: None,
        };
        upsert_sticky_comment(&client, &target, "demo says hi").await?;
        anyhow::Ok(pr["title"].as_str().unwrap_or_default().to_owned())
    })??;
    let verdict = if cli.fail {
        Verdict::Fail
    } else {
        Verdict::Pass
    };
    let reasons = vec![format!("looked at {title} with {:?}", ctx.token)];
    match ctx.format {
        Format::Json => gate_runtime::verdict::write_json_report(
            io.stdout,
            "demo",
            verdict,
            &reasons,
            &serde_json::json!({"context": format!("{ctx:?}")}),
        )?,
        Format::Github => {
            write_annotations(
                io.stdout,
                &[Annotation::new(Level::Error, format!("{reasons:?}"))],
            )?;
            ctx.outputs.set("verdict", verdict.as_str())?;
            ctx.outputs.set("debug", &format!("{ctx:?}"))?;
            ctx.summary.append(&format!("# demo\n{ctx:#?}\n"))?;
        }
        Format::Text => writeln!(io.stdout, "{verdict}: {reasons:?} {ctx:?}")?,
    }
    Ok(verdict)
}

struct Run {
    code: ExitCode,
    texts: Vec<String>,
}

fn run(fake: &FakeGitHub, args: &[&str], extra_env: &[(&str, &str)]) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let summary = dir.path().join("summary");
    let mut env = Env::from_pairs([
        ("GITHUB_TOKEN", CANARY_TOKEN),
        ("GITHUB_REPOSITORY", "acme/shop"),
        ("GITHUB_API_URL", fake.url()),
        ("GITHUB_OUTPUT", output.to_str().unwrap()),
        ("GITHUB_STEP_SUMMARY", summary.to_str().unwrap()),
    ]);
    for (k, v) in extra_env {
        env = env.with(*k, *v);
    }
    let argv: Vec<&str> = std::iter::once("demo-gate")
        .chain(args.iter().copied())
        .collect();
    let ran = run_in_process::<Cli, _>("demo", &argv, &env, b"", demo);
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    Run {
        code: ExitCode::from(u8::try_from(ran.code).unwrap()),
        texts: vec![ran.stdout, ran.stderr, read(&output), read(&summary)],
    }
}

fn fake() -> FakeGitHub {
    let fake = FakeGitHub::start();
    fake.add_repo("acme/shop", "main");
    let mut pr = Pull::new(3, "octocat");
    pr.title = "Add checkout".into();
    fake.add_pull("acme/shop", pr);
    fake
}

/// #20 (one I/O seam): the API client's dry-run lines reach the writer the
/// front end injected, never the process's own stdout: before the report in
/// text, on stderr under `--format json` (stdout holds one object), fenced
/// in `github`.
#[test]
fn dry_run_lines_come_out_through_the_injected_writers() {
    let fake = fake();
    let would = "would POST /repos/acme/shop/issues/3/comments";

    let r = run(&fake, &["--pr", "3", "--dry-run", "--format", "text"], &[]);
    assert_eq!(r.code, ExitCode::from(0), "{:?}", r.texts);
    let (at, report) = (r.texts[0].find(would), r.texts[0].find("pass: "));
    assert!(
        matches!((at, report), (Some(a), Some(b)) if a < b),
        "the dry-run line, then the report: {}",
        r.texts[0]
    );
    assert!(!r.texts[1].contains(would), "{}", r.texts[1]);

    let r = run(&fake, &["--pr", "3", "--dry-run", "--format", "json"], &[]);
    assert_eq!(r.code, ExitCode::from(0), "{:?}", r.texts);
    let one: serde_json::Value = serde_json::from_str(&r.texts[0])
        .unwrap_or_else(|e| panic!("stdout is one JSON object ({e}): {}", r.texts[0]));
    assert_eq!(one["verdict"], "pass");
    assert!(r.texts[1].contains(would), "{}", r.texts[1]);

    let r = run(
        &fake,
        &["--pr", "3", "--dry-run", "--format", "github"],
        &[],
    );
    assert_eq!(r.code, ExitCode::from(0), "{:?}", r.texts);
    let line = r.texts[0]
        .lines()
        .position(|l| l.contains(would))
        .unwrap_or_else(|| panic!("no dry-run line: {}", r.texts[0]));
    let lines: Vec<&str> = r.texts[0].lines().collect();
    assert!(
        lines[..line]
            .iter()
            .any(|l| l.starts_with("::stop-commands::")),
        "fenced: {}",
        r.texts[0]
    );
    // Nothing was written.
    assert!(
        fake.requests().iter().all(|q| q.method == "GET"),
        "{:?}",
        fake.requests()
    );
}

#[test]
fn the_token_never_appears_in_any_output() {
    let fake = fake();
    type Case<'a> = (Vec<&'a str>, Vec<(&'a str, &'a str)>, u8);
    let cases: Vec<Case> = vec![
        (vec!["--pr", "3", "--format", "text"], vec![], 0),
        (vec!["--pr", "3", "--format", "json", "--fail"], vec![], 1),
        (vec!["--pr", "3"], vec![("GITHUB_ACTIONS", "true")], 0),
        (
            vec!["--pr", "3", "--dry-run", "--format", "github"],
            vec![],
            0,
        ),
        // The API refuses: 404 for a PR that is not there.
        (vec!["--pr", "404", "--format", "github"], vec![], 2),
        // Bad input.
        (vec!["--pr", "3", "--repo", "not-a-repo"], vec![], 2),
        (vec!["--pr", "3", "--api-url", "ftp://nowhere"], vec![], 2),
        (vec!["--pr", "x"], vec![], 2),
        // Input from the environment, as a composite action passes it.
        (vec![], vec![("INPUT_PR", "3"), ("INPUT_FORMAT", "json")], 0),
    ];
    for (args, env, want) in cases {
        let r = run(&fake, &args, &env);
        assert_eq!(
            r.code,
            ExitCode::from(want),
            "{args:?} {env:?}: {:?}",
            r.texts
        );
        assert_no_canary(r.texts.iter().map(String::as_str));
    }
    // An API that stays down: retries exhaust, exit 2, still no token.
    fake.fail_next(1000, 500);
    fake.clear_requests();
    let r = run(&fake, &["--pr", "3", "--format", "json"], &[]);
    assert_eq!(r.code, ExitCode::from(2));
    assert!(
        r.texts[1].contains("gave up after 4 attempts"),
        "{}",
        r.texts[1]
    );
    // Retried as the policy says (its delays are pinned in retry.rs on
    // computed values, not waited out here).
    assert_eq!(fake.requests().len(), 4);
    assert_no_canary(r.texts.iter().map(String::as_str));

    // The token did reach GitHub, in the Authorization header only.
    let reqs = fake.requests();
    assert!(
        reqs.iter()
            .any(|r| r.header("authorization") == Some(&format!("Bearer {CANARY_TOKEN}")))
    );
    assert!(reqs.iter().all(|r| !r.path.contains(CANARY_TOKEN)
        && !r.query.contains(CANARY_TOKEN)
        && !r.body.contains(CANARY_TOKEN)));
}

#[test]
fn errors_are_one_line_with_the_endpoint_and_exit_2() {
    let fake = fake();
    let r = run(&fake, &["--pr", "404", "--format", "text"], &[]);
    assert_eq!(r.code, ExitCode::from(2));
    let stderr = &r.texts[1];
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("demo: error: GET /repos/acme/shop/pulls/404: HTTP 404"),
        "{stderr}"
    );
}

// Regression (review c39e92f): a usage error under `--format json` printed no JSON object.
#[test]
fn a_usage_error_under_json_is_still_one_json_object() {
    let fake = fake();
    let r = run(&fake, &["--pr", "many", "--format", "json"], &[]);
    assert_eq!(r.code, ExitCode::from(2));
    let v: serde_json::Value = serde_json::from_str(&r.texts[0]).unwrap();
    assert_eq!(v["gate"], "demo");
    assert!(v["reasons"][0].as_str().unwrap().contains("--pr"), "{v}");
    let r = run(&fake, &["--bogus"], &[("GITHUB_ACTIONS", "true")]);
    assert_eq!(r.code, ExitCode::from(2));
    // In Actions the token's mask comes first (hardening review, item 6).
    let lines: Vec<&str> = r.texts[0].lines().collect();
    assert!(lines[0].starts_with("::add-mask::"), "{}", r.texts[0]);
    assert!(
        lines[1].starts_with("::error title=demo could not decide::"),
        "{}",
        r.texts[0]
    );
}

#[test]
fn help_exits_zero_on_stdout() {
    let fake = fake();
    let r = run(&fake, &["--help"], &[]);
    assert_eq!(r.code, ExitCode::from(0));
    assert!(r.texts[0].contains("--dry-run"));
    assert!(r.texts[0].contains("--api-url"));
}

// Regression (#12.6, security review): `write_add_mask` existed and nothing called it; secrets went
// unmasked.
/// Hardening review, items 4 and 6: text a gate prints that holds the token
/// (a report symlinked to /proc/self/environ, a server echoing it) is
/// scrubbed, in Actions the runner is told to mask the token before anything
/// else, and an error quoting `##[...]` reaches stderr in no format the
/// runner reads outside the fence.
#[test]
fn printed_secrets_are_scrubbed_and_masked_first() {
    fn leaky(_: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
        ctx.secrets.add("slack-hook-secret-42");
        writeln!(io.stdout, "environ: GITHUB_TOKEN={CANARY_TOKEN}")?;
        writeln!(io.stderr, "webhook slack-hook-secret-42 echoed")?;
        anyhow::bail!("report line 3: ##[error]forged {CANARY_TOKEN}")
    }
    let dir = tempfile::tempdir().unwrap();
    for format in ["github", "text", "json"] {
        let env = Env::from_pairs([
            ("GITHUB_TOKEN", CANARY_TOKEN),
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "acme/shop"),
        ]);
        let ran = run_in_process::<Cli, _>(
            "demo",
            &["demo-gate", "--pr", "1", "--format", format],
            &env,
            b"",
            leaky,
        );
        assert_eq!(ran.code, 2);
        let (out, err) = (ran.stdout, ran.stderr);
        assert_no_canary([out.as_str(), err.as_str()]);
        let shown: Vec<&str> = out
            .lines()
            .chain(err.lines())
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        assert!(
            shown.iter().all(|l| !l.contains("slack-hook-secret-42")),
            "{format}: {shown:?}"
        );
        assert!(out.contains("GITHUB_TOKEN=***"), "{format}: {out}");
        let stderr_commands = test_support::testing::live_commands(&err);
        assert!(stderr_commands.is_empty(), "{format}: {err}");
        if format == "github" {
            let lines: Vec<&str> = out.lines().collect();
            assert_eq!(lines[0], format!("::add-mask::{CANARY_TOKEN}"), "{out}");
            assert!(out.contains("::add-mask::slack-hook-secret-42"), "{out}");
            let live = test_support::testing::live_commands(&out);
            assert!(
                live.iter().all(|c| c.starts_with("::add-mask::")
                    || c.starts_with("::error title=demo could not decide::")),
                "{live:?}"
            );
        } else {
            assert!(!out.contains("::add-mask::"), "{format}: {out}");
        }
    }
    drop(dir);
}
