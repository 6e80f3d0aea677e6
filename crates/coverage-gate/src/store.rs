//! The baseline store: one coverage record per main commit, keyed by SHA,
//! on an orphan data branch (`trunkline-data` by default).
//!
//! A pull request is compared against the record of the commit it left
//! main at, so the baseline can neither be stale (an artifact that expired)
//! nor wrong (the latest main, which the PR never saw). Layout:
//! `coverage/<sha[0:2]>/<sha>.json`, each the same JSON a `--write-baseline`
//! file holds, plus `coverage/index.txt`, the recorded SHAs oldest first,
//! which says what to prune when the branch holds more than `--store-keep`
//! records. Pure: the branch itself is reached through
//! `gate_runtime::data_branch`.

use std::collections::{BTreeMap, BTreeSet};

use gate_runtime::data_branch::{Change, Snapshot};

use crate::ratchet::Baseline;

/// The default data branch.
pub const DEFAULT_BRANCH: &str = "trunkline-data";

/// The records' order, oldest first.
pub const INDEX_PATH: &str = "coverage/index.txt";

/// Where a commit's record lives on the branch.
pub fn record_path(sha: &str) -> String {
    format!("coverage/{}/{sha}.json", &sha[..sha.len().min(2)])
}

/// The commit a record path is for, when it is one.
fn record_sha(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("coverage/")?;
    let (shard, file) = rest.split_once('/')?;
    let sha = file.strip_suffix(".json")?;
    (is_full_sha(sha) && sha.starts_with(shard) && shard.len() == 2).then_some(sha)
}

/// A full commit SHA: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
pub fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64)
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A record's bytes: pretty JSON, so the branch's history diffs readably.
pub fn encode(record: &Baseline) -> anyhow::Result<Vec<u8>> {
    let mut text = serde_json::to_string_pretty(record)?;
    text.push('\n');
    Ok(text.into_bytes())
}

/// Reads a record found at `label` (branch and path, for the message),
/// checking it is one this version reads and that it is for `sha`.
pub fn decode(label: &str, sha: &str, bytes: &[u8]) -> anyhow::Result<Baseline> {
    let fix = format!(
        "delete it from the branch, or re-run the recording job of commit {sha} (a new record replaces it)"
    );
    let record: Baseline = serde_json::from_slice(bytes)
        .map_err(|e| anyhow::anyhow!("{label}: not a coverage record ({e}); {fix}"))?;
    record
        .check()
        .map_err(|e| anyhow::anyhow!("{label}: {e}; {fix}"))?;
    if let Some(c) = &record.commit {
        if c != sha {
            anyhow::bail!("{label}: the record says it is for commit {c}; {fix}");
        }
    }
    Ok(record)
}

/// The recorded SHAs in recording order. Records on the branch that the
/// index does not list (written by hand, or by an older version) come
/// first, as the oldest; listed SHAs whose record is gone are dropped.
fn order(files: &BTreeMap<String, String>, index: Option<&[u8]>) -> Vec<String> {
    let present: BTreeSet<&str> = files.keys().filter_map(|p| record_sha(p)).collect();
    let listed: Vec<&str> = index
        .map(|b| std::str::from_utf8(b).unwrap_or_default())
        .unwrap_or_default()
        .lines()
        .map(str::trim)
        .filter(|s| present.contains(s))
        .collect();
    let listed_set: BTreeSet<&str> = listed.iter().copied().collect();
    let mut out: Vec<String> = present
        .iter()
        .filter(|s| !listed_set.contains(*s))
        .map(|s| (*s).to_owned())
        .collect();
    let mut seen = BTreeSet::new();
    out.extend(
        listed
            .into_iter()
            .filter(|s| seen.insert(*s))
            .map(str::to_owned),
    );
    out
}

/// The commits that have a record on the branch.
pub fn recorded(files: &BTreeMap<String, String>) -> BTreeSet<String> {
    files
        .keys()
        .filter_map(|p| record_sha(p))
        .map(str::to_owned)
        .collect()
}

/// Plans recording `bytes` as `sha`'s record against what the branch
/// holds: the record, the index with `sha` last (a re-recorded SHA keeps
/// its place), and the oldest records beyond `keep` removed in the same
/// commit. `None` when the record is there with these exact bytes.
pub fn plan_record(snap: &Snapshot, sha: &str, bytes: &[u8], keep: usize) -> Option<Change> {
    let path = record_path(sha);
    let index_before = snap.contents.get(INDEX_PATH).map(Vec::as_slice);
    let mut order = order(&snap.files, index_before);
    if !order.iter().any(|s| s == sha) {
        order.push(sha.to_owned());
    }
    let excess = order.len().saturating_sub(keep.max(1));
    let pruned: Vec<String> = order.drain(..excess).collect();
    let mut index = String::new();
    for s in &order {
        index.push_str(s);
        index.push('\n');
    }
    let same_record = snap.contents.get(&path).map(Vec::as_slice) == Some(bytes);
    if same_record && pruned.is_empty() && index_before == Some(index.as_bytes()) {
        return None;
    }
    let mut message = format!("coverage: record {sha}");
    if !pruned.is_empty() {
        message.push_str(&format!(
            " (pruned {} oldest, keeping {keep})",
            pruned.len()
        ));
    }
    Some(Change {
        puts: vec![
            (path, bytes.to_vec()),
            (INDEX_PATH.to_owned(), index.into_bytes()),
        ],
        deletes: pruned.iter().map(|s| record_path(s)).collect(),
        message,
    })
}

