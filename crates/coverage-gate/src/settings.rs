//! The command line, checked and converted once into what the stages use.
//!
//! What can be checked without reading anything (percentages, globs, the
//! branch name, flags that need each other) is checked here, so such a
//! typo exits 2 at once; the later stages take [`Settings`] and never see
//! `Cli`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use gate_runtime::runner::inputs::split_lines;

use crate::cli::{Cli, Unmeasured};
use crate::format::Format;
use crate::model::Coverage;
use crate::packages::Packages;
use crate::patch::SourceFilter;
use crate::ratchet;

/// Where the packages' baseline comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BaselineSource {
    /// A file written by `--write-baseline`.
    File(PathBuf),
    /// `--baseline auto`: the record of the merge base (or its nearest
    /// recorded first-parent ancestor within `depth`) on the data branch.
    Auto { depth: usize, require: bool },
}

/// `--record`: where the run's record goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordSettings {
    pub keep: usize,
}

/// Everything the stages need from the command line.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The checkout's real, absolute path (`--root`).
    pub root: PathBuf,
    /// Every report: the REPORT arguments, then `--reports` lines.
    pub reports: Vec<PathBuf>,
    pub report_format: Option<Format>,
    pub strip_prefix: Vec<String>,
    /// JaCoCo source roots; empty means the reader's defaults.
    pub source_roots: Vec<String>,
    pub go_module: Option<String>,
    /// `NAME=GLOB` package overrides, checked.
    pub packages: Vec<String>,
    /// `--source` globs, checked; empty means the covered extensions.
    pub sources: Vec<String>,
    pub baseline: Option<BaselineSource>,
    /// The data branch that holds the records (`--store-branch`).
    pub store_branch: String,
    /// `--record`.
    pub record: Option<RecordSettings>,
    /// `--base`: where this work started.
    pub base: Option<String>,
    pub min_patch: Option<f64>,
    pub unmeasured: Unmeasured,
    /// `--comment`.
    pub comment: bool,
    pub write_baseline: Option<PathBuf>,
    pub ratchet: ratchet::Settings,
    /// Whether the run may write to GitHub or the data branch at all
    /// (`false` for the library's [`check`](crate::check)).
    pub writes: bool,
}

impl Settings {
    /// Checks the flags. The checkout's path is made real first, so
    /// absolute report paths compare with it.
    pub(crate) fn new(cli: &Cli) -> anyhow::Result<Self> {
        let root = canonical_root(&cli.root)?;
        check_flags(cli)?;
        let packages = split_lines(&cli.package);
        Packages::new(&packages).map_err(anyhow::Error::msg)?;
        let sources = split_lines(&cli.source);
        // Only the globs are checked here; the default needs the reports.
        SourceFilter::new(&sources, &Coverage::default()).map_err(anyhow::Error::msg)?;
        let mut reports = cli.reports.clone();
        reports.extend(
            split_lines(&cli.reports_list)
                .into_iter()
                .map(PathBuf::from),
        );
        let baseline = cli.baseline.as_ref().map(|p| {
            if is_auto(cli) {
                BaselineSource::Auto {
                    depth: cli.baseline_depth,
                    require: cli.require_baseline,
                }
            } else {
                BaselineSource::File(p.clone())
            }
        });
        Ok(Self {
            root,
            reports,
            report_format: cli.report_format,
            strip_prefix: split_lines(&cli.strip_prefix),
            source_roots: split_lines(&cli.source_root),
            go_module: cli.go_module.clone(),
            packages,
            sources,
            baseline,
            store_branch: cli.store_branch.clone(),
            record: cli.record.then_some(RecordSettings {
                keep: cli.store_keep,
            }),
            base: cli.base.clone(),
            min_patch: cli.min_patch,
            unmeasured: cli.unmeasured,
            comment: cli.comment,
            write_baseline: cli.write_baseline.clone(),
            ratchet: ratchet::Settings {
                tolerance: cli.tolerance,
                strict: cli.strict,
                min_new_package: cli.min_new_package,
                min_total: cli.min_total,
            },
            writes: true,
        })
    }
}

fn check_flags(cli: &Cli) -> anyhow::Result<()> {
    for (flag, v) in [
        ("--tolerance", Some(cli.tolerance)),
        ("--min-total", cli.min_total),
        ("--min-new-package", cli.min_new_package),
        ("--min-patch", cli.min_patch),
    ] {
        if let Some(v) = v {
            if !(0.0..=100.0).contains(&v) {
                bail!("{flag} {v}: give a percentage from 0 to 100");
            }
        }
    }
    if cli.store_keep == 0 {
        bail!("--store-keep 0: keep at least 1 record (default 1000)");
    }
    let b = &cli.store_branch;
    if b.is_empty()
        || b.starts_with(['-', '/'])
        || b.ends_with(['/', '.'])
        || b.contains("..")
        || b.chars()
            .any(|c| c.is_whitespace() || c.is_control() || "~^:?*[\\".contains(c))
    {
        bail!(
            "--store-branch {b:?}: not a usable branch name; use letters, digits, '-', '_', '.' and '/'"
        );
    }
    if cli.require_baseline && !is_auto(cli) {
        bail!("--require-baseline: only means something with --baseline auto");
    }
    Ok(())
}

fn is_auto(cli: &Cli) -> bool {
    cli.baseline.as_deref() == Some(Path::new("auto"))
}

/// The checkout's real, absolute path. On Windows without the verbatim
/// `\\?\` prefix, which report paths never carry.
fn canonical_root(root: &Path) -> anyhow::Result<PathBuf> {
    let real = std::fs::canonicalize(root).with_context(|| {
        format!(
            "--root {}: not found; give the checkout's directory",
            root.display()
        )
    })?;
    let text = real.to_string_lossy();
    Ok(match text.strip_prefix(r"\\?\") {
        Some(rest) if !rest.starts_with("UNC") => PathBuf::from(rest),
        _ => real.clone(),
    })
}
