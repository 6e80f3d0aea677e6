//! The one policy file, `.github/trunkline.toml`, read at the base commit.
//!
//! Each gate reads its own table of the file (`[pr-size]`, `[checklist]`,
//! `[coverage]`, `[tag]`, `[watch]`). The keys are the gate's long flag
//! names, derived from its clap definition rather than listed again, so a
//! new flag is a new key and the README's flag tables document the file too.
//! A key fills only a flag that neither the command line nor an action input
//! set ([`Layers`]).
//!
//! The file is policy, so inside a pull request it is read at the base
//! commit (local git when the checkout has it, else the contents API), never
//! at the head: a PR that loosens its own limits is judged by the base's
//! copy, and the report says the file changed.

use std::any::TypeId;
use std::ffi::{OsStr, OsString};

use std::path::Path;

use anyhow::{Context as _, bail};
use clap::{Arg, ArgAction, Args, Command};
use serde_json::{Value, json};

use crate::api::client::GitHubClient;
use crate::api::contents::file_at;
use crate::context::{CommonArgs, Repo};
use crate::git::{Git, short_rev};
use crate::runner::inputs::{Layers, Source};

/// Where the policy file lives in a repository.
pub const POLICY_PATH: &str = ".github/trunkline.toml";

/// The tables of the file, one per gate, in the flow's order.
pub const TABLES: [&str; 5] = ["pr-size", "checklist", "coverage", "tag", "watch"];

/// What a key's value must be beyond its type. Checked wherever the value
/// comes from (flag, input or file), so each source is named in the error.
#[derive(Clone, Copy)]
pub enum Check {
    /// A whole number at least this.
    AtLeast(u64),
    /// A number from 0 to 100.
    Percent,
    /// Whatever the gate's own parser accepts, described for the error.
    Valid {
        check: fn(&str) -> Result<(), String>,
        valid: &'static str,
    },
}

/// A [`Check`] on one key (a long flag name).
#[derive(Clone, Copy)]
pub struct KeyCheck {
    pub key: &'static str,
    pub check: Check,
}

/// The shape of a key's value, from its clap definition.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Bool,
    List,
    Integer,
    Number,
    Choice(Vec<String>),
    Text,
}

fn kind(arg: &Arg) -> Kind {
    match arg.get_action() {
        ArgAction::SetTrue | ArgAction::SetFalse => return Kind::Bool,
        ArgAction::Append => return Kind::List,
        _ => {}
    }
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|p| !p.is_hide_set())
        .map(|p| p.get_name().to_owned())
        .collect();
    if !choices.is_empty() {
        return Kind::Choice(choices);
    }
    let t = arg.get_value_parser().type_id();
    let integers = [
        TypeId::of::<u8>(),
        TypeId::of::<u16>(),
        TypeId::of::<u32>(),
        TypeId::of::<u64>(),
        TypeId::of::<usize>(),
        TypeId::of::<i32>(),
        TypeId::of::<i64>(),
    ];
    if integers.iter().any(|i| t == *i) {
        Kind::Integer
    } else if t == TypeId::of::<f64>() || t == TypeId::of::<f32>() {
        Kind::Number
    } else {
        Kind::Text
    }
}

/// One gate's table: its keys, from the gate's command line.
pub struct TableSpec {
    pub table: &'static str,
    command: Command,
    run_only: &'static [&'static str],
    checks: &'static [KeyCheck],
}

impl TableSpec {
    /// The table of gate `C`, when it reads one.
    pub fn of<C: crate::GateCli>() -> Option<Self> {
        Some(Self {
            table: C::policy_table()?,
            command: C::command(),
            run_only: C::run_only_flags(),
            checks: C::policy_checks(),
        })
    }

    /// The gate's command line.
    pub fn command(&self) -> &Command {
        &self.command
    }

    /// The flags that are keys: the gate's own long flags, less those that
    /// describe one run (the shared context flags, hidden ones, and the
    /// gate's run-only list).
    pub fn keys(&self) -> Vec<&Arg> {
        let shared = CommonArgs::augment_args(Command::new("shared"));
        let shared: Vec<&str> = shared.get_arguments().filter_map(Arg::get_long).collect();
        self.command
            .get_arguments()
            .filter(|a| {
                a.get_long().is_some_and(|l| {
                    !matches!(l, "help" | "version")
                        && !shared.contains(&l)
                        && !self.run_only.contains(&l)
                })
            })
            .filter(|a| !a.is_hide_set())
            .collect()
    }

