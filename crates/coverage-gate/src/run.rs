//! Reading the reports, deciding, reporting.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context as _, bail};
use gate_runtime::commands::{Annotation, Level};
use gate_runtime::inputs::split_lines;
use gate_runtime::report::GateReport;
use gate_runtime::summary::md_table;
use gate_runtime::{GateIo, GitHubContext, Verdict};
use serde_json::json;

use crate::cli::{Cli, ReportFormat};
use crate::model::{Coverage, Totals};
use crate::packages::Packages;
use crate::paths::{Format, apply_learned_prefixes, detect, fold, normalize};
use crate::ratchet::{Baseline, BaselineEntry, Decision, Settings, evaluate};
use crate::{cobertura, gocover, jacoco, lcov};

/// The gate's name.
pub const GATE: &str = "coverage-gate";

fn read_report(
    path: &Path,
    forced: Option<ReportFormat>,
    cli: &Cli,
    go_module: Option<&str>,
    roots: &[String],
) -> anyhow::Result<Coverage> {
    let file =
        File::open(path).with_context(|| format!("{}: cannot open the report", path.display()))?;
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let format = match forced {
        Some(ReportFormat::Lcov) => Format::Lcov,
        Some(ReportFormat::Cobertura) => Format::Cobertura,
        Some(ReportFormat::Jacoco) => Format::Jacoco,
        Some(ReportFormat::Go) => Format::Go,
        None => {
            let head = reader
                .fill_buf()
                .with_context(|| format!("{}: cannot read the report", path.display()))?;
            detect(&head[..head.len().min(4096)]).with_context(|| {
                format!("{}: not a report this gate reads (lcov, Cobertura, JaCoCo, Go); name the format with --report-format", path.display())
            })?
        }
    };
    let what = |f: &str| format!("reading {f} report {}", path.display());
    Ok(match format {
        Format::Lcov => lcov::read(reader).with_context(|| what("lcov"))?,
        Format::Cobertura => {
            cobertura::read(reader, &cli.root).with_context(|| what("Cobertura"))?
        }
        Format::Jacoco => jacoco::read(reader, &cli.root, roots).with_context(|| what("JaCoCo"))?,
        Format::Go => gocover::read(reader, go_module).with_context(|| what("Go"))?,
    })
}

