//! Files on a data branch (an orphan branch such as `trunkline-data`),
//! written by compare-and-swap so concurrent writers all land.
//!
//! A gate that keeps state in the repository (coverage records, say) must
//! not need checkout credentials, must never force-push, and must survive
//! two pushes to main recording at the same moment. So every update reads
//! the branch tip, lets the caller plan its change against what is there,
//! writes a new commit on top of that tip, and moves the branch only if it
//! still points at that tip. When another writer won, the loop reads the
//! new tip and plans again. A change that would leave every file as it is
//! makes no commit.
//!
//! Two ways to reach the branch, one loop: the Git Data API in Actions
//! ([`GitDataBranch`]: blob, tree, commit, fast-forward ref update), and git
//! plumbing on a local branch of the same name ([`LocalBranch`]), which
//! gives a local mirror and dry runs the same layout.

mod git_data;
mod local;

use std::collections::BTreeMap;

pub use git_data::GitDataBranch;
pub use local::LocalBranch;

/// The commit a branch points at, and its tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tip {
    pub commit: String,
    pub tree: String,
}

/// The branch as one attempt found it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// `None` when the branch does not exist yet.
    pub tip: Option<Tip>,
    /// Every file: path to blob id.
    pub files: BTreeMap<String, String>,
    /// The contents of the files the caller asked to read, those present.
    pub contents: BTreeMap<String, Vec<u8>>,
}

/// What the caller wants changed, planned against a [`Snapshot`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// Files to write: path and bytes.
    pub puts: Vec<(String, Vec<u8>)>,
    /// Files to remove.
    pub deletes: Vec<String>,
    pub message: String,
}

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Updated {
    /// The branch moved to this commit, after this many attempts.
    Committed { commit: String, attempts: u32 },
    /// Every file already was as planned: no commit.
    Unchanged,
    /// `--dry-run`: the writes were printed, not made.
    DryRun,
}

/// How often an update re-reads and rebuilds before giving up.
pub const MAX_ATTEMPTS: u32 = 8;

/// One way of reaching a branch. Crate-private: callers use the inherent
/// methods of [`GitDataBranch`] and [`LocalBranch`].
pub(crate) trait Backend {
    /// Names the branch in messages.
    fn name(&self) -> String;
    fn dry_run(&self) -> bool;
    async fn tip(&self) -> anyhow::Result<Option<Tip>>;
    /// Every file under the tip's tree: path to blob id.
    async fn files(&self, tip: &Tip) -> anyhow::Result<BTreeMap<String, String>>;
    async fn read(&self, blob: &str) -> anyhow::Result<Vec<u8>>;
    async fn put_blob(&self, bytes: &[u8]) -> anyhow::Result<String>;
    /// A commit on top of `tip` (an orphan without one) with its tree
    /// changed so; returns its id. Nothing points at it yet.
    async fn commit(
        &self,
        tip: Option<&Tip>,
        puts: &[(String, String)],
        deletes: &[String],
        message: &str,
    ) -> anyhow::Result<String>;
    /// Moves the branch from `old` (`None`: create it) to `new`, only if it
    /// still points at `old`; `false` when another writer moved it first.
    async fn swap(&self, old: Option<&str>, new: &str) -> anyhow::Result<bool>;
    /// Prints the writes a dry run would make.
    async fn print_plan(&self, snapshot: &Snapshot, change: &Change) -> anyhow::Result<()>;
}

pub(crate) async fn snapshot<B: Backend>(b: &B, read: &[&str]) -> anyhow::Result<Snapshot> {
    let Some(tip) = b.tip().await? else {
        return Ok(Snapshot::default());
    };
    let files = b.files(&tip).await?;
    let mut contents = BTreeMap::new();
    for path in read {
        if let Some(id) = files.get(*path) {
            contents.insert((*path).to_owned(), b.read(id).await?);
        }
    }
    Ok(Snapshot {
        tip: Some(tip),
        files,
        contents,
    })
}