    fn key(&self, name: &str) -> Option<&Arg> {
        self.keys().into_iter().find(|a| a.get_long() == Some(name))
    }

    fn check_of(&self, key: &str) -> Option<Check> {
        self.checks.iter().find(|c| c.key == key).map(|c| c.check)
    }

    /// What a key accepts, in words, for errors.
    fn valid_values(&self, arg: &Arg) -> String {
        let key = arg.get_long().unwrap_or_default();
        let check = self.check_of(key);
        let described = |fallback: &str| match check {
            Some(Check::Valid { valid, .. }) => valid.to_owned(),
            Some(Check::AtLeast(n)) => format!("a whole number, at least {n}"),
            Some(Check::Percent) => "a number from 0 to 100".to_owned(),
            None => fallback.to_owned(),
        };
        match kind(arg) {
            Kind::Bool => "true or false".to_owned(),
            Kind::List => format!(
                "a list of strings such as [\"a\", \"b\"], each {}",
                described("a string")
            ),
            Kind::Integer => described("a whole number, 0 or more"),
            Kind::Number => described("a number"),
            Kind::Choice(c) => format!("one of {}", c.join(", ")),
            Kind::Text => described("a string"),
        }
    }

    /// Checks one value's text against the key's parser and [`Check`]; the
    /// error carries the gate parser's own words, when it has some.
    fn check_text(&self, arg: &Arg, text: &str) -> Result<(), Option<String>> {
        if matches!(kind(arg), Kind::Bool) {
            return Ok(());
        }
        // The flag's own value parser: a command of this one flag parses it.
        Command::new("value")
            .arg(arg.clone().required(false))
            .try_get_matches_from([
                OsStr::new("value"),
                OsStr::new(&format!("--{}={text}", arg.get_long().unwrap_or_default())),
            ])
            .map_err(|_| None)?;
        let key = arg.get_long().unwrap_or_default();
        match self.check_of(key) {
            None => Ok(()),
            Some(Check::AtLeast(n)) => match text.trim().parse::<u64>() {
                Ok(v) if v >= n => Ok(()),
                _ => Err(None),
            },
            Some(Check::Percent) => match text.trim().parse::<f64>() {
                Ok(v) if (0.0..=100.0).contains(&v) => Ok(()),
                _ => Err(None),
            },
            Some(Check::Valid { check, .. }) => check(text).map_err(|e| Some(clip(&e))),
        }
    }

    /// Fills `layers` from this gate's table of the file: each key becomes
    /// its flag's arguments, for the flags no stronger layer set. Unknown
    /// keys, wrong types and values out of range are errors naming the file,
    /// the key and the valid values.
    pub fn fill(
        &self,
        file: &str,
        table: Option<&toml::Table>,
        layers: &mut Layers,
    ) -> anyhow::Result<()> {
        let Some(table) = table else { return Ok(()) };
        for (key, value) in table {
            let at = format!("{file} [{}] {key}", self.table);
            let Some(arg) = self.key(key) else {
                let known: Vec<&str> = self.keys().iter().filter_map(|a| a.get_long()).collect();
                bail!(
                    "{file}: [{}] has no key {}; the keys are {}",
                    self.table,
                    clip(key),
                    known.join(", ")
                );
            };
            let bad = || {
                anyhow::anyhow!(
                    "{at} = {}: give {}",
                    clip(&value.to_string()),
                    self.valid_values(arg)
                )
            };
            let texts: Vec<String> = match (kind(arg), value) {
                (Kind::Bool, toml::Value::Boolean(b)) => {
                    let flag = matches!(arg.get_action(), ArgAction::SetTrue);
                    let args = if *b == flag {
                        vec![OsString::from(format!("--{key}"))]
                    } else {
                        Vec::new()
                    };
                    layers.fill(key, args, Source::File(at.clone()));
                    continue;
                }
                (Kind::List, toml::Value::Array(items)) => items
                    .iter()
                    .map(|i| i.as_str().map(str::to_owned).ok_or_else(bad))
                    .collect::<anyhow::Result<_>>()?,
                (Kind::Integer, toml::Value::Integer(i)) => vec![i.to_string()],
                (Kind::Number, toml::Value::Integer(i)) => vec![i.to_string()],
                (Kind::Number, toml::Value::Float(f)) => vec![f.to_string()],
                (Kind::Choice(_) | Kind::Text, toml::Value::String(s)) => vec![s.clone()],
                _ => return Err(bad()),
            };
            for text in &texts {
                self.check_text(arg, text).map_err(|detail| match detail {
                    Some(d) => anyhow::anyhow!("{} ({d})", bad()),
                    None => bad(),
                })?;
            }
            let args = texts
                .into_iter()
                .map(|t| OsString::from(format!("--{key}={t}")))
                .collect();
            layers.fill(key, args, Source::File(at));
        }
        Ok(())
    }