/// Runs the gate.
pub fn run(mut cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    // Absolute report paths are compared with the checkout's real path.
    cli.root = canonical_root(&cli.root)?;
    let mut reports = cli.reports.clone();
    reports.extend(
        split_lines(&cli.reports_list)
            .into_iter()
            .map(std::path::PathBuf::from),
    );
    if reports.is_empty() {
        bail!(
            "no coverage report given: pass one or more REPORT paths (lcov, Cobertura, JaCoCo or Go)"
        );
    }
    for (flag, v) in [
        ("--tolerance", Some(cli.tolerance)),
        ("--min-total", cli.min_total),
        ("--min-new-package", cli.min_new_package),
    ] {
        if let Some(v) = v {
            if !(0.0..=100.0).contains(&v) {
                bail!("{flag} {v}: give a percentage from 0 to 100");
            }
        }
    }
    let roots = {
        let r = split_lines(&cli.source_root);
        if r.is_empty() {
            vec!["src/main/java".to_owned()]
        } else {
            r
        }
    };
    let go_module = cli.go_module.clone().or_else(|| {
        std::fs::read_to_string(cli.root.join("go.mod"))
            .ok()
            .and_then(|t| gocover::module_path(&t))
    });
    let strip = split_lines(&cli.strip_prefix);
    let mut merged = Coverage::default();
    for report in &reports {
        let cov = read_report(
            report,
            cli.report_format,
            &cli,
            go_module.as_deref(),
            &roots,
        )?;
        let mut names: Vec<(String, String)> = cov
            .files
            .keys()
            .map(|path| (fold(path, &strip), normalize(path, &strip, &cli.root)))
            .collect();
        apply_learned_prefixes(&mut names);
        for ((_, name), (_, file)) in names.into_iter().zip(cov.files) {
            merged.add_file(name, file);
        }
    }
    if merged.totals().lines_found == 0 {
        bail!(
            "the reports hold no line coverage at all ({} file(s)); check the report paths and that the tests ran with coverage on",
            merged.files.len()
        );
    }
    let mut packages = Packages::new(&split_lines(&cli.package)).map_err(anyhow::Error::msg)?;
    let mut by_package: BTreeMap<String, Totals> = BTreeMap::new();
    for (path, file) in &merged.files {
        by_package
            .entry(packages.of(path, &cli.root))
            .or_default()
            .add(&file.totals());
    }
    let total = merged.totals();
    let baseline = match &cli.baseline {
        None => None,
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| {
                format!(
                    "--baseline {}: not found; create one with --write-baseline on main",
                    p.display()
                )
            })?;
            let b = serde_json::from_str::<Baseline>(&text).with_context(|| {
                format!(
                    "--baseline {}: not a baseline file written by --write-baseline",
                    p.display()
                )
            })?;
            b.check().map_err(|e| {
                anyhow::anyhow!(
                    "--baseline {}: {e}; write it again with --write-baseline on main",
                    p.display()
                )
            })?;
            Some(b)
        }
    };
    let settings = Settings {
        tolerance: cli.tolerance,
        strict: cli.strict,
        min_new_package: cli.min_new_package,
        min_total: cli.min_total,
    };
    let decision = evaluate(&by_package, &total, baseline.as_ref(), &settings);
    if let Some(path) = &cli.write_baseline {
        let b = Baseline {
            format: 1,
            tool: format!("{GATE} {}", env!("CARGO_PKG_VERSION")),
            commit: ctx.sha.clone(),
            packages: by_package
                .iter()
                .map(|(n, t)| (n.clone(), BaselineEntry::from(t)))
                .collect(),
        };
        write_atomically(path, &serde_json::to_string_pretty(&b)?)
            .with_context(|| format!("--write-baseline {}", path.display()))?;
    }
    let report = CoverageReport {
        decision: &decision,
        total,
        files: merged.files.len(),
        baseline: baseline.is_some(),
    };
    gate_runtime::report::emit(&ctx, io, &report)
}

/// The checkout's real, absolute path. On Windows without the verbatim
/// `\\?\` prefix, which report paths never carry.
fn canonical_root(root: &Path) -> anyhow::Result<std::path::PathBuf> {
    let real = std::fs::canonicalize(root).with_context(|| {
        format!(
            "--root {}: not found; give the checkout's directory",
            root.display()
        )
    })?;
    let text = real.to_string_lossy();
    Ok(match text.strip_prefix(r"\\?\") {
        Some(rest) if !rest.starts_with("UNC") => std::path::PathBuf::from(rest),
        _ => real.clone(),
    })
}

/// Writes a file so a reader never sees half of it: a temp file beside it,
/// then a rename.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp",
        path.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("baseline")
    ));
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

struct CoverageReport<'a> {
    decision: &'a Decision,
    total: Totals,
    files: usize,
    baseline: bool,
}

fn fmt_pct(p: Option<f64>) -> String {
    p.map(|p| format!("{p:.2}%"))
        .unwrap_or_else(|| "n/a".into())
}

