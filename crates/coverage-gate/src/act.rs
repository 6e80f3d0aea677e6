//! Act: the only code that writes. With `--dry-run` the plan is printed
//! where the runtime's plan door prints (fenced in `github` format, like
//! every untrusted line), and nothing is written.
//!
//! The writes are made in the plan's order. The baseline file goes through
//! a temporary file and a rename, so a reader never sees half of it.
//! The record goes on the data branch by compare-and-swap: the tip is read,
//! the record and the index are rebuilt on it, and the branch moves only if
//! it still points there; a lost race reads the new tip and tries again, an
//! identical record makes no commit, and nothing is ever force-pushed. The
//! sticky comment goes through the runtime's plan door, which owns the rule
//! that a create is looked for before it is sent again.

use std::path::Path;

use anyhow::Context as _;
use gate_runtime::data_branch::{GitDataBranch, LocalBranch, Updated};
use gate_runtime::plan::{self, World};
use gate_runtime::{ApiError, GateIo, GitHubContext};

use crate::decide::{Plan, RecordWrite, Via};
use crate::store;

/// What happened to the record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Recorded {
    /// A new commit on the data branch, after `attempts - 1` lost races.
    Committed { commit: String, attempts: u32 },
    /// The branch already held this record.
    Unchanged,
    /// GitHub refused the write to this token (HTTP 403).
    Refused,
    /// `--dry-run`: printed, not written.
    DryRun,
}

/// What acting did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Applied {
    /// `--dry-run`: every write printed, none made.
    pub dry_run: bool,
    pub record: Option<Recorded>,
    /// The API's writes (the sticky comment).
    pub api: plan::Applied,
    /// GitHub refused the comment to this token (HTTP 403).
    pub comment_refused: bool,
}

impl Applied {
    fn dry_run(plan: &Plan) -> Self {
        Self {
            dry_run: true,
            record: plan.record.as_ref().map(|_| Recorded::DryRun),
            api: plan::Applied::dry_run(&plan.api),
            comment_refused: false,
        }
    }
}

/// Makes the plan's writes in order, or with `--dry-run` prints them.
pub(crate) async fn act(
    plan: &Plan,
    world: &World<'_>,
    ctx: &GitHubContext,
    io: &mut GateIo<'_>,
) -> anyhow::Result<Applied> {
    if ctx.dry_run {
        // The printed plan is informational; a closed pipe must not turn a
        // dry run into a failure.
        let _ = plan::dry_run_out(io, ctx.format).write_lines(&plan.dry_run_lines(world.repo));
        return Ok(Applied::dry_run(plan));
    }
    apply(plan, world).await
}

/// Makes the plan's writes in order.
pub(crate) async fn apply(plan: &Plan, world: &World<'_>) -> anyhow::Result<Applied> {
    if let Some(b) = &plan.baseline_file {
        write_atomically(&b.path, &b.text)
            .with_context(|| format!("--write-baseline {}", b.path.display()))?;
    }
    let record = match &plan.record {
        Some(r) => Some(record(r, world).await?),
        None => None,
    };
    let (api, comment_refused) = match plan::apply(&plan.api, world).await {
        Ok(applied) => (applied, false),
        Err(e) if forbidden(&e) => (
            plan::Applied {
                results: Vec::new(),
            },
            true,
        ),
        Err(e) => return Err(e.context("--comment")),
    };
    Ok(Applied {
        dry_run: false,
        record,
        api,
        comment_refused,
    })
}

/// Whether an error is GitHub refusing a write to this token (a fork's
/// read-only token, or a job without the permission).
fn forbidden(e: &anyhow::Error) -> bool {
    e.downcast_ref::<ApiError>()
        .is_some_and(|a| a.status() == Some(403))
}

/// Puts the record on the data branch: the compare-and-swap loop of
/// [`gate_runtime::data_branch`], rebuilding the record and the index on
/// the tip each attempt finds.
async fn record(w: &RecordWrite, world: &World<'_>) -> anyhow::Result<Recorded> {
    let bytes = store::encode(&w.record)?;
    let path = store::record_path(&w.sha);
    let read = [store::INDEX_PATH, path.as_str()];
    let plan = |snap: &gate_runtime::data_branch::Snapshot| {
        Ok(store::plan_record(snap, &w.sha, &bytes, w.keep))
    };
    let branch = &w.branch;
    let updated = match w.via {
        Via::Api => {
            let (Some(client), Some(repo)) = (world.client, world.repo) else {
                anyhow::bail!("internal: a record through the API without the API");
            };
            let b = GitDataBranch {
                client,
                repo,
                branch,
            };
            match b.update(&read, plan).await {
                Ok(u) => u,
                Err(e) if forbidden(&e) => return Ok(Recorded::Refused),
                Err(e) => return Err(e.context(format!("--record: writing {branch}:{path}"))),
            }
        }
        Via::Local => {
            let git = world
                .git
                .context("internal: a local record without the checkout")?;
            let b = LocalBranch {
                git,
                refname: format!("refs/heads/{branch}"),
                dry_run: false,
            };
            b.update(&read, plan)
                .await
                .with_context(|| format!("--record: writing the local branch {branch}"))?
        }
    };
    Ok(match updated {
        Updated::Committed { commit, attempts } => Recorded::Committed { commit, attempts },
        Updated::Unchanged => Recorded::Unchanged,
        Updated::DryRun => Recorded::DryRun,
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

    // Regression (#17 small ones): the baseline's temp file was not created exclusively, so a link
    // was followed.
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
