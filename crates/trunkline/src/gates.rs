//! The five gates, in the flow's order: the one list the front end uses.

use std::ffi::OsString;

use anyhow::Context as _;
use gate_runtime::policy::{Effective, PolicyFile, TableSpec};
use gate_runtime::runner::inputs::Layers;
use gate_runtime::{Env, GateCli};

/// A gate as the front end sees it.
pub struct Gate {
    /// The binary's and the action's name.
    pub name: &'static str,
    /// Its table in the policy file.
    pub spec: fn() -> Option<TableSpec>,
    /// Its effective settings: `argv` (flags), `env` (inputs), the file.
    pub effective: fn(Vec<OsString>, &Env, &PolicyFile) -> anyhow::Result<Vec<Effective>>,
}

/// Every gate, in the flow's order.
pub const GATES: [Gate; 5] = [
    Gate {
        name: pr_size_gate::GATE,
        spec: TableSpec::of::<pr_size_gate::cli::Cli>,
        effective: effective::<pr_size_gate::cli::Cli>,
    },
    Gate {
        name: checklist_gate::GATE,
        spec: TableSpec::of::<checklist_gate::cli::Cli>,
        effective: effective::<checklist_gate::cli::Cli>,
    },
    Gate {
        name: coverage_gate::GATE,
        spec: TableSpec::of::<coverage_gate::cli::Cli>,
        effective: effective::<coverage_gate::cli::Cli>,
    },
    Gate {
        name: tag_on_staging::GATE,
        spec: TableSpec::of::<tag_on_staging::cli::Cli>,
        effective: effective::<tag_on_staging::cli::Cli>,
    },
    Gate {
        name: post_deploy_watch::GATE,
        spec: TableSpec::of::<post_deploy_watch::cli::Cli>,
        effective: effective::<post_deploy_watch::cli::Cli>,
    },
];

/// Every gate's table.
pub fn specs() -> Vec<TableSpec> {
    GATES.iter().filter_map(|g| (g.spec)()).collect()
}

/// The gate named `name` (binary name or table name).
pub fn find(name: &str) -> Option<&'static Gate> {
    GATES
        .iter()
        .find(|g| g.name == name || (g.spec)().is_some_and(|s| s.table == name))
}

/// Whether a table has a key: the generated files use a key only once the
/// gate knows it (coverage-gate's patch coverage arrives in a later
/// version, and then the generated policy names it).
pub fn knows(table: &str, key: &str) -> bool {
    specs()
        .iter()
        .filter(|s| s.table == table)
        .any(|s| s.keys().iter().any(|a| a.get_long() == Some(key)))
}

fn effective<C: GateCli>(
    argv: Vec<OsString>,
    env: &Env,
    file: &PolicyFile,
) -> anyhow::Result<Vec<Effective>> {
    let spec = TableSpec::of::<C>().context("this gate reads no policy table")?;
    let mut layers = Layers::with_inputs::<C>(argv, env).map_err(clap_error)?;
    let tables = file.tables()?;
    spec.fill(
        &file.label(),
        tables.get(spec.table).and_then(toml::Value::as_table),
        &mut layers,
    )?;
    let matches = layers.matches::<C>().map_err(clap_error)?;
    spec.check_layers(&layers, &matches)?;
    Ok(spec.effective(&layers, &matches))
}

/// A clap error as one line.
pub(crate) fn clap_error(e: clap::Error) -> anyhow::Error {
    let text = e.render().to_string();
    anyhow::anyhow!(
        "{}",
        text.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("invalid arguments")
            .trim_start_matches("error: ")
    )
}
