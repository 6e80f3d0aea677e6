//! A data branch in the local repository, written with git plumbing:
//! `hash-object`, a temporary index, `write-tree`, `commit-tree`, and
//! `update-ref` with the old value, which is git's own compare-and-swap.
//! The work tree, the real index and HEAD are never touched.

use std::collections::BTreeMap;
use std::ffi::OsStr;

use anyhow::Context as _;

use super::{Backend, Change, Snapshot, Tip, Updated};
use crate::git::Git;

/// Who the data branch's commits are by.
const IDENTITY: [(&str, &str); 4] = [
    ("GIT_AUTHOR_NAME", "trunkline"),
    ("GIT_AUTHOR_EMAIL", "trunkline@localhost"),
    ("GIT_COMMITTER_NAME", "trunkline"),
    ("GIT_COMMITTER_EMAIL", "trunkline@localhost"),
];

const ZERO: &str = "0000000000000000000000000000000000000000";

/// A ref in a local repository (`refs/heads/trunkline-data`, or
/// `refs/remotes/origin/trunkline-data` to read a fetched mirror).
#[derive(Debug, Clone)]
pub struct LocalBranch<'a> {
    pub git: &'a Git,
    pub refname: String,
    /// Plan, print nothing, write nothing.
    pub dry_run: bool,
}

impl LocalBranch<'_> {
    /// The branch's files, and the contents of those in `read`.
    pub async fn snapshot(&self, read: &[&str]) -> anyhow::Result<Snapshot> {
        super::snapshot(self, read).await
    }

    /// A blob's bytes, by the id a [`Snapshot`] lists.
    pub async fn read_blob(&self, id: &str) -> anyhow::Result<Vec<u8>> {
        self.read(id).await
    }

    /// Plans a change against the tip and commits it by compare-and-swap;
    /// see `super::update`.
    pub async fn update(
        &self,
        read: &[&str],
        plan: impl FnMut(&Snapshot) -> anyhow::Result<Option<Change>>,
    ) -> anyhow::Result<Updated> {
        super::update(self, read, plan).await
    }
}

