//! Gather: everything the decision rests on, read before anything is
//! decided. The reports (read and merged, paths made repository-relative,
//! files grouped into packages), the event, the baseline, the changed
//! lines, and what the writes need to know first: the commit to record
//! under and the sticky comment the pull request has now. No decisions:
//! where a fact is missing, the reason is kept for `decide`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, bail};
use gate_runtime::api::comment::{ExistingComment, StickyTarget, find_sticky};
use gate_runtime::git::Git;
use gate_runtime::{GitHubContext, Repo};

use crate::GATE;
use crate::diff::ChangedLines;
use crate::format::{Detected, Format, detect};
use crate::model::{Coverage, Totals};
use crate::packages::Packages;
use crate::paths::{apply_learned_prefixes, fold, normalize};
use crate::ratchet::Baseline;
use crate::report::BaselineUsed;
use crate::settings::{BaselineSource, Settings};
use crate::world::{DiffPlan, Situation, World, local_diff};
use crate::{clover, cobertura, gocover, jacoco, lcov, opencover, simplecov};

/// The formats this gate reads, for messages.
const READ_FORMATS: &str = "lcov, Cobertura, JaCoCo, Go, Clover, OpenCover, SimpleCov";

/// The lines the change adds, and where they were read.
#[derive(Debug, Clone)]
pub(crate) struct Changed {
    pub lines: ChangedLines,
    /// The commit whose lines they are (links point there).
    pub at: String,
    /// How they were read, for a note.
    pub from: String,
}

/// What `--record` needs to know before it is decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RecordFacts {
    /// The repository's default branch, from the push event or the API.
    pub default_branch: Option<String>,
    /// The full SHA to record under, or why there is none.
    pub sha: Result<String, String>,
}

/// The gate's sticky comment on the pull request, as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StickyComments {
    Found(Vec<ExistingComment>),
    /// GitHub refused to list them to this token (HTTP 403).
    Refused,
}

/// Everything the decision rests on.
#[derive(Debug, Clone)]
pub(crate) struct Facts {
    pub situation: Situation,
    /// Every report merged, paths repository-relative.
    pub merged: Coverage,
    /// What the readers tolerated or chose, each naming its report.
    pub reader_notes: Vec<String>,
    pub by_package: BTreeMap<String, Totals>,
    /// With `--baseline`: the baseline and where it came from, or why
    /// `--baseline auto` found none.
    pub baseline: Option<Result<(Baseline, BaselineUsed), String>>,
    /// The changed lines, or why they cannot be read.
    pub changed: Result<Changed, String>,
    /// With `--record` (in a run that writes).
    pub record: Option<RecordFacts>,
    /// With `--comment`, on a pull request the API can comment on.
    pub sticky: Option<StickyComments>,
    /// `--root` relative to the repository's top, `dir/`.
    pub prefix: String,
    /// The run's commit (`--sha`, `GITHUB_SHA`), for a baseline file.
    pub commit: Option<String>,
    pub repo: Option<Repo>,
    pub server_url: String,
    /// Whether the run reaches the API (in Actions, with a repository).
    pub api: bool,
    /// Whether the checkout is a git repository.
    pub in_repo: bool,
    /// The checkout's directory, for messages.
    pub checkout: PathBuf,
}

/// Gathers the facts: the event, the reports (while git diffs on its own
/// thread), the packages, the baseline, the changed lines, and what the
/// writes need.
pub(crate) async fn gather(s: &Settings, world: &World<'_>) -> anyhow::Result<Facts> {
    let ctx = world.ctx;
    let situation = world.situation().await?;
    let base_flag = s.base.as_deref();
    let plan = world.diff_plan(&situation, base_flag)?;
    let (read, local) = std::thread::scope(|scope| {
        let diff = match &plan {
            DiffPlan::Local { base, flag, .. } => {
                let git = world.git.clone();
                Some(scope.spawn(move || local_diff(&git, base, flag)))
            }
            _ => None,
        };
        let read = read_reports(s);
        let local = diff.map(|h| {
            h.join()
                .unwrap_or_else(|_| Err(anyhow::anyhow!("internal: the diff thread panicked")))
        });
        (read, local)
    });
    let Read {
        merged,
        notes: reader_notes,
        go_module,
    } = read?;
    let mut packages = Packages::new(&s.packages)
        .map_err(anyhow::Error::msg)?
        .with_go_module(go_module);
    let mut by_package: BTreeMap<String, Totals> = BTreeMap::new();
    for (path, file) in &merged.files {
        by_package
            .entry(packages.of(path, &s.root))
            .or_default()
            .add(&file.totals());
    }

    let baseline = match &s.baseline {
        None => None,
        Some(BaselineSource::Auto { depth, .. }) => Some(
            world
                .auto_baseline(&situation, base_flag, &s.store_branch, *depth)
                .await?,
        ),
        Some(BaselineSource::File(p)) => {
            let b = read_baseline_file(p)?;
            let used = BaselineUsed {
                commit: b.commit.clone(),
                distance: None,
                source: p.display().to_string(),
                from: None,
            };
            Some(Ok((b, used)))
        }
    };

    let changed = match (plan, local) {
        (DiffPlan::Local { what, .. }, Some(done)) => {
            let (lines, at) = done?;
            Ok(Changed {
                lines,
                at,
                from: what,
            })
        }
        (DiffPlan::Api(pr), _) => Ok(Changed {
            lines: world.api_changed_lines(&pr).await?,
            at: pr.head_sha.clone(),
            from: "the pull request's file patches (API)".to_owned(),
        }),
        (DiffPlan::Unavailable(why), _) => Err(why),
        (DiffPlan::Local { .. }, None) => bail!("internal: the planned diff did not run"),
    };

    let record = match (&s.record, s.writes) {
        (Some(_), true) => Some(RecordFacts {
            default_branch: default_branch(world, &situation).await?,
            sha: record_sha(world),
        }),
        _ => None,
    };
    let sticky = match (&situation, &world.api) {
        (Situation::Pr(pr), Some((client, repo))) if s.comment && s.writes && !pr.fork => {
            let target = StickyTarget {
                repo,
                issue_number: pr.number,
                key: GATE,
                untrusted_author: pr.author.as_deref(),
            };
            Some(match find_sticky(client, &target).await {
                Ok(found) => StickyComments::Found(found),
                Err(e) if e.status() == Some(403) => StickyComments::Refused,
                Err(e) => return Err(anyhow::Error::from(e).context("--comment")),
            })
        }
        _ => None,
    };

    Ok(Facts {
        situation,
        merged,
        reader_notes,
        by_package,
        baseline,
        changed,
        record,
        sticky,
        prefix: world.prefix(),
        commit: ctx.sha.clone(),
        repo: ctx.repo.clone(),
        server_url: ctx.server_url.clone(),
        api: world.api.is_some(),
        in_repo: world.in_repo,
        checkout: world.git.dir().to_path_buf(),
    })
}

