//! The Git Data API: blobs, trees and commits, so a data branch can be
//! written without a checkout (coverage records on `trunkline-data`).
//!
//! Shapes follow GitHub's documented responses:
//! <https://docs.github.com/en/rest/git/blobs>,
//! <https://docs.github.com/en/rest/git/trees> and
//! <https://docs.github.com/en/rest/git/commits>. As on GitHub, objects are
//! content-addressed: creating the same blob, tree or commit (same author
//! and committer dates) twice gives the same SHA, so a retried create whose
//! first answer was lost leaves nothing new behind. The ids are the fake's
//! own hash (see `routes::blob_sha`), not git's SHA-1. Refs are updated by
//! `routes/git.rs`, which refuses a non-fast-forward `force: false` update with
//! 422 "Update is not a fast forward", as GitHub does.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::routes::blob_sha;
use crate::shapes::rfc3339;
use crate::state::{Commit, RepoState};
use crate::{FakeGitHub, RecordedRequest, Reply};

/// One entry of a tree object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry {
    pub name: String,
    pub mode: String,
    /// `blob` or `tree`.
    pub kind: String,
    pub sha: String,
}

/// A repository's git objects made through the Git Data API.
#[derive(Debug, Clone, Default)]
pub struct GitObjects {
    pub blobs: BTreeMap<String, Vec<u8>>,
    pub trees: BTreeMap<String, Vec<TreeEntry>>,
    /// Commit SHA to its tree SHA.
    pub commit_trees: BTreeMap<String, String>,
}

const BLOB_MODE: &str = "100644";
const TREE_MODE: &str = "040000";

impl GitObjects {
    fn put_blob(&mut self, bytes: Vec<u8>) -> String {
        let sha = blob_sha(&bytes);
        self.blobs.entry(sha.clone()).or_insert(bytes);
        sha
    }

    fn put_tree(&mut self, mut entries: Vec<TreeEntry>) -> String {
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let text: String = entries
            .iter()
            .map(|e| format!("{} {} {} {}\n", e.mode, e.kind, e.sha, e.name))
            .collect();
        let sha = blob_sha(format!("tree\n{text}").as_bytes());
        self.trees.entry(sha.clone()).or_insert(entries);
        sha
    }

    /// Every file under a tree: path to (mode, blob SHA).
    fn flatten(&self, tree: &str, prefix: &str, out: &mut BTreeMap<String, (String, String)>) {
        for e in self.trees.get(tree).into_iter().flatten() {
            let path = format!("{prefix}{}", e.name);
            if e.kind == "tree" {
                self.flatten(&e.sha, &format!("{path}/"), out);
            } else {
                out.insert(path, (e.mode.clone(), e.sha.clone()));
            }
        }
    }

    /// Builds nested trees from a flat file list; returns the root's SHA.
    fn build(&mut self, files: &BTreeMap<String, (String, String)>) -> String {
        let mut here: Vec<TreeEntry> = Vec::new();
        let mut dirs: BTreeMap<&str, BTreeMap<String, (String, String)>> = BTreeMap::new();
        for (path, (mode, sha)) in files {
            match path.split_once('/') {
                Some((dir, rest)) => {
                    dirs.entry(dir)
                        .or_default()
                        .insert(rest.to_owned(), (mode.clone(), sha.clone()));
                }
                None => here.push(TreeEntry {
                    name: path.clone(),
                    mode: mode.clone(),
                    kind: "blob".into(),
                    sha: sha.clone(),
                }),
            }
        }
        for (dir, sub) in dirs {
            let sha = self.build(&sub);
            here.push(TreeEntry {
                name: dir.to_owned(),
                mode: TREE_MODE.into(),
                kind: "tree".into(),
                sha,
            });
        }
        self.put_tree(here)
    }

    /// The tree of a commit; commits seeded without one have the empty tree.
    pub fn tree_of(&mut self, commit: &str) -> String {
        match self.commit_trees.get(commit) {
            Some(t) => t.clone(),
            None => self.put_tree(Vec::new()),
        }
    }
}