    /// Checks the ranges of the values a flag or an input set, as the
    /// file's are, naming the source. (Formats a gate's own parser checks
    /// are left to the gate, whose message says more.)
    pub fn check_layers(&self, layers: &Layers, matches: &clap::ArgMatches) -> anyhow::Result<()> {
        for arg in self.keys() {
            let Some(key) = arg.get_long() else { continue };
            let source = layers.source(key);
            let range = matches!(self.check_of(key), Some(Check::AtLeast(_) | Check::Percent));
            if matches!(source, Source::Default | Source::File(_)) || !range {
                continue;
            }
            let Some(values) = matches.get_raw(arg.get_id().as_str()) else {
                continue;
            };
            for raw in values {
                let text = raw.to_string_lossy();
                if self.check_text(arg, &text).is_err() {
                    let from = match &source {
                        Source::Input(var) => format!("input {var} (--{key})"),
                        _ => format!("--{key}"),
                    };
                    bail!(
                        "{from} {}: give {}",
                        clip(&format!("{text:?}")),
                        self.valid_values(arg)
                    );
                }
            }
        }
        Ok(())
    }

    /// The effective value of every key, with its source, for `trunkline
    /// config`.
    pub fn effective(&self, layers: &Layers, matches: &clap::ArgMatches) -> Vec<Effective> {
        self.keys()
            .into_iter()
            .filter_map(|arg| {
                let key = arg.get_long()?.to_owned();
                let values: Vec<String> = matches
                    .get_raw(arg.get_id().as_str())
                    .map(|v| v.map(|s| s.to_string_lossy().into_owned()).collect())
                    .unwrap_or_default();
                Some(Effective {
                    source: layers.source(&key),
                    key,
                    values,
                })
            })
            .collect()
    }

    /// The JSON Schema of this table.
    pub fn schema(&self) -> Value {
        let mut properties = serde_json::Map::new();
        for arg in self.keys() {
            let Some(key) = arg.get_long() else { continue };
            let check = self.check_of(key);
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|d| d.to_string_lossy().into_owned())
                .collect();
            let mut s = match kind(arg) {
                Kind::Bool => json!({"type": "boolean"}),
                Kind::List => json!({"type": "array", "items": {"type": "string"}}),
                Kind::Integer => json!({"type": "integer", "minimum": 0}),
                Kind::Number => json!({"type": "number"}),
                Kind::Choice(c) => json!({"type": "string", "enum": c}),
                Kind::Text => json!({"type": "string"}),
            };
            match check {
                Some(Check::AtLeast(n)) => s["minimum"] = json!(n),
                Some(Check::Percent) => {
                    s["minimum"] = json!(0);
                    s["maximum"] = json!(100);
                }
                _ => {}
            }
            let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let help = help.trim();
            let mut description = if help.is_empty() || help.ends_with('.') {
                help.to_owned()
            } else {
                format!("{help}.")
            };
            if let Some(Check::Valid { valid, .. }) = check {
                description.push_str(&format!(" Give {valid}."));
            }
            s["description"] = json!(format!("{description} Flag: --{key}."));
            match (kind(arg), defaults.as_slice()) {
                (Kind::Bool, _) => s["default"] = json!(false),
                (Kind::Integer, [d]) => {
                    if let Ok(n) = d.parse::<u64>() {
                        s["default"] = json!(n);
                    }
                }
                (Kind::Number, [d]) => {
                    if let Ok(n) = d.parse::<f64>() {
                        s["default"] = json!(n);
                    }
                }
                (Kind::Choice(_) | Kind::Text, [d]) => s["default"] = json!(d),
                _ => {}
            }
            properties.insert(key.to_owned(), s);
        }
        json!({
            "type": "object",
            "additionalProperties": false,
            "properties": properties,
        })
    }
}