impl GateReport for CoverageReport<'_> {
    fn gate(&self) -> &str {
        GATE
    }

    fn verdict(&self) -> Verdict {
        if self.decision.fail {
            Verdict::Fail
        } else {
            Verdict::Pass
        }
    }

    fn reasons(&self) -> Vec<String> {
        let mut r = self.decision.reasons.clone();
        if r.is_empty() {
            r.push(format!(
                "line coverage {} over {} files{}",
                fmt_pct(self.total.line_percent()),
                self.files,
                if self.baseline {
                    "; every package at or above its baseline"
                } else {
                    ""
                }
            ));
        }
        r
    }

    fn text(&self) -> String {
        let mut t = format!("{GATE}: {}\n", self.verdict());
        for r in self.reasons() {
            t.push_str(&format!("  {r}\n"));
        }
        t.push_str(&format!(
            "total: lines {}/{} ({}), branches {}/{} ({}), functions {}/{}\n",
            self.total.lines_hit,
            self.total.lines_found,
            fmt_pct(self.total.line_percent()),
            self.total.branches_hit,
            self.total.branches_found,
            fmt_pct(self.total.branch_percent()),
            self.total.functions_hit,
            self.total.functions_found
        ));
        for p in &self.decision.packages {
            t.push_str(&format!(
                "  {}: {} (baseline {}){}\n",
                p.name,
                fmt_pct(p.line_percent),
                fmt_pct(p.baseline_line_percent),
                if p.fail { "  FAIL" } else { "" }
            ));
        }
        t
    }

    fn json_details(&self) -> serde_json::Value {
        let t = &self.total;
        json!({
            "totals": {
                "lines_found": t.lines_found, "lines_hit": t.lines_hit,
                "branches_found": t.branches_found, "branches_hit": t.branches_hit,
                "functions_found": t.functions_found, "functions_hit": t.functions_hit,
                "mcdc_found": t.mcdc_found, "mcdc_hit": t.mcdc_hit,
                "line_percent": t.line_percent(), "branch_percent": t.branch_percent(),
            },
            "packages": self.decision.packages.iter().map(|p| json!({
                "name": p.name, "lines_found": p.lines_found, "lines_hit": p.lines_hit,
                "line_percent": p.line_percent, "baseline_line_percent": p.baseline_line_percent,
                "delta": p.delta, "uncovered_delta": p.uncovered_delta,
                "verdict": if p.fail { "fail" } else { "pass" },
            })).collect::<Vec<_>>(),
            "removed_packages": self.decision.removed,
            "files": self.files,
        })
    }

    fn annotations(&self) -> Vec<Annotation> {
        self.decision
            .packages
            .iter()
            .filter(|p| p.fail)
            .enumerate()
            .map(|(i, p)| {
                let title = if p.baseline_line_percent.is_some() {
                    format!("Coverage dropped: {}", p.name)
                } else {
                    format!("New package below the floor: {}", p.name)
                };
                Annotation::new(Level::Error, p.reasons.join("; "))
                    .title(title)
                    .rank(i as u64)
            })
            .collect()
    }

    fn summary(&self, omitted_note: Option<String>) -> String {
        let icon = if self.decision.fail { "❌" } else { "✅" };
        let mut m = format!("### {icon} {GATE}: {}\n\n", self.verdict());
        for r in self.reasons() {
            m.push_str(&format!("- {}\n", gate_runtime::summary::md_cell(&r)));
        }
        let rows: Vec<Vec<String>> = self
            .decision
            .packages
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    fmt_pct(p.baseline_line_percent),
                    fmt_pct(p.line_percent),
                    p.delta
                        .map(|d| format!("{d:+.2}"))
                        .unwrap_or_else(|| "new".into()),
                    p.uncovered_delta
                        .map(|d| format!("{d:+}"))
                        .unwrap_or_default(),
                    if p.fail { "❌".into() } else { "✅".into() },
                ]
            })
            .collect();
        m.push('\n');
        m.push_str(&md_table(
            &[
                "package",
                "baseline",
                "now",
                "delta (points)",
                "uncovered lines added",
                "",
            ],
            &rows,
        ));
        if let Some(n) = omitted_note {
            m.push_str(&format!("\n> {n}\n"));
        }
        m
    }

    fn outputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("verdict", self.verdict().as_str().to_owned()),
            (
                "line-percent",
                self.total
                    .line_percent()
                    .map(|p| format!("{p:.2}"))
                    .unwrap_or_default(),
            ),
            (
                "branch-percent",
                self.total
                    .branch_percent()
                    .map(|p| format!("{p:.2}"))
                    .unwrap_or_default(),
            ),
        ]
    }
}