impl FakeGitHub {
    /// The files on a branch written through the Git Data API: path to bytes.
    pub fn branch_files(&self, full_name: &str, branch: &str) -> BTreeMap<String, Vec<u8>> {
        self.with_repo(full_name, |r| {
            let Some((tip, _)) = r.refs.get(&format!("heads/{branch}")).cloned() else {
                return BTreeMap::new();
            };
            let tree = r.git.tree_of(&tip);
            let mut flat = BTreeMap::new();
            r.git.flatten(&tree, "", &mut flat);
            flat.into_iter()
                .map(|(path, (_, sha))| {
                    let bytes = r.git.blobs.get(&sha).cloned().unwrap_or_default();
                    (path, bytes)
                })
                .collect()
        })
    }

    /// The first-parent history of a branch, newest first.
    pub fn branch_history(&self, full_name: &str, branch: &str) -> Vec<String> {
        self.with_repo(full_name, |r| {
            let mut out = Vec::new();
            let mut next = r
                .refs
                .get(&format!("heads/{branch}"))
                .map(|(s, _)| s.clone());
            while let Some(sha) = next {
                next = r.commits.get(&sha).and_then(|c| c.parents.first().cloned());
                out.push(sha);
            }
            out
        })
    }
}

fn tree_json(base: &str, full: &str, objects: &GitObjects, sha: &str, recursive: bool) -> Value {
    fn walk(
        base: &str,
        full: &str,
        objects: &GitObjects,
        sha: &str,
        prefix: &str,
        recursive: bool,
        out: &mut Vec<Value>,
    ) {
        for e in objects.trees.get(sha).into_iter().flatten() {
            let path = format!("{prefix}{}", e.name);
            let mut v = json!({
                "path": path, "mode": e.mode, "type": e.kind, "sha": e.sha,
                "url": format!("{base}/repos/{full}/git/{}s/{}", e.kind, e.sha),
            });
            if e.kind == "blob" {
                v["size"] = json!(objects.blobs.get(&e.sha).map_or(0, Vec::len));
            }
            out.push(v);
            if recursive && e.kind == "tree" {
                walk(base, full, objects, &e.sha, &format!("{path}/"), true, out);
            }
        }
    }
    let mut entries = Vec::new();
    walk(base, full, objects, sha, "", recursive, &mut entries);
    json!({
        "sha": sha, "url": format!("{base}/repos/{full}/git/trees/{sha}"),
        "tree": entries, "truncated": false
    })
}

fn person(v: Option<&Value>, now: u64) -> Value {
    let get = |k: &str, d: &str| {
        v.and_then(|p| p.get(k))
            .and_then(Value::as_str)
            .unwrap_or(d)
            .to_owned()
    };
    json!({
        "name": get("name", "github-actions[bot]"),
        "email": get("email", "41898282+github-actions[bot]@users.noreply.github.com"),
        "date": get("date", &rfc3339(now)),
    })
}

fn commit_json(base: &str, full: &str, c: &Commit, tree: &str, author: &Value) -> Value {
    json!({
        "sha": c.sha, "node_id": format!("C_{}", c.sha),
        "url": format!("{base}/repos/{full}/git/commits/{}", c.sha),
        "html_url": format!("{base}/html/{full}/commit/{}", c.sha),
        "author": author, "committer": author, "message": c.message,
        "tree": {"sha": tree, "url": format!("{base}/repos/{full}/git/trees/{tree}")},
        "parents": c.parents.iter().map(|p| json!({
            "sha": p, "url": format!("{base}/repos/{full}/git/commits/{p}"),
            "html_url": format!("{base}/html/{full}/commit/{p}")
        })).collect::<Vec<_>>(),
        "verification": {"verified": false, "reason": "unsigned", "signature": Value::Null, "payload": Value::Null}
    })
}

