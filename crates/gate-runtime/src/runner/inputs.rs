//! Action inputs as flags: every `--foo-bar` also reads `INPUT_FOO_BAR`.
//!
//! Composite actions hand inputs to the binary through `env:` only (never
//! through `${{ }}` in a script), so the binary must take them from the
//! environment. Rather than annotating each flag, the mapping is derived from
//! the clap definition itself, so a gate cannot forget one. A flag given on
//! the command line wins over its input; an empty input counts as unset,
//! because GitHub passes inputs that were not given as empty strings. Below
//! both sits the policy file ([`crate::policy`]); [`Layers`] remembers which
//! layer gave each value.

use std::collections::BTreeMap;
use std::ffi::OsString;

use clap::{ArgAction, ArgMatches, CommandFactory, FromArgMatches, parser::ValueSource};

use crate::runner::env::Env;

/// The environment variable an action input `--long` arrives in.
pub fn input_var(long: &str) -> String {
    format!("INPUT_{}", long.to_ascii_uppercase().replace('-', "_"))
}

/// Where a flag's value came from, strongest first: a flag beats its
/// action input, which beats the policy file, which beats the default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The command line.
    Flag,
    /// An action input: the `INPUT_*` variable.
    Input(String),
    /// The policy file: where, as `FILE [table] key`.
    File(String),
    /// The built-in default.
    Default,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Flag => f.write_str("flag"),
            Source::Input(var) => write!(f, "input {var}"),
            Source::File(at) => write!(f, "file {at}"),
            Source::Default => f.write_str("default"),
        }
    }
}

/// A command line with the weaker layers folded in: each flag the user did
/// not give is filled from its `INPUT_*` variable, and then (see
/// [`crate::policy`]) from the policy file. Every value remembers its
/// [`Source`].
#[derive(Debug, Clone)]
pub struct Layers {
    argv: Vec<OsString>,
    injected: Vec<OsString>,
    sources: BTreeMap<String, Source>,
}

impl Layers {
    /// The command line and the action inputs of `C`'s flags.
    pub fn with_inputs<C: CommandFactory>(
        argv: impl IntoIterator<Item = impl Into<OsString>>,
        env: &Env,
    ) -> Result<Self, clap::Error> {
        let argv: Vec<OsString> = argv.into_iter().map(Into::into).collect();
        let cmd = C::command();
        // First pass: which flags did the command line give? Errors (a
        // required argument an input will supply, --help) are dealt with in
        // the real pass.
        let given = cmd
            .clone()
            .ignore_errors(true)
            .try_get_matches_from(argv.iter())
            .ok();
        let mut layers = Self {
            argv,
            injected: Vec::new(),
            sources: BTreeMap::new(),
        };
        for arg in cmd.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            if matches!(long, "help" | "version") {
                continue;
            }
            let from_cli = given
                .as_ref()
                .and_then(|m| m.value_source(arg.get_id().as_str()))
                == Some(ValueSource::CommandLine);
            if from_cli {
                layers.sources.insert(long.to_owned(), Source::Flag);
                continue;
            }
            let var = input_var(long);
            let Some(value) = env.get(&var) else { continue };
            match arg.get_action() {
                ArgAction::SetTrue | ArgAction::SetFalse => {
                    let on = parse_bool(value).ok_or_else(|| {
                        C::command().error(
                            clap::error::ErrorKind::InvalidValue,
                            format!("input {var} (--{long}) must be true or false, got {value:?}"),
                        )
                    })?;
                    let wants_flag = on == matches!(arg.get_action(), ArgAction::SetTrue);
                    if wants_flag {
                        layers.injected.push(format!("--{long}").into());
                    }
                }
                ArgAction::Count => {
                    let n: u8 = value.trim().parse().map_err(|_| {
                        C::command().error(
                            clap::error::ErrorKind::InvalidValue,
                            format!("input {var} (--{long}) must be a small number, got {value:?}"),
                        )
                    })?;
                    layers
                        .injected
                        .extend((0..n).map(|_| OsString::from(format!("--{long}"))));
                }
                _ => layers.injected.push(format!("--{long}={value}").into()),
            }
            // An input counts even when it says false: it beats the file.
            layers.sources.insert(long.to_owned(), Source::Input(var));
        }
        Ok(layers)
    }

    /// Where flag `--long` got its value.
    pub fn source(&self, long: &str) -> Source {
        self.sources.get(long).cloned().unwrap_or(Source::Default)
    }

    /// Whether a flag or an input set `--long`, so a weaker layer may not.
    pub fn is_set(&self, long: &str) -> bool {
        self.sources.contains_key(long)
    }

    /// Fills `--long` from a weaker layer with these arguments (already in
    /// `--long=value` form), unless a stronger layer set it.
    pub fn fill(&mut self, long: &str, args: Vec<OsString>, source: Source) {
        if self.is_set(long) {
            return;
        }
        self.injected.extend(args);
        self.sources.insert(long.to_owned(), source);
    }

    /// The full argument list: the program name, the injected values, then
    /// the user's arguments. Injected values go first, so a trailing `--` or
    /// positional list is left intact.
    fn full_argv(&self) -> Vec<OsString> {
        let mut full = Vec::with_capacity(self.argv.len() + self.injected.len());
        let mut rest = self.argv.iter().cloned();
        full.extend(rest.next());
        full.extend(self.injected.iter().cloned());
        full.extend(rest);
        full
    }

    /// The matches of every layer together.
    pub fn matches<C: CommandFactory>(&self) -> Result<ArgMatches, clap::Error> {
        C::command().try_get_matches_from(self.full_argv())
    }

    /// Parses every layer together into `C`.
    pub fn parse<C: CommandFactory + FromArgMatches>(&self) -> Result<C, clap::Error> {
        C::from_arg_matches(&self.matches::<C>()?)
    }
}