/// The compare-and-swap loop: snapshot (reading `read`), plan, write, swap;
/// on a lost race, again from the new tip. `plan` returns `None` when there
/// is nothing to do.
pub(crate) async fn update<B: Backend>(
    b: &B,
    read: &[&str],
    mut plan: impl FnMut(&Snapshot) -> anyhow::Result<Option<Change>>,
) -> anyhow::Result<Updated> {
    for attempt in 1..=MAX_ATTEMPTS {
        let snap = snapshot(b, read).await?;
        let Some(change) = plan(&snap)? else {
            return Ok(Updated::Unchanged);
        };
        if b.dry_run() {
            b.print_plan(&snap, &change).await?;
            return Ok(Updated::DryRun);
        }
        let mut puts = Vec::with_capacity(change.puts.len());
        for (path, bytes) in &change.puts {
            puts.push((path.clone(), b.put_blob(bytes).await?));
        }
        let deletes: Vec<String> = change
            .deletes
            .iter()
            .filter(|p| snap.files.contains_key(*p))
            .cloned()
            .collect();
        if deletes.is_empty() && puts.iter().all(|(p, id)| snap.files.get(p) == Some(id)) {
            return Ok(Updated::Unchanged);
        }
        let commit = b
            .commit(snap.tip.as_ref(), &puts, &deletes, &change.message)
            .await?;
        let old = snap.tip.as_ref().map(|t| t.commit.as_str());
        if b.swap(old, &commit).await? {
            return Ok(Updated::Committed {
                commit,
                attempts: attempt,
            });
        }
        // A swap whose answer was lost can look like a lost race: the
        // branch may hold our commit already.
        if b.tip().await?.is_some_and(|t| t.commit == commit) {
            return Ok(Updated::Committed {
                commit,
                attempts: attempt,
            });
        }
        // Another writer moved the branch. Its update is done, so re-reading
        // at once usually wins; back off a little in case many are racing.
        tokio::time::sleep(std::time::Duration::from_millis(25 * u64::from(attempt))).await;
    }
    anyhow::bail!(
        "{}: other writers moved the branch {MAX_ATTEMPTS} times while this update was being written; run again",
        b.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// The tip, its files, and how many races were lost so far.
    type State = (Option<Tip>, BTreeMap<String, Vec<u8>>, u32);

    /// An in-memory branch whose swap loses the first `lose` races.
    #[derive(Default)]
    struct Memory {
        state: Mutex<State>,
        lose: u32,
        commits: Mutex<Vec<BTreeMap<String, Vec<u8>>>>,
    }

    impl Backend for Memory {
        fn name(&self) -> String {
            "memory".into()
        }
        fn dry_run(&self) -> bool {
            false
        }
        async fn tip(&self) -> anyhow::Result<Option<Tip>> {
            Ok(self.state.lock().unwrap().0.clone())
        }
        async fn files(&self, _tip: &Tip) -> anyhow::Result<BTreeMap<String, String>> {
            let s = self.state.lock().unwrap();
            Ok(s.1
                .iter()
                .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
                .collect())
        }
        async fn read(&self, blob: &str) -> anyhow::Result<Vec<u8>> {
            Ok(blob.as_bytes().to_vec())
        }
        async fn put_blob(&self, bytes: &[u8]) -> anyhow::Result<String> {
            Ok(String::from_utf8_lossy(bytes).into_owned())
        }
        async fn commit(
            &self,
            tip: Option<&Tip>,
            puts: &[(String, String)],
            deletes: &[String],
            _message: &str,
        ) -> anyhow::Result<String> {
            let mut files = match tip {
                Some(t) => self.commits.lock().unwrap()[t.commit.parse::<usize>()?].clone(),
                None => BTreeMap::new(),
            };
            for (p, id) in puts {
                files.insert(p.clone(), id.as_bytes().to_vec());
            }
            for p in deletes {
                files.remove(p);
            }
            let mut commits = self.commits.lock().unwrap();
            commits.push(files);
            Ok((commits.len() - 1).to_string())
        }
        async fn swap(&self, old: Option<&str>, new: &str) -> anyhow::Result<bool> {
            let mut s = self.state.lock().unwrap();
            if s.2 < self.lose {
                s.2 += 1;
                // Another writer adds its own file first.
                let mut files = s.1.clone();
                files.insert(format!("other{}", s.2), b"x".to_vec());
                let mut commits = self.commits.lock().unwrap();
                commits.push(files.clone());
                s.0 = Some(Tip {
                    commit: (commits.len() - 1).to_string(),
                    tree: String::new(),
                });
                s.1 = files;
                return Ok(false);
            }
            if s.0.as_ref().map(|t| t.commit.as_str()) != old {
                return Ok(false);
            }
            let files = self.commits.lock().unwrap()[new.parse::<usize>()?].clone();
            s.0 = Some(Tip {
                commit: new.to_owned(),
                tree: String::new(),
            });
            s.1 = files;
            Ok(true)
        }
        async fn print_plan(&self, _: &Snapshot, _: &Change) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn put(path: &str, text: &str) -> Option<Change> {
        Some(Change {
            puts: vec![(path.to_owned(), text.as_bytes().to_vec())],
            deletes: vec![],
            message: "m".into(),
        })
    }

    #[tokio::test]
    async fn a_lost_race_is_rebuilt_on_the_new_tip() {
        let m = Memory {
            lose: 2,
            ..Memory::default()
        };
        let mut plans = 0;
        let out = update(&m, &[], |_| {
            plans += 1;
            Ok(put("a", "1"))
        })
        .await
        .unwrap();
        assert!(
            matches!(out, Updated::Committed { attempts: 3, .. }),
            "{out:?}"
        );
        assert_eq!(plans, 3);
        let files = m.state.lock().unwrap().1.clone();
        assert_eq!(
            files.keys().collect::<Vec<_>>(),
            ["a", "other1", "other2"],
            "both writers' files landed"
        );
        // The same content again: no commit.
        let before = m.commits.lock().unwrap().len();
        assert_eq!(
            update(&m, &[], |_| Ok(put("a", "1"))).await.unwrap(),
            Updated::Unchanged
        );
        assert_eq!(m.commits.lock().unwrap().len(), before);
        assert_eq!(
            update(&m, &[], |_| Ok(None)).await.unwrap(),
            Updated::Unchanged
        );
    }

    #[tokio::test]
    async fn endless_races_give_up_with_the_branch_named() {
        let m = Memory {
            lose: u32::MAX,
            ..Memory::default()
        };
        let err = update(&m, &[], |_| Ok(put("a", "1"))).await.unwrap_err();
        assert!(
            err.to_string().starts_with("memory: other writers"),
            "{err}"
        );
    }
}