/// The nearest recorded commit along `walk` (the base first, then its
/// first-parent ancestors): its SHA and how far back it is.
pub fn nearest<'a>(walk: &'a [String], recorded: &BTreeSet<String>) -> Option<(&'a str, usize)> {
    walk.iter()
        .enumerate()
        .find(|(_, s)| recorded.contains(*s))
        .map(|(d, s)| (s.as_str(), d))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sha(n: u8) -> String {
        format!("{n:02x}{}", "0".repeat(38))
    }

    fn snap(records: &[&str], index: Option<&str>) -> Snapshot {
        let mut s = Snapshot::default();
        for r in records {
            s.files.insert(record_path(r), format!("blob-{r}"));
        }
        if let Some(i) = index {
            s.files.insert(INDEX_PATH.into(), "idx".into());
            s.contents.insert(INDEX_PATH.into(), i.as_bytes().to_vec());
        }
        s
    }

    #[test]
    fn layout() {
        let s = sha(0xab);
        assert_eq!(record_path(&s), format!("coverage/ab/{s}.json"));
        assert_eq!(record_sha(&record_path(&s)), Some(s.as_str()));
        assert_eq!(record_sha("coverage/index.txt"), None);
        assert_eq!(record_sha(&format!("coverage/cd/{s}.json")), None);
        assert!(is_full_sha(&s) && !is_full_sha("abc") && !is_full_sha(&s.to_uppercase()));
    }

    #[test]
    fn the_first_record_and_a_repeat() {
        let s = sha(1);
        let c = plan_record(&Snapshot::default(), &s, b"{}", 10).unwrap();
        assert_eq!(c.puts[0].0, record_path(&s));
        assert_eq!(
            c.puts[1],
            (INDEX_PATH.to_owned(), format!("{s}\n").into_bytes())
        );
        assert!(c.deletes.is_empty());
        let mut there = snap(&[&s], Some(&format!("{s}\n")));
        there.contents.insert(record_path(&s), b"{}".to_vec());
        assert_eq!(plan_record(&there, &s, b"{}", 10), None);
        // New content for the same commit replaces it, in place.
        let c = plan_record(&there, &s, b"{\"x\":1}", 10).unwrap();
        assert_eq!(c.puts[1].1, format!("{s}\n").into_bytes());
    }

    #[test]
    fn the_oldest_are_pruned_in_the_same_commit() {
        let (a, b, c, d) = (sha(1), sha(2), sha(3), sha(4));
        // `a` is on the branch but not in the index: the oldest.
        let s = snap(&[&a, &b, &c], Some(&format!("{c}\n{b}\n{}\n", sha(9))));
        let change = plan_record(&s, &d, b"{}", 2).unwrap();
        assert_eq!(change.deletes, vec![record_path(&a), record_path(&c)]);
        assert_eq!(change.puts[1].1, format!("{b}\n{d}\n").into_bytes());
        assert!(
            change.message.contains("pruned 2 oldest"),
            "{}",
            change.message
        );
    }

    #[test]
    fn records_are_checked() {
        let s = sha(5);
        let good = format!(r#"{{"format":1,"tool":"t","commit":"{s}","packages":{{}}}}"#);
        assert!(decode("x", &s, good.as_bytes()).is_ok());
        let err = decode("trunkline-data:coverage/05/x.json", &s, b"{oops").unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.starts_with("trunkline-data:coverage/05/x.json: not a coverage record"),
            "{msg}"
        );
        assert!(
            msg.contains(&format!("re-run the recording job of commit {s}")),
            "{msg}"
        );
        assert!(decode("x", &sha(6), good.as_bytes()).is_err());
        let bad = r#"{"format":1,"tool":"t","packages":{"p":{"lines_found":1,"lines_hit":2}}}"#;
        assert!(
            decode("x", &s, bad.as_bytes())
                .unwrap_err()
                .to_string()
                .contains("more hit than found")
        );
    }

    #[test]
    fn nearest_record_along_the_walk() {
        let walk: Vec<String> = (1..=5).map(sha).collect();
        let rec: BTreeSet<String> = [sha(4), sha(5)].into();
        assert_eq!(nearest(&walk, &rec), Some((walk[3].as_str(), 3)));
        assert_eq!(nearest(&walk[..2], &rec), None);
    }
}