/// Parses `argv` into `C`, filling every flag not given on the command line
/// from its `INPUT_*` variable in `env`.
pub fn parse_with_inputs<C: CommandFactory + FromArgMatches>(
    argv: impl IntoIterator<Item = impl Into<OsString>>,
    env: &Env,
) -> Result<C, clap::Error> {
    Layers::with_inputs::<C>(argv, env)?.parse()
}

pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" | "1" => Some(true),
        "false" | "no" | "off" | "0" => Some(false),
        _ => None,
    }
}

/// Splits a repeatable flag's values where each value may itself be a
/// newline-separated list (how a multi-line action input arrives): blank
/// lines and `#` comment lines are dropped, surrounding space trimmed.
pub fn split_lines(values: &[String]) -> Vec<String> {
    values
        .iter()
        .flat_map(|v| v.lines())
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[arg(long, default_value_t = 400)]
        max_lines: u64,
        #[arg(long)]
        warn_lines: Option<u64>,
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        ignore: Vec<String>,
        #[arg(long, required = true)]
        base: String,
        reports: Vec<String>,
    }

    fn parse(argv: &[&str], env: &[(&str, &str)]) -> Result<Cli, clap::Error> {
        let argv: Vec<&str> = std::iter::once("gate")
            .chain(argv.iter().copied())
            .collect();
        parse_with_inputs::<Cli>(argv, &Env::from_pairs(env.iter().copied()))
    }

    #[test]
    fn inputs_fill_flags() {
        let cli = parse(
            &[],
            &[
                ("INPUT_MAX_LINES", "250"),
                ("INPUT_DRY_RUN", "true"),
                ("INPUT_BASE", "origin/main"),
                ("INPUT_IGNORE", "a/**\n!a/keep"),
            ],
        )
        .unwrap();
        assert_eq!(cli.max_lines, 250);
        assert!(cli.dry_run);
        assert_eq!(cli.base, "origin/main");
        assert_eq!(split_lines(&cli.ignore), vec!["a/**", "!a/keep"]);
    }

    #[test]
    fn command_line_wins_over_input() {
        let cli = parse(
            &["--max-lines", "10", "--base=x"],
            &[("INPUT_MAX_LINES", "250"), ("INPUT_BASE", "y")],
        )
        .unwrap();
        assert_eq!(cli.max_lines, 10);
        assert_eq!(cli.base, "x");
    }

    #[test]
    fn empty_input_is_unset() {
        let cli = parse(
            &["--base", "b"],
            &[
                ("INPUT_MAX_LINES", ""),
                ("INPUT_WARN_LINES", ""),
                ("INPUT_DRY_RUN", ""),
            ],
        )
        .unwrap();
        assert_eq!(cli.max_lines, 400);
        assert_eq!(cli.warn_lines, None);
        assert!(!cli.dry_run);
    }

    #[test]
    fn false_input_leaves_flag_off() {
        let cli = parse(&["--base", "b"], &[("INPUT_DRY_RUN", "false")]).unwrap();
        assert!(!cli.dry_run);
    }

    #[test]
    fn bad_boolean_input_names_the_input() {
        let err = parse(&["--base", "b"], &[("INPUT_DRY_RUN", "maybe")]).unwrap_err();
        assert!(err.to_string().contains("INPUT_DRY_RUN"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn bad_value_from_input_is_a_usage_error() {
        let err = parse(&["--base", "b"], &[("INPUT_MAX_LINES", "lots")]).unwrap_err();
        assert!(err.to_string().contains("--max-lines"), "{err}");
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn values_that_look_like_flags_stay_values() {
        let cli = parse(&["r1", "--", "--r2"], &[("INPUT_BASE", "--weird")]).unwrap();
        assert_eq!(cli.base, "--weird");
        assert_eq!(cli.reports, vec!["r1", "--r2"]);
    }

    #[test]
    fn missing_required_still_errors() {
        let err = parse(&[], &[]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
    }

    #[test]
    fn input_var_names() {
        assert_eq!(input_var("foo-bar"), "INPUT_FOO_BAR");
        assert_eq!(input_var("api-url"), "INPUT_API_URL");
    }
}