/// A key's effective value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    pub key: String,
    /// The values as text (several for a list); empty when unset.
    pub values: Vec<String>,
    pub source: Source,
}

/// The JSON Schema of the whole file, from the gates' tables.
pub fn schema(tables: &[TableSpec]) -> Value {
    let properties: serde_json::Map<String, Value> = tables
        .iter()
        .map(|t| (t.table.to_owned(), t.schema()))
        .collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "trunkline.toml",
        "description": "Trunkline's policy: one table per gate, keys are the gate's long flag names. Read at the base commit of a pull request.",
        "type": "object",
        "additionalProperties": false,
        "properties": properties,
    })
}

/// A value shown in an error: at most 60 characters of it.
fn clip(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > 60 {
        format!("{}...", one_line.chars().take(60).collect::<String>())
    } else {
        one_line
    }
}

/// How the policy file was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub enum Via {
    #[serde(rename = "local git")]
    LocalGit,
    #[serde(rename = "contents API")]
    ContentsApi,
    #[serde(rename = "working tree")]
    WorkingTree,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::LocalGit => "local git",
            Via::ContentsApi => "contents API",
            Via::WorkingTree => "working tree",
        }
    }
}

/// The policy file of one run, as read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyFile {
    /// The path, in the repository (or on disk for the working tree).
    pub path: String,
    /// The revision it was read at; `None` for the working tree.
    pub commit: Option<String>,
    pub via: Via,
    /// The text; `None` when there is no file there (the defaults apply).
    pub text: Option<String>,
    /// Whether the head's copy differs, when a head was compared.
    pub changed: Option<bool>,
}

impl PolicyFile {
    /// The file as errors name it: `.github/trunkline.toml at abc123456789`.
    pub fn label(&self) -> String {
        match &self.commit {
            Some(c) => format!("{} at {}", self.path, short_rev(c)),
            None => self.path.clone(),
        }
    }

    /// What the report says about the file; `None` when there is nothing
    /// to say (no file, and none added).
    pub fn note(&self) -> Option<String> {
        let found = self.text.is_some();
        let base = match &self.commit {
            Some(_) => "the base's copy",
            None => "this copy",
        };
        match (found, self.changed) {
            (_, Some(true)) => Some(format!(
                "this change edits {}; the gates apply {base}{} until it merges",
                self.path,
                if found { "" } else { " (none: the defaults)" }
            )),
            (true, _) => Some(format!(
                "settings from {} ({})",
                self.label(),
                self.via.as_str()
            )),
            (false, _) => None,
        }
    }

    /// The `policy` field of the JSON reports.
    pub fn json(&self) -> Value {
        json!(crate::contract::PolicyJson::from(self))
    }

    /// The tables, after checking the file's syntax and table names.
    pub fn tables(&self) -> anyhow::Result<toml::Table> {
        let Some(text) = &self.text else {
            return Ok(toml::Table::new());
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            anyhow::anyhow!(
                "{}{}: not valid TOML: {}",
                self.label(),
                line.map(|l| format!(": line {l}")).unwrap_or_default(),
                e.message().trim()
            )
        })?;
        for (name, value) in &table {
            if !TABLES.contains(&name.as_str()) {
                bail!(
                    "{}: unknown {} {}; the tables are [{}]",
                    self.label(),
                    if value.is_table() {
                        "table"
                    } else {
                        "top-level key"
                    },
                    clip(name),
                    TABLES.join("], [")
                );
            }
            if !value.is_table() {
                bail!(
                    "{}: {} must be a table, [{}]",
                    self.label(),
                    clip(name),
                    name
                );
            }
        }
        Ok(table)
    }
}

/// Where to read the file for one run.
#[derive(Debug, Clone, Default)]
pub struct Location {
    /// `--config FILE`, when given.
    pub explicit: Option<String>,
    /// The commit policy is read at: the pull request's base, or the run's
    /// commit. `None` reads the working tree.
    pub at: Option<String>,
    /// Where `at` came from, for errors: `--base`, `the event's base`, ...
    pub at_from: String,
    /// The head, to tell whether the change edits the file.
    pub head: Option<String>,
}

