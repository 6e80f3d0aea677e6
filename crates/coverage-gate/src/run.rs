//! Reading the reports, deciding, reporting.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
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
use crate::paths::{Detected, Format, apply_learned_prefixes, detect, fold, normalize};
use crate::ratchet::{Baseline, BaselineEntry, Decision, Settings, evaluate, unit};
use crate::{clover, cobertura, gocover, jacoco, lcov, opencover, simplecov};

/// The formats this gate reads, for messages.
const READ_FORMATS: &str = "lcov, Cobertura, JaCoCo, Go, Clover, OpenCover, SimpleCov";

/// The gate's name.
pub const GATE: &str = "coverage-gate";

fn read_report(
    path: &Path,
    forced: Option<ReportFormat>,
    cli: &Cli,
    go_module: Option<&str>,
    roots: &[String],
) -> anyhow::Result<Coverage> {
    let open =
        || File::open(path).with_context(|| format!("{}: cannot open the report", path.display()));
    let format = match forced {
        Some(ReportFormat::Lcov) => Format::Lcov,
        Some(ReportFormat::Cobertura) => Format::Cobertura,
        Some(ReportFormat::Jacoco) => Format::Jacoco,
        Some(ReportFormat::Go) => Format::Go,
        Some(ReportFormat::Clover) => Format::Clover,
        Some(ReportFormat::Opencover) => Format::OpenCover,
        Some(ReportFormat::Simplecov) => Format::SimpleCov,
        None => match detect(open()?)
            .with_context(|| format!("{}: cannot read the report", path.display()))?
        {
            Detected::Format(f) => f,
            Detected::Other { name, advice } => {
                let article = if name.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                bail!(
                    "{}: this is {article} {name} report, which this gate does not read; {advice}",
                    path.display()
                )
            }
            Detected::Unknown => bail!(
                "{}: not a report this gate reads ({READ_FORMATS}); name the format with --report-format",
                path.display()
            ),
        },
    };
    let reader = BufReader::with_capacity(1 << 16, open()?);
    let what = || format!("reading {} report {}", format.name(), path.display());
    Ok(match format {
        Format::Lcov => lcov::read(reader).with_context(what)?,
        Format::Cobertura => cobertura::read(reader, &cli.root).with_context(what)?,
        Format::Jacoco => jacoco::read(reader, &cli.root, roots).with_context(what)?,
        Format::Go => gocover::read(reader, go_module).with_context(what)?,
        Format::Clover => clover::read(reader).with_context(what)?,
        Format::OpenCover => opencover::read(reader).with_context(what)?,
        Format::SimpleCov => simplecov::read(reader).with_context(what)?,
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
        bail!("no coverage report given: pass one or more REPORT paths ({READ_FORMATS})");
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
    // None given: the JaCoCo reader's defaults.
    let roots = split_lines(&cli.source_root);
    let go_module = cli.go_module.clone().or_else(|| {
        std::fs::read_to_string(cli.root.join("go.mod"))
            .ok()
            .and_then(|t| gocover::module_path(&t))
    });
    let strip = split_lines(&cli.strip_prefix);
    let mut merged = Coverage::default();
    let mut notes: Vec<String> = Vec::new();
    for report in &reports {
        let mut cov = read_report(
            report,
            cli.report_format,
            &cli,
            go_module.as_deref(),
            &roots,
        )?;
        notes.extend(
            std::mem::take(&mut cov.notes)
                .into_iter()
                .map(|n| format!("{}: {n}", report.display())),
        );
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
        let lacks = if notes.is_empty() {
            String::new()
        } else {
            format!(": {}", notes.join("; "))
        };
        bail!(
            "the reports hold no line coverage at all ({} file(s)){lacks}; check that the tests ran with coverage on",
            merged.files.len(),
        );
    }
    let mut packages = Packages::new(&split_lines(&cli.package))
        .map_err(anyhow::Error::msg)?
        .with_go_module(go_module.clone());
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
        tolerance: cli.tolerance,
        notes,
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
/// created exclusively (never through a link planted at its name), then a
/// rename, which replaces `path` itself and never follows a link there.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("baseline");
    let mut attempt = 0u32;
    let (tmp, mut file) = loop {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(e) => {
                return Err(anyhow::Error::new(e)
                    .context(format!("creating a temporary file {}", tmp.display())));
            }
        }
    };
    let written = file
        .write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
    Ok(())
}

struct CoverageReport<'a> {
    decision: &'a Decision,
    total: Totals,
    files: usize,
    baseline: bool,
    tolerance: f64,
    /// What the readers tolerated or chose, each naming its report.
    notes: Vec<String>,
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
            let dropped: Vec<String> = self
                .decision
                .packages
                .iter()
                .filter_map(|p| {
                    let drop = -p.delta.filter(|d| *d < -1e-9)?;
                    let go = (p.statements_found, p.statements_hit) != (p.lines_found, p.lines_hit);
                    let why = if drop <= self.tolerance + 1e-9 {
                        format!("within the tolerance of {} points", self.tolerance)
                    } else {
                        let unit = if go { "statements" } else { "lines" };
                        format!("within the rule (no new uncovered {unit})")
                    };
                    Some(format!("{} dropped {drop:.2} points, {why}", p.name))
                })
                .collect();
            r.push(format!(
                "{} coverage {} over {} files{}",
                unit(&self.total),
                fmt_pct(self.total.coverage_percent()),
                self.files,
                match (self.baseline, dropped.is_empty()) {
                    (false, _) => "",
                    (true, true) => "; every package at or above its baseline",
                    (true, false) => "; every package at or above its baseline or within the rule",
                }
            ));
            r.extend(dropped);
        }
        r
    }

    fn text(&self) -> String {
        let mut t = format!("{GATE}: {}\n", self.verdict());
        for r in self.reasons() {
            t.push_str(&format!("  {r}\n"));
        }
        for n in &self.notes {
            t.push_str(&format!("  note: {n}\n"));
        }
        if self.total.has_go_statements() {
            t.push_str(&format!(
                "total: statements {}/{} ({})\n",
                self.total.statements_hit,
                self.total.statements_found,
                fmt_pct(self.total.coverage_percent()),
            ));
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
                fmt_pct(p.statement_percent),
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
                "statements_found": t.coverage().0, "statements_hit": t.coverage().1,
                "statement_percent": t.coverage_percent(),
                "branches_found": t.branches_found, "branches_hit": t.branches_hit,
                "functions_found": t.functions_found, "functions_hit": t.functions_hit,
                "mcdc_found": t.mcdc_found, "mcdc_hit": t.mcdc_hit,
                "line_percent": t.line_percent(), "branch_percent": t.branch_percent(),
            },
            "packages": self.decision.packages.iter().map(|p| json!({
                "name": p.name, "lines_found": p.lines_found, "lines_hit": p.lines_hit,
                "line_percent": p.line_percent,
                "statements_found": p.statements_found, "statements_hit": p.statements_hit,
                "statement_percent": p.statement_percent,
                "baseline_line_percent": p.baseline_line_percent,
                "delta": p.delta, "uncovered_delta": p.uncovered_delta,
                "verdict": if p.fail { "fail" } else { "pass" },
            })).collect::<Vec<_>>(),
            "removed_packages": self.decision.removed,
            "files": self.files,
            "notes": self.notes,
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
        for n in &self.notes {
            m.push_str(&format!("- note: {}\n", gate_runtime::summary::md_cell(n)));
        }
        let rows: Vec<Vec<String>> = self
            .decision
            .packages
            .iter()
            .map(|p| {
                vec![
                    p.name.clone(),
                    fmt_pct(p.baseline_line_percent),
                    fmt_pct(p.statement_percent),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 17: the temporary file is created exclusively, so a link
    /// planted at its name is never written through; the rename replaces
    /// a link at the destination instead of following it.
    #[cfg(unix)]
    #[test]
    fn write_atomically_never_writes_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let victim = d.join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let planted = d.join(format!(".b.json.{}.0.tmp", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        std::os::unix::fs::symlink(&victim, d.join("b.json")).unwrap();
        write_atomically(&d.join("b.json"), "new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(
            std::fs::symlink_metadata(d.join("b.json"))
                .unwrap()
                .is_file()
        );
        assert_eq!(std::fs::read_to_string(d.join("b.json")).unwrap(), "new");
        // The planted link is left alone; no temporary file is left over.
        assert!(
            std::fs::symlink_metadata(&planted)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let names: Vec<String> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }
}
