//! Verdicts, exit codes, output formats and the one-line error printer.
//!
//! Every gate keeps the same contract: 0 passes (possibly with warnings),
//! 1 means the policy said no, 2 means the tool could not decide. Mixing up
//! "the gate said no" with "the tool broke" is the most common mistake in
//! this kind of tool, so the mapping lives here and only here.

use std::io::Write;
use std::process::ExitCode;

use serde::Serialize;

/// Exit code: the gate passes (possibly with warnings).
pub const EXIT_PASS: u8 = 0;
/// Exit code: the policy said no.
pub const EXIT_FAIL: u8 = 1;
/// Exit code: bad input, bad config, or an API that stayed unreachable.
pub const EXIT_ERROR: u8 = 2;

/// A gate's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Pass,
    Warn,
    Fail,
}

impl Verdict {
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Pass | Verdict::Warn => EXIT_PASS,
            Verdict::Fail => EXIT_FAIL,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Warn => "warn",
            Verdict::Fail => "fail",
        }
    }

    /// The worse of two verdicts.
    pub fn worst(self, other: Verdict) -> Verdict {
        self.max(other)
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a gate reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Plain text for a terminal.
    Text,
    /// One JSON object on stdout.
    Json,
    /// Workflow commands, step summary and outputs.
    Github,
}

impl Format {
    /// `github` inside Actions, `text` elsewhere, unless one was asked for.
    pub fn resolve(asked: Option<Format>, in_actions: bool) -> Format {
        asked.unwrap_or(if in_actions {
            Format::Github
        } else {
            Format::Text
        })
    }
}

pub use crate::contract::JsonReport;

/// Writes an untyped JSON report as one object and a newline; a gate's
/// report is typed ([`crate::contract`]).
pub fn write_json_report<T: Serialize>(
    out: &mut dyn Write,
    gate: &str,
    verdict: Verdict,
    reasons: &[String],
    details: &T,
) -> anyhow::Result<()> {
    JsonReport::new(gate, verdict, reasons, details).write(out)
}

/// The longest error line printed: each layer quotes at most a short
/// excerpt of its input, and this bounds what they add up to.
const MAX_ERROR_LINE: usize = 1_000;

/// An error's whole context chain on one line, as `a: b: c`, at most
/// `MAX_ERROR_LINE` characters.
pub fn error_line(err: &anyhow::Error) -> String {
    let text = format!("{err:#}");
    let line = text
        .split(['\r', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    match line.char_indices().nth(MAX_ERROR_LINE) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Prints a fatal error for the user and returns exit code 2. In `github`
/// format it is an error annotation only, so it shows on the run page: the
/// line quotes input, and a raw copy on stderr would be read by the runner
/// outside any fence (and could not be fenced there without racing the
/// annotation on stdout).
pub fn report_error(
    gate: &str,
    err: &anyhow::Error,
    format: Format,
    stdout: &mut dyn Write,
    stderr: &mut dyn Write,
) -> ExitCode {
    let line = error_line(err);
    // Output failures here have nowhere left to go; the exit code still says 2.
    if format != Format::Github {
        // Text and JSON runs can still be inside Actions, whose runner reads
        // the legacy `##[command]` form anywhere in a line.
        let shown = crate::runner::commands::neutralise_legacy(&line);
        let _ = writeln!(stderr, "{gate}: error: {shown}");
    }
    match format {
        Format::Github => {
            let ann = crate::runner::commands::Annotation::new(
                crate::runner::commands::Level::Error,
                &line,
            )
            .title(format!("{gate} could not decide"));
            let _ = writeln!(stdout, "{}", ann.to_command());
        }
        Format::Json => {
            // Exit 2 is no verdict: "error", never "fail", so a script that
            // reads only `verdict` cannot take "could not decide" for "no".
            let _ = crate::contract::write_line(
                stdout,
                &crate::contract::ErrorReport::new(gate, &line),
            );
        }
        Format::Text => {}
    }
    ExitCode::from(EXIT_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn exit_codes() {
        assert_eq!(Verdict::Pass.exit_code(), 0);
        assert_eq!(Verdict::Warn.exit_code(), 0);
        assert_eq!(Verdict::Fail.exit_code(), 1);
        assert_eq!(Verdict::Pass.worst(Verdict::Warn), Verdict::Warn);
        assert_eq!(Verdict::Fail.worst(Verdict::Warn), Verdict::Fail);
    }

    #[test]
    fn format_defaults() {
        assert_eq!(Format::resolve(None, true), Format::Github);
        assert_eq!(Format::resolve(None, false), Format::Text);
        assert_eq!(Format::resolve(Some(Format::Json), true), Format::Json);
    }

    #[test]
    fn error_chain_on_one_line() {
        let err = Err::<(), _>(std::io::Error::other("line 42: expected DA"))
            .context("reading lcov file coverage/lcov.info")
            .unwrap_err();
        assert_eq!(
            error_line(&err),
            "reading lcov file coverage/lcov.info: line 42: expected DA"
        );
        let multi = anyhow::anyhow!("first\nsecond\r\n");
        assert_eq!(error_line(&multi), "first second");
    }

    #[test]
    fn json_report_shape() {
        let mut out = Vec::new();
        write_json_report(
            &mut out,
            "demo",
            Verdict::Warn,
            &["r".to_owned()],
            &serde_json::json!({"extra": 1}),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(v["gate"], "demo");
        assert_eq!(v["verdict"], "warn");
        assert_eq!(v["reasons"][0], "r");
        assert_eq!(v["extra"], 1);
    }

    // Regression (#12.4, security review): the error line on stderr quoted report content outside
    // the fence.
    #[test]
    fn github_error_is_an_escaped_annotation() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = report_error(
            "demo",
            &anyhow::anyhow!("bad %input\n::error::x"),
            Format::Github,
            &mut out,
            &mut err,
        );
        assert_eq!(code, ExitCode::from(2));
        let out = String::from_utf8(out).unwrap();
        assert_eq!(out.lines().count(), 1);
        assert!(out.starts_with("::error title=demo could not decide::bad %25input"));
        // Hardening review, item 4: the raw line on stderr was read by the
        // runner outside the fence.
        assert!(err.is_empty(), "{}", String::from_utf8_lossy(&err));
    }

    #[test]
    fn error_lines_are_bounded() {
        let long = anyhow::anyhow!("{}", "x".repeat(5_000));
        let line = error_line(&long);
        assert_eq!(line.chars().count(), MAX_ERROR_LINE + 1);
        assert!(line.ends_with('…'));
    }

    // Regression (#13.8): exit 2 printed `"verdict":"fail"` in JSON.
    #[test]
    fn json_error_form_says_error_not_fail() {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = report_error(
            "demo",
            &anyhow::anyhow!("--body-file x: not UTF-8 text"),
            Format::Json,
            &mut out,
            &mut err,
        );
        assert_eq!(code, ExitCode::from(2));
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["verdict"], "error");
        assert_eq!(v["error"], true);
        assert_eq!(v["schema"], 1);
        assert_eq!(v["reasons"][0], "--body-file x: not UTF-8 text");
    }
}
