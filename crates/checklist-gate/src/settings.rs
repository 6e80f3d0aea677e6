//! The command line, checked and converted once into what the stages use.
//!
//! Patterns and section rules are compiled here, before any read, so a bad
//! one is an error (exit 2) whatever the description says; the later stages
//! take [`Settings`] and never see `Cli`.

use gate_runtime::runner::inputs::split_lines;
use regex::Regex;

use crate::cli::Cli;
use crate::policy::{self, parse_section_rule};

/// Everything the stages need from the command line.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The rules the policy checks; the template is a fact, read at the
    /// base commit, and joins them in `decide`.
    pub rules: policy::Settings,
    /// Read the description from this file (`-` is stdin).
    pub body_file: Option<String>,
    /// `--template`: the template's path.
    pub template: Option<String>,
    /// Set a commit status with this context.
    pub status_context: Option<String>,
    /// Keep a sticky comment on the pull request.
    pub comment: bool,
}

impl Settings {
    pub fn new(cli: &Cli) -> anyhow::Result<Self> {
        Ok(Self {
            rules: policy::Settings {
                template: None,
                required: regexes(&cli.required, "--required")?,
                optional: regexes(&cli.optional, "--optional")?,
                section_rules: split_lines(&cli.section_rule)
                    .iter()
                    .map(|s| parse_section_rule(s).map_err(anyhow::Error::msg))
                    .collect::<anyhow::Result<_>>()?,
                na_marker: cli.na_marker.clone(),
                skip_authors: skip_authors(&cli.skip_authors),
                require_checklist: cli.require_checklist,
                require_patterns: regexes(&cli.require_pattern, "--require-pattern")?,
            },
            body_file: cli.body_file.clone(),
            template: cli.template.clone(),
            status_context: cli.status_context.clone(),
            comment: cli.comment,
        })
    }
}

fn regexes(values: &[String], flag: &str) -> anyhow::Result<Vec<Regex>> {
    split_lines(values)
        .iter()
        .map(|p| {
            Regex::new(p).map_err(|e| {
                // The regex crate's message repeats the whole pattern; keep
                // only its reason, and a clipped pattern.
                let text = e.to_string();
                let why = text
                    .lines()
                    .find_map(|l| l.trim().strip_prefix("error: "))
                    .unwrap_or("it does not compile");
                anyhow::anyhow!(
                    "{flag} {:?}: not a valid regular expression: {why}",
                    policy::clip(p)
                )
            })
        })
        .collect()
}

/// `--skip-authors`: comma- or newline-separated; `none` alone is nobody.
fn skip_authors(values: &[String]) -> Vec<String> {
    let logins: Vec<String> = split_lines(values)
        .iter()
        .flat_map(|l| l.split(','))
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    match logins.as_slice() {
        [only] if only.eq_ignore_ascii_case("none") => Vec::new(),
        _ => logins,
    }
}
