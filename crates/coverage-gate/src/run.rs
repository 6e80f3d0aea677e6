//! Reading the reports, deciding, reporting.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context as _, bail};
use gate_runtime::comment::{CommentAction, StickyTarget, upsert_sticky_comment};
use gate_runtime::data_branch::{GitDataBranch, LocalBranch, Updated};
use gate_runtime::git::Git;
use gate_runtime::inputs::split_lines;
use gate_runtime::{ApiError, GateIo, GitHubContext, Verdict, block_on};

use crate::cli::{Cli, ReportFormat};
use crate::gather::{DiffPlan, Situation, World, local_diff};
use crate::model::{Coverage, Totals};
use crate::packages::Packages;
use crate::patch::{SourceFilter, compute, judge};
use crate::paths::{Detected, Format, apply_learned_prefixes, detect, fold, normalize};
use crate::ratchet::{Baseline, BaselineEntry, Settings, evaluate as evaluate_ratchet};
pub use crate::report::{BaselineUsed, CoverageReport, GATE, LineLinks};
use crate::{clover, cobertura, gocover, jacoco, lcov, opencover, simplecov};

/// The formats this gate reads, for messages.
const READ_FORMATS: &str = "lcov, Cobertura, JaCoCo, Go, Clover, OpenCover, SimpleCov";

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

/// Runs the gate: decide, write what the run asks for (the record, the
/// sticky comment), report.
pub fn run(cli: Cli, ctx: GitHubContext, io: &mut GateIo<'_>) -> anyhow::Result<Verdict> {
    let report = block_on(evaluate(cli, &ctx, true))??;
    gate_runtime::report::emit(&ctx, io, &report)
}