/// A path GitHub accepts in a tree: no empty, `.` or `..` component.
fn valid_path(path: &str) -> bool {
    !path.is_empty()
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Answers a Git Data API request, or `None` when it is not one.
pub(crate) fn route(
    repo: &mut RepoState,
    base: &str,
    full: &str,
    rest: &[&str],
    req: &RecordedRequest,
    body: &Value,
    now: u64,
) -> Option<Reply> {
    let objects = &mut repo.git;
    Some(match (req.method.as_str(), rest) {
        ("POST", ["git", "blobs"]) => {
            let Some(content) = body.get("content").and_then(Value::as_str) else {
                return Some(Reply::error(422, "Invalid request: content is required"));
            };
            let bytes = match body.get("encoding").and_then(Value::as_str) {
                Some("base64") => match base64::engine::general_purpose::STANDARD
                    .decode(content.replace(['\n', '\r'], ""))
                {
                    Ok(b) => b,
                    Err(_) => {
                        return Some(Reply::error(
                            422,
                            "Invalid request: content is not valid Base64",
                        ));
                    }
                },
                None | Some("utf-8") => content.as_bytes().to_vec(),
                Some(_) => {
                    return Some(Reply::error(
                        422,
                        "Invalid request: encoding is not included in the list",
                    ));
                }
            };
            let sha = objects.put_blob(bytes);
            Reply::json(
                201,
                json!({"sha": sha, "url": format!("{base}/repos/{full}/git/blobs/{sha}")}),
            )
        }
        ("GET", ["git", "blobs", sha]) => match objects.blobs.get(*sha) {
            Some(bytes) => {
                // GitHub wraps the Base64 at 60 columns.
                let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
                let wrapped: Vec<&str> = encoded
                    .as_bytes()
                    .chunks(60)
                    .map(|c| std::str::from_utf8(c).unwrap_or_default())
                    .collect();
                Reply::json(
                    200,
                    json!({
                        "sha": sha, "node_id": format!("B_{sha}"), "size": bytes.len(),
                        "url": format!("{base}/repos/{full}/git/blobs/{sha}"),
                        "content": format!("{}\n", wrapped.join("\n")), "encoding": "base64"
                    }),
                )
            }
            None => Reply::error(404, "Not Found"),
        },
        ("POST", ["git", "trees"]) => {
            let Some(items) = body.get("tree").and_then(Value::as_array) else {
                return Some(Reply::error(422, "Invalid request: tree is required"));
            };
            let mut files = BTreeMap::new();
            if let Some(bt) = body.get("base_tree").and_then(Value::as_str) {
                if !objects.trees.contains_key(bt) {
                    return Some(Reply::error(422, "Invalid tree info"));
                }
                objects.flatten(bt, "", &mut files);
            }
            for item in items {
                let Some(path) = item.get("path").and_then(Value::as_str) else {
                    return Some(Reply::error(422, "Invalid request: tree.path is required"));
                };
                if !valid_path(path) {
                    return Some(Reply::error(
                        422,
                        "tree.path contains a malformed path component",
                    ));
                }
                let mode = item
                    .get("mode")
                    .and_then(Value::as_str)
                    .unwrap_or(BLOB_MODE);
                let kind = item.get("type").and_then(Value::as_str).unwrap_or("blob");
                let sha = match (item.get("sha"), item.get("content").and_then(Value::as_str)) {
                    (Some(Value::Null), _) => None,
                    (Some(Value::String(s)), _) => Some(s.clone()),
                    (None, Some(content)) => Some(objects.put_blob(content.as_bytes().to_vec())),
                    _ => {
                        return Some(Reply::error(
                            422,
                            "Invalid request: tree.sha or tree.content is required",
                        ));
                    }
                };
                let under = format!("{path}/");
                match sha {
                    None => {
                        // A deleted path, or everything under a deleted directory.
                        files.retain(|p, _| p != path && !p.starts_with(&under));
                    }
                    Some(sha) if kind == "tree" => {
                        if !objects.trees.contains_key(&sha) {
                            return Some(Reply::error(
                                422,
                                &format!("tree.sha {sha} is not a valid tree"),
                            ));
                        }
                        files.retain(|p, _| !p.starts_with(&under));
                        let mut sub = BTreeMap::new();
                        objects.flatten(&sha, &under, &mut sub);
                        files.extend(sub);
                    }
                    Some(sha) => {
                        if !objects.blobs.contains_key(&sha) {
                            return Some(Reply::error(
                                422,
                                &format!("tree.sha {sha} is not a valid blob"),
                            ));
                        }
                        files.insert(path.to_owned(), (mode.to_owned(), sha));
                    }
                }
            }
            let sha = objects.build(&files);
            Reply::json(201, tree_json(base, full, objects, &sha, false))
        }
        ("GET", ["git", "trees", sha]) => {
            if !objects.trees.contains_key(*sha) {
                return Some(Reply::error(404, "Not Found"));
            }
            let recursive = req.query.split('&').any(|kv| {
                kv.starts_with("recursive=") && kv != "recursive=0" && kv != "recursive=false"
            });
            Reply::json(200, tree_json(base, full, objects, sha, recursive))
        }
        ("POST", ["git", "commits"]) => {
            let (Some(message), Some(tree)) = (
                body.get("message").and_then(Value::as_str),
                body.get("tree").and_then(Value::as_str),
            ) else {
                return Some(Reply::error(
                    422,
                    "Invalid request: message and tree are required",
                ));
            };
            if !objects.trees.contains_key(tree) {
                return Some(Reply::error(422, "Tree SHA does not exist"));
            }
            let parents = crate::routes::string_list(body.get("parents"));
            if parents.iter().any(|p| !repo.commits.contains_key(p)) {
                return Some(Reply::error(
                    422,
                    "Parent SHA does not exist or is not a commit object",
                ));
            }
            let author = person(body.get("author"), now);
            let committer = person(body.get("committer").or(body.get("author")), now);
            let sha = blob_sha(
                format!("commit\n{tree}\n{parents:?}\n{author}\n{committer}\n{message}").as_bytes(),
            );
            let c = Commit {
                sha: sha.clone(),
                message: message.to_owned(),
                parents,
                author: author["name"].as_str().unwrap_or_default().to_owned(),
                at: now,
            };
            let out = commit_json(base, full, &c, tree, &author);
            repo.git.commit_trees.insert(sha.clone(), tree.to_owned());
            repo.commits.entry(sha).or_insert(c);
            Reply::json(201, out)
        }
        ("GET", ["git", "commits", sha]) => {
            let Some(c) = repo.commits.get(*sha).cloned() else {
                return Some(Reply::error(404, "Not Found"));
            };
            let tree = repo.git.tree_of(sha);
            let author = person(None, c.at);
            Reply::json(200, commit_json(base, full, &c, &tree, &author))
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trees_nest_and_flatten_back() {
        let mut o = GitObjects::default();
        let a = o.put_blob(b"a".to_vec());
        let b = o.put_blob(b"b".to_vec());
        let files: BTreeMap<String, (String, String)> = [
            (
                "coverage/ab/x.json".to_owned(),
                (BLOB_MODE.to_owned(), a.clone()),
            ),
            (
                "coverage/cd/y.json".to_owned(),
                (BLOB_MODE.to_owned(), b.clone()),
            ),
            ("README".to_owned(), (BLOB_MODE.to_owned(), a.clone())),
        ]
        .into();
        let root = o.build(&files);
        assert_eq!(o.build(&files), root, "content-addressed");
        let mut back = BTreeMap::new();
        o.flatten(&root, "", &mut back);
        assert_eq!(back, files);
        assert_eq!(o.trees[&root].len(), 2);
        assert!(valid_path("a/b.json"));
        assert!(!valid_path("a//b") && !valid_path("/a") && !valid_path("a/../b"));
    }
}