/// Reads the policy file where `loc` says: local git when the commit is in
/// the checkout, else the contents API (a 404 is no file), else the working
/// tree when no commit is named.
pub async fn read(
    loc: &Location,
    git: &Git,
    api: Option<(&GitHubClient, &Repo)>,
) -> anyhow::Result<PolicyFile> {
    let path = loc
        .explicit
        .clone()
        .unwrap_or_else(|| POLICY_PATH.to_owned());
    let on_disk = loc.at.is_none() || Path::new(&path).is_absolute();
    if on_disk {
        let full = if loc.explicit.is_some() {
            Path::new(&path).to_path_buf()
        } else {
            let top = git
                .run(&["rev-parse", "--show-toplevel"])
                .ok()
                .filter(|_| git.is_repo());
            match top {
                Some(top) => Path::new(&top).join(&path),
                None => git.dir().join(&path),
            }
        };
        let text = match std::fs::read(&full) {
            Ok(bytes) => Some(text_of(&bytes, &path)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && loc.explicit.is_none() => None,
            Err(e) => bail!("--config {path}: cannot read it ({e}); give the policy file's path"),
        };
        return Ok(PolicyFile {
            path,
            commit: None,
            via: Via::WorkingTree,
            text,
            changed: None,
        });
    }
    let repo_path = path.trim_start_matches("./").to_owned();
    let at = loc.at.clone().unwrap_or_default();
    let (text, via) = read_at(&repo_path, &at, git, api)
        .await
        .with_context(|| format!("{} {}", loc.at_from, short_rev(&at)))?
        .with_context(|| {
            format!(
                "{} {}: cannot read {repo_path} there: the commit is not in the checkout and no repository is known; fetch it (actions/checkout with fetch-depth: 0) or pass --repo",
                loc.at_from,
                short_rev(&at)
            )
        })?;
    if text.is_none() && loc.explicit.is_some() {
        bail!(
            "--config {path}: not found at the base commit {}; commit it on the base branch, or give an absolute path to read a file from disk",
            short_rev(&at)
        );
    }
    let changed = match &loc.head {
        Some(head) if head != &at => read_at(&repo_path, head, git, api)
            .await
            .ok()
            .flatten()
            .map(|(head_text, _)| head_text != text),
        _ => None,
    };
    Ok(PolicyFile {
        path: repo_path,
        commit: Some(at),
        via,
        text,
        changed,
    })
}

/// The file's text at `rev`, and how it was read; `Ok(None)` when the
/// commit can be read neither locally nor through the API.
async fn read_at(
    path: &str,
    rev: &str,
    git: &Git,
    api: Option<(&GitHubClient, &Repo)>,
) -> anyhow::Result<Option<(Option<String>, Via)>> {
    if git.is_repo() {
        if let Some(commit) = git.resolve_commit(rev) {
            let text = git
                .show_file(&commit, path)
                .map(|b| text_of(&b, path))
                .transpose()?;
            return Ok(Some((text, Via::LocalGit)));
        }
    }
    let is_sha = rev.len() >= 7 && rev.chars().all(|c| c.is_ascii_hexdigit());
    match api {
        Some((client, repo)) if is_sha => {
            let text = file_at(client, repo, path, rev).await.with_context(|| {
                format!(
                    "reading {path} at {} through the contents API",
                    short_rev(rev)
                )
            })?;
            Ok(Some((text, Via::ContentsApi)))
        }
        _ if !is_sha && !git.is_repo() => {
            bail!("cannot read {path} there: not inside a git repository; run from the checkout")
        }
        _ if !is_sha => {
            bail!("no such revision here, so {path} cannot be read there; fetch it first")
        }
        _ => Ok(None),
    }
}

fn text_of(bytes: &[u8], path: &str) -> anyhow::Result<String> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| anyhow::anyhow!("{path}: not UTF-8 text; save the policy file as UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::GateCli;
    use clap::Parser;

    #[derive(Parser, Debug)]
    struct Cli {
        #[command(flatten)]
        common: CommonArgs,
        #[arg(long, default_value_t = 400)]
        max_lines: u64,
        #[arg(long)]
        warn_lines: Option<u64>,
        #[arg(long, default_value_t = 0.0)]
        tolerance: f64,
        #[arg(long)]
        comment: bool,
        #[arg(long)]
        ignore: Vec<String>,
        #[arg(long, value_enum, default_value = "fail")]
        on_inconclusive: Mode,
        #[arg(long, default_value = "2d")]
        max_branch_age: String,
        #[arg(long)]
        base: Option<String>,
        #[arg(long, hide = true)]
        now: Option<String>,
    }

    #[derive(Debug, Clone, Copy, clap::ValueEnum)]
    enum Mode {
        Fail,
        Warn,
    }

    impl GateCli for Cli {
        fn common(&self) -> &CommonArgs {
            &self.common
        }
        fn policy_table() -> Option<&'static str> {
            Some("pr-size")
        }
        fn run_only_flags() -> &'static [&'static str] {
            &["base"]
        }
        fn policy_checks() -> &'static [KeyCheck] {
            &[
                KeyCheck {
                    key: "max-lines",
                    check: Check::AtLeast(1),
                },
                KeyCheck {
                    key: "tolerance",
                    check: Check::Percent,
                },
                KeyCheck {
                    key: "max-branch-age",
                    check: Check::Valid {
                        check: |s| {
                            if s.ends_with('d') {
                                Ok(())
                            } else {
                                Err("no".into())
                            }
                        },
                        valid: "a number of days such as 2d",
                    },
                },
            ]
        }
    }

    fn file(text: &str) -> PolicyFile {
        PolicyFile {
            path: POLICY_PATH.into(),
            commit: Some("a".repeat(40)),
            via: Via::LocalGit,
            text: Some(text.into()),
            changed: None,
        }
    }

    fn resolve(argv: &[&str], env: &[(&str, &str)], text: &str) -> anyhow::Result<(Cli, Layers)> {
        let argv: Vec<&str> = std::iter::once("gate")
            .chain(argv.iter().copied())
            .collect();
        let mut layers =
            Layers::with_inputs::<Cli>(argv, &crate::Env::from_pairs(env.iter().copied()))?;
        let spec = TableSpec::of::<Cli>().unwrap();
        let f = file(text);
        let tables = f.tables()?;
        spec.fill(
            &f.label(),
            tables.get("pr-size").and_then(toml::Value::as_table),
            &mut layers,
        )?;
        let matches = layers.matches::<Cli>()?;
        spec.check_layers(&layers, &matches)?;
        Ok((layers.parse::<Cli>()?, layers))
    }

    #[test]
    fn keys_leave_out_context_hidden_and_run_only_flags() {
        let spec = TableSpec::of::<Cli>().unwrap();
        let keys: Vec<&str> = spec.keys().iter().filter_map(|a| a.get_long()).collect();
        assert_eq!(
            keys,
            [
                "max-lines",
                "warn-lines",
                "tolerance",
                "comment",
                "ignore",
                "on-inconclusive",
                "max-branch-age"
            ]
        );
    }

    #[test]
    fn precedence_flag_input_file_default() {
        let text = "[pr-size]\nmax-lines = 100\nwarn-lines = 50\ncomment = true\nignore = [\"a/**\", \"!a/b\"]\ntolerance = 1.5\n";
        let (cli, layers) =
            resolve(&["--max-lines", "7"], &[("INPUT_WARN_LINES", "9")], text).unwrap();
        assert_eq!(cli.max_lines, 7);
        assert_eq!(layers.source("max-lines"), Source::Flag);
        assert_eq!(cli.warn_lines, Some(9));
        assert_eq!(
            layers.source("warn-lines"),
            Source::Input("INPUT_WARN_LINES".into())
        );
        assert!(cli.comment);
        assert_eq!(cli.ignore, ["a/**", "!a/b"]);
        assert_eq!(cli.tolerance, 1.5);
        assert!(
            matches!(layers.source("comment"), Source::File(at) if at.ends_with("[pr-size] comment"))
        );
        assert_eq!(layers.source("on-inconclusive"), Source::Default);
    }

    #[test]
    fn an_input_saying_false_beats_the_file() {
        let (cli, layers) = resolve(
            &[],
            &[("INPUT_COMMENT", "false")],
            "[pr-size]\ncomment = true\n",
        )
        .unwrap();
        assert!(!cli.comment);
        assert_eq!(
            layers.source("comment"),
            Source::Input("INPUT_COMMENT".into())
        );
    }

    #[test]
    fn other_tables_are_not_this_gates() {
        let (cli, _) = resolve(&[], &[], "[checklist]\nanything = 1\n[pr-size]\n").unwrap();
        assert_eq!(cli.max_lines, 400);
    }

    #[test]
    fn bad_files_name_file_key_and_valid_values() {
        let cases = [
            (
                "[pr-size]\nmax-line = 1\n",
                "[pr-size] has no key max-line; the keys are max-lines,",
            ),
            (
                "[pr-size]\nmax-lines = \"many\"\n",
                "[pr-size] max-lines = \"many\": give a whole number, at least 1",
            ),
            (
                "[pr-size]\nmax-lines = 0\n",
                "max-lines = 0: give a whole number, at least 1",
            ),
            (
                "[pr-size]\nmax-lines = -3\n",
                "max-lines = -3: give a whole number, at least 1",
            ),
            (
                "[pr-size]\ntolerance = 101\n",
                "tolerance = 101: give a number from 0 to 100",
            ),
            (
                "[pr-size]\ncomment = \"yes\"\n",
                "comment = \"yes\": give true or false",
            ),
            (
                "[pr-size]\nignore = \"a/**\"\n",
                "ignore = \"a/**\": give a list of strings",
            ),
            (
                "[pr-size]\nignore = [1]\n",
                "ignore = [1]: give a list of strings",
            ),
            (
                "[pr-size]\non-inconclusive = \"maybe\"\n",
                "on-inconclusive = \"maybe\": give one of fail, warn",
            ),
            (
                "[pr-size]\nmax-branch-age = \"2h\"\n",
                "max-branch-age = \"2h\": give a number of days such as 2d (no)",
            ),
            ("[pr-size]\nbase = \"main\"\n", "[pr-size] has no key base"),
            ("[pr-size]\nnow = \"x\"\n", "[pr-size] has no key now"),
            (
                "[pr-size]\nformat = \"json\"\n",
                "[pr-size] has no key format",
            ),
            (
                "[pr-szie]\n",
                "unknown table pr-szie; the tables are [pr-size], [checklist]",
            ),
            ("max-lines = 3\n", "unknown top-level key max-lines"),
            ("pr-size = 3\n", "pr-size must be a table"),
            ("[pr-size]\nmax-lines = \n", "line 2: not valid TOML"),
        ];
        for (text, want) in cases {
            let err = resolve(&[], &[], text).unwrap_err();
            let msg = format!("{err:#}");
            assert!(msg.contains(want), "{text:?}: {msg}");
            assert!(
                msg.starts_with(".github/trunkline.toml at aaaaaaaaaaaa"),
                "{msg}"
            );
        }
    }

    #[test]
    fn flags_and_inputs_meet_the_same_checks() {
        let err = resolve(&["--max-lines", "0"], &[], "").unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "--max-lines \"0\": give a whole number, at least 1"
        );
        let err = resolve(&[], &[("INPUT_TOLERANCE", "200")], "").unwrap_err();
        assert_eq!(
            format!("{err:#}"),
            "input INPUT_TOLERANCE (--tolerance) \"200\": give a number from 0 to 100"
        );
    }

    #[test]
    fn long_values_are_clipped_in_errors() {
        let long = "x".repeat(5000);
        let err = resolve(&[], &[], &format!("[pr-size]\nmax-lines = \"{long}\"\n")).unwrap_err();
        assert!(format!("{err:#}").len() < 300, "{err:#}");
    }

    #[test]
    fn schema_follows_the_flags() {
        let s = TableSpec::of::<Cli>().unwrap().schema();
        assert_eq!(s["additionalProperties"], false);
        let p = &s["properties"];
        assert_eq!(p["max-lines"]["type"], "integer");
        assert_eq!(p["max-lines"]["minimum"], 1);
        assert_eq!(p["max-lines"]["default"], 400);
        assert_eq!(p["tolerance"]["maximum"], 100);
        assert_eq!(p["comment"]["type"], "boolean");
        assert_eq!(p["ignore"]["items"]["type"], "string");
        assert_eq!(p["on-inconclusive"]["enum"], json!(["fail", "warn"]));
        assert!(p.get("base").is_none());
        let whole = schema(&[TableSpec::of::<Cli>().unwrap()]);
        assert_eq!(whole["properties"]["pr-size"], s);
    }

    #[test]
    fn notes() {
        let mut f = file("[pr-size]\n");
        assert_eq!(
            f.note().as_deref(),
            Some("settings from .github/trunkline.toml at aaaaaaaaaaaa (local git)")
        );
        f.changed = Some(true);
        assert_eq!(
            f.note().as_deref(),
            Some(
                "this change edits .github/trunkline.toml; the gates apply the base's copy until it merges"
            )
        );
        f.text = None;
        f.changed = Some(false);
        assert_eq!(f.note(), None);
    }
}
