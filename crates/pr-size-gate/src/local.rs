//! Facts from the local checkout: no API call, no token.

use anyhow::{Context as _, bail};
use gate_runtime::git::Git;

use crate::policy::Change;

/// What local git says about `merge-base(base, head)..head`.
#[derive(Debug, Clone)]
pub struct LocalDiff {
    pub base: String,
    pub merge_base: String,
    pub head: String,
    pub changes: Vec<Change>,
    /// Author times (Unix seconds) of the commits on the branch, not on base.
    pub author_times: Vec<i64>,
    /// `(directory, contents)` of every `.gitattributes` at the base commit.
    pub gitattributes: Vec<(String, String)>,
}

/// Parses `git diff --numstat -z` output. Renames come as
/// `A\tD\t\0OLD\0NEW\0`; binary files as `-\t-\tPATH\0`.
pub fn parse_numstat_z(bytes: &[u8]) -> anyhow::Result<Vec<Change>> {
    let text = String::from_utf8_lossy(bytes);
    let mut tokens = text.split('\0').filter(|t| !t.is_empty());
    let mut changes = Vec::new();
    while let Some(tok) = tokens.next() {
        let mut fields = tok.splitn(3, '\t');
        let (Some(a), Some(d), Some(path)) = (fields.next(), fields.next(), fields.next()) else {
            bail!("unexpected git diff --numstat record {tok:?}");
        };
        let binary = a == "-" && d == "-";
        let num = |s: &str| -> anyhow::Result<u64> {
            if s == "-" {
                Ok(0)
            } else {
                s.parse()
                    .with_context(|| format!("unexpected count {s:?} in git diff --numstat"))
            }
        };
        let (old_path, path) = if path.is_empty() {
            let old = tokens
                .next()
                .context("git diff --numstat: rename without its old path")?;
            let new = tokens
                .next()
                .context("git diff --numstat: rename without its new path")?;
            (Some(old.to_owned()), new.to_owned())
        } else {
            (None, path.to_owned())
        };
        changes.push(Change {
            path,
            old_path,
            additions: num(a)?,
            deletions: num(d)?,
            binary,
        });
    }
    Ok(changes)
}

/// Reads the diff, the branch's commits and the base's `.gitattributes`.
pub fn read(
    git: &Git,
    base_rev: &str,
    head_rev: &str,
    base_flag: &str,
) -> anyhow::Result<LocalDiff> {
    let base = git.resolve_commit(base_rev).with_context(|| {
        format!(
            "{base_flag} {base_rev}: no such commit in {}; fetch it (actions/checkout with fetch-depth: 0) or name another revision",
            git.dir().display()
        )
    })?;
    let head = git
        .resolve_commit(head_rev)
        .with_context(|| format!("--head {head_rev}: no such commit here"))?;
    let merge_base = git.merge_base(&base, &head).with_context(|| {
        format!(
            "{base_flag} {base_rev}: no merge base with {head_rev}; the history is too shallow (use fetch-depth: 0) or unrelated"
        )
    })?;
    // Attributes such as `-diff` or `binary` change what numstat counts.
    // Without --attr-source git takes them from the working tree, which is
    // the PR's head: a PR adding `* -diff` would count as zero. Policy comes
    // from the base.
    let attr_source = format!("--attr-source={base}");
    let numstat = git.run_bytes(&[
        &attr_source,
        "diff",
        "--numstat",
        "-z",
        "-M",
        "--no-ext-diff",
        "--no-color",
        &merge_base,
        &head,
        "--",
    ])?;
    let changes = parse_numstat_z(&numstat)
        .context("reading git diff --numstat (git 2.42 or newer is needed for --attr-source)")?;
    let range = format!("{merge_base}..{head}");
    let author_times = git
        .run(&["log", "--format=%at", &range, "--"])?
        .lines()
        .filter_map(|l| l.trim().parse().ok())
        .collect();
    let listing = git.run_bytes(&["ls-tree", "-r", "-z", "--name-only", &base])?;
    let mut gitattributes = Vec::new();
    for path in String::from_utf8_lossy(&listing).split('\0') {
        if path == ".gitattributes" || path.ends_with("/.gitattributes") {
            if let Some(bytes) = git.show_file(&base, path) {
                let dir = path.trim_end_matches(".gitattributes").to_owned();
                gitattributes.push((dir, String::from_utf8_lossy(&bytes).into_owned()));
            }
        }
    }
    Ok(LocalDiff {
        base,
        merge_base,
        head,
        changes,
        author_times,
        gitattributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numstat_records() {
        let raw = b"3\t1\tsrc/a.rs\0-\t-\timg.png\0 2\t0\t\0old name.txt\0new name.txt\0";
        // A leading space is not part of git's format; strip it for the test.
        let raw: Vec<u8> = raw.iter().copied().filter(|b| *b != b' ').collect();
        let changes = parse_numstat_z(&raw).unwrap();
        assert_eq!(changes.len(), 3);
        assert_eq!(changes[0].additions, 3);
        assert!(changes[1].binary);
        assert_eq!(changes[1].additions, 0);
        assert_eq!(changes[2].old_path.as_deref(), Some("oldname.txt"));
        assert_eq!(changes[2].path, "newname.txt");
        assert!(parse_numstat_z(b"x\0").is_err());
        assert!(parse_numstat_z(b"1\t2\t\0only-old\0").is_err());
    }
}