/// The gate as a library (`trunkline check`): reads the reports, compares
/// with the baseline and measures the lines changed since `--base`, and
/// writes nothing anywhere. The report renders in every form through
/// [`GateReport`](gate_runtime::report::GateReport).
pub fn check(cli: Cli, ctx: &GitHubContext) -> anyhow::Result<CoverageReport> {
    block_on(evaluate(cli, ctx, false))?
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

/// Every report read and merged.
struct Read {
    /// Paths made repository-relative.
    merged: Coverage,
    /// What the readers tolerated or chose, each naming its report.
    notes: Vec<String>,
    /// The Go module (`--go-module`, else `go.mod`'s), for Go's packages.
    go_module: Option<String>,
}

/// Reads and merges every report, paths made repository-relative.
fn read_reports(cli: &Cli) -> anyhow::Result<Read> {
    let mut reports = cli.reports.clone();
    reports.extend(
        split_lines(&cli.reports_list)
            .into_iter()
            .map(std::path::PathBuf::from),
    );
    if reports.is_empty() {
        bail!("no coverage report given: pass one or more REPORT paths ({READ_FORMATS})");
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
        let mut cov = read_report(report, cli.report_format, cli, go_module.as_deref(), &roots)?;
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
    Ok(Read {
        merged,
        notes,
        go_module,
    })
}

/// This run's numbers as a baseline: per package and per file.
fn snapshot(
    merged: &Coverage,
    by_package: &BTreeMap<String, Totals>,
    commit: Option<String>,
) -> Baseline {
    Baseline {
        format: 1,
        tool: format!("{GATE} {}", env!("CARGO_PKG_VERSION")),
        commit,
        packages: by_package
            .iter()
            .map(|(n, t)| (n.clone(), BaselineEntry::from(t)))
            .collect(),
        files: merged
            .files
            .iter()
            .map(|(p, f)| (p.clone(), BaselineEntry::from(&f.totals())))
            .collect(),
    }
}

fn read_baseline_file(p: &Path) -> anyhow::Result<Baseline> {
    let text = std::fs::read_to_string(p).with_context(|| {
        format!(
            "--baseline {}: not found; create one with --write-baseline on main, or use --baseline auto with recorded commits",
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
    Ok(b)
}

/// Whether an error is GitHub refusing a write to this token (a fork's
/// read-only token, or a job without the permission).
fn forbidden(e: &anyhow::Error) -> bool {
    e.downcast_ref::<ApiError>()
        .is_some_and(|a| a.status() == Some(403))
}

async fn evaluate(
    mut cli: Cli,
    ctx: &GitHubContext,
    writes: bool,
) -> anyhow::Result<CoverageReport> {
    // Absolute report paths are compared with the checkout's real path.
    cli.root = canonical_root(&cli.root)?;
    check_flags(&cli)?;
    let git = Git::new(&cli.root);
    let in_repo = git.is_repo();
    let api = match (&ctx.repo, ctx.in_actions) {
        (Some(repo), true) => Some((ctx.client()?, repo.clone())),
        _ => None,
    };
    let world = World {
        ctx,
        git,
        in_repo,
        api,
    };
    let situation = world.situation().await?;
    let base_flag = cli.base.as_deref();
    let plan = world.diff_plan(&situation, base_flag)?;
    // git diffs on its own thread while the reports are read.
    let (merged, local) = std::thread::scope(|s| {
        let diff = match &plan {
            DiffPlan::Local { base, flag, .. } => {
                let git = world.git.clone();
                Some(s.spawn(move || local_diff(&git, base, flag)))
            }
            _ => None,
        };
        let merged = read_reports(&cli);
        let local = diff.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal: the diff thread panicked")))
        });
        (merged, local)
    });
    let Read {
        merged,
        notes: reader_notes,
        go_module,
    } = merged?;
    let mut packages = Packages::new(&split_lines(&cli.package))
        .map_err(anyhow::Error::msg)?
        .with_go_module(go_module);
    let mut by_package: BTreeMap<String, Totals> = BTreeMap::new();
    for (path, file) in &merged.files {
        by_package
            .entry(packages.of(path, &cli.root))
            .or_default()
            .add(&file.totals());
    }
    let total = merged.totals();
    let sources =
        SourceFilter::new(&split_lines(&cli.source), &merged).map_err(anyhow::Error::msg)?;
    let mut notes = reader_notes;
    let mut warnings = Vec::new();
    let mut actions = Vec::new();

    let baseline = match &cli.baseline {
        None => None,
        Some(_) if is_auto(&cli) => {
            match world
                .auto_baseline(&situation, base_flag, &cli.store_branch, cli.baseline_depth)
                .await?
            {
                Ok(found) => Some(found),
                Err(why) if cli.require_baseline => bail!("--require-baseline: {why}"),
                Err(why) => {
                    warnings.push(why);
                    None
                }
            }
        }
        Some(p) => {
            let b = read_baseline_file(p)?;
            let used = BaselineUsed {
                commit: b.commit.clone(),
                distance: None,
                source: p.display().to_string(),
                from: None,
            };
            Some((b, used))
        }
    };

    let changed = match (plan, local) {
        (DiffPlan::Local { what, .. }, Some(done)) => {
            let (lines, head) = done?;
            Ok((lines, head, what))
        }
        (DiffPlan::Api(pr), _) => Ok((
            world.api_changed_lines(&pr).await?,
            pr.head_sha.clone(),
            "the pull request's file patches (API)".to_owned(),
        )),
        (DiffPlan::Unavailable(why), _) => Err(why),
        (DiffPlan::Local { .. }, None) => bail!("internal: the planned diff did not run"),
    };
    let patch = match changed {
        Ok((changed, lines_at, from)) => {
            notes.push(format!("changed lines: {from}"));
            Some((compute(&merged, &changed, &sources), lines_at))
        }
        Err(why) => {
            if cli.min_patch.is_some() {
                bail!("--min-patch: cannot measure the changed lines: {why}");
            }
            if base_flag.is_some()
                || matches!(situation, Situation::Pr(_) | Situation::MergeGroup { .. })
            {
                notes.push(format!("patch coverage: skipped, {why}"));
            }
            None
        }
    };
    let judgement = patch
        .as_ref()
        .map(|(p, _)| judge(p, cli.min_patch, cli.unmeasured))
        .unwrap_or_default();

    let settings = Settings {
        tolerance: cli.tolerance,
        strict: cli.strict,
        min_new_package: cli.min_new_package,
        min_total: cli.min_total,
    };
    let decision = evaluate_ratchet(
        &by_package,
        &total,
        baseline.as_ref().map(|(b, _)| b),
        &settings,
    );

    if let Some(path) = &cli.write_baseline {
        let b = snapshot(&merged, &by_package, ctx.sha.clone());
        write_atomically(path, &serde_json::to_string_pretty(&b)?)
            .with_context(|| format!("--write-baseline {}", path.display()))?;
    }

    let prefix = world.prefix();
    let links = match (&ctx.repo, &patch) {
        (Some(repo), Some((_, at))) => Some(LineLinks {
            blob_base: format!("{}/{}/blob/{at}", ctx.server_url, repo.full_name()),
        }),
        _ => None,
    };
    let mut report = CoverageReport {
        decision,
        total,
        files: merged.files.len(),
        baseline: baseline.map(|(_, used)| used),
        tolerance: cli.tolerance,
        patch: patch.map(|(p, _)| p),
        judgement,
        warnings,
        notes,
        actions: Vec::new(),
        links,
        prefix,
    };

    if cli.record {
        if writes {
            record(&cli, &world, &situation, &merged, &by_package, &mut report).await?;
        } else {
            report
                .notes
                .push("--record: skipped, this run writes nothing".into());
        }
    }
    if cli.comment {
        if writes {
            comment(&world, &situation, &mut report).await?;
        } else {
            report
                .notes
                .push("--comment: skipped, this run writes nothing".into());
        }
    }
    actions.append(&mut report.actions);
    report.actions = actions;
    Ok(report)
}

/// The SHA to record under: `--sha` (or `GITHUB_SHA`), else the checkout's
/// HEAD, as a full SHA.
fn record_sha(world: &World<'_>) -> anyhow::Result<String> {
    let given = world.ctx.sha.clone();
    let sha = match (&given, world.in_repo) {
        (Some(s), _) if crate::store::is_full_sha(&s.to_ascii_lowercase()) => {
            s.to_ascii_lowercase()
        }
        (Some(s), true) => world.git.resolve_commit(s).with_context(|| {
            format!("--sha {s}: no such commit here; give the full 40-character SHA")
        })?,
        (Some(s), false) => bail!("--sha {s}: give the full 40-character commit SHA"),
        (None, true) => world
            .head()
            .context("--record: the checkout has no commit yet; pass --sha")?,
        (None, false) => {
            bail!("--record: no commit to record under; pass --sha SHA, or run inside the checkout")
        }
    };
    Ok(sha)
}

async fn record(
    cli: &Cli,
    world: &World<'_>,
    situation: &Situation,
    merged: &Coverage,
    by_package: &BTreeMap<String, Totals>,
    report: &mut CoverageReport,
) -> anyhow::Result<()> {
    let branch = &cli.store_branch;
    match situation {
        Situation::Push {
            git_ref,
            default_branch,
            ..
        } => {
            let default = match (default_branch, &world.api) {
                (Some(d), _) => Some(d.clone()),
                (None, Some((client, repo))) => {
                    #[derive(serde::Deserialize)]
                    struct RepoInfo {
                        default_branch: String,
                    }
                    let r: RepoInfo = client.get(&repo.api_path()).await?;
                    Some(r.default_branch)
                }
                (None, None) => None,
            };
            if default
                .as_ref()
                .is_some_and(|d| *git_ref != format!("refs/heads/{d}"))
            {
                report.notes.push(format!(
                    "--record: skipped, a push to {git_ref}; only pushes to the default branch ({}) record",
                    default.unwrap_or_default()
                ));
                return Ok(());
            }
        }
        Situation::MergeGroup { base_ref, .. } => {
            report.notes.push(format!(
                "--record: skipped on merge_group; the queue's commit is recorded when it lands on {base_ref}"
            ));
            return Ok(());
        }
        Situation::Pr(_) => {
            report.notes.push(
                "--record: skipped on a pull request; only pushes to the default branch record"
                    .into(),
            );
            return Ok(());
        }
        Situation::Other(Some(name)) if world.api.is_some() => {
            report.notes.push(format!(
                "--record: skipped on {name}; only pushes to the default branch record"
            ));
            return Ok(());
        }
        Situation::Other(_) => {}
    }
    let sha = record_sha(world)?;
    let record = snapshot(merged, by_package, Some(sha.clone()));
    let bytes = crate::store::encode(&record)?;
    let path = crate::store::record_path(&sha);
    let read = [crate::store::INDEX_PATH, path.as_str()];
    let keep = cli.store_keep;
    let plan = |snap: &gate_runtime::data_branch::Snapshot| {
        Ok(crate::store::plan_record(snap, &sha, &bytes, keep))
    };
    let (updated, place) = match &world.api {
        Some((client, repo)) => {
            let b = GitDataBranch {
                client,
                repo,
                branch,
            };
            match b.update(&read, plan).await {
                Ok(u) => (u, format!("{branch}:{path}")),
                Err(e) if forbidden(&e) => {
                    report.warnings.push(format!(
                        "--record: GitHub refused the write to {branch} (HTTP 403); give the recording job `permissions: contents: write` (a fork's token can never write)"
                    ));
                    return Ok(());
                }
                Err(e) => return Err(e.context(format!("--record: writing {branch}:{path}"))),
            }
        }
        None => {
            if !world.in_repo {
                bail!(
                    "--record: {} is not inside a git repository; run from the checkout",
                    world.git.dir().display()
                );
            }
            let b = LocalBranch {
                git: &world.git,
                refname: format!("refs/heads/{branch}"),
                dry_run: world.ctx.dry_run,
            };
            let u = b
                .update(&read, plan)
                .await
                .with_context(|| format!("--record: writing the local branch {branch}"))?;
            (u, format!("local branch {branch}:{path}"))
        }
    };
    match updated {
        Updated::Committed { commit, attempts } => report.actions.push(format!(
            "recorded {place} in commit {}{}",
            &commit[..commit.len().min(12)],
            if attempts > 1 {
                format!(" (after {} lost races)", attempts - 1)
            } else {
                String::new()
            }
        )),
        Updated::Unchanged => report.notes.push(format!(
            "--record: {place} already holds this record; nothing written"
        )),
        Updated::DryRun => report.actions.push(format!("would record {place}")),
    }
    Ok(())
}

const FORK_NOTE: &str = "the token cannot write to the pull request (a fork's token is read-only), so the comment is skipped; the README's workflow_run split posts it";

async fn comment(
    world: &World<'_>,
    situation: &Situation,
    report: &mut CoverageReport,
) -> anyhow::Result<()> {
    let Situation::Pr(pr) = situation else {
        report
            .notes
            .push("--comment: skipped, there is no pull request to comment on".into());
        return Ok(());
    };
    let Some((client, repo)) = &world.api else {
        report
            .notes
            .push("--comment: skipped, comments are written only inside GitHub Actions".into());
        return Ok(());
    };
    if pr.fork {
        report.notes.push(format!("--comment: {FORK_NOTE}"));
        return Ok(());
    }
    let target = StickyTarget {
        repo,
        issue_number: pr.number,
        key: GATE,
        untrusted_author: pr.author.as_deref(),
    };
    let body = report.markdown(None);
    match upsert_sticky_comment(client, &target, &body).await {
        Ok(CommentAction::DryRun) => report
            .actions
            .push(format!("would comment on pull request #{}", pr.number)),
        Ok(action) => report.actions.push(format!(
            "comment on pull request #{}: {action:?}",
            pr.number
        )),
        Err(e) if e.status() == Some(403) => report.notes.push(format!("--comment: {FORK_NOTE}")),
        Err(e) => return Err(anyhow::Error::from(e).context("--comment")),
    }
    Ok(())
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