/// The default branch of a push's repository: the event's, else the API's.
async fn default_branch(
    world: &World<'_>,
    situation: &Situation,
) -> anyhow::Result<Option<String>> {
    let Situation::Push { default_branch, .. } = situation else {
        return Ok(None);
    };
    Ok(match (default_branch, &world.api) {
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
    })
}

/// The SHA to record under: `--sha` (or `GITHUB_SHA`), else the checkout's
/// HEAD, as a full SHA; or why there is none.
fn record_sha(world: &World<'_>) -> Result<String, String> {
    let given = world.ctx.sha.clone();
    match (&given, world.in_repo) {
        (Some(s), _) if crate::store::is_full_sha(&s.to_ascii_lowercase()) => {
            Ok(s.to_ascii_lowercase())
        }
        (Some(s), true) => world.git.resolve_commit(s).ok_or_else(|| {
            format!("--sha {s}: no such commit here; give the full 40-character SHA")
        }),
        (Some(s), false) => Err(format!("--sha {s}: give the full 40-character commit SHA")),
        (None, true) => world
            .head()
            .ok_or_else(|| "--record: the checkout has no commit yet; pass --sha".to_owned()),
        (None, false) => Err(
            "--record: no commit to record under; pass --sha SHA, or run inside the checkout"
                .to_owned(),
        ),
    }
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
fn read_reports(s: &Settings) -> anyhow::Result<Read> {
    if s.reports.is_empty() {
        bail!("no coverage report given: pass one or more REPORT paths ({READ_FORMATS})");
    }
    let go_module = s.go_module.clone().or_else(|| {
        std::fs::read_to_string(s.root.join("go.mod"))
            .ok()
            .and_then(|t| gocover::module_path(&t))
    });
    let mut merged = Coverage::default();
    let mut notes: Vec<String> = Vec::new();
    for report in &s.reports {
        let mut cov = read_report(report, s, go_module.as_deref())?;
        notes.extend(
            std::mem::take(&mut cov.notes)
                .into_iter()
                .map(|n| format!("{}: {n}", report.display())),
        );
        let mut names: Vec<(String, String)> = cov
            .files
            .keys()
            .map(|path| {
                (
                    fold(path, &s.strip_prefix),
                    normalize(path, &s.strip_prefix, &s.root),
                )
            })
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

fn read_report(path: &Path, s: &Settings, go_module: Option<&str>) -> anyhow::Result<Coverage> {
    let open =
        || File::open(path).with_context(|| format!("{}: cannot open the report", path.display()));
    let format = match s.report_format {
        Some(f) => f,
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
        Format::Cobertura => cobertura::read(reader, &s.root).with_context(what)?,
        Format::Jacoco => jacoco::read(reader, &s.root, &s.source_roots).with_context(what)?,
        Format::Go => gocover::read(reader, go_module).with_context(what)?,
        Format::Clover => clover::read(reader).with_context(what)?,
        Format::OpenCover => opencover::read(reader).with_context(what)?,
        Format::SimpleCov => simplecov::read(reader).with_context(what)?,
    })
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

/// Where the run looks things up, made from the context: the API only in
/// Actions with a repository.
pub(crate) fn world<'a>(s: &Settings, ctx: &'a GitHubContext) -> anyhow::Result<World<'a>> {
    let git = Git::new(&s.root);
    let in_repo = git.is_repo();
    let api = match (&ctx.repo, ctx.in_actions) {
        (Some(repo), true) => Some((ctx.client()?, repo.clone())),
        _ => None,
    };
    Ok(World {
        ctx,
        git,
        in_repo,
        api,
    })
}
