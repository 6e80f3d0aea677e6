//! `trunkline config`: the effective policy, each value with its source.

use std::ffi::OsString;
use std::io::Write;

use anyhow::{Context as _, bail};
use gate_runtime::git::Git;
use gate_runtime::policy::{self, Effective, Location, PolicyFile};
use gate_runtime::runner::inputs::Source;
use gate_runtime::{Env, block_on};
use serde_json::{Value, json};

use crate::cli::{ConfigArgs, OutputFormat};
use crate::gates::{GATES, Gate, find, specs};

/// The JSON Schema of `trunkline.toml`, from the gates' flags.
pub fn schema() -> Value {
    policy::schema(&specs())
}

/// Reads the policy file locally: at `at` (a revision) when given, else the
/// working tree; `head` tells whether the change edits it. No token, no
/// network.
pub(crate) fn read_policy(
    explicit: Option<&str>,
    at: Option<&str>,
    head: Option<&str>,
) -> anyhow::Result<PolicyFile> {
    let loc = Location {
        explicit: explicit.map(str::to_owned),
        at: at.map(str::to_owned),
        at_from: "--base".to_owned(),
        head: head.map(str::to_owned),
    };
    block_on(policy::read(&loc, &Git::new("."), None))?
}

/// Runs `trunkline config`.
pub fn run(args: &ConfigArgs, env: &Env, out: &mut dyn Write) -> anyhow::Result<u8> {
    if args.schema {
        writeln!(out, "{}", serde_json::to_string_pretty(&schema())?)?;
        return Ok(0);
    }
    let gates: Vec<&Gate> = match &args.gate {
        Some(name) => vec![find(name).with_context(|| {
            format!(
                "{name:?}: not a gate; name one of {}",
                GATES.iter().map(|g| g.name).collect::<Vec<_>>().join(", ")
            )
        })?],
        None if !args.flags.is_empty() => {
            bail!(
                "flags after -- belong to one gate: name it first, e.g. trunkline config pr-size-gate -- --max-lines 300"
            )
        }
        None => GATES.iter().collect(),
    };
    let file = read_policy(args.config.as_deref(), args.base.as_deref(), None)?;
    let mut tables = Vec::new();
    for gate in gates {
        let argv: Vec<OsString> = std::iter::once(gate.name.into())
            .chain(args.flags.iter().map(OsString::from))
            .collect();
        let values = (gate.effective)(argv, env, &file)?;
        let table = (gate.spec)().map(|s| s.table).unwrap_or_default();
        tables.push((table, values));
    }
    match args.format {
        OutputFormat::Json => {
            let tables: serde_json::Map<String, Value> = tables
                .iter()
                .map(|(t, values)| {
                    let keys: serde_json::Map<String, Value> = values
                        .iter()
                        .map(|e| {
                            (
                                e.key.clone(),
                                json!({"values": e.values, "source": source_kind(&e.source), "from": e.source.to_string()}),
                            )
                        })
                        .collect();
                    ((*t).to_owned(), Value::Object(keys))
                })
                .collect();
            serde_json::to_writer(&mut *out, &json!({"file": file.json(), "tables": tables}))?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            let state = match (&file.text, &file.commit) {
                (Some(_), _) => format!("{} ({})", file.label(), file.via.as_str()),
                (None, _) => format!("{}: not found, so every value is a default", file.label()),
            };
            writeln!(out, "policy file: {state}")?;
            writeln!(out, "precedence: flag > input (INPUT_*) > file > default")?;
            for (table, values) in &tables {
                writeln!(out, "\n[{table}]")?;
                let width = values.iter().map(|e| e.key.len()).max().unwrap_or(0);
                for e in values {
                    writeln!(out, "{:width$} = {:24} # {}", e.key, shown(e), e.source)?;
                }
            }
        }
    }
    Ok(0)
}

fn source_kind(s: &Source) -> &'static str {
    match s {
        Source::Flag => "flag",
        Source::Input(_) => "input",
        Source::File(_) => "file",
        Source::Default => "default",
    }
}

fn shown(e: &Effective) -> String {
    match e.values.as_slice() {
        [] => "(not set)".to_owned(),
        [one] => one.clone(),
        many => serde_json::to_string(many).unwrap_or_default(),
    }
}