impl Backend for LocalBranch<'_> {
    fn name(&self) -> String {
        format!("{} in {}", self.refname, self.git.dir().display())
    }

    fn dry_run(&self) -> bool {
        self.dry_run
    }

    async fn tip(&self) -> anyhow::Result<Option<Tip>> {
        let Some(commit) = self.git.resolve_commit(&self.refname) else {
            return Ok(None);
        };
        let tree = self
            .git
            .run(&["rev-parse", &format!("{commit}^{{tree}}")])?;
        Ok(Some(Tip { commit, tree }))
    }

    async fn files(&self, tip: &Tip) -> anyhow::Result<BTreeMap<String, String>> {
        let out = self
            .git
            .run_bytes(&["ls-tree", "-r", "-z", "--full-tree", &tip.tree])?;
        let mut files = BTreeMap::new();
        for record in out.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            // "<mode> SP <type> SP <id> TAB <path>"
            let text = String::from_utf8_lossy(record);
            let Some((meta, path)) = text.split_once('\t') else {
                anyhow::bail!("git ls-tree: unexpected record {text:?}");
            };
            let mut parts = meta.split(' ');
            if let (Some(_), Some("blob"), Some(id)) = (parts.next(), parts.next(), parts.next()) {
                files.insert(path.to_owned(), id.to_owned());
            }
        }
        Ok(files)
    }

    async fn read(&self, blob: &str) -> anyhow::Result<Vec<u8>> {
        self.git.run_bytes(&["cat-file", "blob", blob])
    }

    async fn put_blob(&self, bytes: &[u8]) -> anyhow::Result<String> {
        let out = self
            .git
            .run_with(&["hash-object", "-w", "--stdin"], bytes, &[])?;
        Ok(String::from_utf8_lossy(&out).trim().to_owned())
    }

    async fn commit(
        &self,
        tip: Option<&Tip>,
        puts: &[(String, String)],
        deletes: &[String],
        message: &str,
    ) -> anyhow::Result<String> {
        // A private index file beside the real one, removed afterwards.
        let unique = format!(
            "trunkline-index-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default()
        );
        let index = self.git.run(&["rev-parse", "--git-path", &unique])?;
        let index = if std::path::Path::new(&index).is_absolute() {
            std::path::PathBuf::from(index)
        } else {
            self.git.dir().join(index)
        };
        let result = (|| {
            let env = [("GIT_INDEX_FILE", index.as_os_str())];
            match tip {
                Some(t) => self.git.run_with(&["read-tree", &t.tree], b"", &env)?,
                None => self.git.run_with(&["read-tree", "--empty"], b"", &env)?,
            };
            let mut info = Vec::new();
            for (path, id) in puts {
                info.extend_from_slice(format!("100644 {id}\t{path}\0").as_bytes());
            }
            for path in deletes {
                info.extend_from_slice(format!("0 {ZERO}\t{path}\0").as_bytes());
            }
            self.git
                .run_with(&["update-index", "-z", "--index-info"], &info, &env)?;
            let tree = self.git.run_with(&["write-tree"], b"", &env)?;
            let tree = String::from_utf8_lossy(&tree).trim().to_owned();
            let mut args = vec!["commit-tree", tree.as_str(), "-F", "-"];
            if let Some(t) = tip {
                args.extend(["-p", t.commit.as_str()]);
            }
            let ident: Vec<(&str, &OsStr)> =
                IDENTITY.iter().map(|(k, v)| (*k, OsStr::new(*v))).collect();
            let out = self.git.run_with(&args, message.as_bytes(), &ident)?;
            Ok::<_, anyhow::Error>(String::from_utf8_lossy(&out).trim().to_owned())
        })();
        let _ = std::fs::remove_file(&index);
        result.with_context(|| format!("writing a commit for {}", self.name()))
    }

    async fn swap(&self, old: Option<&str>, new: &str) -> anyhow::Result<bool> {
        let old = old.unwrap_or(ZERO);
        // `update-ref REF NEW OLD` moves the ref only if it still holds OLD
        // (all zeros: only if it does not exist), under git's lock file. A
        // lost race or a held lock both fail; re-reading tells them apart
        // from a real error.
        match self.git.run(&[
            "update-ref",
            "-m",
            "trunkline: data branch update",
            &self.refname,
            new,
            old,
        ]) {
            Ok(_) => Ok(true),
            Err(e) => {
                let msg = e.to_string();
                if msg.contains("cannot lock ref")
                    || msg.contains("Unable to create")
                    || msg.contains("but expected")
                    || msg.contains("already exists")
                    || msg.contains("unable to resolve reference")
                {
                    Ok(false)
                } else {
                    Err(e)
                }
            }
        }
    }

    async fn print_plan(&self, _: &Snapshot, _: &Change) -> anyhow::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data_branch::Updated;

    fn repo() -> (tempfile::TempDir, Git) {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path());
        git.run(&["init", "-q", "-b", "main"]).unwrap();
        (dir, git)
    }

    fn change(path: &str, text: &str) -> Option<Change> {
        Some(Change {
            puts: vec![(path.into(), text.as_bytes().to_vec())],
            deletes: vec![],
            message: format!("put {path}"),
        })
    }

    #[tokio::test]
    async fn an_orphan_branch_grows_and_a_repeat_is_a_no_op() {
        let (_d, git) = repo();
        let b = LocalBranch {
            git: &git,
            refname: "refs/heads/data".into(),
            dry_run: false,
        };
        let first = b
            .update(&[], |_| Ok(change("a/x.json", "1")))
            .await
            .unwrap();
        assert!(matches!(first, Updated::Committed { attempts: 1, .. }));
        assert!(
            b.update(&["a/x.json"], |s| {
                assert_eq!(s.contents["a/x.json"], b"1");
                Ok(change("a/x.json", "1"))
            })
            .await
            .unwrap()
                == Updated::Unchanged
        );
        b.update(&[], |_| {
            Ok(Some(Change {
                puts: vec![("b/y.json".into(), b"2".to_vec())],
                deletes: vec!["a/x.json".into(), "never/there".into()],
                message: "m".into(),
            }))
        })
        .await
        .unwrap();
        let snap = b.snapshot(&["b/y.json"]).await.unwrap();
        assert_eq!(snap.files.keys().collect::<Vec<_>>(), ["b/y.json"]);
        assert_eq!(snap.contents["b/y.json"], b"2");
        // An orphan: two commits, the first without a parent; HEAD untouched.
        assert_eq!(git.first_parents("refs/heads/data", 10).unwrap().len(), 2);
        assert!(git.resolve_commit("HEAD").is_none());
        let d = LocalBranch {
            dry_run: true,
            ..b.clone()
        };
        assert_eq!(
            d.update(&[], |_| Ok(change("c", "3"))).await.unwrap(),
            Updated::DryRun
        );
        assert!(!b.snapshot(&[]).await.unwrap().files.contains_key("c"));
    }

    #[tokio::test]
    async fn a_stale_old_value_is_a_lost_race() {
        let (_d, git) = repo();
        let b = LocalBranch {
            git: &git,
            refname: "refs/heads/data".into(),
            dry_run: false,
        };
        b.update(&[], |_| Ok(change("a", "1"))).await.unwrap();
        let tip = b.tip().await.unwrap().unwrap();
        let other = b.commit(Some(&tip), &[], &[], "other").await.unwrap();
        assert!(b.swap(Some(&tip.commit), &other).await.unwrap());
        // The old tip no longer matches, and creating an existing ref fails.
        assert!(!b.swap(Some(&tip.commit), &tip.commit).await.unwrap());
        assert!(!b.swap(None, &tip.commit).await.unwrap());
    }
}
